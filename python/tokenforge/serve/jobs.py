"""Work that `tokenforge serve` does in the background, one thread per job, with progress the page can poll:
the `tokenforge eval` metrics of the loaded tokenizers on the `--corpus` files, and how often each token is
used in them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from tokenforge.corpus import CorpusOptions
from tokenforge.errors import TokenforgeError
from tokenforge.metrics.adapters import OursAdapter
from tokenforge.metrics.evaluate import READING, batches, corpus_size, documents, evaluate
from tokenforge.progress import Progress
from tokenforge.serve.adapter import TokenizerView

IDLE, RUNNING, DONE, FAILED = "idle", "running", "done", "failed"


class JobProgress(Progress):
    """A progress bar nobody sees: it only records where the work is, for the page."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.description = ""
        self.done = 0.0
        self.total: float | None = None
        self.steps = 0
        self._at: Callable[[], float] | None = None

    def start(
        self, description: str, total: float | None = None, unit: str = "", position: Callable[[], float] | None = None
    ) -> None:
        """Begins a new step."""
        self.description, self.total, self.done, self._at = description, total, 0.0, position
        self.steps += 1

    def advance(self, n: float) -> None:
        """Moves the current step on by `n` (or to its position)."""
        self.done = self._at() if self._at is not None else self.done + n

    def update(self, done: float, total: float | None = None) -> None:
        """Sets the current step to `done` of `total`."""
        self.done, self.total = done, total

    def state(self) -> dict:
        """Where the work is, as JSON."""
        fraction = min(1.0, self.done / self.total) if self.total else None
        return {"description": self.description, "step": self.steps, "fraction": fraction}


class Job:
    """A function run once in a background thread; `state()` says how far it is and holds its result."""

    def __init__(self, name: str, work: Callable[[JobProgress], Any], steps: int) -> None:
        self.name = name
        self.steps = steps
        self._work = work
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.progress = JobProgress()
        self.status = IDLE
        self.result: Any = None
        self.error: str | None = None

    def start(self) -> None:
        """Starts the work unless it has started already."""
        with self._lock:
            if self._thread is not None:
                return
            self.status = RUNNING
            self._thread = threading.Thread(target=self._run, name=f"tokenforge-serve-{self.name}", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._work(self.progress)
            self.status = DONE
        except TokenforgeError as e:
            self.error = str(e)
            self.status = FAILED
        except Exception as e:  # a thread's end: whatever went wrong is shown on the page, not lost
            self.error = f"{type(e).__name__}: {e}"
            self.status = FAILED

    def wait(self, timeout: float | None = None) -> bool:
        """Waits for the work to end (for scripts and tests); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.status in (DONE, FAILED)

    def state(self) -> dict:
        """Status, progress and error, as JSON (the result is served separately)."""
        return {"status": self.status, "steps": self.steps, "progress": self.progress.state(), "error": self.error}


def usage_counts(
    views: list[TokenizerView], corpora: list[tuple[str, str]], progress: Progress, reading: CorpusOptions = READING
) -> dict[str, dict[str, np.ndarray]]:
    """`{tokenizer: {corpus: count per id}}`: every corpus (read as `reading` says) tokenized by every
    tokenizer."""
    out: dict[str, dict[str, np.ndarray]] = {v.name: {} for v in views}
    for corpus, path in corpora:
        progress.start(f"counting tokens in {corpus}", corpus_size(path), "bytes")
        for v in views:
            out[v.name][corpus] = np.zeros(v.vocab_size, dtype=np.int64)
        for batch in batches(documents(path, reading)):
            for v in views:
                ids = np.fromiter((i for ids in v.tok.encode_batch(batch) for i in ids), dtype=np.int64)
                out[v.name][corpus] += np.bincount(ids, minlength=v.vocab_size)[: v.vocab_size]
            progress.advance(sum(len(d.encode("utf-8", "surrogatepass")) for d in batch))
    return out


def report(
    views: list[TokenizerView], corpora: list[tuple[str, str]], progress: Progress, reading: CorpusOptions = READING
) -> dict:
    """The result of `tokenforge eval` for the views on the corpora (see `tokenforge.metrics.evaluate`)."""
    return evaluate([OursAdapter(v.tok, v.name) for v in views], corpora, progress=progress, reading=reading)
