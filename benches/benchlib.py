"""Shared helpers of the benchmark scripts: corpus loading, alternating timing, peak memory, the machine,
tokenizers built for the competitors from one of ours, and markdown tables.

Not part of the package: the scripts in this folder import it as a sibling module.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("TOKENFORGE_BENCH_DATA", ROOT / "bench-data"))
MIB = 1 << 20


def corpus_path(name: str) -> Path:
    """Path of a benchmark corpus file in bench-data/, or exit with how to build it."""
    path = DATA / name
    if not path.is_file():
        sys.exit(f"{path}: missing benchmark corpus; build it with benches/corpus.sh")
    return path


def read_documents(name: str) -> list[str]:
    """The documents of a corpus file: its text split on blank lines, empty pieces dropped."""
    text = corpus_path(name).read_text(encoding="utf-8")
    return [d for d in text.split("\n\n") if d]


def join_items(docs: Sequence[str], min_bytes: int) -> list[str]:
    """Consecutive documents joined by blank lines into items of at least `min_bytes` UTF-8 bytes."""
    items: list[str] = []
    group: list[str] = []
    size = 0
    for d in docs:
        group.append(d)
        size += len(d.encode()) + 2
        if size >= min_bytes:
            items.append("\n\n".join(group))
            group, size = [], 0
    if group:
        items.append("\n\n".join(group))
    return items


def text_bytes(items: Sequence[str]) -> int:
    """Total UTF-8 size of `items`."""
    return sum(len(t.encode()) for t in items)


@dataclass
class Spread:
    """Median and range of repeated measurements."""

    values: list[float]

    @property
    def median(self) -> float:
        """The median value."""
        return statistics.median(self.values)

    def fmt(self, digits: int = 2) -> str:
        """'median (min–max)'."""
        v = self.values
        return f"{self.median:.{digits}f} ({min(v):.{digits}f}–{max(v):.{digits}f})"


@dataclass
class Timings:
    """Wall and process CPU seconds of each run, by runner name."""

    wall: dict[str, list[float]]
    cpu: dict[str, list[float]]

    def cores(self, name: str) -> float:
        """CPU seconds per wall second of a runner (medians): how many cores it kept busy."""
        return statistics.median(self.cpu[name]) / statistics.median(self.wall[name])


def alternate(runners: dict[str, Callable[[], object]], runs: int) -> Timings:
    """Times each runner over `runs` rounds; every round runs each runner once, the order rotating from
    round to round so that no runner always follows the same one."""
    names = list(runners)
    t = Timings({n: [] for n in names}, {n: [] for n in names})
    for r in range(runs):
        for k in range(len(names)):
            name = names[(r + k) % len(names)]
            w0, c0 = time.perf_counter(), time.process_time()
            runners[name]()
            t.wall[name].append(time.perf_counter() - w0)
            t.cpu[name].append(time.process_time() - c0)
    return t


def _status_mib(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def peak_rss_mib() -> float:
    """Peak resident set size of this process (VmHWM, since the start or the last `reset_peak_rss`), MiB."""
    return _status_mib("VmHWM")


def rss_mib() -> float:
    """Current resident set size of this process (VmRSS), MiB."""
    return _status_mib("VmRSS")


def reset_peak_rss() -> None:
    """Resets the peak RSS to the current RSS (Linux: writing 5 to /proc/self/clear_refs)."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def run_child(script: str, args: Sequence[str], timeout: float | None = None) -> dict:
    """Runs `python benches/<script> --child ARGS...` in a fresh process and returns the JSON object it
    prints last. On a timeout or a crash returns {"error": "timeout"|"crashed: ..."}."""
    cmd = [sys.executable, str(Path(__file__).with_name(script)), "--child", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timeout"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return {"error": f"crashed: {tail[:200]}"}
    return json.loads(lines[-1])


def child_report(**fields: object) -> None:
    """Prints a child's result line (JSON) with its peak RSS."""
    print(json.dumps({**fields, "peak_mib": round(peak_rss_mib(), 1)}), flush=True)


def machine() -> str:
    """One markdown paragraph describing this machine and the library versions."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    import tiktoken
    import tokenizers

    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores ({cpu}), {mem_kib / MIB:.1f} GiB RAM, "
        f"Python {platform.python_version()}, tokenizers {tokenizers.__version__}, tiktoken {tiktoken.__version__}, "
        f"tokenforge {rev.stdout.strip() or '?'}, load average {os.getloadavg()[0]:.2f} at start"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# -- the competitors, built from the same model ---------------------------------------------------------


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte → printable character map, derived from HF's own ByteLevel alphabet (independent of
    tokenforge's, so that the merge comparison checks our byte order too)."""
    from tokenizers.pre_tokenizers import ByteLevel

    alphabet = sorted(ByteLevel.alphabet(), key=ord)
    printable = [c for c in alphabet if ord(c) < 256]
    mapping = {ord(c): c for c in printable}
    extra = iter(c for c in alphabet if ord(c) >= 256)
    return {b: mapping[b] if b in mapping else next(extra) for b in range(256)}


def hf_pretokenizer(pattern: str):
    """HF's pre-tokenizer for a split regex: Split(pattern, isolated) then ByteLevel without its own regex."""
    from tokenizers import Regex, pre_tokenizers

    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(pattern), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )


def cached_tokenizer(pattern: str, vocab_size: int, corpus: str = "corpus_10M.txt"):
    """Our tokenizer trained on a benchmark corpus, cached in bench-data/tokenizers/."""
    import tokenforge as tf

    path = DATA / "tokenizers" / f"{Path(corpus).stem}-{pattern}-{vocab_size}"
    if (path / "tokenforge.json").is_file():
        return tf.Tokenizer.load(path)
    tok = tf.train_from_iterator(read_documents(corpus), vocab_size, pretokenizer=pattern)
    tok.save(path)
    return tok


def tiktoken_encoding(tok):
    """A tiktoken Encoding of our tokenizer, through our `.tiktoken` export and its pattern."""
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    with tempfile.TemporaryDirectory() as d:
        ranks = load_tiktoken_bpe(str(tok.save_tiktoken(Path(d) / "bench.tiktoken")))
    return tiktoken.Encoding("tokenforge-bench", pat_str=tok.pattern, mergeable_ranks=ranks, special_tokens={})


def hf_tokenizer(tok):
    """A `tokenizers.Tokenizer` of our tokenizer, through our `tokenizer.json` export."""
    from tokenizers import Tokenizer

    with tempfile.TemporaryDirectory() as d:
        tok.save_huggingface(d)
        return Tokenizer.from_file(str(Path(d) / "tokenizer.json"))
