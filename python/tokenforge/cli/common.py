"""Helpers the subcommands share: the tokenizer arguments, line-oriented input, readable tokens."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from rich.table import Table
from rich.text import Text

from tokenforge.corpus import CorpusOptions
from tokenforge.corpus.options import INVALID_UTF8_MODES
from tokenforge.errors import CorpusError, InputFileError
from tokenforge.loading import load_any
from tokenforge.tokenizer import Tokenizer

STDIN = "-"
BLOCK = 1 << 20


def add_tokenizer_args(parser: argparse.ArgumentParser) -> None:
    """Adds `-t/--tokenizer` and `--pattern` (for .tiktoken files) to a subcommand."""
    parser.add_argument(
        "-t",
        "--tokenizer",
        required=True,
        metavar="PATH",
        help="a tokenforge directory or tokenforge.json, a Hugging Face tokenizer.json (or a directory holding one), "
        "or a .tiktoken file (with --pattern)",
    )
    parser.add_argument(
        "--pretokenizer",
        "--pattern",
        dest="pattern",
        metavar="P",
        help="pre-tokenizer of a .tiktoken file: gpt2, gpt4, o200k, none or a regex",
    )


def load_tokenizer(args: argparse.Namespace) -> Tokenizer:
    """The tokenizer named by `-t` (and `--pattern`)."""
    return load_any(args.tokenizer, args.pattern)


def add_corpus_args(parser: argparse.ArgumentParser, split_lines: bool = False) -> None:
    """Adds how a corpus is read (`--text-field`, `--split-lines`, `--on-invalid-utf8`) to a subcommand;
    `split_lines` is the default of `--split-lines` (then `--no-split-lines` turns it off)."""
    parser.add_argument("--text-field", default="text", metavar="F", help="text field of .jsonl/.parquet records")
    if split_lines:
        parser.add_argument(
            "--split-lines",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="each line of a text file is one document (default; --no-split-lines: the whole file is one)",
        )
    else:
        parser.add_argument("--split-lines", action="store_true", help="each line of a text file is one document")
    parser.add_argument(
        "--on-invalid-utf8",
        choices=INVALID_UTF8_MODES,
        default="error",
        help="invalid UTF-8 in a text file: stop with an error (default), replace it with U+FFFD, or skip it",
    )


def corpus_options(args: argparse.Namespace) -> CorpusOptions:
    """The corpus options `add_corpus_args` parsed."""
    return CorpusOptions(text_field=args.text_field, split_lines=args.split_lines, on_invalid_utf8=args.on_invalid_utf8)


def check_writable(*paths: str | None) -> None:
    """Fails at once (before any work) for an output path that cannot be written: an existing file or
    directory must be writable; a new one needs its nearest existing ancestor to be a writable directory."""
    for path in paths:
        if path is None:
            continue
        target = Path(path).absolute()
        existing = target
        while not existing.exists():
            existing = existing.parent
        if existing != target and not existing.is_dir():
            raise InputFileError(f"{path}: cannot write: {existing} is not a directory")
        if not os.access(existing, os.W_OK | (os.X_OK if existing.is_dir() else 0)):
            raise InputFileError(f"{path}: cannot write: permission denied on {existing}")


def split_name_path(spec: str) -> tuple[str, str] | None:
    """`NAME=PATH` as `(NAME, PATH)`, or None when `spec` is not of that form."""
    name, sep, path = spec.partition("=")
    return (name, path) if sep and name and path else None


def input_name(path: str) -> str:
    """How an input is named in messages."""
    return "<stdin>" if path == STDIN else path


@contextmanager
def open_input(path: str) -> Iterator[BinaryIO]:
    """The file at `path` opened for binary reading, or standard input for "-"."""
    if path == STDIN:
        yield sys.stdin.buffer
        return
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, expected a file") from None
    except OSError as e:
        raise InputFileError(f"{path}: cannot read: {e.strerror}") from None
    with f:
        yield f


def line_batches(f: BinaryIO, block: int = BLOCK) -> Iterator[tuple[int, list[bytes]]]:
    """`(number of the first line, lines)` batches of `f`, line ends ("\\n" or "\\r\\n") removed.

    A batch holds the complete lines of whatever has arrived (up to `block` bytes), so a pipe is handled in large
    batches and a terminal line by line. A line longer than a block is gathered without quadratic copying.
    """
    pending: list[bytes] = []
    lineno = 1
    while True:
        chunk = f.read1(block)
        if not chunk:
            break
        cut = chunk.rfind(b"\n")
        if cut < 0:
            pending.append(chunk)
            continue
        lines = b"".join([*pending, chunk[:cut]]).split(b"\n")
        pending = [chunk[cut + 1 :]]
        yield lineno, [line.removesuffix(b"\r") for line in lines]
        lineno += len(lines)
    rest = b"".join(pending)
    if rest:
        yield lineno, [rest.removesuffix(b"\r")]


def decode_lines(lines: list[bytes], first: int, name: str) -> list[str]:
    """The lines as text; invalid UTF-8 is an error naming the input, line and byte."""
    texts = []
    for n, line in enumerate(lines, first):
        try:
            texts.append(line.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise CorpusError(f"{name}: line {n}: invalid UTF-8 at byte {e.start} of the line") from None
    return texts


def pretokenizer_name(tok: Tokenizer) -> str:
    """The pre-tokenizer's preset name, or "regex" for a custom pattern."""
    return "regex" if tok.pretokenizer == tok.pattern else tok.pretokenizer


def plural(n: int, word: str) -> str:
    """`n` and `word`, with an "s" unless `n` is 1: "1 file", "2,048 files"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def show_token(token: bytes) -> str:
    """A token's bytes as readable text: UTF-8 shown as is, other bytes as \\xNN, controls escaped (\\n, \\t)."""
    out = []
    for ch in token.decode("utf-8", errors="surrogateescape"):
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def is_word(token: bytes) -> bool:
    """Whether a token is letters only, after an optional leading space."""
    return token.removeprefix(b" ").decode("utf-8", errors="replace").isalpha()


def longest_tokens_table(tok: Tokenizer, n: int, words_only: bool = False) -> Table:
    """A table of the `n` longest ordinary tokens (by bytes; special and added tokens left out), optionally
    only those that are words (`is_word`)."""
    tokens = [item for item in ordinary_tokens(tok) if is_word(item[1])] if words_only else ordinary_tokens(tok)
    longest = sorted(tokens, key=lambda item: (-len(item[1]), item[0]))[:n]
    title = f"{len(longest)} longest {'word tokens' if words_only else 'tokens'}"
    table = Table(title=title, title_justify="left")
    table.add_column("id", justify="right")
    table.add_column("bytes", justify="right")
    table.add_column("token")
    for i, token in longest:
        table.add_row(str(i), str(len(token)), Text(repr_token(token)))
    return table


def ordinary_tokens(tok: Tokenizer) -> list[tuple[int, bytes]]:
    """`(id, bytes)` of every token that is neither special nor added."""
    reserved = set(tok.special_tokens.values()) | set(tok.added_tokens.values())
    return [(i, t) for i, t in enumerate(tok.vocab()) if i not in reserved]


def repr_token(token: bytes) -> str:
    """`show_token` between quotes, so leading and trailing spaces show."""
    return f"'{show_token(token)}'"
