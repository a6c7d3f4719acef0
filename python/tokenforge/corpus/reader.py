"""Corpus readers (plain text, JSON lines) — a first cut; formats grow here."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from tokenforge import _core
from tokenforge.errors import ConfigError, CorpusError, InputFileError

Segment = tuple[Union[str, bytes], bool]
BLOCK = 4 << 20


@dataclass
class CorpusOptions:
    """How to read a corpus."""

    text_field: str = "text"
    split_lines: bool = False
    on_invalid_utf8: str = "error"
    block_size: int = BLOCK

    def __post_init__(self) -> None:
        if self.on_invalid_utf8 not in ("error", "replace", "skip"):
            raise ConfigError(f"on_invalid_utf8 must be error, replace or skip, not {self.on_invalid_utf8!r}")


@dataclass
class CorpusStats:
    """What was read."""

    files: int = 0
    documents: int = 0
    bytes: int = 0
    invalid_bytes: int = 0


def _decode(block: bytes, path: Path, offset: int, opts: CorpusOptions, stats: CorpusStats) -> str:
    bad = _core.utf8_error_offset(block)
    if bad is None:
        return block.decode("utf-8")
    if opts.on_invalid_utf8 == "error":
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte offset {offset + bad} "
            "(use --on-invalid-utf8 replace or skip to read it anyway)"
        )
    text, n = _core.repair_utf8(block, opts.on_invalid_utf8)
    stats.invalid_bytes += n
    return text


def _text_segments(path: Path, opts: CorpusOptions, stats: CorpusStats) -> Iterator[Segment]:
    offset = 0
    rest = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(opts.block_size)
            data = rest + block
            if not block:
                if data or not opts.split_lines:
                    pass
                if opts.split_lines:
                    for line in _decode(data, path, offset, opts, stats).splitlines(keepends=False):
                        stats.documents += 1
                        yield line, True
                else:
                    stats.documents += 1
                    yield _decode(data, path, offset, opts, stats), True
                return
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            chunk, rest = data[:cut], data[cut:]
            stats.bytes += len(chunk)
            text = _decode(chunk, path, offset, opts, stats)
            offset += len(chunk)
            if opts.split_lines:
                for line in text.splitlines():
                    stats.documents += 1
                    yield line, True
            else:
                yield text, False


def _jsonl_documents(path: Path, opts: CorpusOptions, stats: CorpusStats) -> Iterator[str]:
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise CorpusError(f"{path}:{lineno}: not a JSON record ({e})") from None
            if not isinstance(record, dict) or not isinstance(record.get(opts.text_field), str):
                raise CorpusError(f"{path}:{lineno}: record has no string field {opts.text_field!r}")
            yield record[opts.text_field]


def iter_segments(
    paths: Iterable[str | os.PathLike], opts: CorpusOptions, stats: CorpusStats
) -> Iterator[Segment]:
    """Segments of every document in `paths` (files or directories)."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise InputFileError(f"{path}: no such file or directory")
        stats.files += 1
        if path.suffix == ".jsonl":
            for doc in _jsonl_documents(path, opts, stats):
                stats.documents += 1
                stats.bytes += len(doc)
                yield doc, True
        else:
            yield from _text_segments(path, opts, stats)


def iter_documents(texts: Iterable[str | bytes], stats: CorpusStats) -> Iterator[Segment]:
    """Segments of an iterable of documents (one segment each)."""
    for t in texts:
        if not isinstance(t, (str, bytes)):
            raise ConfigError(f"documents must be str or bytes, got {type(t).__name__}")
        stats.documents += 1
        stats.bytes += len(t)
        yield t, True
