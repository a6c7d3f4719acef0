"""Bounded memory for training: how a `max_memory` cap is shared between the counting table, its spilled
runs on disk, and the merge phase.

The counter writes its table to a sorted run on disk whenever it passes its share of the cap; at the end the
runs are merged back exactly. If the merge phase (whose memory grows with the number of distinct pre-tokens and
their lengths) still would not fit, only the pre-tokens whose total count reaches the smallest threshold that
fits are kept — deterministic, whatever the input order — and the threshold is logged. Without spilling or
pruning, the result is the same as in-memory training."""

from __future__ import annotations

import logging
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


def resident_bytes() -> int:
    """The process's resident memory now (its peak where the current value cannot be read)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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


def plan(max_memory: int | str, counters: int, spill_dir: Path) -> MemoryPlan:
    """Shares the cap: what the process already holds and the text batches in flight come off the top."""
    cap = parse_size(max_memory)
    batch = max(1 << 20, min(16 << 20, cap // 32))
    working = cap - resident_bytes() - 4 * batch
    if working < MIN_WORKING:
        raise ConfigError(
            f"max_memory {cap / 2**20:.0f} MiB is too small: the process already uses "
            f"{resident_bytes() / 2**20:.0f} MiB; allow at least {MIN_WORKING / 2**20:.0f} MiB more"
        )
    # The table may double while it fills, and a batch's own per-job tables come on top: spill at a quarter.
    return MemoryPlan(spill_dir, spill_bytes=working // (4 * counters), limit=working // 2, batch_bytes=batch)


def report_pruning(threshold: int, kept: int) -> None:
    """Logs a pruning threshold (1 means nothing was pruned)."""
    if threshold > 1:
        log.warning(
            "memory cap: kept the %d pre-tokens seen at least %d times; rarer ones were left out", kept, threshold
        )
