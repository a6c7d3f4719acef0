"""SuperBPE (Liu et al. 2025, "SuperBPE: Space Travel for Language Models"): held-out tokens saved by SuperBPE
over plain BPE, across vocabulary sizes and transition points.

Paper: 200k vocabulary, transition t = 80k, 10 GB of web text: 4.46 → 6.63 bytes/token, −33% tokens. Here: BPE
with SuperBPE's stage-1 pattern vs SuperBPE at t = 40/60/80% of the vocabulary, trained with our trainers on
English prose from Debian's `debian-handbook` (en-US) and Python's own documentation (`pydoc_data`), one page in
five held out.

    apt-get install debian-handbook
    tokenforge repro superbpe
"""

from __future__ import annotations

import pydoc_data.topics

from tokenforge.repro.common import Report, Repro, pct
from tokenforge.repro.sources import INSTALL_HANDBOOK, handbook_pages, split
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator
from tokenforge.training.superbpe import STAGE1_PATTERN

VOCAB_SIZES = (4000, 8000, 16000)
TRANSITIONS = (0.4, 0.6, 0.8)


def english_documents() -> list[str]:
    """The handbook's English pages and the pydoc topics, one document each."""
    pages = ["\n".join(ps) + "\n" for ps in handbook_pages("en-US").values()]
    return pages + list(pydoc_data.topics.topics.values())


def tokens(tok: Tokenizer, docs: list[str]) -> int:
    """Tokens of the documents, each encoded on its own."""
    return sum(map(len, tok.encode_batch(docs)))


def measure(
    docs: list[str], vocab_sizes=VOCAB_SIZES, transitions=TRANSITIONS, data: str = "", every: int = 5
) -> Report:
    """Trains BPE and SuperBPE on the documents not held out and counts tokens on the held-out ones."""
    train, held = split(docs, every)
    n_bytes = sum(len(d.encode()) for d in held)
    report = Report(
        "superbpe",
        "tokens saved by SuperBPE vs BPE (held-out text)",
        data,
        f"{sum(len(d.encode()) for d in train) / 1e6:.2f} MB training, {n_bytes / 1e6:.2f} MB held out; "
        f"vocab {', '.join(map(str, vocab_sizes))}; transitions {', '.join(f'{t:.0%}' for t in transitions)} of it",
    )
    for v in vocab_sizes:
        bpe = tokens(train_from_iterator(train, v, pretokenizer=STAGE1_PATTERN), held)
        report.add(f"BPE {v:,}", "4.46 bytes/token (200k)", f"{n_bytes / bpe:.2f} bytes/token")
        for frac in transitions:
            t = int(v * frac)
            sup = tokens(train_from_iterator(train, v, algorithm="superbpe", transition=t), held)
            paper = "−33% (t = 80k of 200k)" if frac == transitions[0] else ""
            report.add(f"SuperBPE {v:,}, t = {t:,}", paper, f"{pct(sup / bpe - 1)} ({n_bytes / sup:.2f} bytes/token)")
    return report


def run() -> Report:
    """The sweep on the installed English prose."""
    return measure(english_documents(), data="debian-handbook en-US pages + pydoc_data topics (Python 3.11)")


REPRO = Repro(
    "superbpe", "SuperBPE vs BPE across vocab sizes and transitions", "Liu et al. 2025", INSTALL_HANDBOOK, run
)
