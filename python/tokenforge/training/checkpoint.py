"""Checkpoint and resume for long training runs (classic BPE from files).

A run with `checkpoint_dir` saves its progress there as it goes: while counting, at the end of the first file
after every `SAVE_EVERY_BYTES` of text read (and after the last file), the pre-token counts since the previous
save as a sorted run (`counts-NNNNN.bin`); during the merge phase, the merges learned so far, every
`checkpoint_every` merges. Saving by volume, not after each file, keeps a corpus of many small files as fast
as without checkpoints. `state.json` says what is done; it and every run are written to a temporary name,
flushed and renamed, so a run killed at any moment leaves the last checkpoint whole. Started again with the same
corpus and options, training resumes from there and ends with the same merges as an uninterrupted run: the
merge phase is run in stages at the same boundaries either way, and a stage continues from the merges before
it exactly as the trainer continues any base model (`Tokenizer.extend`)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from tokenforge import _core
from tokenforge.corpus import CorpusOptions, CorpusStats
from tokenforge.corpus.files import discover
from tokenforge.corpus.reader import READERS
from tokenforge.errors import ConfigError, CorpusError, TokenizerFileError
from tokenforge.progress import Progress
from tokenforge.training.bpe import learn_merges
from tokenforge.training.counting import feed_segments
from tokenforge.training.options import TrainOptions

STATE = "state.json"
FORMAT_VERSION = 2
#: Text read between two saves of the counts (a save comes at the end of a file).
SAVE_EVERY_BYTES = 64 << 20
#: Test hook: `"counted:K"` or `"merged:N"` kills the process (SIGKILL) right after that checkpoint is saved.
KILL_ENV = "TOKENFORGE_TEST_KILL_AT"


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _fingerprint(vocab_size: int, opts: TrainOptions, reading: CorpusOptions, files: list[Path]) -> str:
    """What makes two runs the same run: options, vocabulary size, and every input file's name, size and time."""
    stamp = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files]
    options = {k: v for k, v in asdict(opts).items() if k not in ("progress", "spill_dir")}
    blob = json.dumps([vocab_size, options, asdict(reading), stamp], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


class Checkpoint:
    """The saved progress of one run in a directory."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / STATE
        self.state: dict = {
            "version": FORMAT_VERSION,
            "fingerprint": fingerprint,
            "files_done": 0,
            "runs": 0,
            "merges": None,
        }
        if path.exists():
            try:
                state = json.loads(path.read_bytes())
            except (OSError, ValueError) as e:
                raise TokenizerFileError(f"{path}: unreadable checkpoint ({e})") from None
            if state.get("version") != FORMAT_VERSION or state.get("fingerprint") != fingerprint:
                raise ConfigError(
                    f"{path}: this checkpoint belongs to another run (different corpus or options); "
                    "use an empty checkpoint directory"
                )
            self.state = state
        self.on_save: Callable[[str], None] = _kill_hook

    def save(self, event: str) -> None:
        """Writes the state, then runs the hook for `event`."""
        _write_atomically(self.dir / STATE, json.dumps(self.state).encode())
        self.on_save(event)

    def save_counts(self, counter: _core.WordCounter, k: int, stats: CorpusStats) -> None:
        """Saves the counts since the last save (the counter forgets them) and marks files up to `k` done, with
        what was read so far (for the summary of a resumed run)."""
        run = self.dir / f"counts-{self.state['runs']:05d}.bin"
        tmp = run.with_name(run.name + ".tmp")
        counter.save_run(str(tmp))
        os.replace(tmp, run)
        self.state["runs"] += 1
        self.state["files_done"] = k + 1
        self.state["stats"] = asdict(stats)
        self.save(f"counted:{k}")

    def counts(self, pretokenizer: str) -> _core.WordCounter:
        """All saved counts in one counter."""
        counter = _core.WordCounter(pretokenizer)
        for k in range(self.state["runs"]):
            counter.add_run(str(self.dir / f"counts-{k:05d}.bin"))
        return counter

    def merges(self) -> tuple[list[bytes], list] | None:
        """The vocabulary and merges saved so far, if any."""
        saved = self.state.get("merges")
        if saved is None:
            return None
        return [bytes.fromhex(t) for t in saved["vocab"]], [((a, b), n) for a, b, n in saved["merges"]]

    def save_merges(self, vocab: list[bytes], merges: list) -> None:
        """Saves the merge phase's progress."""
        self.state["merges"] = {"vocab": [t.hex() for t in vocab], "merges": [[a, b, n] for (a, b), n in merges]}
        self.save(f"merged:{len(vocab)}")


def _kill_hook(event: str) -> None:
    if os.environ.get(KILL_ENV) == event:
        os.kill(os.getpid(), signal.SIGKILL)


def learn_with_checkpoints(
    paths: list,
    vocab_size: int,
    opts: TrainOptions,
    reading: CorpusOptions,
    stats: CorpusStats,
    directory: str | os.PathLike,
    every: int,
) -> tuple[list[bytes], list, str]:
    """Counts the files (saving the counts by volume) and merges stage by stage, saving as it goes; returns
    `(vocab, merges, pretokenizer)` without special tokens."""
    if opts.forced or opts.normalizer or opts.max_memory is not None:
        raise ConfigError("checkpoints are supported without forced tokens, normaliser or memory cap (yet)")
    if every < 1:
        raise ConfigError(f"checkpoint_every must be at least 1, not {every}")
    pretokenizer = opts.pretokenizer or "gpt4"
    _core.Pretokenizer(pretokenizer)
    sources = discover(paths, stats)
    ckpt = Checkpoint(Path(directory), _fingerprint(vocab_size, opts, reading, [s.path for s in sources]))
    with Progress(enabled=opts.progress) as bar:
        bar.start("counting pre-tokens", unit="bytes")
        if ckpt.state["files_done"]:
            for key, value in ckpt.state.get("stats", {}).items():
                setattr(stats, key, value)
            stats.resumed = True
        counter = _core.WordCounter(pretokenizer)
        saved_at = stats.bytes
        for k, source in enumerate(sources):
            if k < ckpt.state["files_done"]:
                continue
            feed_segments([counter], READERS[source.kind](source.path, reading, stats), bar)
            if stats.bytes - saved_at >= SAVE_EVERY_BYTES or k == len(sources) - 1:
                counter.finish()
                ckpt.save_counts(counter, k, stats)
                saved_at = stats.bytes
        stats.files = len(sources)
        counter = ckpt.counts(pretokenizer)
        if len(counter) == 0:
            raise CorpusError(f"{', '.join(map(str, paths))}: the corpus is empty")
        vocab, merges = ckpt.merges() or (_core_bytes(), [])
        target = vocab_size - len(opts.specials)
        while len(vocab) < target:
            size = len(vocab)
            stage = min(target, size + every) + len(opts.specials)
            vocab, merges = learn_merges(
                counter,
                stage,
                opts.specials,
                bar,
                min_frequency=opts.min_frequency,
                rules=opts.rules,
                base=(vocab, merges),
            )
            ckpt.save_merges(vocab, merges)
            if len(vocab) == size:
                break  # nothing left to merge
    return vocab, merges, pretokenizer


def _core_bytes() -> list[bytes]:
    return [bytes([b]) for b in _core.BYTE_ORDER]
