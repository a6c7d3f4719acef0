"""Crosslingual token premiums (Petrov et al. 2023, "Language Model Tokenizers Introduce Unfairness Between
Languages"; Arnett et al. 2025, "Explaining and Mitigating Crosslingual Tokenizer Inequities"): with comparable
monolingual tokenizers, how many more tokens the same content takes in each language than in English, as the
vocabulary grows and with SuperBPE.

Paper (Arnett et al.): ~7,000 monolingual tokenizers, 97 languages; as the vocabulary grows the distribution of
corpus token counts shifts down and narrows, and superword (SuperBPE) tokenizers reduce the premiums. Here: one
BPE per language and setting, all trained on the same content — the paragraphs of Debian's Administrator's
Handbook translated into every one of 11 languages, aligned by page and position — and measured on the aligned
paragraphs held out (one in four, by the English paragraph's hash).

    apt-get install debian-handbook
    tokenforge repro crosslingual
"""

from __future__ import annotations

import statistics

from tokenforge.repro.common import Report, Repro
from tokenforge.repro.sources import INSTALL_HANDBOOK, held_out, parallel
from tokenforge.training.api import train_from_iterator

LOCALES = ("en-US", "de-DE", "es-ES", "fr-FR", "it-IT", "pt-BR", "ru-RU", "ja-JP", "zh-CN", "ar-MA", "id-ID")
#: (label, vocab size, algorithm options)
SETTINGS = (
    ("BPE 1k", 1000, {}),
    ("BPE 2k", 2000, {}),
    ("BPE 4k", 4000, {}),
    ("BPE 8k", 8000, {}),
    ("SuperBPE 4k (t = 2k)", 4000, {"algorithm": "superbpe", "transition": 2000}),
    ("SuperBPE 8k (t = 4k)", 8000, {"algorithm": "superbpe", "transition": 4000}),
)
PAPER = {
    "BPE 1k": "premiums fall and narrow as the vocabulary grows",
    "SuperBPE 4k (t = 2k)": "SuperBPE reduces premiums and compresses better",
}


def measure(texts: dict[str, list[str]], pivot: str, settings=SETTINGS, every: int = 4, data: str = "") -> Report:
    """Premiums (tokens / the pivot's tokens on the held-out aligned paragraphs) of per-language tokenizers for
    each setting: mean, spread (standard deviation) and the largest."""
    keep = [held_out(p, every) for p in texts[pivot]]
    train = {lang: [p for p, k in zip(ps, keep) if not k] for lang, ps in texts.items()}
    held = {lang: [p for p, k in zip(ps, keep) if k] for lang, ps in texts.items()}
    report = Report(
        "crosslingual",
        "token premiums of monolingual tokenizers on parallel text",
        data,
        f"{len(texts)} languages; {sum(keep)} aligned paragraphs held out "
        f"({sum(len(p.encode()) for p in held[pivot]) / 1e3:.0f} KB in {pivot}), {len(keep) - sum(keep)} for training "
        "each tokenizer",
    )
    for label, vocab, options in settings:
        counts = {}
        for lang in texts:
            tok = train_from_iterator(train[lang], vocab, **options)
            counts[lang] = sum(map(len, tok.encode_batch(held[lang])))
        premiums = {lang: n / counts[pivot] for lang, n in counts.items() if lang != pivot}
        worst = max(premiums, key=premiums.get)
        report.add(
            label,
            PAPER.get(label, ""),
            f"mean {statistics.mean(premiums.values()):.2f}, sd {statistics.pstdev(premiums.values()):.2f}, "
            f"max {premiums[worst]:.2f} ({worst}); {pivot} tokens {counts[pivot]:,}",
        )
    return report


def run() -> Report:
    """On the handbook's paragraphs translated into all of `LOCALES`."""
    texts = parallel(list(LOCALES))
    return measure(texts, "en-US", data="debian-handbook (Debian 12): paragraphs translated into every locale")


REPRO = Repro("crosslingual", "token premiums vs vocab size and SuperBPE", "Arnett et al. 2025", INSTALL_HANDBOOK, run)
