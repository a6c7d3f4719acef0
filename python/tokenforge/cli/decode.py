"""`tokenforge decode -t TOK [FILE]`: one line of token ids in, one line of text out."""

from __future__ import annotations

import argparse
import sys

from tokenforge.cli.common import STDIN, add_tokenizer_args, input_name, line_batches, load_tokenizer, open_input
from tokenforge.errors import ConfigError, TokenforgeError

#: Bytes that are not UTF-8 go through decoding unchanged.
RAW = "surrogateescape"


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `decode` subcommand."""
    p = sub.add_parser(
        "decode",
        help="turn token ids back into text, one document per line",
        description="Decode each line of space-separated token ids in FILE (or standard input) and print the "
        "bytes it stands for, followed by a line end.",
    )
    add_tokenizer_args(p)
    p.add_argument("file", nargs="?", default=STDIN, metavar="FILE", help="token ids (default: standard input)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Decodes every line with the model's decoder (bytes that are not UTF-8 written as they are); a bad id is
    an error naming the input and line."""
    tok = load_tokenizer(args)
    name = input_name(args.file)
    out = sys.stdout.buffer
    with open_input(args.file) as f:
        for first, lines in line_batches(f):
            texts = []
            for n, line in enumerate(lines, first):
                try:
                    ids = [int(field) for field in line.split()]
                except ValueError:
                    raise ConfigError(f"{name}: line {n}: expected token ids separated by spaces") from None
                try:
                    texts.append(tok.decode(ids, RAW).encode("utf-8", RAW) + b"\n")
                except TokenforgeError as e:
                    raise type(e)(f"{name}: line {n}: {e}") from None
            out.write(b"".join(texts))
            out.flush()
    return 0
