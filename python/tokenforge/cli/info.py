"""`tokenforge info -t TOK`: what a tokenizer holds, in tables."""

from __future__ import annotations

import argparse
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tokenforge.cli.common import (
    add_tokenizer_args,
    load_tokenizer,
    longest_tokens_table,
    ordinary_tokens,
    pretokenizer_name,
    repr_token,
)
from tokenforge.tokenizer import Tokenizer

LONG = 16
BAR = 40


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `info` subcommand."""
    p = sub.add_parser(
        "info",
        help="show what a tokenizer holds",
        description="Print a tokenizer's family and what is particular to it (merges, byte fallback, "
        "continuation prefix, ...), vocabulary size, pre-tokenizer and pattern, special tokens, "
        "its longest tokens and a histogram of token lengths in bytes.",
    )
    add_tokenizer_args(p)
    p.add_argument("--top", type=int, default=20, metavar="N", help="longest tokens to show (default: 20)")
    p.set_defaults(run=run)


def facts(tok: Tokenizer, source: str) -> list[tuple[str, str]]:
    """The tokenizer's facts as `(name, value)` pairs."""
    specials = ", ".join(f"{repr_token(s.encode())} = {i}" for s, i in tok.special_tokens.items())
    added = ", ".join(f"{repr_token(s.encode())} = {i}" for s, i in tok.added_tokens.items())
    return [
        ("tokenizer", source),
        ("model", tok.model.type),
        ("vocab size", f"{tok.vocab_size:,}"),
        *tok.model.facts(),
        ("pre-tokenizer", pretokenizer_name(tok)),
        ("pattern", tok.pattern or "(none: no splitting)"),
        ("normalizer", str(tok.normalizer or "none")),
        ("special tokens", specials or "none"),
        ("added tokens", added or "none"),
    ]


def length_histogram(tok: Tokenizer) -> Table:
    """How many ordinary tokens have each length in bytes (longer than 16 bytes in one row)."""
    lengths = Counter(min(len(t), LONG + 1) for _, t in ordinary_tokens(tok))
    most = max(lengths.values(), default=1)
    table = Table(title="token lengths", title_justify="left")
    table.add_column("bytes", justify="right")
    table.add_column("tokens", justify="right")
    table.add_column("")
    for n in sorted(lengths):
        label = f"{LONG + 1}+" if n > LONG else str(n)
        table.add_row(label, f"{lengths[n]:,}", "█" * max(1, round(BAR * lengths[n] / most)))
    return table


def run(args: argparse.Namespace) -> int:
    """Prints the facts (one per line), the longest tokens and the length histogram."""
    tok = load_tokenizer(args)
    console = Console()
    rows = facts(tok, args.tokenizer)
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        # soft_wrap: a long value (the pattern) is printed exactly, never cut at one of its spaces
        console.print(Text.assemble((name.ljust(width), "bold"), value), soft_wrap=True)
    console.print(longest_tokens_table(tok, args.top))
    console.print(length_histogram(tok))
    return 0
