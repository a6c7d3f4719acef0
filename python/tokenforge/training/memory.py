"""Bounded memory for training: how a `max_memory` cap is shared between the counting table, its spilled
runs on disk, and the merge phase.

The counter writes its table to a sorted run on disk whenever it passes its share of the cap; at the end the
runs are merged back exactly. If the merge phase (whose memory grows with the number of distinct pre-tokens and
their lengths) still would not fit, only the pre-tokens whose total count reaches the smallest threshold that
fits are kept — deterministic, whatever the input order — and the threshold is logged. Without spilling or
pruning, the result is the same as in-memory training."""

from __future__ import annotations

import ctypes
import logging
import os
import platform
import re
import resource
from dataclasses import dataclass
from pathlib import Path

from tokenforge.errors import ConfigError

log = logging.getLogger("tokenforge")

UNITS = {"": 1, "B": 1, "K": 10**3, "KB": 10**3, "M": 10**6, "MB": 10**6, "G": 10**9, "GB": 10**9}
UNITS |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "T": 10**12, "TB": 10**12, "TIB": 2**40}
#: Smallest share of the cap the counter and the merge loop may have.
MIN_WORKING = 32 << 20
#: Peak memory of counting one batch, per byte of its text, beyond the counting table: the text and its block
#: buffers, piece offsets, and the per-thread tables of the batch's distinct pieces (16 measured on 2 MB batches of
#: distinct 8-byte words; lists of words each seen once are the worst case).
BATCH_OVERHEAD = 20


def parse_size(size: int | str) -> int:
    """Bytes in `4GB`, `512MiB`, `1e9` or a plain number."""
    if isinstance(size, int):
        return size
    m = re.fullmatch(r"\s*([0-9.eE+]+)\s*([A-Za-z]*)\s*", str(size))
    if not m or m.group(2).upper() not in UNITS:
        raise ConfigError(f"cannot read the memory size {size!r}: use e.g. 4GB, 512MiB or a number of bytes")
    try:
        return int(float(m.group(1)) * UNITS[m.group(2).upper()])
    except ValueError:
        raise ConfigError(f"cannot read the memory size {size!r}") from None


def _proc_kib(path: str, field: str) -> int | None:
    """A `field: N kB` line of a /proc file, in bytes (None where it cannot be read)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def resident_bytes() -> int:
    """The process's resident memory now (its peak where the current value cannot be read)."""
    rss = _proc_kib("/proc/self/status", "VmRSS")
    return rss if rss is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


#: glibc's `mallopt` parameter for the size from which allocations are mapped on their own.
M_MMAP_THRESHOLD = -3


def return_large_blocks() -> None:
    """Makes glibc map every allocation of 1 MiB or more on its own, so that freeing it gives the memory back.

    By default glibc raises that threshold to the size of the largest block freed so far: a batch's transient
    tables then come from the heap, between the counting table's keys, and stay resident once freed (a cap of
    160 MB peaked at 164 MiB without this, 132 MiB with). Mapping costs page faults (+15% CPU time counting 40 MB
    of Python), so only a cap the user sets pays for it. The setting lasts for the process."""
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, 1 << 20)


def available_memory() -> int:
    """Memory the system can give without swapping (MemAvailable), or the free physical memory."""
    available = _proc_kib("/proc/meminfo", "MemAvailable")
    return available if available is not None else os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")


def default_cap(learner: str, level: int = logging.WARNING) -> int:
    """The memory cap of a run not given one: half the available memory (at least what a plan needs), logged at
    `level`."""
    cap = max(available_memory() // 2, resident_bytes() + 2 * MIN_WORKING + BATCH_OVERHEAD * (1 << 20))
    log.log(level, "no --max-memory: %s is capped at %.1f GiB, half the available memory", learner, cap / 2**30)
    return cap


@dataclass(frozen=True)
class MemoryPlan:
    """What each part of training may use."""

    spill_dir: Path
    #: A counter spills its table when it holds more than this.
    spill_bytes: int
    #: The merge phase's budget (counting table included): beyond it, rare pre-tokens are pruned.
    limit: int
    #: Text handed to the core at a time.
    batch_bytes: int


def batch_bytes(max_memory: int | str) -> int:
    """Text read and counted at a time under a cap: a small share of it (1–16 MiB)."""
    return max(1 << 20, min(16 << 20, parse_size(max_memory) // 128))


def plan(max_memory: int | str, counters: int, spill_dir: Path) -> MemoryPlan:
    """Shares the cap: what the process already holds and the batch in flight come off the top; the counting
    tables share the rest (each spills before it would outgrow its share), and so does the merge phase."""
    cap = parse_size(max_memory)
    batch = batch_bytes(cap)
    working = cap - resident_bytes() - BATCH_OVERHEAD * batch
    if working < MIN_WORKING:
        raise ConfigError(
            f"max_memory {cap / 2**20:.0f} MiB is too small: the process already uses "
            f"{resident_bytes() / 2**20:.0f} MiB; allow at least {MIN_WORKING / 2**20:.0f} MiB more"
        )
    return MemoryPlan(spill_dir, spill_bytes=working // counters, limit=working, batch_bytes=batch)


def report_pruning(threshold: int, kept: int) -> None:
    """Logs a pruning threshold (1 means nothing was pruned)."""
    if threshold > 1:
        log.warning(
            "memory cap: kept the %d pre-tokens seen at least %d times; rarer ones were left out", kept, threshold
        )
