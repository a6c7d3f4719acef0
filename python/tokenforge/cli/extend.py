"""`tokenforge extend -t TOK CORPUS... --vocab-size N -o OUT`: train an existing tokenizer further."""

from __future__ import annotations

import argparse
import time

from tokenforge.cli.common import add_corpus_args, add_tokenizer_args, check_writable, load_tokenizer


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `extend` subcommand."""
    p = sub.add_parser(
        "extend",
        help="continue training a tokenizer (ours, tokenizer.json or .tiktoken), keeping its merges and ids",
        description="Continue BPE training of an existing byte-level BPE tokenizer on more text. Every merge and "
        "id of the original is kept verbatim; new tokens get the ids after them.",
    )
    add_tokenizer_args(p)
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="files or directories to train on")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="directory to save the result in")
    p.add_argument("--vocab-size", type=int, required=True, metavar="N", help="tokens in all after extension")
    p.add_argument("--min-frequency", type=int, default=0, metavar="N", help="stop when the best pair is rarer")
    p.add_argument("--special-token", action="append", default=[], metavar="T", help="new special token (last)")
    p.add_argument("--huggingface", action="store_true", help="also write tokenizer.json for tokenizers/transformers")
    add_corpus_args(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Extends, saves, and prints a summary."""
    check_writable(args.output)
    base = load_tokenizer(args)
    start = time.perf_counter()
    tok = base.extend(
        args.corpus,
        args.vocab_size,
        min_frequency=args.min_frequency,
        special_tokens=args.special_token,
        text_field=args.text_field,
        split_lines=args.split_lines,
        on_invalid_utf8=args.on_invalid_utf8,
        progress=True,
    )
    path = tok.save(args.output)
    if args.huggingface:
        tok.save_huggingface(args.output)
    print(
        f"extended {base.vocab_size:,} to {tok.vocab_size:,} tokens "
        f"({len(tok.merges) - len(base.merges):,} new merges) in {time.perf_counter() - start:.1f} s"
    )
    print(f"saved to {path}")
    return 0
