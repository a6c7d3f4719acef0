"""Tokenizing a dataset into shards: streaming, batched on all cores, resumable, deterministic.

Documents are read in order (`tokenforge.corpus` readers) and gathered into windows of about `window_bytes`; each
window is encoded with `Tokenizer.encode_batch`'s flat numpy output (all cores, GIL released, no Python list), EOS
appended to each document, and packed when a context is set (`tokenforge.dataset.packing`). A shard is closed at
the end of the first window that brings it to `shard_tokens` tokens, written atomically, and recorded in the
manifest with the input position it reaches (file number, documents read in that file) and the running totals.
Since windows and shards depend on the input alone, a rerun after a crash starts at the last recorded position and
writes exactly the bytes an uninterrupted run would have. With `ray`, the windows are encoded (and packed) by Ray
tasks and come back in order (`tokenforge.distributed`), so the shards are the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tokenforge.corpus.files import Source, discover
from tokenforge.corpus.options import CorpusOptions, CorpusStats
from tokenforge.corpus.reader import READERS
from tokenforge.dataset.packing import pack
from tokenforge.dataset.shards import (
    FORMATS,
    MANIFEST,
    MANIFEST_FORMAT,
    MANIFEST_VERSION,
    TMP_SUFFIX,
    ShardData,
    read_manifest,
    remove_temporaries,
    token_dtype,
    write_manifest,
    write_shard,
)
from tokenforge.distributed import RayOptions, ordered_map, ray_options
from tokenforge.errors import ConfigError, InputFileError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer

DEFAULT_SHARD_TOKENS = 100_000_000
DEFAULT_WINDOW_BYTES = 4 << 20
MIN_CONTEXT = 2
WHOLE_KEYS = {"tokenizer_sha256": "another tokenizer", "inputs": "the inputs differ"}
"""Config entries whose difference is named rather than shown, checked first."""


@dataclass
class TokenizeOptions:
    """How to tokenize a dataset.

    `context`: pack documents into sequences of this many tokens (None: one flat stream of documents). `eos`: a
    special token of the tokenizer appended to every document. `pad`: the special token filling the end of packed
    sequences (default: `eos`, else id 0; the index says where padding is either way). `format`: `npy` or
    `parquet`. `shard_tokens`: a shard is closed at the first window end where it holds at least this many
    tokens (padding included). `window_bytes`: documents are read, encoded and packed in windows of about this
    much text. `corpus`: how the inputs are read.
    """

    context: int | None = None
    eos: str | None = None
    pad: str | None = None
    format: str = "npy"
    shard_tokens: int = DEFAULT_SHARD_TOKENS
    window_bytes: int = DEFAULT_WINDOW_BYTES
    corpus: CorpusOptions = field(default_factory=CorpusOptions)

    def __post_init__(self) -> None:
        if self.context is not None and self.context < MIN_CONTEXT:
            raise ConfigError(f"context must be at least {MIN_CONTEXT} tokens, not {self.context}")
        if self.format not in FORMATS:
            raise ConfigError(f"format must be {' or '.join(FORMATS)}, not {self.format!r}")
        if self.shard_tokens < 1:
            raise ConfigError(f"shard_tokens must be positive, not {self.shard_tokens}")
        if self.window_bytes < 1:
            raise ConfigError(f"window_bytes must be positive, not {self.window_bytes}")
        if self.pad is not None and self.context is None:
            raise ConfigError("a pad token is only used when packing (set a context)")


@dataclass
class Totals:
    """Running totals of a run: documents and bytes read, tokens written (EOS included, padding not), padding
    tokens, sequences (packed) and shards."""

    documents: int = 0
    bytes: int = 0
    tokens: int = 0
    padding: int = 0
    sequences: int = 0
    shards: int = 0

    def add(self, other: Totals) -> None:
        """Adds `other` field by field."""
        for k, v in asdict(other).items():
            setattr(self, k, getattr(self, k) + v)

    @property
    def padding_ratio(self) -> float:
        """Padding tokens / all tokens written."""
        return self.padding / (self.tokens + self.padding) if self.tokens + self.padding else 0.0


@dataclass
class TokenizeReport:
    """What a run did: `totals` of the whole dataset, `resumed_shards` found finished from an earlier run (all
    of them when `already_complete`), `seconds` of this run and `bytes_this_run` it read and encoded."""

    directory: Path
    totals: Totals
    resumed_shards: int = 0
    already_complete: bool = False
    seconds: float = 0.0
    bytes_this_run: int = 0

    @property
    def mb_per_s(self) -> float:
        """Throughput of this run, MB (10^6 bytes) of text per second."""
        return self.bytes_this_run / 1e6 / self.seconds if self.seconds else 0.0


@dataclass
class Window:
    """Texts of consecutive documents, their size in bytes, and the input position after the last one."""

    texts: list[str]
    size: int
    end: tuple[int, int]


def _special_id(tok: Tokenizer, name: str, role: str, tokenizer_name: str) -> int:
    special = tok.special_tokens
    if name not in special:
        have = ", ".join(repr(s) for s in special) or "none"
        raise ConfigError(f"{role} token {name!r} is not a special token of {tokenizer_name} (special tokens: {have})")
    return special[name]


def tokenizer_fingerprint(tok: Tokenizer) -> str:
    """sha256 of the tokenizer's canonical JSON: two runs with the same fingerprint encode alike."""
    return hashlib.sha256(json.dumps(tok.to_dict(), sort_keys=True).encode()).hexdigest()


def _documents(
    sources: Sequence[Source], start: tuple[int, int], opts: CorpusOptions
) -> Iterator[tuple[str, int, tuple[int, int]]]:
    """`(text, UTF-8 size, position after it)` of each document from `start` = (file, documents to skip in it)."""
    stats = CorpusStats()
    first, skip = start
    for f in range(first, len(sources)):
        src = sources[f]
        n = 0
        parts: list = []
        for segment, ends in READERS[src.kind](src.path, opts, stats):
            parts.append(segment)
            if not ends:
                continue
            n += 1
            if f > first or n > skip:
                whole = parts[0] if len(parts) == 1 else type(parts[0])().join(parts)
                if isinstance(whole, bytes):
                    yield whole.decode(), len(whole), (f, n)
                else:
                    yield whole, len(whole.encode()), (f, n)
            parts = []


def _windows(docs: Iterable[tuple[str, int, tuple[int, int]]], window_bytes: int) -> Iterator[Window]:
    """Documents gathered into windows of at least `window_bytes` (the last one may be smaller)."""
    texts: list[str] = []
    size = 0
    for text, n, end in docs:
        texts.append(text)
        size += n
        if size >= window_bytes:
            yield Window(texts, size, end)
            texts, size = [], 0
    if texts:
        yield Window(texts, size, end)


def prefetch(items: Iterator[Window], depth: int = 2) -> Iterator[Window]:
    """`items`, produced by a background thread up to `depth` ahead: the next window is read while this one is
    encoded (the GIL is released while encoding). An error of the producer is raised here, in order."""
    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    end = object()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                q.put(item)
        except BaseException as e:  # handed over to the consumer
            q.put(e)
            return
        q.put(end)

    thread = threading.Thread(target=produce, name="tokenforge-reader", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not end:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                q.get(timeout=0.05)
            except queue.Empty:
                pass
        thread.join()


def encode_window(
    tok: Tokenizer, texts: list[str], eos_id: int | None, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """`(flat tokens, n + 1 document offsets)` of `texts` (`encode_batch`'s numpy output), `eos_id` (if any)
    after each document."""
    ids, offsets = tok.encode_batch(texts, output="numpy")
    flat = ids.astype(dtype, copy=False)
    if eos_id is not None:
        flat = np.insert(flat, offsets[1:], eos_id)
        offsets = offsets + np.arange(len(offsets))
    return flat, offsets


@dataclass
class EncodedWindow:
    """A window's output: tokens and index as `_ShardBuilder.add` takes them, tokens written (EOS included,
    padding not), padding tokens and packed sequences."""

    tokens: np.ndarray
    index: np.ndarray
    written: int
    padding: int = 0
    sequences: int = 0


class WindowEncoder:
    """Encodes a window's documents (EOS after each) and packs them when a context is set: the work of one
    window, in this process or in a Ray task. It pickles as the tokenizer's dict and rebuilds the tokenizer
    when unpickled (once per Ray worker, see `tokenforge.distributed.ordered_map`)."""

    def __init__(self, tok: Tokenizer, eos_id: int | None, dtype: np.dtype, context: int | None, pad_id: int) -> None:
        self.tok, self.eos_id, self.dtype, self.context, self.pad_id = tok, eos_id, dtype, context, pad_id

    def __getstate__(self) -> dict:
        return {**self.__dict__, "tok": self.tok.to_dict()}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, tok=Tokenizer.from_dict(state["tok"]))

    def __call__(self, window: Window) -> EncodedWindow:
        """The window's tokens and index."""
        flat, offsets = encode_window(self.tok, window.texts, self.eos_id, self.dtype)
        if self.context is None:
            return EncodedWindow(flat, offsets, flat.size)
        packed = pack(flat, offsets, self.context, self.pad_id)
        return EncodedWindow(packed.tokens, packed.index, flat.size, packed.padding, len(packed.tokens))


class _ShardBuilder:
    """Windows' output gathered until a shard is full."""

    def __init__(self, packed: bool) -> None:
        self.packed = packed
        self.tokens: list[np.ndarray] = []
        self.index: list[np.ndarray] = []
        self.size = 0
        self.rows = 0  # sequences (packed) or tokens (flat) so far: where the next window's index starts

    def add(self, tokens: np.ndarray, index: np.ndarray) -> None:
        """Appends one window's tokens and index (offsets or pieces relative to the window)."""
        if self.packed:
            index = index.copy()
            index[:, 0] += self.rows
            self.rows += len(tokens)
        else:
            index = index[:-1] + self.rows
            self.rows += len(tokens)
        self.tokens.append(tokens)
        self.index.append(index)
        self.size += tokens.size

    def take(self) -> ShardData:
        """The shard gathered so far; the builder starts over."""
        tokens = np.concatenate(self.tokens)
        if self.packed:
            index = np.concatenate(self.index)
        else:
            index = np.concatenate([*self.index, np.array([self.rows], dtype=np.int64)])
        self.__init__(self.packed)
        return ShardData(tokens, index.astype(np.int64), self.packed)


def _check_directory(out: Path, config: dict) -> dict | None:
    """The manifest of an earlier run of this same config in `out`, None for a fresh directory, else an error."""
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{out}: exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(out)
    if manifest is None:
        others = sorted(p.name for p in out.iterdir() if not p.name.endswith(TMP_SUFFIX))
        if others:
            raise ConfigError(
                f"{out}: the output directory holds files ({', '.join(others[:3])}) but no {MANIFEST}; "
                "choose an empty or new directory"
            )
        return None
    old = manifest["config"]
    for key in [*WHOLE_KEYS, *sorted((set(old) | set(config)) - set(WHOLE_KEYS))]:
        if old.get(key) != config.get(key):
            what = WHOLE_KEYS.get(key) or f"{key} is {old.get(key)!r} there, {config.get(key)!r} now"
            raise ConfigError(
                f"{out / MANIFEST}: the directory holds a different run ({what}); "
                "use another output directory or delete this one"
            )
    for shard in manifest["shards"]:
        for name in shard["files"]:
            if not (out / name).is_file():
                raise ConfigError(f"{out / name}: listed in {MANIFEST} but missing; delete the directory and rerun")
    return manifest


def run_config(
    tok: Tokenizer, sources: Sequence[Source], options: TokenizeOptions, tokenizer_name: str
) -> tuple[dict, int | None, int]:
    """The config recorded in the manifest, the EOS id (or None) and the pad id."""
    eos_id = None if options.eos is None else _special_id(tok, options.eos, "EOS", tokenizer_name)
    pad = options.pad if options.pad is not None else options.eos
    pad_id = 0 if pad is None else _special_id(tok, pad, "pad", tokenizer_name)
    inputs = []
    for s in sources:
        try:
            size = s.path.stat().st_size
        except OSError:
            size = None  # a pipe
        inputs.append({"path": str(s.path.resolve()), "kind": s.kind, "size": size})
    c = options.corpus
    config = {
        "tokenizer_sha256": tokenizer_fingerprint(tok),
        "vocab_size": tok.vocab_size,
        "dtype": token_dtype(tok.vocab_size).name,
        "inputs": inputs,
        "context": options.context,
        "eos": options.eos,
        "eos_id": eos_id,
        "pad_id": pad_id if options.context is not None else None,
        "format": options.format,
        "shard_tokens": options.shard_tokens,
        "window_bytes": options.window_bytes,
        "reader": {
            "text_field": c.text_field,
            "text_column": c.text_column,
            "split_lines": c.split_lines,
            "on_invalid_utf8": c.on_invalid_utf8,
        },
    }
    return config, eos_id, pad_id


def tokenize_dataset(
    tokenizer: Tokenizer,
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    out_dir: str | os.PathLike,
    options: TokenizeOptions | None = None,
    progress: bool = False,
    on_shard: Callable[[int], None] | None = None,
    tokenizer_name: str = "the tokenizer",
    ray: bool | str | RayOptions | None = None,
) -> TokenizeReport:
    """Tokenizes `inputs` (files and directories: text, JSON lines, Parquet) into shards in `out_dir`.

    Resumes an interrupted run of the same config in `out_dir` (a directory holding another run is an error).
    `on_shard(i)` is called after shard `i` and the manifest are on disk. `tokenizer_name` names the tokenizer in
    error messages. `ray` (`True`, a cluster address or `RayOptions`) encodes the windows as Ray tasks; this
    process still reads the inputs and writes the shards, which are byte for byte those of a local run.
    """
    options = options or TokenizeOptions()
    cluster = ray_options(ray)
    started = time.perf_counter()
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    sources = discover(inputs, CorpusStats())
    config, eos_id, pad_id = run_config(tokenizer, sources, options, tokenizer_name)
    out = Path(out_dir)
    manifest = _check_directory(out, config)
    if manifest is None:
        manifest = {"format": MANIFEST_FORMAT, "version": MANIFEST_VERSION, "config": config, "shards": []}
        manifest["complete"] = False
        write_manifest(out, manifest)  # from now on the directory is this run's, whatever happens
    remove_temporaries(out)
    shards = manifest["shards"]
    if manifest.get("complete"):
        return TokenizeReport(out, Totals(**manifest["totals"]), resumed_shards=len(shards), already_complete=True)
    totals = Totals(**shards[-1]["totals"]) if shards else Totals()
    report = TokenizeReport(out, totals, resumed_shards=len(shards))
    start = tuple(shards[-1]["end"]) if shards else (0, 0)
    encoder = WindowEncoder(tokenizer, eos_id, token_dtype(tokenizer.vocab_size), options.context, pad_id)
    builder = _ShardBuilder(options.context is not None)
    pending = Totals()

    def close_shard(end: tuple[int, int]) -> None:
        pending.shards = 1
        totals.add(pending)
        pending.__init__()
        files = write_shard(out, len(shards), options.format, builder.take())
        shards.append({"files": files, "end": list(end), "totals": asdict(totals)})
        write_manifest(out, manifest)
        if on_shard is not None:
            on_shard(len(shards) - 1)

    with Progress(progress) as bar:
        bar.start("tokenizing", None, "bytes")  # text bytes: no total known in advance (JSON, compression)
        bar.update(totals.bytes)
        window = None
        windows = prefetch(_windows(_documents(sources, start, options.corpus), options.window_bytes))
        encoded = ((w, encoder(w)) for w in windows) if cluster is None else ordered_map(cluster, encoder, windows)
        for window, enc in encoded:
            builder.add(enc.tokens, enc.index)
            pending.documents += len(window.texts)
            pending.bytes += window.size
            pending.tokens += enc.written
            pending.padding += enc.padding
            pending.sequences += enc.sequences
            report.bytes_this_run += window.size
            bar.advance(window.size)
            if builder.size >= options.shard_tokens:
                close_shard(window.end)
        if builder.size:
            close_shard(window.end)
    totals.add(pending)
    manifest["complete"] = True
    manifest["totals"] = asdict(totals)
    write_manifest(out, manifest)
    report.seconds = time.perf_counter() - started
    return report
