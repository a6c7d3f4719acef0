"""Raw-byte corpora for Binary BPE: every file under the given paths, read as it is (no decompression, no
text assumptions), cut into fixed-size chunks, and told apart by format from its magic bytes.

Formats: `elf`; `pe` (an `MZ` header whose `e_lfanew` points at `PE\\0\\0`); `macho` (thin, either byte order,
32 or 64 bit); `macho-fat` (`CAFEBABE` with a small architecture count — a Java class file has its version
there, which is larger); `other`. Directories are walked recursively in name order; hidden entries and
symbolic links are left out."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tokenforge.corpus.files import input_error, walk_files
from tokenforge.errors import CorpusError

MACHO_MAGICS = {b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"}
FAT_MAGIC = b"\xca\xfe\xba\xbe"
MAX_FAT_ARCHS = 30
HEAD = 4096
FORMATS = ("elf", "pe", "macho", "macho-fat", "other")


def detect_format(head: bytes) -> str:
    """The executable format of a file from its first bytes (at least the first 4 KiB where it has them)."""
    if head.startswith(b"\x7fELF"):
        return "elf"
    if head[:4] in MACHO_MAGICS:
        return "macho"
    if head.startswith(FAT_MAGIC) and len(head) >= 8 and 0 < struct.unpack(">I", head[4:8])[0] < MAX_FAT_ARCHS:
        return "macho-fat"
    if head.startswith(b"MZ") and len(head) >= 0x40:
        pe = struct.unpack("<I", head[0x3C:0x40])[0]
        if head[pe : pe + 4] == b"PE\0\0":
            return "pe"
    return "other"


@dataclass
class BinaryStats:
    """What was read, per format: `{format: [files, bytes]}`."""

    formats: dict[str, list[int]] = field(default_factory=dict)
    #: The share of the chunks learned from (below 1 under a memory cap).
    share: float = 1.0

    def add(self, kind: str, size: int) -> None:
        """Counts one file of `size` bytes."""
        entry = self.formats.setdefault(kind, [0, 0])
        entry[0] += 1
        entry[1] += size

    @property
    def files(self) -> int:
        """Files read."""
        return sum(f for f, _ in self.formats.values())

    @property
    def bytes(self) -> int:
        """Bytes read."""
        return sum(b for _, b in self.formats.values())


def binary_files(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Every regular file under `paths` (files or directories), checked to exist, in reading order."""
    files: list[Path] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise input_error(path, FileNotFoundError())
        if path.is_dir():
            found = list(walk_files(path, follow_file_links=False))
            if not found:
                raise CorpusError(f"{path}: no files in this directory")
            files += found
        else:
            files.append(path)
    return files


def file_chunks(path: Path, chunk_size: int) -> Iterator[bytes]:
    """The raw bytes of a file in chunks of `chunk_size` (the last may be shorter)."""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(chunk_size):
                yield chunk
    except OSError as e:
        raise input_error(path, e) from None


def binary_segments(
    paths: Iterable[str | os.PathLike], chunk_size: int, stats: BinaryStats
) -> Iterator[tuple[bytes, bool]]:
    """Chunks of every file as segments that each end their own document (no merge spans two chunks)."""
    if chunk_size < 2:
        raise CorpusError(f"chunk size {chunk_size} is too small: use at least 2 bytes")
    for path in binary_files(paths):
        size = 0
        kind = None
        for chunk in file_chunks(path, chunk_size):
            if kind is None:
                kind = detect_format(chunk[:HEAD] if len(chunk) >= HEAD else _head(path))
            size += len(chunk)
            yield chunk, True
        stats.add(kind or "other", size)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(HEAD)
    except OSError as e:
        raise input_error(path, e) from None
