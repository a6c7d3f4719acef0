"""The core package and its text commands never import PyTorch (only `tokenforge signal` does)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import contextlib, io, sys
import tokenforge
from tokenforge.cli.main import build_parser, main
build_parser()
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["demo"]) == 0
    for argv in (["--help"],):
        try:
            main(argv)
        except SystemExit:
            pass
loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith(("torch.", "tokenforge.signal")))
print(loaded)
"""


def test_core_and_its_cli_do_not_import_torch():
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip().splitlines()[-1] == "[]"
