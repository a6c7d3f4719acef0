"""The counting stage: a stream of document segments in, pre-token counts out (one counter per pattern)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tokenforge import _core
from tokenforge.corpus import Segment
from tokenforge.progress import Progress

BATCH_BYTES = 16 << 20
BATCH_SEGMENTS = 4096


def count_pretokens(
    segments: Iterator[Segment], pretokenizers: Sequence[str], progress: Progress
) -> list[_core.WordCounter]:
    """Counts the pre-tokens of a segment stream for each pre-tokenizer, in one pass, in batches handed to the
    Rust core (which splits and counts on all cores)."""
    counters = [_core.WordCounter(p) for p in pretokenizers]
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
        if size >= BATCH_BYTES or len(batch) >= BATCH_SEGMENTS:
            flush()
            batch, ends, size = [], [], 0
    if batch:
        flush()
    for c in counters:
        c.finish()
    return counters
