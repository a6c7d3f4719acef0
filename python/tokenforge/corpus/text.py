"""Plain text files: read in blocks cut at line ends, checked as UTF-8 in Rust, handed on as bytes.

A block ends at a line end ("\\n"), so a UTF-8 character is never split; a line longer than a block is cut at a
character boundary instead (the counter stitches segments exactly, so no cut changes what is counted). A block
with invalid UTF-8 is an error naming the byte offset in the (decompressed) file, or is repaired.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tokenforge import _core
from tokenforge.corpus.files import read_chunks
from tokenforge.corpus.options import CorpusOptions, CorpusStats, Segment
from tokenforge.errors import CorpusError

T = TypeVar("T")


@dataclass
class Block:
    """Valid UTF-8 from a file: whole lines, unless it is the file's last block or a line outgrew the block."""

    data: bytes
    offset: int
    last: bool


def _with_last(items: Iterable[T]) -> Iterator[tuple[T, bool]]:
    """Each item with whether it is the last one."""
    it = iter(items)
    try:
        prev = next(it)
    except StopIteration:
        return
    for item in it:
        yield prev, False
        prev = item
    yield prev, True


def _char_boundary(data: bytes) -> int:
    """Where to cut `data` (no line end in it) so that no character is split: before its last lead byte."""
    for i in range(len(data) - 1, max(len(data) - 5, -1), -1):
        if data[i] & 0xC0 != 0x80:
            return i
    return len(data)  # only continuation bytes at the end: invalid whatever the cut


def _cut(chunks: Iterable[bytes], size: int, whole_lines: bool) -> Iterator[bytes]:
    """Regroups chunks into blocks of at least `size` bytes ending at a line end (see `Block`)."""
    pending: list[bytes] = []
    total = 0
    no_line_end = False  # pending holds no line end: wait for a chunk that has one
    for chunk in chunks:
        pending.append(chunk)
        total += len(chunk)
        if total < size or (no_line_end and b"\n" not in chunk):
            continue
        data = b"".join(pending)
        cut = data.rfind(b"\n") + 1
        if cut == 0 and not whole_lines:
            cut = _char_boundary(data)
        no_line_end = cut == 0 and whole_lines
        if cut == 0:
            pending = [data]
            continue
        yield data[:cut]
        rest = data[cut:]
        pending = [rest] if rest else []
        total = len(rest)
    if pending:
        yield b"".join(pending)


def check_utf8(data: bytes, path: Path, offset: int, opts: CorpusOptions, stats: CorpusStats) -> bytes:
    """`data` if it is valid UTF-8; else an error naming the first bad byte, or the data repaired."""
    bad = _core.utf8_error_offset(data)
    if bad is None:
        return data
    if opts.on_invalid_utf8 == "error":
        raise CorpusError(
            f"{path}: invalid UTF-8 at byte offset {offset + bad} "
            "(set on_invalid_utf8 / --on-invalid-utf8 to replace or skip to read it anyway)"
        )
    text, n = _core.repair_utf8(data, opts.on_invalid_utf8)
    stats.invalid_bytes += n
    return text.encode()


def read_blocks(
    path: Path, opts: CorpusOptions, stats: CorpusStats, whole_lines: bool = False, span: tuple[int, int] | None = None
) -> Iterator[Block]:
    """The file's text in blocks of about `opts.block_size` bytes; `whole_lines` never cuts inside a line; `span`
    reads only bytes `[start, end)` of an uncompressed file (`tokenforge.distributed` shards a file so)."""
    offset = span[0] if span else 0
    chunks = read_chunks(path, opts.block_size, span)
    for data, last in _with_last(_cut(chunks, opts.block_size, whole_lines)):
        stats.bytes += len(data)
        yield Block(check_utf8(data, path, offset, opts, stats), offset, last)
        offset += len(data)


def text_segments(
    path: Path, opts: CorpusOptions, stats: CorpusStats, span: tuple[int, int] | None = None
) -> Iterator[Segment]:
    """A text file as one document in segments, or (`split_lines`) each line, newline kept, as a document;
    `span` as in `read_blocks`."""
    if not opts.split_lines:
        for block in read_blocks(path, opts, stats, span=span):
            if block.last:
                stats.documents += 1
            yield block.data, block.last
        return
    for block in read_blocks(path, opts, stats, span=span):
        lines = io.BytesIO(block.data).readlines()  # split after each "\n" only
        open_end = not block.last and not block.data.endswith(b"\n")  # a line longer than a block goes on
        tail = lines.pop() if open_end else None
        stats.documents += len(lines)
        for line in lines:
            yield line, True
        if tail is not None:
            yield tail, False
