"""Finding corpus files, telling their format, and reading their bytes (decompressed, in chunks).

Compression is recognised by its magic bytes (gzip `1f 8b`, zstd `28 b5 2f fd`), whatever the file is called; a
name ending in `.gz`, `.zst` or `.zstd` whose content is not of that kind is an error. The format is told by the
name with the compression suffix removed (see `tokenforge.corpus` for the rules).
"""

from __future__ import annotations

import gzip
import os
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import zstandard

from tokenforge.corpus.options import CorpusStats
from tokenforge.errors import CorpusError, InputFileError

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
PARQUET_MAGIC = b"PAR1"
COMPRESSION_SUFFIXES = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
FORMAT_SUFFIXES = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
SNIFF_BYTES = 8000
"""How much of a directory's unknown file is looked at to decide whether it is text (git looks as far)."""
ZSTD_INPUT = 1 << 10
"""Compressed bytes fed to zstd at a time: bounds what one call produces (32 MiB at zstd's largest ratio)."""


@dataclass(frozen=True)
class Source:
    """One file to read, and its format: `text`, `jsonl` or `parquet`."""

    path: Path
    kind: str


def input_error(path: Path, e: OSError) -> InputFileError:
    """Our error for an `OSError` met while opening or reading `path`."""
    if isinstance(e, FileNotFoundError):
        problem = "no such file or directory"
    elif isinstance(e, PermissionError):
        problem = "permission denied"
    else:
        problem = f"cannot read ({e.strerror or e})"
    return InputFileError(f"{path}: {problem}")


def _name_format(path: Path) -> tuple[str | None, str | None]:
    """(format by suffix or None, compression named by the suffix or None)."""
    stem, ext = os.path.splitext(path.name.lower())
    compression = COMPRESSION_SUFFIXES.get(ext)
    if compression:
        ext = os.path.splitext(stem)[1]
    return FORMAT_SUFFIXES.get(ext), compression


def _is_parquet(path: Path) -> bool:
    """True when the file starts and ends with Parquet's magic bytes."""
    try:
        with open(path, "rb") as f:
            if f.read(4) != PARQUET_MAGIC:
                return False
            f.seek(-4, os.SEEK_END)
            return f.read(4) == PARQUET_MAGIC
    except OSError as e:
        raise input_error(path, e) from None


def _head(path: Path) -> bytes:
    """The first `SNIFF_BYTES` bytes of a file, decompressed."""
    head = b""
    chunks = read_chunks(path, SNIFF_BYTES)
    try:
        for chunk in chunks:
            head += chunk
            if len(head) >= SNIFF_BYTES:
                break
    finally:
        chunks.close()
    return head[:SNIFF_BYTES]


def _file_kind(path: Path, in_directory: bool) -> str | None:
    """The format to read `path` as, or None to leave a directory's file out."""
    named, _ = _name_format(path)
    if in_directory:
        if named is not None:
            return None if named == "json" else named
        if _is_parquet(path):
            return "parquet"
        return None if b"\0" in _head(path) else "text"
    parquet = _is_parquet(path)  # opens the file: an unreadable one fails now, before anything is read
    if named is not None:
        return "jsonl" if named == "json" else named
    return "parquet" if parquet else "text"


def walk_files(directory: Path, follow_file_links: bool = True) -> Iterator[Path]:
    """The regular files under `directory`, recursively, in name order; hidden entries and symbolic links to
    directories are left out (links to files too, unless `follow_file_links`)."""
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as e:
        raise input_error(directory, e) from None
    for entry in entries:
        if entry.name.startswith(".") or (entry.is_symlink() and not follow_file_links):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from walk_files(Path(entry.path), follow_file_links)
        elif entry.is_file(follow_symlinks=follow_file_links):
            yield Path(entry.path)


def _walk(directory: Path, stats: CorpusStats) -> Iterator[Source]:
    """The usable files under `directory`, recursively, in name order; hidden entries are left out."""
    for path in walk_files(directory):
        kind = _file_kind(path, in_directory=True)
        if kind is None:
            stats.skipped_files += 1
        else:
            yield Source(path, kind)


def discover(paths: Iterable[str | os.PathLike], stats: CorpusStats) -> list[Source]:
    """The files to read for `paths` (files and directories), checked to exist, in reading order."""
    sources: list[Source] = []
    for p in paths:
        path = Path(p)
        try:
            mode = path.stat().st_mode
        except OSError as e:
            raise input_error(path, e) from None
        if stat.S_ISDIR(mode):
            skipped = stats.skipped_files
            found = list(_walk(path, stats))
            if not found:
                raise CorpusError(
                    f"{path}: no usable files in this directory (looked for text, .jsonl and .parquet files, "
                    f"plain or .gz/.zst; {stats.skipped_files - skipped} files left out as binary or .json)"
                )
            sources += found
        elif stat.S_ISREG(mode):
            sources.append(Source(path, _file_kind(path, in_directory=False)))
        else:
            sources.append(Source(path, "text"))  # a pipe or device: read as it streams
    return sources


def _read(f: BinaryIO, size: int, path: Path, compression: str | None) -> bytes:
    """`f.read(size)`, its failures turned into our errors."""
    try:
        return f.read(size)
    except OSError as e:
        if compression is None:
            raise input_error(path, e) from None
        raise _corrupt(path, compression, e) from None
    except (EOFError, zlib.error) as e:
        raise _corrupt(path, compression, e) from None


def _corrupt(path: Path, compression: str | None, e: Exception) -> CorpusError:
    return CorpusError(f"{path}: corrupt {compression} data ({e})")


def _zstd_chunks(f: BinaryIO, path: Path) -> Iterator[bytes]:
    """Decompressed zstd frames (any number, one after the other); a truncated last frame is an error."""
    dctx = zstandard.ZstdDecompressor()
    frame = dctx.decompressobj()
    in_frame = False
    while True:
        data = _read(f, ZSTD_INPUT, path, "zstd")
        if not data:
            break
        while data:
            try:
                out = frame.decompress(data)
            except zstandard.ZstdError as e:
                raise _corrupt(path, "zstd", e) from None
            in_frame = True
            if out:
                yield out
            data = b""
            if frame.eof:
                data = frame.unused_data
                frame = dctx.decompressobj()
                in_frame = False
    if in_frame:
        raise _corrupt(path, "zstd", EOFError("the file ends inside a frame: truncated?"))


def plain_size(sources: Iterable[Source]) -> int | None:
    """Total bytes of `sources` when every one is an uncompressed text or JSON-lines file (what the readers count
    in `CorpusStats.bytes`), else None."""
    total = 0
    for s in sources:
        if s.kind == "parquet" or _name_format(s.path)[1] is not None or not s.path.is_file():
            return None
        total += s.path.stat().st_size
    return total


def read_chunks(path: Path, size: int, span: tuple[int, int] | None = None) -> Iterator[bytes]:
    """The bytes of a file, decompressed when it is gzip or zstd, in chunks of about `size` bytes; `span`
    `(start, end)` reads only those bytes of an uncompressed file."""
    try:
        f = open(path, "rb")
    except OSError as e:
        raise input_error(path, e) from None
    with f:
        magic = f.peek(4)[:4]
        compression = "gzip" if magic.startswith(GZIP_MAGIC) else "zstd" if magic.startswith(ZSTD_MAGIC) else None
        named = _name_format(path)[1]
        if named is not None and named != compression:
            raise CorpusError(f"{path}: not {named} data (the name says {named}, the first bytes do not)")
        if span is not None:
            if compression is not None:
                raise CorpusError(f"{path}: a byte range of {compression} data cannot be read on its own")
            f.seek(span[0])
            left = span[1] - span[0]
            while left > 0 and (chunk := _read(f, min(size, left), path, None)):
                left -= len(chunk)
                yield chunk
            return
        if compression == "zstd":
            yield from _zstd_chunks(f, path)
            return
        stream: BinaryIO = gzip.GzipFile(fileobj=f, mode="rb") if compression == "gzip" else f
        while chunk := _read(stream, size, path, compression):
            yield chunk
