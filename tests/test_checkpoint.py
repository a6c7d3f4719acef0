"""Checkpoint and resume: a run killed at any point resumes and ends with the merges of an uninterrupted run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tokenforge as tf
from tokenforge.training import checkpoint
from tokenforge.training.checkpoint import KILL_ENV

VOCAB = 1500
EVERY = 200


@pytest.fixture(scope="module")
def corpus(english_docs, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("corpus")
    for k in range(3):
        (d / f"part{k}.txt").write_text("\n\n".join(english_docs[k::3]), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def uninterrupted(corpus) -> list:
    return tf.train(corpus, VOCAB).merges


def run_training(corpus: Path, ckpt: Path, kill_at: str | None = None) -> subprocess.Popen:
    """Trains in a subprocess that saves its counts after every file (the corpus is far below a save's volume)."""
    script = (
        "import sys, tokenforge as tf, tokenforge.training.checkpoint as c\n"
        "c.SAVE_EVERY_BYTES = 1\n"
        f"tf.train({str(corpus)!r}, {VOCAB}, checkpoint_dir={str(ckpt)!r}, checkpoint_every={EVERY})\n"
    )
    env = {**os.environ, **({KILL_ENV: kill_at} if kill_at else {})}
    return subprocess.Popen([sys.executable, "-c", script], env=env)


def resume(corpus: Path, ckpt: Path) -> list:
    return tf.train(corpus, VOCAB, checkpoint_dir=ckpt, checkpoint_every=EVERY).merges


def test_checkpointed_run_equals_plain_training(corpus, uninterrupted, tmp_path):
    assert resume(corpus, tmp_path) == uninterrupted
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["files_done"] == 3 and len(state["merges"]["merges"]) == VOCAB - 256
    assert resume(corpus, tmp_path) == uninterrupted, "a finished checkpoint is reused as it is"


@pytest.mark.parametrize("kill_at", ["counted:0", "counted:1", f"merged:{256 + EVERY}", f"merged:{256 + 4 * EVERY}"])
def test_sigkill_at_a_checkpoint_then_resume(corpus, uninterrupted, tmp_path, kill_at):
    proc = run_training(corpus, tmp_path, kill_at)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    state = json.loads((tmp_path / "state.json").read_text())
    if kill_at.startswith("counted"):
        assert state["files_done"] == int(kill_at.split(":")[1]) + 1 and state["merges"] is None
    else:
        assert len(state["merges"]["vocab"]) == int(kill_at.split(":")[1])
    assert resume(corpus, tmp_path) == uninterrupted


def test_sigkill_at_a_random_moment_then_resume(corpus, uninterrupted, tmp_path):
    rng = random.Random(7)
    for _ in range(2):
        proc = run_training(corpus, tmp_path)
        time.sleep(rng.uniform(0.2, 1.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=120)
    assert resume(corpus, tmp_path) == uninterrupted


def test_a_checkpoint_of_another_run_is_refused(corpus, tmp_path):
    resume(corpus, tmp_path)
    with pytest.raises(tf.ConfigError, match="belongs to another run"):
        tf.train(corpus, VOCAB + 1, checkpoint_dir=tmp_path, checkpoint_every=EVERY)


def test_counts_are_saved_by_volume_not_per_file(english_docs, tmp_path, monkeypatch):
    """Issue 13 item 4: a run over many small files wrote one run (and two fsyncs) per file: 6x slower on
    25,620 files. Now a save comes after every SAVE_EVERY_BYTES of text, at the end of a file, and at the end."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k, doc in enumerate(english_docs):
        (corpus / f"{k:03d}.txt").write_text(doc, encoding="utf-8")
    size = sum(len(d.encode()) for d in english_docs)
    monkeypatch.setattr(checkpoint, "SAVE_EVERY_BYTES", size // 3)
    saves = []
    real_save = checkpoint.Checkpoint.save
    monkeypatch.setattr(checkpoint.Checkpoint, "save", lambda self, e: saves.append(e) or real_save(self, e))
    ckpt = tmp_path / "ckpt"
    merges = tf.train(corpus, 600, checkpoint_dir=ckpt, checkpoint_every=10_000).merges
    counted = [e for e in saves if e.startswith("counted:")]
    assert 3 <= len(counted) <= 4 and counted[-1] == f"counted:{len(english_docs) - 1}"
    assert len(list(ckpt.glob("counts-*.bin"))) == len(counted)
    assert merges == tf.train(corpus, 600).merges
