"""Code tokenization (the Tokompiler / HPC-code papers, Kadosh et al. 2023: BPE trained with a prose pattern cuts
identifiers and operators at arbitrary places and glues them to punctuation; anonymising identifiers helps a
model learn the structure of code): our `code` pre-tokenizer vs `gpt4` on the Python standard library and C
headers, and the `code` pre-tokenizer on anonymised code (`tokenforge.corpus.identifiers`).

Papers: no single number to match; the claim is that identifiers and operators should be units. Measured here on
held-out files (one in five by path hash), same vocabulary size: bytes/token; the share of identifier occurrences
whose start and end are token boundaries ("aligned"; a space before it may share its token) and that are one
token ("whole").

    tokenforge repro code          # Python's standard library and /usr/include (libc6-dev) on Debian
"""

from __future__ import annotations

import re
import sysconfig
from pathlib import Path

import numpy as np

from tokenforge.corpus.identifiers import anonymize
from tokenforge.repro.common import DataMissing, Report, Repro
from tokenforge.repro.sources import split
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator

VOCAB_SIZE = 8000
MAX_BYTES = 4 << 20
MAX_FILE = 256 << 10
IDENT = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def source_files(root: Path, glob: str, skip: tuple[str, ...] = (), budget: int = MAX_BYTES) -> list[str]:
    """The texts of the files under `root` matching `glob` (path order, each ≤ 256 KiB, about `budget` bytes), none
    under a directory named in `skip`."""
    out, total = [], 0
    for p in sorted(root.glob(glob)):
        if total >= budget:
            break
        if any(part in skip for part in p.parts) or not p.is_file() or p.stat().st_size > MAX_FILE:
            continue
        text = p.read_text(encoding="utf-8", errors="replace")
        out.append(text)
        total += len(text.encode())
    if not out:
        raise DataMissing(f"{root}: no {glob} files (install libc6-dev for /usr/include)")
    return out


def identifier_alignment(tok: Tokenizer, docs: list[str]) -> tuple[float, float]:
    """Shares of identifier occurrences that are aligned with token boundaries, and that are one token."""
    lengths = np.array([len(tok.token_bytes(i)) for i in range(tok.vocab_size)], dtype=np.int64)
    aligned = whole = total = 0
    for doc, ids in zip(docs, tok.encode_batch(docs)):
        data = doc.encode()
        ends = np.cumsum(lengths[ids])
        starts = ends - lengths[ids]
        bounds = set(ends.tolist()) | {0}
        piece_of = dict(zip(starts.tolist(), ends.tolist()))
        for m in IDENT.finditer(data):
            s, e = m.start(), m.end()
            total += 1
            lead = s - 1 if s and data[s - 1] == 0x20 else s
            if e in bounds and (s in bounds or lead in piece_of):
                aligned += 1
                whole += piece_of.get(s) == e or piece_of.get(lead) == e
    return aligned / max(total, 1), whole / max(total, 1)


def measure(languages: dict[str, list[str]], vocab_size: int = VOCAB_SIZE, data: str = "") -> Report:
    """Per language: gpt4 vs code pre-tokenizer, and the code pre-tokenizer on anonymised text."""
    report = Report(
        "code",
        "code pre-tokenizer vs gpt4 on source code",
        data,
        f"BPE {vocab_size:,} per setting; "
        + ", ".join(f"{k}: {sum(len(d.encode()) for d in v) / 1e6:.1f} MB" for k, v in languages.items()),
    )
    for lang, docs in languages.items():
        train, held = split(docs)
        settings = {"gpt4": (train, held, "gpt4"), "code": (train, held, "code")}
        settings["code, anonymised"] = ([anonymize(d) for d in train], [anonymize(d) for d in held], "code")
        for label, (tr, he, pre) in settings.items():
            tok = train_from_iterator(tr, vocab_size, pretokenizer=pre)
            n_bytes = sum(len(d.encode()) for d in he)
            tokens = sum(map(len, tok.encode_batch(he)))
            aligned, whole = identifier_alignment(tok, he)
            report.add(
                f"{lang}, {label}",
                "identifiers and operators should be units" if label == "code" else "",
                f"{n_bytes / tokens:.2f} bytes/token; identifiers aligned {aligned:.1%}, whole {whole:.1%}",
            )
    return report


def run() -> Report:
    """The standard library's modules (no tests) and the C headers of /usr/include."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    languages = {
        "Python stdlib": source_files(stdlib, "**/*.py", skip=("test", "tests", "site-packages", "idle_test")),
        "C headers": source_files(Path("/usr/include"), "**/*.h"),
    }
    return measure(languages, data=f"{stdlib} (Python 3.11), /usr/include (Debian 12 -dev packages)")


REPRO = Repro("code", "code pre-tokenizer vs gpt4 on Python and C", "Kadosh et al. 2023 (Tokompiler)", "(none)", run)
