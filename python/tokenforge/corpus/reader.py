"""Reading a corpus: paths (files and directories) or an iterable of texts become a stream of segments."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Callable

from tokenforge.corpus.files import Source, discover
from tokenforge.corpus.jsonl import jsonl_segments
from tokenforge.corpus.options import CorpusOptions, CorpusStats, Segment
from tokenforge.corpus.parquet import parquet_segments
from tokenforge.corpus.text import text_segments
from tokenforge.errors import ConfigError
from tokenforge.normalizers import normalize

__all__ = ["CorpusOptions", "CorpusStats", "Segment", "iter_documents", "iter_segments", "normalized"]

READERS: dict[str, Callable[[Path, CorpusOptions, CorpusStats], Iterator[Segment]]] = {
    "text": text_segments,
    "jsonl": jsonl_segments,
    "parquet": parquet_segments,
}


def iter_segments(
    paths: str | os.PathLike | Iterable[str | os.PathLike], opts: CorpusOptions, stats: CorpusStats
) -> Iterator[Segment]:
    """Segments of every document in `paths` (files or directories), after checking that all of them exist."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    yield from source_segments(discover(paths, stats), opts, stats)


def source_segments(sources: Iterable[Source], opts: CorpusOptions, stats: CorpusStats) -> Iterator[Segment]:
    """Segments of every document of files already found by `discover`."""
    for source in sources:
        stats.files += 1
        yield from READERS[source.kind](source.path, opts, stats)


def iter_documents(texts: Iterable[str | bytes], stats: CorpusStats) -> Iterator[Segment]:
    """Segments of an iterable of documents (one segment each)."""
    for t in texts:
        if not isinstance(t, (str, bytes)):
            raise ConfigError(f"documents must be str or bytes, got {type(t).__name__}")
        stats.documents += 1
        stats.bytes += len(t)
        yield t, True


def normalized(segments: Iterator[Segment], normalizer: str) -> Iterator[Segment]:
    """Segments under a normalizer of `tokenforge.normalizers` (segments are cut at line ends, where every
    normalizer is local)."""
    for text, end in segments:
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
        yield normalize(normalizer, text), end
