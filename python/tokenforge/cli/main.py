"""Entry point of the `tokenforge` command: builds the parser and turns errors into one-line messages.

Exit codes: 0 success, 1 an error in the input or the files (message on stderr), 2 a usage error,
130 interrupted (Ctrl-C), 141 standard output closed early (e.g. `| head`), as for tools killed by SIGPIPE.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from tokenforge import __version__
from tokenforge.cli import (
    charbench,
    decode,
    demo,
    encode,
    eval,
    export,
    extend,
    info,
    mixture,
    repro,
    serve,
    signal,
    tokenize,
    train,
)
from tokenforge.errors import TokenforgeError

COMMANDS = (train, extend, encode, decode, info, export, demo, tokenize, mixture, eval, charbench, serve, signal, repro)
EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="tokenforge", description="Train, apply and inspect byte-level BPE tokenizers."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub)
    return parser


def error_message(e: Exception) -> str:
    """The one-line message for an error: ours carry their own; an OSError names its file."""
    if isinstance(e, OSError) and not isinstance(e, TokenforgeError) and e.filename and e.strerror:
        return f"{e.filename}: {e.strerror}"
    return str(e)


def _silence_stdout() -> None:
    # Python flushes stdout at exit; with the reader gone that would fail again, so point it at /dev/null.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Runs `tokenforge` with `argv` (default: the process arguments) and returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (TokenforgeError, OSError) as e:
        print(f"tokenforge: error: {error_message(e)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
