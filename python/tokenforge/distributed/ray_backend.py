"""Ray tasks for counting and dataset tokenization: connecting, sharding a corpus, and an ordered task map.

`ordered_map(options, fn, items)` runs `fn(item)` as Ray tasks, at most `in_flight` at a time, and yields the
results in the order of `items`; `fn` (a picklable callable holding the job's settings, or the tokenizer) is put
in the object store once and unpickled once per worker process. Counting for training uses it with
`ShardCounter` over `plan_shards`' shards; dataset tokenization with its window encoder.
"""

from __future__ import annotations

import dataclasses
import socket
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tokenforge.corpus import CorpusOptions, CorpusStats
from tokenforge.corpus.files import GZIP_MAGIC, ZSTD_MAGIC, Source, discover, input_error
from tokenforge.corpus.reader import READERS
from tokenforge.errors import ConfigError, CorpusError, TokenforgeError
from tokenforge.progress import Progress
from tokenforge.training.counting import BATCH_BYTES, feed_segments, finish_counters, new_counters, prepared
from tokenforge.training.memory import MemoryPlan

if TYPE_CHECKING:
    from tokenforge import _core
    from tokenforge.training.options import TrainOptions

T = TypeVar("T")
R = TypeVar("R")

INSTALL_HINT = "pip install 'tokenforge[ray]'"
DEFAULT_SHARD_BYTES = 64 << 20
#: Seconds to wait for a cluster address to accept a connection.
CONNECT_TIMEOUT = 10
#: Bytes read at a time while looking for the next line start.
LINE_PROBE = 1 << 20
#: Formats whose every line end ends a document, so that a file can be cut at any line start.
LINE_FORMATS = ("jsonl",)


@dataclass(frozen=True)
class RayOptions:
    """Where and how to run on Ray.

    `address`: the cluster — `"auto"`, `"HOST:PORT"` or `"ray://HOST:10001"`; None: what `ray.init()` finds (the
    cluster in `RAY_ADDRESS` or one started on this machine with `ray start`, else a new local instance). A
    process already connected (`ray.init` called before) is used as it is. `shard_bytes`: big uncompressed
    JSON-lines files, and text files read line by line, are cut into pieces of about this many bytes.
    `cpus_per_task`: CPUs a task asks Ray for, and the threads it counts or encodes with. `in_flight`: tasks
    submitted ahead of the results (default: twice the tasks the cluster runs at once).
    """

    address: str | None = None
    shard_bytes: int = DEFAULT_SHARD_BYTES
    cpus_per_task: int = 1
    in_flight: int | None = None

    def __post_init__(self) -> None:
        for name in ("shard_bytes", "cpus_per_task", "in_flight"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"ray {name} must be positive, not {value}")


def ray_options(value: bool | str | RayOptions | None) -> RayOptions | None:
    """The Ray options for a `ray=` argument: None/False (run locally), True (default options), an address, or
    `RayOptions`."""
    if value is None or value is False:
        return None
    if value is True:
        return RayOptions()
    if isinstance(value, str):
        return RayOptions(address=value)
    if isinstance(value, RayOptions):
        return value
    raise ConfigError(f"ray must be True, a cluster address or RayOptions, not {type(value).__name__}")


def import_ray() -> Any:
    """The `ray` module, or an error saying how to install it."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"running on Ray needs the ray package: {INSTALL_HINT}") from None
    return ray


def check_reachable(address: str) -> None:
    """A `HOST:PORT` address must accept connections (Ray itself would retry for minutes)."""
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", "local", "ray://...": left to Ray
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as e:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {e.strerror or e}") from None


def connect(options: RayOptions) -> Any:
    """The `ray` module, connected to the cluster (an existing connection is kept)."""
    ray = import_ray()
    if not ray.is_initialized():
        if options.address:
            check_reachable(options.address)
        try:
            ray.init(address=options.address)
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = options.address or "the default address"
            raise ConfigError(f"cannot connect to the Ray cluster at {where}: {e}") from None
    return ray


_WORKER_FUNCTIONS: dict[str, Callable] = {}
"""In a worker process: the function of the current `ordered_map`, by its object id (unpickled once)."""


def _apply(fn_ref: list, item: Any) -> Any:
    """The body of every task: `fn(item)`, `fn` fetched from the object store the first time a worker meets it
    (the reference comes in a list so that Ray does not fetch it for every task)."""
    import ray

    key = fn_ref[0].hex()
    fn = _WORKER_FUNCTIONS.get(key)
    if fn is None:
        _WORKER_FUNCTIONS.clear()
        fn = _WORKER_FUNCTIONS[key] = ray.get(fn_ref[0])
    return fn(item)


def _result(ray: Any, ref: Any) -> Any:
    """A task's result; a tokenforge error raised in the task is raised here as itself (one clear message)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        if isinstance(e.cause, TokenforgeError):
            raise e.cause from None
        raise


def ordered_map(options: RayOptions, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[tuple[T, R]]:
    """`(item, fn(item))` for each item, computed by Ray tasks (at most `options.in_flight` submitted ahead), in
    the order of `items`. When the consumer stops early or fails, the tasks not yet collected (at most
    `in_flight`) are left to finish and their results dropped: `ray.cancel` of a task that is completing just then
    aborts Ray 2.60's driver process ("Tried to complete task that was not pending"; seen in test_ray's
    interrupted tokenize about one run in eight)."""
    ray = connect(options)
    cpus = options.cpus_per_task
    task = ray.remote(_apply).options(num_cpus=cpus, runtime_env={"env_vars": {"RAYON_NUM_THREADS": str(cpus)}})
    in_flight = options.in_flight or max(2, 2 * int(ray.cluster_resources().get("CPU", 1)) // cpus)
    fn_ref = [ray.put(fn)]
    pending: deque = deque()
    for item in items:
        pending.append((item, task.remote(fn_ref, item)))
        if len(pending) >= in_flight:
            done, ref = pending.popleft()
            yield done, _result(ray, ref)
    while pending:
        done, ref = pending.popleft()
        yield done, _result(ray, ref)


@dataclass(frozen=True)
class Shard:
    """Part of the corpus counted by one task: a file, or part of it: bytes `[start, end)` cut at line starts
    (line formats), or row groups `[first, end)` (Parquet)."""

    path: Path
    kind: str
    span: tuple[int, int] | None = None


def _compressed(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise input_error(path, e) from None
    return magic.startswith(GZIP_MAGIC) or magic.startswith(ZSTD_MAGIC)


def _line_starts(path: Path, size: int, every: int) -> list[int]:
    """0, the first line start at or after each multiple of `every` that is one, and `size`."""
    cuts = [0]
    try:
        with open(path, "rb") as f:
            for target in range(every, size, every):
                if target <= cuts[-1]:
                    continue  # a line longer than `every` took us past this target
                f.seek(target - 1)
                while (line := f.readline(LINE_PROBE)) and not line.endswith(b"\n"):
                    pass
                if f.tell() >= size:
                    break
                cuts.append(f.tell())
    except OSError as e:
        raise input_error(path, e) from None
    return [*cuts, size]


def _row_group_cuts(path: Path, every: int) -> list[int]:
    """0, the row groups where a run of about `every` bytes (uncompressed) begins, and the number of groups; a
    file pyarrow cannot read is left whole (its task reports the error)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except (pa.ArrowException, OSError):
        return [0]
    cuts, size = [0], 0
    for g in range(meta.num_row_groups):
        if size >= every:
            cuts.append(g)
            size = 0
        size += meta.row_group(g).total_byte_size
    return [*cuts, meta.num_row_groups]


def plan_shards(sources: Sequence[Source], corpus: CorpusOptions, shard_bytes: int) -> list[Shard]:
    """The shards of a corpus: each file whole, except files bigger than `shard_bytes` that can be cut between
    documents: uncompressed files whose every line is a document (JSON lines; text with `split_lines`), cut at
    line starts, and Parquet files, cut between row groups, into pieces of about that size. No document crosses
    a cut, so the counts of the pieces add up to those of the whole file."""
    shards = []
    for s in sources:
        lines = s.kind in LINE_FORMATS or (s.kind == "text" and corpus.split_lines)
        size = s.path.stat().st_size if s.path.is_file() else 0
        if size <= shard_bytes:
            cuts = None
        elif s.kind == "parquet":
            cuts = _row_group_cuts(s.path, shard_bytes)
        elif lines and not _compressed(s.path):
            cuts = _line_starts(s.path, size, shard_bytes)
        else:
            cuts = None
        if cuts is None or len(cuts) < 3:
            shards.append(Shard(s.path, s.kind))
        else:
            shards += [Shard(s.path, s.kind, (a, b)) for a, b in zip(cuts, cuts[1:])]
    return shards


@dataclass(frozen=True)
class ShardCounter:
    """Counts the pre-tokens of one shard, for each pre-tokenizer: the work of one task. Returns the counts as the
    bytes of sorted run files (`WordCounter.save_run`), and what was read. Under a memory plan the counters spill
    to the worker's temporary directory; pruning is left to the driver, which sees all counts."""

    pretokenizers: tuple[str, ...]
    corpus: CorpusOptions
    normalizer: str | None
    forced: tuple[str, ...]
    memory: MemoryPlan | None

    def __call__(self, shard: Shard) -> tuple[list[bytes], CorpusStats]:
        """`(run bytes per pre-tokenizer, stats)` of `shard`."""
        stats = CorpusStats()
        segments = READERS[shard.kind](shard.path, self.corpus, stats, span=shard.span)
        with tempfile.TemporaryDirectory(prefix="tokenforge-ray-") as d:
            memory = dataclasses.replace(self.memory, spill_dir=Path(d)) if self.memory else None
            counters = new_counters(self.pretokenizers, memory)
            try:
                feed_segments(
                    counters,
                    prepared(segments, self.normalizer, self.forced),
                    Progress(enabled=False),
                    memory.batch_bytes if memory else BATCH_BYTES,
                )
            except CorpusError as e:
                if shard.kind == "jsonl" and shard.span and shard.span[0]:
                    raise CorpusError(f"{e} (a line number counted from byte {shard.span[0]} of the file)") from None
                raise
            runs = []
            for k, counter in enumerate(counters):
                counter.finish()
                run = Path(d) / f"run-{k}.bin"
                counter.save_run(str(run))
                runs.append(run.read_bytes())
        return runs, stats


def ray_counting(
    paths: Sequence, corpus: CorpusOptions, stats: CorpusStats, opts: TrainOptions, options: RayOptions
) -> Callable[[Sequence[str], Progress, MemoryPlan | None], list[_core.WordCounter]]:
    """The counting step of `tokenforge.train` on a Ray cluster: the driver finds the files and cuts them into
    shards, tasks count them, and the driver adds their runs into one counter per pre-tokenizer (then prunes
    under a memory plan, as a local run does)."""

    def count(pretokenizers: Sequence[str], bar: Progress, memory: MemoryPlan | None) -> list[_core.WordCounter]:
        sources = discover(paths, stats)
        stats.files += len(sources)
        shards = plan_shards(sources, corpus, options.shard_bytes)
        work = ShardCounter(tuple(pretokenizers), corpus, opts.normalizer, tuple(opts.forced), memory)
        counters = new_counters(pretokenizers, memory)
        with tempfile.TemporaryDirectory(prefix="tokenforge-runs-", dir=memory.spill_dir if memory else None) as d:
            run = Path(d) / "run.bin"
            for _, (runs, read) in ordered_map(options, work, shards):
                for counter, data in zip(counters, runs):
                    run.write_bytes(data)
                    counter.add_run(str(run))
                stats.documents += read.documents
                stats.bytes += read.bytes
                stats.invalid_bytes += read.invalid_bytes
                bar.advance(read.bytes)
        finish_counters(counters, memory)
        return counters

    return count
