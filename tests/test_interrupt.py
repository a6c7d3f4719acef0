"""Ctrl-C (issue 13, item 1): SIGINT stops every learner while it works, the command exits with 130 and writes
nothing partial; a checkpoint stays whole and a rerun resumes from it.

Each test starts the command on a pseudo-terminal (so the progress bars show, as for a user), waits until the bar
of the phase under test has appeared, sends SIGINT and waits for the exit. No timing is measured: the corpora are
sized so that the phase lasts seconds, far longer than a signal takes to arrive, and the bar must show work done
(the core loop has called back), so the signal lands inside the loop, not before it."""

from __future__ import annotations

import os
import pty
import random
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import tokenforge as tf

EXIT_INTERRUPTED = 130
#: Guards against a hang only; the tests never measure time.
HANG = 300


def working(label: str) -> re.Pattern[bytes]:
    """A progress bar `label` that shows work done (not 0/N): the core loop is running, not about to start."""
    return re.compile(re.escape(label.encode()) + rb" [^\r\n]*?\s[1-9][\d,]*/[\d,]+")


def interrupt_at(argv: list[str], marker: re.Pattern[bytes]) -> tuple[int, bytes]:
    """Runs `tokenforge argv` on a pseudo-terminal, sends SIGINT once `marker` has been printed, and returns the
    exit code and what was printed."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "tokenforge.cli", *argv], stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    seen = b""
    try:
        while not marker.search(seen):
            ready, _, _ = select.select([master], [], [], HANG)
            assert ready, f"no {marker!r} in {HANG} s: {seen[-2000:]!r}"
            try:
                chunk = os.read(master, 1 << 16)
            except OSError:  # the command ended (EIO) before the marker
                chunk = b""
            assert chunk, f"the command ended before {marker!r}: {seen[-2000:]!r}"
            seen += chunk
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=HANG)
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return code, seen


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """About 2 MB of random words: with no pre-tokenizer, tens of thousands of merges that take seconds."""
    r = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyzäöüéèàç"
    words = ["".join(r.choice(letters) for _ in range(r.randint(2, 12))) for _ in range(50_000)]
    path = tmp_path_factory.mktemp("corpus") / "words.txt"
    path.write_text(" ".join(r.choice(words) for _ in range(250_000)), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("options", "marker"),
    [
        (["--pretokenizer", "none"], working("merging")),
        (["--algorithm", "superbpe", "--pretokenizer", "gpt2", "--transition", "1000"], working("merging superwords")),
        (["--algorithm", "binary", "--chunk-size", "65536"], working("merging")),
        # Many short pruning rounds: seconds of EM. The count of pieces dropped is as wide as its total at once
        # (no padding before it), hence no `\s` before it in the marker.
        (
            [
                "--algorithm",
                "unigram",
                "--vocab-size",
                "500",
                "--shrinking-factor",
                "0.95",
                "--num-sub-iterations",
                "4",
            ],
            re.compile(rb"learning pieces [^\r\n]*?[1-9][\d,]*/[\d,]+"),
        ),
    ],
    ids=["bpe", "superbpe", "binary", "unigram"],
)
def test_ctrl_c_stops_the_merges_and_saves_nothing(options, marker, corpus, tmp_path):
    out = tmp_path / "out"
    code, _ = interrupt_at(["train", str(corpus), "--vocab-size", "200000", *options, "-o", str(out)], marker)
    assert code == EXIT_INTERRUPTED
    assert not out.exists()


def test_ctrl_c_leaves_a_whole_checkpoint_that_resumes(corpus, tmp_path):
    ckpt = tmp_path / "ckpt"
    argv = ["train", str(corpus), "--vocab-size", "6000", "--pretokenizer", "none", "--checkpoint-dir", str(ckpt)]
    code, _ = interrupt_at([*argv, "-o", str(tmp_path / "a")], working("merging"))
    assert code == EXIT_INTERRUPTED
    assert not (tmp_path / "a").exists()
    assert not list(ckpt.glob("*.tmp"))
    resumed = subprocess.run([sys.executable, "-m", "tokenforge.cli", *argv, "-o", str(tmp_path / "a")], check=True)
    assert resumed.returncode == 0
    whole = tf.train(corpus, vocab_size=6000, pretokenizer="none")
    assert tf.Tokenizer.load(tmp_path / "a").merges == whole.merges


def test_a_resumed_run_reports_the_whole_corpus_and_says_resumed(tmp_path, capsys):
    """Item 4: after a resume the summary showed only the files read by the second run."""
    from tokenforge.cli.main import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for k in range(3):
        (corpus / f"{k}.txt").write_text(f"document {k} with some words\n" * 50, encoding="utf-8")
    ckpt = tmp_path / "ckpt"
    argv = ["train", str(corpus), "--vocab-size", "300", "--checkpoint-dir", str(ckpt), "-o", str(tmp_path / "t")]
    assert main(argv) == 0
    first = capsys.readouterr().out
    assert main(argv) == 0
    second = capsys.readouterr().out
    corpus_line = [line for line in first.splitlines() if line.startswith("corpus:")]
    assert corpus_line == [line for line in second.splitlines() if line.startswith("corpus:")]
    assert "resumed from the checkpoint" in second and "resumed from the checkpoint" not in first


def test_mixture_infer_shows_the_replay_and_ctrl_c_stops_it(corpus, tmp_path):
    """Item 3: the replay of the merges over the samples ran silently (no bar until the solver); it shows merges
    replayed on a terminal, and Ctrl-C stops it."""
    tok = tmp_path / "tok"
    tf.train(corpus, vocab_size=20_000, pretokenizer="none").save(tok)
    argv = ["mixture", "infer", "-t", str(tok), "-c", f"a={corpus}", "-c", f"b={corpus}", "--merges", "19000"]
    code, _ = interrupt_at(argv, working("replaying merges over 2 samples"))
    assert code == EXIT_INTERRUPTED


def test_ctrl_c_stops_counting_part_way_through_a_batch():
    """Item 1: a batch handed to the counter (up to 16 MB in a run) was counted to its end before Ctrl-C was
    seen; now the core stops part-way. The signal is sent by a thread that can run only once the feed has
    released the interpreter (a long switch interval keeps it waiting until then), and
    the batch (6 MB through a backtracking pattern) lasts far longer than the signal takes to arrive."""
    import threading
    import time

    from tokenforge import _core

    words = 1_000_000
    text = b" words" * words
    counter = _core.WordCounter(r"\w+(?=\s|$)|\s+")
    interval = sys.getswitchinterval()
    sys.setswitchinterval(60)
    try:
        # It sleeps first, so that this thread takes the interpreter back and holds it until the feed lets go.
        sender = threading.Thread(target=lambda: (time.sleep(0.01), os.kill(os.getpid(), signal.SIGINT)))
        sender.start()
        with pytest.raises(KeyboardInterrupt):
            counter.feed([text], [True])
            sender.join()  # only if the batch ended first: the signal then comes here
    finally:
        sys.setswitchinterval(interval)
    assert counter.total() < 2 * words
