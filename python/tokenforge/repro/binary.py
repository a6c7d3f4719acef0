"""Binary BPE (Bommarito 2025, "Binary BPE: A Family of Cross-Platform Tokenizers for Binary Analysis"):
held-out bytes/token per vocabulary size and executable format, and the share of the vocabulary used.

Paper: nested 4K–64K families trained on ~GBs of executables of many platforms; 4K ≈ 2.0 … 64K 2.89 bytes/token,
67.2% of the 64K vocabulary used. Here: one nested family (4K–64K) trained with our Binary BPE on ELF files of
/usr/bin and the PE launchers pip and setuptools ship (`*.exe`), one file in five held out.

    tokenforge repro binary          # nothing to install on Debian with pip
"""

from __future__ import annotations

import sysconfig
from collections.abc import Sequence
from pathlib import Path

from tokenforge.corpus.executables import detect_format
from tokenforge.repro.common import DataMissing, Report, Repro
from tokenforge.repro.sources import split
from tokenforge.training.binary import binary_report, train_binary_family

VOCAB_SIZES = (4096, 8192, 16384, 32768, 65536)
PAPER = {4096: "≈2.0", 65536: "2.89"}
ELF_DIR = Path("/usr/bin")
MAX_FILE = 2 << 20
TRAIN_BYTES = 12 << 20


def executables(budget: int = TRAIN_BYTES) -> list[Path]:
    """ELF files of /usr/bin (name order, ≤ 2 MiB each, about `budget` bytes) and every PE launcher in
    site-packages."""
    pe = sorted(Path(sysconfig.get_paths()["purelib"]).glob("*/**/*.exe"))
    out, total = [], 0
    for p in sorted(ELF_DIR.iterdir()):
        if total >= budget:
            break
        if p.is_symlink() or not p.is_file() or p.stat().st_size > MAX_FILE:
            continue
        with p.open("rb") as f:
            if detect_format(f.read(64)) != "elf":
                continue
        out.append(p)
        total += p.stat().st_size
    if not out:
        raise DataMissing(f"{ELF_DIR}: no ELF executables to learn from")
    return out + pe


def measure(files: Sequence[Path], vocab_sizes=VOCAB_SIZES, data: str = "") -> Report:
    """Trains the nested family on the files not held out and reports each member on the held-out ones."""
    train, held = split(list(files), key=lambda p: p.name)
    size = sum(p.stat().st_size for p in train)
    report = Report(
        "binary",
        "Binary BPE: held-out bytes/token and vocabulary use by size and format",
        data,
        f"{len(train)} files ({size / 1e6:.1f} MB) training, {len(held)} files held out; "
        f"nested family {', '.join(f'{v:,}' for v in vocab_sizes)}",
    )
    family = train_binary_family(train, vocab_sizes)
    for v, tok in family.items():
        for kind, row in sorted(binary_report(tok, held).items()):
            report.add(
                f"{v:,}, {kind} ({row['files']} files, {row['bytes'] / 1e6:.1f} MB)",
                PAPER.get(v, "") + (" bytes/token" if v in PAPER else ""),
                f"{row['bytes_per_token']:.2f} bytes/token, {row['vocab_utilization']:.1%} of the vocab used",
                "paper: 67.2% used at 64K" if v == 65536 else "",
            )
    return report


def run() -> Report:
    """The family on this machine's executables."""
    return measure(executables(), data=f"ELF: {ELF_DIR} (Debian 12 packages); PE: pip/setuptools launchers (*.exe)")


REPRO = Repro("binary", "Binary BPE bytes/token per size and format", "Bommarito 2025", "(none)", run)
