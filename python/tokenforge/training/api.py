"""`train` and `train_from_iterator`: read a corpus, count its pre-tokens, run a vocabulary learner."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from tokenforge.corpus import CorpusOptions, CorpusStats, Segment, iter_documents, iter_segments
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.bpe import TokenRules, check_pretokenizer, learn_merges, with_specials
from tokenforge.training.counting import count_pretokens
from tokenforge.training.superbpe import STAGE1_PATTERN, STAGE2_PATTERN, superbpe_rules

ALGORITHMS = ("bpe", "superbpe")


def _learn(
    segments: Iterator[Segment],
    stats: CorpusStats,
    source: str,
    vocab_size: int,
    *,
    algorithm: str,
    pretokenizer: str | None,
    min_frequency: int,
    special_tokens: Sequence[str],
    rules: TokenRules,
    transition: int | None,
    progress: bool,
) -> Tokenizer:
    if algorithm not in ALGORITHMS:
        raise ConfigError(f"unknown algorithm {algorithm!r}: use one of {', '.join(ALGORITHMS)}")
    specials = list(dict.fromkeys(special_tokens))
    superbpe = algorithm == "superbpe"
    if superbpe:
        if transition is None or not 256 + len(specials) <= transition <= vocab_size:
            raise ConfigError(
                f"superbpe needs a transition point between {256 + len(specials)} and the vocab size {vocab_size}, "
                f"got {transition}"
            )
        patterns = [pretokenizer or STAGE1_PATTERN, STAGE2_PATTERN]
    else:
        if transition is not None:
            raise ConfigError("transition is a superbpe option (use algorithm='superbpe')")
        patterns = [pretokenizer or "gpt4"]
    for p in patterns:
        check_pretokenizer(p)
    with Progress(enabled=progress) as bar:
        bar.start("counting pre-tokens", unit="bytes")
        counters = count_pretokens(segments, patterns, bar)
        if len(counters[0]) == 0:
            raise CorpusError(f"{source}: the corpus is empty (no text in {stats.documents} documents)")
        if not superbpe:
            vocab, merges = learn_merges(
                counters[0], vocab_size, specials, bar, min_frequency=min_frequency, rules=rules
            )
            return with_specials(vocab, merges, patterns[0], specials)
        stage1 = learn_merges(counters[0], transition, specials, bar, min_frequency=min_frequency, rules=rules)
        vocab, merges = learn_merges(
            counters[1],
            vocab_size,
            specials,
            bar,
            min_frequency=min_frequency,
            rules=superbpe_rules(rules),
            base=stage1,
            label="merging superwords",
        )
    return with_specials(vocab, merges, STAGE2_PATTERN, specials)


def train(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    vocab_size: int = 32000,
    *,
    algorithm: str = "bpe",
    pretokenizer: str | None = None,
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    max_token_bytes: int | None = None,
    max_token_chars: int | None = None,
    transition: int | None = None,
    text_field: str = "text",
    split_lines: bool = False,
    on_invalid_utf8: str = "error",
    progress: bool = False,
    stats: CorpusStats | None = None,
) -> Tokenizer:
    """Trains a tokenizer on files or directories (text, .jsonl, .parquet, gzip/zstd), streaming them.

    `algorithm` is `bpe` (default pre-tokenizer `gpt4`) or `superbpe` (stage 1 to `transition` ids with the
    reference's stage-1 pattern, then superwords with its stage-2 pattern). `max_token_bytes` and
    `max_token_chars` cap learned tokens (KL3M). `vocab_size` counts the special tokens, placed last.
    `stats`, when given, is filled with what was read (files, documents, bytes, invalid UTF-8 bytes)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    opts = CorpusOptions(text_field=text_field, split_lines=split_lines, on_invalid_utf8=on_invalid_utf8)
    stats = CorpusStats() if stats is None else stats
    source = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    return _learn(
        iter_segments(paths, opts, stats),
        stats,
        source,
        vocab_size,
        algorithm=algorithm,
        pretokenizer=pretokenizer,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        rules=TokenRules(max_token_bytes=max_token_bytes, max_token_chars=max_token_chars),
        transition=transition,
        progress=progress,
    )


def train_from_iterator(
    texts: Iterable[str | bytes],
    vocab_size: int = 32000,
    *,
    algorithm: str = "bpe",
    pretokenizer: str | None = None,
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    max_token_bytes: int | None = None,
    max_token_chars: int | None = None,
    transition: int | None = None,
    progress: bool = False,
) -> Tokenizer:
    """Trains a tokenizer on an iterable of documents (str or bytes, one document each); options as `train`."""
    stats = CorpusStats()
    return _learn(
        iter_documents(texts, stats),
        stats,
        "<iterator>",
        vocab_size,
        algorithm=algorithm,
        pretokenizer=pretokenizer,
        min_frequency=min_frequency,
        special_tokens=special_tokens,
        rules=TokenRules(max_token_bytes=max_token_bytes, max_token_chars=max_token_chars),
        transition=transition,
        progress=progress,
    )
