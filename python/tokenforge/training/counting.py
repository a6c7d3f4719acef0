"""The counting stage: a stream of document segments in, pre-token counts out (one counter per pattern)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tokenforge import _core
from tokenforge.corpus import Segment
from tokenforge.progress import Progress
from tokenforge.training.memory import MemoryPlan, report_pruning

BATCH_BYTES = 16 << 20
BATCH_SEGMENTS = 65536


def count_pretokens(
    segments: Iterator[Segment], pretokenizers: Sequence[str], progress: Progress, memory: MemoryPlan | None = None
) -> list[_core.WordCounter]:
    """Counts the pre-tokens of a segment stream for each pre-tokenizer, in one pass, in batches handed to the
    Rust core (which splits and counts on all cores). With a memory plan, the counters spill to disk and the
    result is pruned to what the merge phase can hold (see `tokenforge.training.memory`)."""
    if memory is None:
        counters = [_core.WordCounter(p) for p in pretokenizers]
        batch_bytes = BATCH_BYTES
    else:
        counters = [_core.WordCounter(p, str(memory.spill_dir), memory.spill_bytes) for p in pretokenizers]
        batch_bytes = memory.batch_bytes
    feed_segments(counters, segments, progress, batch_bytes)
    for c in counters:
        threshold = c.finish(memory.limit // len(counters) if memory else None)
        report_pruning(threshold, len(c))
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
        for c in counters:
            c.feed(batch, ends)
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
