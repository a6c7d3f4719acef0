"""`tokenforge train CORPUS... -o OUT`: train a tokenizer (any learner of the registry) on files or directories
and save it."""

from __future__ import annotations

import argparse
import time

import tokenforge as tf
from tokenforge.cli.common import add_corpus_args, check_writable, plural, pretokenizer_name
from tokenforge.corpus import CorpusStats
from tokenforge.normalizers import NORMALIZERS
from tokenforge.training.binary import BINARY_SPECIALS, CHUNK_SIZE, save_family, train_binary_family
from tokenforge.training.options import PRESETS
from tokenforge.training.registry import LEARNERS


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `train` subcommand."""
    p = sub.add_parser(
        "train",
        help="train a tokenizer (BPE, SuperBPE, Binary BPE, WordPiece, LiB, hybrid) on a corpus",
        description="Train a tokenizer (byte-level BPE merge-for-merge identical to Hugging Face's BpeTrainer, or "
        "another learner) on text, .jsonl or .parquet files, directories, and gzip/zstd-compressed files; save it "
        "to OUT.",
    )
    p.add_argument("corpus", nargs="+", metavar="CORPUS", help="files or directories to train on")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="directory to save the tokenizer in")
    p.add_argument(
        "--vocab-size", type=int, metavar="N", help="tokens in all (default: 32000, or the size the preset names)"
    )
    p.add_argument(
        "--pretokenizer",
        "--pattern",
        metavar="P",
        help="how text is split before merging: gpt4, gpt2, o200k, none, or a regex "
        "(default: gpt4; for superbpe, its stage-1 pattern)",
    )
    p.add_argument(
        "--algorithm",
        choices=list(LEARNERS),
        default="bpe",
        help="; ".join(f"{name}: {learner.summary}" for name, learner in LEARNERS.items()) + " (default: bpe)",
    )
    p.add_argument("--preset", choices=sorted(PRESETS), help="domain defaults (see docs/training.md)")
    p.add_argument("--normalizer", choices=list(NORMALIZERS), help="normalisation of corpus and input")
    p.add_argument(
        "--force-token",
        action="append",
        default=None,
        metavar="T",
        help="a token always in the vocabulary, matched before pre-tokenization (repeat for more)",
    )
    p.add_argument("--pad-to-power-of-two", action="store_true", default=None, help="pad with unused special tokens")
    p.add_argument("--chunk-size", type=int, metavar="N", help="binary: bytes per chunk (8192)")
    p.add_argument(
        "--family",
        metavar="N,N,...",
        help="binary: train once and save nested vocabularies of these sizes side by side (OUT/<size>/)",
    )
    p.add_argument(
        "--binary-specials",
        action="store_true",
        help="binary: the reference's 7 special tokens, right after the 256 bytes",
    )
    p.add_argument("--huggingface", action="store_true", help="also write tokenizer.json for tokenizers/transformers")
    p.add_argument(
        "--max-memory",
        metavar="SIZE",
        help="cap on memory (e.g. 4GB): counts spill to disk, rare pre-tokens are pruned if merging would not fit",
    )
    p.add_argument("--spill-dir", metavar="DIR", help="where spilled counts go (default: a temporary directory)")
    p.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="save progress here (counts every 64 MiB read, merges every --checkpoint-every) and resume when rerun",
    )
    p.add_argument("--checkpoint-every", type=int, default=1000, metavar="N", help="merges between checkpoints")
    p.add_argument("--transition", type=int, metavar="N", help="superbpe: vocabulary size where stage 2 begins")
    p.add_argument("--epochs", type=int, metavar="N", help="lib: passes over the lines (2)")
    p.add_argument("--seed", type=int, metavar="N", help="lib: seed of the line order and the forgetter (0)")
    p.add_argument("--shrinking-factor", type=float, metavar="F", help="unigram: share of pieces kept per round (0.75)")
    p.add_argument("--num-sub-iterations", type=int, metavar="N", help="unigram: EM steps per round (2)")
    p.add_argument("--max-piece-length", type=int, metavar="N", help="unigram: longest piece in characters (16)")
    p.add_argument("--character-coverage", type=float, metavar="F", help="unigram: share of characters kept (0.9995)")
    p.add_argument("--split-digits", action="store_true", default=None, help="unigram: every digit its own piece")
    p.add_argument(
        "--byte-fallback",
        action="store_true",
        default=None,
        help="unigram; bpe with --pretokenizer metaspace: unknown text as byte pieces",
    )
    p.add_argument("--required-chars", metavar="CHARS", help="unigram: characters always in the vocabulary")
    p.add_argument("--roots", metavar="FILE", help="hybrid: word list of roots (one per line; a hunspell .dic works)")
    p.add_argument("--affixes", metavar="FILE", help="hybrid: word list of affixes (one per line)")
    p.add_argument("--language", metavar="CODE", help="hybrid: case rules (tr: Turkish i and affix harmony)")
    p.add_argument("--max-token-bytes", type=int, metavar="N", help="learn no token longer than N bytes")
    p.add_argument("--max-token-chars", type=int, metavar="N", help="learn no token longer than N characters")
    p.add_argument(
        "--special-token",
        action="append",
        default=[],
        metavar="T",
        help="a special token appended after the merges (repeat for more)",
    )
    p.add_argument(
        "--min-frequency", type=int, metavar="N", help="stop when the best pair is seen fewer times (bpe: 0)"
    )
    add_corpus_args(p)
    p.add_argument(
        "--ray",
        nargs="?",
        const=True,
        metavar="ADDRESS",
        help="count on a Ray cluster (ADDRESS, or the one ray.init finds; pip install 'tokenforge[ray]'; docs/ray.md)",
    )
    p.set_defaults(run=run)


def _options(args: argparse.Namespace) -> dict:
    """The training options the command line set (unset ones are left to the preset or the defaults)."""
    options = {
        "pretokenizer": args.pretokenizer,
        "transition": args.transition,
        "epochs": args.epochs,
        "seed": args.seed,
        "shrinking_factor": args.shrinking_factor,
        "num_sub_iterations": args.num_sub_iterations,
        "max_piece_length": args.max_piece_length,
        "character_coverage": args.character_coverage,
        "split_digits": args.split_digits,
        "byte_fallback": args.byte_fallback,
        "required_chars": args.required_chars,
        "roots": args.roots,
        "affixes": args.affixes,
        "language": args.language,
        "max_token_bytes": args.max_token_bytes,
        "max_token_chars": args.max_token_chars,
        "normalizer": args.normalizer,
        "forced_tokens": args.force_token,
        "pad_to_power_of_two": args.pad_to_power_of_two,
        "max_memory": args.max_memory,
        "spill_dir": args.spill_dir,
        "checkpoint_dir": args.checkpoint_dir,
        "checkpoint_every": args.checkpoint_every if args.checkpoint_dir else None,
        "chunk_size": args.chunk_size,
        "min_frequency": args.min_frequency,
        "special_tokens": [*(BINARY_SPECIALS if args.binary_specials else ()), *args.special_token] or None,
    }
    return {k: v for k, v in options.items() if v is not None}


def _train_family(args: argparse.Namespace) -> int:
    """Binary BPE with nested vocabularies, saved under OUT/<size>/."""
    try:
        sizes = [int(s) for s in args.family.split(",") if s.strip()]
    except ValueError:
        raise tf.ConfigError(f"--family takes sizes separated by commas, not {args.family!r}") from None
    start = time.perf_counter()
    family = train_binary_family(
        args.corpus,
        sizes,
        chunk_size=args.chunk_size or CHUNK_SIZE,
        max_token_bytes=args.max_token_bytes or 16,
        min_frequency=args.min_frequency or 0,
        special_tokens=[*(BINARY_SPECIALS if args.binary_specials else ()), *args.special_token],
        progress=True,
        max_memory=args.max_memory,
    )
    paths = save_family(family, args.output)
    print(f"trained a family of {len(family)} vocabularies in {time.perf_counter() - start:.1f} s")
    for path in paths:
        print(f"saved to {path}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Trains, saves, and prints a summary."""
    check_writable(args.output)
    if args.family:
        if args.algorithm != "binary":
            raise tf.ConfigError("--family is for --algorithm binary")
        return _train_family(args)
    stats = CorpusStats()
    start = time.perf_counter()
    tok = tf.train(
        args.corpus,
        vocab_size=args.vocab_size,
        algorithm=args.algorithm,
        preset=args.preset,
        text_field=args.text_field,
        split_lines=args.split_lines,
        on_invalid_utf8=args.on_invalid_utf8,
        progress=True,
        stats=stats,
        ray=args.ray,
        **_options(args),
    )
    seconds = time.perf_counter() - start
    path = tok.save(args.output)
    if args.huggingface:
        tok.save_huggingface(args.output)
    print(
        f"trained {tok.vocab_size:,} tokens ({len(tok.merges):,} merges, {len(tok.special_tokens)} special) "
        f"by {args.algorithm}, pre-tokenizer {pretokenizer_name(tok)}, in {seconds:.1f} s"
    )
    skipped = f", {plural(stats.skipped_files, 'binary file')} skipped" if stats.skipped_files else ""
    if stats.resumed:
        print("resumed from the checkpoint in " + args.checkpoint_dir + "; the figures below cover the whole run")
    print(
        f"corpus: {plural(stats.files, 'file')}, {plural(stats.documents, 'document')}, "
        f"{stats.bytes / 1e6:,.1f} MB{skipped}"
    )
    if stats.default_cap is not None:
        print(f"memory cap: {stats.default_cap / 2**30:.1f} GiB, half the available memory (--max-memory sets it)")
    if stats.learned_share < 1:
        print(
            f"learned from {100 * stats.learned_share:.1f}% of the chunks "
            f"(about {stats.bytes * stats.learned_share / 1e6:,.1f} MB): the memory cap holds no more"
        )
    if stats.invalid_bytes:
        action = "replaced" if args.on_invalid_utf8 == "replace" else "skipped"
        print(f"invalid UTF-8: {stats.invalid_bytes:,} bytes {action}")
    print(f"saved to {path}")
    return 0
