"""Category samples and the pair-count history of a target tokenizer's merges over them.

Python decides what is counted; the Rust core (`_core.MergeHistory`) replays the merges over the pre-token counts
of every sample and stores the pair counts before the first merge plus, after each merge, only the counts that
changed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from tokenforge import _core
from tokenforge.corpus import CorpusOptions, CorpusStats, Segment, iter_documents, iter_segments, normalized
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.models import BpeModel
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.counting import count_pretokens


@dataclass
class Category:
    """One category's inference sample: its name, its pre-token counts and how many bytes of text were read."""

    name: str
    counter: _core.WordCounter
    bytes: int


def _capped(segments: Iterator[Segment], stats: CorpusStats, max_bytes: int | None) -> Iterator[Segment]:
    """The segments up to about `max_bytes` bytes (whole segments; the last one ends its document)."""
    read = 0
    for text, end in segments:
        if max_bytes is not None and read >= max_bytes:
            return
        size = len(text.encode() if isinstance(text, str) else text)
        read += size
        stats.bytes = read
        yield text, end or (max_bytes is not None and read >= max_bytes)


def count_category(
    name: str,
    segments: Iterator[Segment],
    tokenizer: Tokenizer,
    max_bytes: int | None = None,
    source: str = "",
) -> Category:
    """Counts the pre-tokens of one category's segments as `tokenizer` splits them (normalised first if the
    tokenizer normalises); `max_bytes` caps the sample. Errors name the category."""
    where = f"category {name}" + (f" ({source})" if source else "")
    stats = CorpusStats()
    segments = _capped(segments, stats, max_bytes)
    if tokenizer.normalizer:
        segments = normalized(segments, tokenizer.normalizer)
    try:
        (counter,) = count_pretokens(segments, [tokenizer.pretokenizer], Progress(enabled=False))
    except CorpusError as e:
        raise CorpusError(f"{where}: {e}") from None
    if counter.total() == 0 or stats.bytes == 0:
        raise CorpusError(f"{where}: no text")
    return Category(name, counter, stats.bytes)


def category_from_paths(
    name: str,
    paths: str | os.PathLike | Iterable[str | os.PathLike],
    tokenizer: Tokenizer,
    max_bytes: int | None = None,
    opts: CorpusOptions | None = None,
) -> Category:
    """A category sample read from files or directories (any format `tokenforge.corpus` reads)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [os.fspath(p) for p in paths]
    segments = iter_segments(paths, opts or CorpusOptions(), CorpusStats())
    return count_category(name, segments, tokenizer, max_bytes, source=", ".join(paths))


def category_from_texts(
    name: str, texts: Iterable[str | bytes], tokenizer: Tokenizer, max_bytes: int | None = None
) -> Category:
    """A category sample from an iterable of documents."""
    return count_category(name, iter_documents(texts, CorpusStats()), tokenizer, max_bytes)


def build_history(
    tokenizer: Tokenizer,
    categories: list[Category],
    merges: int | None = None,
    source: str = "the tokenizer",
    on_replay: Callable[[int, int], None] | None = None,
) -> _core.MergeHistory:
    """Replays the first `merges` merges of `tokenizer` (all by default) over every category sample;
    `on_replay(merges replayed, merges)` follows the replay."""
    if not isinstance(tokenizer.model, BpeModel):
        raise ConfigError(
            f"{source}: mixture inference replays a byte-level BPE merge list; this tokenizer's model is "
            f"{tokenizer.model.type}"
        )
    available = len(tokenizer.merge_ids)
    if available == 0:
        raise ConfigError(f"{source} has no merges: a merge list is what mixture inference reads")
    if not categories:
        raise ConfigError("mixture inference needs at least one category sample")
    names = [c.name for c in categories]
    if len(set(names)) != len(names):
        raise ConfigError(f"category names must differ, got {names}")
    steps = available if merges is None else merges
    if not 1 <= steps <= available:
        raise ConfigError(f"merges must be between 1 and the {available} merges of {source}, not {steps}")
    samples = [c.counter for c in categories]
    return _core.MergeHistory(tokenizer.vocab(), tokenizer.merge_ids, samples, steps, progress=on_replay)
