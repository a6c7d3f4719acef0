"""`tokenforge tokenize -t TOK INPUT... -o OUT/`: a dataset into token shards for training (resumable)."""

from __future__ import annotations

import argparse

from tokenforge.cli.common import (
    add_corpus_args,
    add_tokenizer_args,
    check_writable,
    corpus_options,
    load_tokenizer,
    plural,
)
from tokenforge.dataset import TokenizeOptions, tokenize_dataset
from tokenforge.dataset.tokenize import DEFAULT_SHARD_TOKENS, DEFAULT_WINDOW_BYTES
from tokenforge.errors import ConfigError

DEFAULT_CONTEXT = 4096


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `tokenize` subcommand."""
    p = sub.add_parser(
        "tokenize",
        help="tokenize a dataset into token shards (npy or Parquet), optionally packed",
        description="Read text, JSON-lines and Parquet files (or directories of them), encode every document on "
        "all cores and write numbered shards to OUT with a manifest. Rerunning the same command after a crash "
        "continues where it stopped; the output is the same as an uninterrupted run.",
    )
    add_tokenizer_args(p)
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="files or directories to tokenize")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="output directory (created if missing)")
    p.add_argument("--eos", metavar="TOKEN", help='special token appended to every document, e.g. "<|endoftext|>"')
    p.add_argument("--pack", action="store_true", help="pack documents into sequences of --context tokens")
    p.add_argument("--context", type=int, metavar="N", help=f"sequence length when packing (default {DEFAULT_CONTEXT})")
    p.add_argument("--pad", metavar="TOKEN", help="special token filling packed sequences (default: --eos, else id 0)")
    p.add_argument("--format", choices=("npy", "parquet"), default="npy", help="shard format (default npy)")
    p.add_argument(
        "--shard-tokens",
        type=int,
        default=DEFAULT_SHARD_TOKENS,
        metavar="N",
        help=f"close a shard once it holds N tokens, at the next window end (default {DEFAULT_SHARD_TOKENS:,})",
    )
    p.add_argument(
        "--window-bytes",
        type=int,
        default=DEFAULT_WINDOW_BYTES,
        metavar="N",
        help=f"bytes of text encoded and packed together (default {DEFAULT_WINDOW_BYTES:,})",
    )
    add_corpus_args(p)
    p.add_argument(
        "--ray",
        nargs="?",
        const=True,
        metavar="ADDRESS",
        help="encode on a Ray cluster (ADDRESS, or the one ray.init finds; pip install 'tokenforge[ray]'; docs/ray.md)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Runs (or resumes) the tokenization and prints a summary."""
    if args.context is not None and not args.pack:
        raise ConfigError("--context is the length of packed sequences: give --pack too")
    check_writable(args.output)
    options = TokenizeOptions(
        context=(args.context or DEFAULT_CONTEXT) if args.pack else None,
        eos=args.eos,
        pad=args.pad,
        format=args.format,
        shard_tokens=args.shard_tokens,
        window_bytes=args.window_bytes,
        corpus=corpus_options(args),
    )
    tok = load_tokenizer(args)
    report = tokenize_dataset(
        tok,
        args.inputs,
        args.output,
        options,
        progress=not args.no_progress,
        tokenizer_name=args.tokenizer,
        ray=args.ray,
    )
    t = report.totals
    if report.already_complete:
        print("already complete: nothing to do")
    elif report.resumed_shards:
        print(f"resumed after {plural(report.resumed_shards, 'finished shard')}")
    print(
        f"{plural(t.documents, 'document')}, {t.bytes / 1e6:,.1f} MB -> {plural(t.tokens, 'token')} in "
        f"{plural(t.shards, 'shard')} ({args.format}) in {args.output}"
    )
    if args.pack:
        print(
            f"{plural(t.sequences, 'sequence')} of {options.context}; padding {t.padding:,} tokens "
            f"({100 * t.padding_ratio:.2f}%)"
        )
    if report.seconds:
        print(f"{report.seconds:.1f} s, {report.mb_per_s:.1f} MB/s")
    return 0
