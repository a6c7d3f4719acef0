"""LiB (Yang 2024, "Rethinking Tokenization: Crafting Better Tokenizers for Large Language Models"): the
Less-is-Better memorizer/forgetter lexicon against BPE and Unigram of the same size.

Paper: LiB's lexicon mixes subwords with multiword units and segments text into fewer tokens than BPE of the
same size. Here: our LiB (`algorithm="lib"`), BPE and Unigram (`tokenforge.training.unigram`) trained on the
training side of the SuperBPE reproduction's English prose, all measured on its held-out side: bytes per token
(Unigram: words encoded as `▁word`, line breaks not counted, as sentencepiece drops them) and the share of LiB
units that span a space inside.

    apt-get install debian-handbook
    tokenforge repro lib
"""

from __future__ import annotations

from tokenforge.repro.common import Report, Repro
from tokenforge.repro.sources import INSTALL_HANDBOOK, split
from tokenforge.repro.superbpe import english_documents
from tokenforge.training.api import train_from_iterator
from tokenforge.training.unigram import train_unigram

VOCAB_SIZE = 4000
PAPER = "LiB: fewer tokens than BPE of the same size, with multiword units"


def measure(docs: list[str], vocab_size: int = VOCAB_SIZE, data: str = "") -> Report:
    """LiB, BPE and Unigram trained on the training side of `docs`, measured on the held-out side."""
    train, held = split(docs)
    n_bytes = sum(len(d.encode()) for d in held)
    report = Report(
        "lib",
        "LiB vs BPE and Unigram of the same size",
        data,
        f"vocab {vocab_size:,}; {sum(len(d.encode()) for d in train) / 1e6:.2f} MB training, {n_bytes / 1e6:.2f} MB "
        "held out",
    )
    lib = train_from_iterator(train, vocab_size, algorithm="lib")
    lib_tokens = sum(map(len, lib.encode_batch(held)))
    units = [t.decode("utf-8", "replace") for t in lib.vocab()[256:]]
    spanning = sum(" " in u.strip() for u in units) / max(len(units), 1)
    report.add("LiB", PAPER, f"{n_bytes / lib_tokens:.2f} bytes/token; {spanning:.1%} of units span a space")
    bpe = train_from_iterator(train, vocab_size)
    bpe_tokens = sum(map(len, bpe.encode_batch(held)))
    versus = f"LiB {lib_tokens / bpe_tokens - 1:+.1%}"
    report.add("BPE (gpt4 pattern)", "", f"{n_bytes / bpe_tokens:.2f} bytes/token; {versus}")
    unigram = train_unigram(texts=train, vocab_size=vocab_size)
    words = [f"\u2581{w}" for d in held for w in d.split()]
    uni_tokens = sum(map(len, unigram.encode_batch(words)))
    report.add("Unigram", "", f"{n_bytes / uni_tokens:.2f} bytes/token; LiB {lib_tokens / uni_tokens - 1:+.1%}")
    return report


def run() -> Report:
    """On the handbook's English pages and the pydoc topics."""
    return measure(english_documents(), data="debian-handbook en-US pages + pydoc_data topics (Python 3.11)")


REPRO = Repro("lib", "LiB vs BPE and Unigram", "Yang 2024", INSTALL_HANDBOOK, run)
