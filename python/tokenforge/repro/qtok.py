"""Qtok (Chelombitko et al. 2024, "Qtok: A Comprehensive Framework for Evaluating Multilingual Tokenizer Quality
in Large Language Models"): vocabulary categories of the published vocabularies qtok ships.

Paper: Llama-3 has 55,444 "spaced alpha" tokens (a leading space, then letters of one script). Here: our
composition categories (`tokenforge eval`'s `composition`) for the 13 vocabularies in qtok's data file, next to
qtok's own classifier run on the same file when qtok's code can be imported (it needs `tqdm`). Our categories
are not qtok's: a spaced token is `word_initial` (two or more characters after the space, any characters) or
`single_char` (space + one character); qtok splits spaced tokens by script instead. So the comparable totals are
qtok's spaced (alpha + other + errors) vs our word-initial + spaced single characters.

    pip install --no-deps qtok==0.11.0        # the vocabularies (data only; add tqdm to run qtok's classifier)
    tokenforge repro qtok
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

from tokenforge.interop.bytelevel import from_unicode
from tokenforge.metrics.adapters import VocabEntry
from tokenforge.metrics.composition import category, composition
from tokenforge.repro.common import Report, Repro
from tokenforge.repro.sources import INSTALL_QTOK, qtok_vocabularies

PAPER = {"llama-3": "55,444 spaced alpha"}
#: qtok writes a byte that is not UTF-8 on its own as `<0y` + its GPT-2 byte-level character + `>`.
PARTIAL = re.compile(r"<0y(.)>")
CONTROL = re.compile(r"<\|.*\|>|<[a-zA-Z_/][^<>\s]*>|\[[A-Z_/]+\]|>>[A-Z_]+<<")


def entry(i: int, token: str) -> VocabEntry:
    """A qtok vocabulary string as a `VocabEntry`: `<0yX>` back to its byte, `▁` as a space, special tokens as
    control entries."""
    if CONTROL.fullmatch(token):
        return VocabEntry(i, b"", control=True)
    surface = b""
    pos = 0
    for m in PARTIAL.finditer(token):
        surface += token[pos : m.start()].encode() + (from_unicode(m.group(1)) or m.group(0).encode())
        pos = m.end()
    surface += token[pos:].replace("\u2581", " ").encode()
    return VocabEntry(i, surface, word_initial=surface.startswith(b" "))


def spaced(entries: list[VocabEntry]) -> int:
    """Our count of qtok's spaced tokens: word-initial entries and single characters after a space."""
    return sum(
        e.word_initial and category(e) in ("word_initial", "single_char") and len(e.surface) > 1 for e in entries
    )


def qtok_counts(vocab: dict[str, int]) -> Counter | None:
    """qtok's own top-level categories for a vocabulary, or None when its code cannot be imported."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        from qtok.qtoklib.classification import get_classification
    except ImportError:
        return None
    token2meta, _ = get_classification(vocab)
    return Counter(meta[0] for meta in token2meta.values())


def measure(vocabularies: dict[str, dict[str, int]], data: str = "") -> Report:
    """Our categories for each vocabulary, qtok's spaced counts beside them."""
    report = Report(
        "qtok",
        "vocabulary categories of published tokenizers",
        data,
        f"{len(vocabularies)} vocabularies, {sum(map(len, vocabularies.values())):,} entries",
    )
    for model, vocab in vocabularies.items():
        entries = [entry(i, t) for t, i in vocab.items()]
        cats = composition(entries)["categories"]
        theirs = qtok_counts(vocab)
        reference = (
            f"qtok code: {theirs['spaced_alpha']:,} spaced alpha, "
            f"{theirs['spaced_alpha'] + theirs['spaced_other'] + theirs['spaced_errors']:,} spaced in all"
            if theirs is not None
            else "(qtok code not importable)"
        )
        report.add(
            f"{model} ({len(vocab):,})",
            PAPER.get(model, ""),
            f"{spaced(entries):,} spaced (word-initial {cats['word_initial']:,} + spaced single chars); "
            + ", ".join(f"{k} {v:,}" for k, v in cats.items()),
            reference,
        )
    return report


def run() -> Report:
    """On the vocabularies in qtok's data file."""
    path = qtok_vocabularies()
    return measure(json.loads(Path(path).read_text(encoding="utf-8")), data=f"pip qtok==0.11.0: {path.name}")


REPRO = Repro(
    "qtok", "vocabulary categories (Qtok) of published vocabularies", "Chelombitko et al. 2024", INSTALL_QTOK, run
)
