"""Byte-level BPE training: the classic trainer (merge-for-merge identical to Hugging Face's BpeTrainer).

Python decides what to read and how to report; the Rust core counts pre-tokens and runs the merge loop.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence

from tokenforge import _core
from tokenforge.corpus import CorpusOptions, CorpusStats, iter_documents, iter_segments
from tokenforge.corpus.reader import Segment
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer

BATCH_BYTES = 16 << 20
BATCH_SEGMENTS = 4096


def count_pretokens(segments: Iterator[Segment], pretokenizer: str, progress: Progress) -> _core.WordCounter:
    """Counts the pre-tokens of a segment stream, in batches handed to the Rust core."""
    counter = _core.WordCounter(pretokenizer)
    batch: list[str | bytes] = []
    ends: list[bool] = []
    size = 0
    for text, end in segments:
        batch.append(text)
        ends.append(end)
        size += len(text)
        if size >= BATCH_BYTES or len(batch) >= BATCH_SEGMENTS:
            counter.feed(batch, ends)
            progress.advance(size)
            batch, ends, size = [], [], 0
    if batch:
        counter.feed(batch, ends)
        progress.advance(size)
    counter.finish()
    return counter


def _learn(
    segments: Iterator[Segment],
    stats: CorpusStats,
    source: str,
    vocab_size: int,
    pretokenizer: str,
    min_frequency: int,
    special_tokens: Sequence[str],
    progress: bool,
) -> Tokenizer:
    specials = list(dict.fromkeys(special_tokens))
    if vocab_size < 256 + len(specials):
        raise ConfigError(
            f"vocab size {vocab_size} is too small: it must hold the 256 bytes and {len(specials)} special tokens"
        )
    _core.Pretokenizer(pretokenizer)  # fail on a bad pattern before reading anything
    with Progress(enabled=progress) as bar:
        bar.start("counting pre-tokens", unit="bytes")
        counter = count_pretokens(segments, pretokenizer, bar)
        if len(counter) == 0:
            raise CorpusError(f"{source}: the corpus is empty (no text in {stats.documents} documents)")
        bar.start("merging", total=vocab_size - 256 - len(specials), unit="merges")
        vocab, merges = counter.train_bpe(
            vocab_size, min_frequency=min_frequency, reserved=len(specials), progress=bar.update
        )
    special_ids = {}
    for s in specials:
        special_ids[s] = len(vocab)
        vocab.append(s.encode())
    return Tokenizer(vocab, merges, pretokenizer, special_tokens=special_ids)


def train(
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    vocab_size: int = 32000,
    *,
    pretokenizer: str = "gpt4",
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    text_field: str = "text",
    split_lines: bool = False,
    on_invalid_utf8: str = "error",
    progress: bool = False,
    stats: CorpusStats | None = None,
) -> Tokenizer:
    """Trains byte-level BPE on files or directories (text, .jsonl, .parquet, gzip/zstd); streams them.
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
        pretokenizer,
        min_frequency,
        special_tokens,
        progress,
    )


def train_from_iterator(
    texts: Iterable[str | bytes],
    vocab_size: int = 32000,
    *,
    pretokenizer: str = "gpt4",
    min_frequency: int = 0,
    special_tokens: Sequence[str] = (),
    progress: bool = False,
) -> Tokenizer:
    """Trains byte-level BPE on an iterable of documents (str or bytes, one document each)."""
    stats = CorpusStats()
    return _learn(
        iter_documents(texts, stats),
        stats,
        "<iterator>",
        vocab_size,
        pretokenizer,
        min_frequency,
        special_tokens,
        progress,
    )
