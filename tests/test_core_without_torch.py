"""The core package and its text commands never import PyTorch (only `tokenforge signal` does)."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import contextlib, io, sys
import tokenforge
from tokenforge.cli.main import build_parser, main
build_parser()
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["demo"]) == 0
    for argv in (["--help"], ["signal", "--help"], ["signal", "train", "--help"], ["signal", "eval", "--help"]):
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


def test_signal_without_torch_says_what_to_install(tmp_path):
    # a `torch` that fails to import, as on an installation without the extra
    (tmp_path / "torch.py").write_text("raise ImportError('No module named torch')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *(p for p in sys.path if p)])}
    argv = [sys.executable, "-m", "tokenforge.cli", "signal", "train", "--kind", "vq2d"]
    argv += ["--data", str(tmp_path), "-o", str(tmp_path / "o")]
    run = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 1
    assert run.stderr == "tokenforge: error: tokenforge signal needs PyTorch: pip install 'tokenforge[signal]'\n"
