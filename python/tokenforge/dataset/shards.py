"""Token shards on disk: writing them atomically, the manifest of a run, and reading them back.

A dataset directory holds `manifest.json` and numbered shards. Two formats:

- `npy`: `NNNNN.npy`, tokens as uint16 (vocabulary of at most 65,536 ids) or uint32, memory-mappable
  (`numpy.load(path, mmap_mode="r")`), and `NNNNN.idx.npy`, an int64 index. Unpacked, the tokens are one flat
  array and the index holds the `n + 1` offsets of its `n` documents (document `i` is
  `tokens[idx[i]:idx[i + 1]]`, EOS included). Packed, the tokens are a `(sequences, context)` array and the index
  is `(pieces, 3)`: sequence, start and length of each document piece in it; the rest of a sequence is padding.
- `parquet`: `NNNNN.parquet` with a column `input_ids` (a list of token ids per document, or per sequence when
  packed) and, when packed, `piece_lengths` (the lengths of the pieces laid one after the other from the start
  of the sequence; padding follows).

Every file is written under a temporary name, flushed to disk and renamed, so a shard is either complete or
absent; the manifest, rewritten the same way after each shard, lists the finished shards.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from tokenforge.errors import CorpusError, InputFileError

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "tokenforge-dataset"
MANIFEST_VERSION = 1
TMP_SUFFIX = ".tmp"
FORMATS = ("npy", "parquet")
UINT16_VOCAB = 1 << 16


def token_dtype(vocab_size: int) -> np.dtype:
    """uint16 when every id fits (vocabulary of at most 65,536), else uint32."""
    return np.dtype(np.uint16 if vocab_size <= UINT16_VOCAB else np.uint32)


def shard_files(index: int, fmt: str) -> list[str]:
    """The file names of shard `index` in format `fmt`."""
    stem = f"{index:05d}"
    return [f"{stem}.parquet"] if fmt == "parquet" else [f"{stem}.npy", f"{stem}.idx.npy"]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Writes `path` through `write(file)` under a temporary name, syncs it and renames it into place."""
    tmp = path.with_name(path.name + TMP_SUFFIX)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as e:
        raise InputFileError(f"{path}: cannot write ({e.strerror or e})") from None


def remove_temporaries(directory: Path) -> None:
    """Deletes what an interrupted run left half-written."""
    for p in directory.glob("*" + TMP_SUFFIX):
        p.unlink()


@dataclass
class ShardData:
    """One shard's content: `tokens` (flat, or `(sequences, context)` when packed) and `index` (see module)."""

    tokens: np.ndarray
    index: np.ndarray
    packed: bool


def _write_npy(array: np.ndarray) -> Callable[[BinaryIO], None]:
    return lambda f: np.save(f, array, allow_pickle=False)


def _write_parquet(shard: ShardData) -> Callable[[BinaryIO], None]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if shard.packed:
        n, context = shard.tokens.shape
        offsets = np.arange(0, (n + 1) * context, context, dtype=np.int64)
        seq = shard.index[:, 0]
        piece_offsets = np.searchsorted(seq, np.arange(n + 1), side="left").astype(np.int64)
        lengths = pa.LargeListArray.from_arrays(piece_offsets, pa.array(shard.index[:, 2].astype(np.uint32)))
        columns = {"input_ids": pa.LargeListArray.from_arrays(offsets, pa.array(shard.tokens.reshape(-1)))}
        columns["piece_lengths"] = lengths
    else:
        columns = {"input_ids": pa.LargeListArray.from_arrays(shard.index, pa.array(shard.tokens))}
    table = pa.table(columns)
    return lambda f: pq.write_table(table, f, compression="zstd")


def write_shard(directory: Path, index: int, fmt: str, shard: ShardData) -> list[str]:
    """Writes shard `index` atomically (index file first, tokens last) and returns its file names."""
    names = shard_files(index, fmt)
    if fmt == "parquet":
        write_atomic(directory / names[0], _write_parquet(shard))
    else:
        write_atomic(directory / names[1], _write_npy(shard.index))
        write_atomic(directory / names[0], _write_npy(shard.tokens))
    return names


def write_manifest(directory: Path, manifest: dict) -> None:
    """Writes `manifest.json` atomically (keys sorted, so equal runs give equal bytes)."""
    data = (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode()
    write_atomic(directory / MANIFEST, lambda f: f.write(data))


def read_manifest(directory: Path) -> dict | None:
    """The manifest of a dataset directory, or None when there is none."""
    path = directory / MANIFEST
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise CorpusError(f"{path}: not a readable manifest ({e})") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise CorpusError(f"{path}: not a tokenforge dataset manifest")
    if data.get("version") != MANIFEST_VERSION:
        raise CorpusError(f"{path}: manifest version {data.get('version')} is not supported")
    return data


class Dataset:
    """A tokenized dataset directory, read back: shards memory-mapped (npy) or loaded (parquet)."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)
        manifest = read_manifest(self.directory)
        if manifest is None:
            raise InputFileError(f"{self.directory}: no {MANIFEST}: not a tokenized dataset")
        self.manifest = manifest
        self.config: dict = manifest["config"]
        self.packed = self.config["context"] is not None

    @property
    def complete(self) -> bool:
        """Whether the run that wrote the dataset finished."""
        return bool(self.manifest["complete"])

    @property
    def num_shards(self) -> int:
        """Number of finished shards."""
        return len(self.manifest["shards"])

    def shard(self, i: int) -> ShardData:
        """Shard `i`: npy files memory-mapped, a parquet file turned back into the npy layout."""
        names = self.manifest["shards"][i]["files"]
        if self.config["format"] == "npy":
            tokens = np.load(self.directory / names[0], mmap_mode="r")
            return ShardData(tokens, np.load(self.directory / names[1]), self.packed)
        return self._parquet_shard(self.directory / names[0])

    def _parquet_shard(self, path: Path) -> ShardData:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        ids = table.column("input_ids").combine_chunks()
        tokens = ids.values.to_numpy()
        if not self.packed:
            return ShardData(tokens, ids.offsets.to_numpy().astype(np.int64), False)
        context = self.config["context"]
        lengths = table.column("piece_lengths").combine_chunks()
        offsets = lengths.offsets.to_numpy()
        length = lengths.values.to_numpy().astype(np.int64)
        seq = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        before = np.concatenate([[0], np.cumsum(length)])  # tokens of all pieces before piece k
        start = before[:-1] - before[offsets[:-1]][seq]
        index = np.stack([seq, start, length], axis=1).astype(np.int64)
        return ShardData(tokens.reshape(-1, context), index, True)

    def documents(self) -> Iterator[np.ndarray]:
        """Token arrays of every document (unpacked) or document piece (packed), in order."""
        for i in range(self.num_shards):
            shard = self.shard(i)
            if self.packed:
                for s, start, length in shard.index:
                    yield shard.tokens[s, start : start + length]
            else:
                for a, b in zip(shard.index[:-1], shard.index[1:]):
                    yield shard.tokens[a:b]
