"""`tokenforge export -t TOK --format huggingface|tiktoken|sentencepiece -o OUT`: write any tokenizer tokenforge
reads in another library's format."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from tokenforge.cli.common import add_tokenizer_args, check_writable, load_tokenizer
from tokenforge.tokenizer import Tokenizer

#: Each format and how a tokenizer is written in it (to a directory for huggingface, a file for the others).
FORMATS: dict[str, Callable[[Tokenizer, str], Path]] = {
    "huggingface": Tokenizer.save_huggingface,
    "tiktoken": Tokenizer.save_tiktoken,
    "sentencepiece": Tokenizer.save_sentencepiece,
}


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `export` subcommand."""
    p = sub.add_parser(
        "export",
        help="write a tokenizer in another library's format",
        description="Write any tokenizer tokenforge reads as a Hugging Face tokenizer.json (+ tokenizer_config.json; "
        "OUT is a directory), a .tiktoken rank file or a sentencepiece .model (OUT is the file). A format that "
        "cannot represent the tokenizer is refused with the reason.",
    )
    add_tokenizer_args(p)
    p.add_argument("--format", required=True, choices=tuple(FORMATS), help="the format to write")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write it")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Loads the tokenizer and writes it in the format asked for."""
    check_writable(args.output)
    tok = load_tokenizer(args)
    written = FORMATS[args.format](tok, args.output)
    print(f"wrote {tok.vocab_size:,} tokens as {args.format} to {written}")
    return 0
