"""The counting stage: a stream of document segments in, pre-token counts out (one counter per pattern)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from tokenforge import _core
from tokenforge.corpus import Segment, normalized
from tokenforge.progress import Progress
from tokenforge.training.memory import MemoryPlan, report_pruning

BATCH_BYTES = 16 << 20
BATCH_SEGMENTS = 65536


def without_tokens(segments: Iterator[Segment], tokens: Sequence[str]) -> Iterator[Segment]:
    """Segments with the forced tokens cut out: they are matched before pre-tokenization when encoding, so
    the text on either side never merges across them (each side counts as its own document)."""
    pattern = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    text_re, bytes_re = re.compile(pattern), re.compile(pattern.encode())
    for text, end in segments:
        parts = (bytes_re if isinstance(text, bytes) else text_re).split(text)
        for k, part in enumerate(parts):
            last = k == len(parts) - 1
            if part or (last and end):
                yield part, end if last else True


def prepared(segments: Iterator[Segment], normalizer: str | None, forced: Sequence[str]) -> Iterator[Segment]:
    """The segments as the counter sees them: normalised, forced tokens cut out."""
    if normalizer:
        segments = normalized(segments, normalizer)
    if forced:
        segments = without_tokens(segments, forced)
    return segments


def new_counters(pretokenizers: Sequence[str], memory: MemoryPlan | None = None) -> list[_core.WordCounter]:
    """One counter per pre-tokenizer, spilling to disk under a memory plan."""
    if memory is None:
        return [_core.WordCounter(p) for p in pretokenizers]
    return [_core.WordCounter(p, str(memory.spill_dir), memory.spill_bytes) for p in pretokenizers]


def finish_counters(counters: Sequence[_core.WordCounter], memory: MemoryPlan | None = None) -> None:
    """Ends counting: merges spilled runs back and, under a memory plan, prunes to what the merge phase holds."""
    for c in counters:
        threshold = c.finish(memory.limit // len(counters) if memory else None)
        report_pruning(threshold, len(c))


def count_pretokens(
    segments: Iterator[Segment], pretokenizers: Sequence[str], progress: Progress, memory: MemoryPlan | None = None
) -> list[_core.WordCounter]:
    """Counts the pre-tokens of a segment stream for each pre-tokenizer, in one pass, in batches handed to the
    Rust core (which splits and counts on all cores). With a memory plan, the counters spill to disk and the
    result is pruned to what the merge phase can hold (see `tokenforge.training.memory`)."""
    counters = new_counters(pretokenizers, memory)
    feed_segments(counters, segments, progress, memory.batch_bytes if memory else BATCH_BYTES)
    finish_counters(counters, memory)
    return counters


def feed_segments(
    counters: Sequence[_core.WordCounter],
    segments: Iterator[Segment],
    progress: Progress,
    batch_bytes: int = BATCH_BYTES,
) -> None:
    """Feeds a segment stream to the counters in batches of about `batch_bytes` (no `finish`)."""
    batch: list[str | bytes] = []
    ends: list[bool] = []
    size = 0

    def flush() -> None:
        _core.feed_all(list(counters), batch, ends)
        progress.advance(size)

    for text, end in segments:
        batch.append(text)
        ends.append(end)
        size += len(text)
        if size >= batch_bytes or len(batch) >= BATCH_SEGMENTS:
            flush()
            batch, ends, size = [], [], 0
    if batch:
        flush()
