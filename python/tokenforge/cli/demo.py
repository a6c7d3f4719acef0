"""`tokenforge demo`: train a tokenizer on text that ships with Python (nothing to download) and show what it
learned: its size, the time it took, bytes per token on held-out text, its longest tokens, and example sentences
split into tokens.

The corpus is the English documentation of `pydoc` (`pydoc_data.topics`, one document per paragraph) and, for a
code flavour, the Python modules at the top of the standard library (one document per module). One document in
ten is held out of training to measure compression.
"""

from __future__ import annotations

import argparse
import sysconfig
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

import tokenforge as tf
from tokenforge.cli.common import check_writable, longest_tokens_table, repr_token

HELD_OUT_EVERY = 10
EXAMPLES = (
    "A generator is a function that returns an iterator; it looks like a normal function.",
    "for key, value in sorted(self.items()):",
    "Grüße aus Köln, naïve café 👋",
)


def english_docs() -> list[str]:
    """The paragraphs of the pydoc topic texts (English prose about Python), topics sorted by name."""
    import pydoc_data.topics

    topics = pydoc_data.topics.topics
    return [p for k in sorted(topics) for p in topics[k].split("\n\n") if p.strip()]


def code_docs() -> list[str]:
    """The sources of the standard library's top-level modules, sorted by name (none if not shipped)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [p.read_text(encoding="utf-8") for p in sorted(stdlib.glob("*.py"))]


def split_held_out(docs: list[str]) -> tuple[list[str], list[str]]:
    """`(training documents, held-out documents)`: every tenth document is held out."""
    held = set(range(HELD_OUT_EVERY - 1, len(docs), HELD_OUT_EVERY))
    return [d for i, d in enumerate(docs) if i not in held], [docs[i] for i in sorted(held)]


def megabytes(docs: list[str]) -> float:
    """Size of the documents in UTF-8, in MB."""
    return sum(len(d.encode()) for d in docs) / 1e6


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `demo` subcommand."""
    p = sub.add_parser(
        "demo",
        help="train on text that ships with Python and show what was learned",
        description="Train a tokenizer on Python's own English documentation (and standard library sources) "
        "and print what it learned. Needs no download.",
    )
    p.add_argument("--vocab-size", type=int, default=8000, metavar="N", help="tokens in all (default: 8000)")
    p.add_argument("--pretokenizer", default="gpt4", metavar="P", help="gpt4 (default), gpt2, o200k, none, or a regex")
    p.add_argument("--no-code", action="store_true", help="train on the English documentation only")
    p.add_argument("-o", "--output", metavar="DIR", help="also save the tokenizer in DIR")
    p.set_defaults(run=run)


def held_out_table(tok: tf.Tokenizer, slices: dict[str, list[str]]) -> Table:
    """Bytes per token on each held-out slice."""
    table = Table(title="compression on held-out text", title_justify="left")
    for name in ("text", "documents", "bytes", "tokens", "bytes/token"):
        table.add_column(name, justify="left" if name == "text" else "right")
    for name, docs in slices.items():
        size = sum(len(d.encode()) for d in docs)
        tokens = sum(len(ids) for ids in tok.encode_batch(docs))
        table.add_row(name, str(len(docs)), f"{size:,}", f"{tokens:,}", f"{size / tokens:.2f}")
    return table


def run(args: argparse.Namespace) -> int:
    """Builds the corpus, trains, and prints what was learned."""
    check_writable(args.output)
    console = Console()
    corpora = {"English (pydoc paragraphs)": english_docs()}
    if not args.no_code:
        corpora["Python (stdlib modules)"] = code_docs()
    train_docs: list[str] = []
    held_out: dict[str, list[str]] = {}
    for name, docs in corpora.items():
        kept, held = split_held_out(docs)
        if kept and held:
            train_docs += kept
            held_out[name] = held
    console.print("[bold]tokenforge demo[/]: byte-level BPE trained on text that ships with Python (no download)")
    for name, docs in corpora.items():
        console.print(f"corpus: {name}: {len(docs)} documents, {megabytes(docs):.2f} MB")
    console.print(f"training on {len(train_docs)} documents ({megabytes(train_docs):.2f} MB), 1 in 10 held out")

    start = time.perf_counter()
    tok = tf.train_from_iterator(train_docs, vocab_size=args.vocab_size, pretokenizer=args.pretokenizer, progress=True)
    seconds = time.perf_counter() - start
    console.print(
        f"trained {tok.vocab_size:,} tokens ({len(tok.merges):,} merges, pre-tokenizer {args.pretokenizer!r}) "
        f"in {seconds:.2f} s ({megabytes(train_docs) / seconds:.1f} MB/s)"
    )
    console.print(held_out_table(tok, held_out))
    console.print(longest_tokens_table(tok, 20))
    console.print(longest_tokens_table(tok, 20, words_only=True))
    for sentence in EXAMPLES:
        pieces = [repr_token(tok.token_bytes(i)) for i in tok.encode(sentence)]
        console.print(Text(f"{len(pieces)} tokens: " + " ".join(pieces)))
    if args.output:
        console.print(f"saved to {tok.save(args.output)}; try: tokenforge info -t {args.output}")
    return 0
