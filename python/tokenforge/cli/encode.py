"""`tokenforge encode -t TOK [FILE]`: one line of text in, one line of token ids (or a count) out."""

from __future__ import annotations

import argparse
import sys

from tokenforge.cli.common import (
    STDIN,
    add_tokenizer_args,
    decode_lines,
    input_name,
    line_batches,
    load_tokenizer,
    open_input,
    repr_token,
)
from tokenforge.errors import PretokenizerError


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `encode` subcommand."""
    p = sub.add_parser(
        "encode",
        help="turn text into token ids, one document per line",
        description="Encode each line of FILE (or standard input) as one document and print its token ids, "
        "space-separated, one line per input line. Line ends are not part of the text. Special-token strings "
        "are encoded as plain text unless --allow-special is given.",
    )
    add_tokenizer_args(p)
    p.add_argument("file", nargs="?", default=STDIN, metavar="FILE", help="UTF-8 text (default: standard input)")
    p.add_argument(
        "--allow-special",
        action="store_true",
        help="map special-token strings in the text to their ids (default: treat them as plain text)",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--count", action="store_true", help="print the number of tokens of each line instead")
    what.add_argument("--total", action="store_true", help="print only the total number of tokens")
    what.add_argument(
        "--show-tokens",
        action="store_true",
        help="print each line's tokens as quoted text ('Hello' ' world'; other bytes as \\xNN) instead of ids",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Encodes line batches with `Tokenizer.encode_batch` and prints them as they come."""
    tok = load_tokenizer(args)
    allowed = "all" if args.allow_special else None
    name = input_name(args.file)
    total = 0
    with open_input(args.file) as f:
        for first, lines in line_batches(f):
            try:
                batch = tok.encode_batch(decode_lines(lines, first, name), allowed_special=allowed)
            except PretokenizerError as e:
                raise PretokenizerError(f"{name}: lines {first}-{first + len(lines) - 1}: {e}") from None
            total += sum(len(ids) for ids in batch)
            if args.total:
                continue
            if args.count:
                sys.stdout.write("".join(f"{len(ids)}\n" for ids in batch))
            elif args.show_tokens:
                sys.stdout.write("".join(" ".join(repr_token(tok.token_bytes(i)) for i in ids) + "\n" for ids in batch))
            else:
                sys.stdout.write("".join(" ".join(map(str, ids)) + "\n" for ids in batch))
            sys.stdout.flush()
    if args.total:
        print(total)
    return 0
