"""Training under a memory cap: spilled counts are exact, pruning is by a global threshold, the cap holds."""

from __future__ import annotations

import json
import string
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import tokenforge as tf
from tokenforge.progress import Progress
from tokenforge.training.bpe import learn_merges
from tokenforge.training.counting import count_pretokens
from tokenforge.training.memory import MemoryPlan, parse_size, resident_bytes


def counted(docs, memory=None):
    with Progress(enabled=False) as bar:
        (counter,) = count_pretokens(((d, True) for d in docs), ["gpt4"], bar, memory)
    return counter


def test_spilled_counts_train_exactly_like_in_memory(english_docs, tmp_path):
    plan = MemoryPlan(tmp_path, spill_bytes=4096, limit=1 << 40, batch_bytes=1 << 16)
    spilled, whole = counted(english_docs, plan), counted(english_docs)
    assert spilled.runs > 5
    assert spilled.most_common(10**6) == whole.most_common(10**6)
    with Progress(enabled=False) as bar:
        assert learn_merges(spilled, 1500, [], bar) == learn_merges(whole, 1500, [], bar)
    assert list(tmp_path.iterdir()) == [], "runs are deleted once merged"


def test_pruning_keeps_exactly_the_pretokens_above_a_threshold(english_docs, tmp_path):
    whole = dict(counted(english_docs).most_common(10**6))
    plan = MemoryPlan(tmp_path, spill_bytes=1 << 16, limit=2_000_000, batch_bytes=1 << 16)
    pruned = dict(counted(list(reversed(english_docs)), plan).most_common(10**6))
    threshold = min(pruned.values())
    assert 1 < len(pruned) < len(whole)
    assert pruned == {k: v for k, v in whole.items() if v >= threshold}


def test_public_option_gives_the_same_merges_when_nothing_is_pruned(english_docs):
    # The cap counts what the process already holds: leave the corpus ample room above it.
    capped = tf.train_from_iterator(english_docs, vocab_size=1200, max_memory=resident_bytes() + (512 << 20))
    assert capped.merges == tf.train_from_iterator(english_docs, vocab_size=1200).merges


PEAK_SCRIPT = textwrap.dedent(
    """
    import json, sys, string
    import tokenforge as tf

    def word(i):
        letters = []
        for _ in range(6):
            i, r = divmod(i, 26)
            letters.append(string.ascii_lowercase[r])
        return "".join(letters)

    def docs():
        # 1.5 million distinct rare words, and 500 common words seen 300 times each.
        for start in range(0, 1_500_000, 50_000):
            yield " ".join(word(i) for i in range(start, start + 50_000))
        common = " ".join(word(i) for i in range(500))
        for _ in range(300):
            yield common

    tok = tf.train_from_iterator(docs(), vocab_size=600, max_memory=sys.argv[1], spill_dir=sys.argv[2])
    # VmHWM is this process's own peak (ru_maxrss would carry over the parent's size at fork).
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()
    print(json.dumps({"peak": int(status[0]) * 1024, "vocab": tok.vocab_size}))
    """
)


def run_measured(script: str, *args: str) -> tuple[dict, str]:
    """Runs `script` in a new interpreter: the JSON of its last line of output, and its standard error."""
    out = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr


def test_peak_memory_stays_under_the_cap(tmp_path):
    cap = 160 << 20  # the uncapped counting table alone would need about 150 MiB, the merge phase far more
    result, stderr = run_measured(PEAK_SCRIPT, str(cap), str(tmp_path))
    assert result["vocab"] == 600
    assert result["peak"] < cap, f"peak {result['peak'] / 2**20:.0f} MiB over the {cap / 2**20:.0f} MiB cap"
    assert "memory cap: kept the" in stderr


def test_sizes_and_caps_are_checked():
    assert parse_size("4GB") == 4 * 10**9 and parse_size("512MiB") == 512 * 2**20 and parse_size(1000) == 1000
    with pytest.raises(tf.ConfigError, match="memory size"):
        parse_size("lots")
    with pytest.raises(tf.ConfigError, match="too small"):
        tf.train_from_iterator(["abc"], vocab_size=300, max_memory="10MB")


def test_pruned_message_is_logged_once(caplog, english_docs, tmp_path):
    plan = MemoryPlan(Path(tmp_path), spill_bytes=1 << 16, limit=1_000_000, batch_bytes=1 << 16)
    with caplog.at_level("WARNING", logger="tokenforge"):
        counted(english_docs, plan)
    assert len([r for r in caplog.records if "memory cap" in r.message]) == 1


CLI_PEAK_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from tokenforge.cli.main import main

    code = main(sys.argv[1:])
    # VmHWM is this process's own peak; tokenforge starts no child processes, so it is the whole tree's.
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()
    print(json.dumps({"code": code, "peak": int(status[0]) * 1024}))
    """
)


def test_a_file_of_distinct_words_stays_under_the_cap(tmp_path):
    """Issue 13 item 2: `train --max-memory` on a plain file of millions of distinct words went past the cap
    (a batch's distinct pieces came on top of the table, which spilled only between batches; freed blocks
    stayed resident). 2M distinct words under 128 MB peaked at 154 MiB before."""
    corpus = tmp_path / "words.txt"
    letters = string.ascii_lowercase
    with corpus.open("w") as f:
        for start in range(0, 2_000_000, 100):
            words = ("".join(letters[(i // 26**k) % 26] for k in range(7)) for i in range(start, start + 100))
            f.write(" ".join(words) + "\n")
    cap = 128 * 10**6
    train = ["train", str(corpus), "--vocab-size", "400", "--max-memory", "128MB", "--spill-dir", str(tmp_path)]
    result, _ = run_measured(CLI_PEAK_SCRIPT, *train, "-o", str(tmp_path / "tok"))
    assert result["code"] == 0
    assert result["peak"] < cap, f"peak {result['peak'] / 2**20:.0f} MiB over the {cap / 2**20:.0f} MiB cap"


def test_training_without_a_cap_gets_one_from_the_available_memory(monkeypatch, caplog, english_docs):
    """Issue 13 item 2: with no max_memory, counting on this machine is capped at half the available memory,
    and the log says so (at INFO: most runs never come near it; `train`'s summary prints it)."""
    from tokenforge.training import api, memory

    monkeypatch.setattr(memory, "available_memory", lambda: 6 << 30)
    caps = []
    real_plan = api.plan
    monkeypatch.setattr(api, "plan", lambda cap, *rest: caps.append(cap) or real_plan(cap, *rest))
    with caplog.at_level("INFO", logger="tokenforge"):
        tf.train_from_iterator(english_docs, vocab_size=300)
    assert caps == [3 << 30]
    assert "no --max-memory: bpe is capped at 3.0 GiB, half the available memory" in caplog.text


def test_train_summary_names_the_default_cap(monkeypatch, tmp_path, capsys):
    from tokenforge.cli.main import main
    from tokenforge.training import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 5 << 30)
    (tmp_path / "a.txt").write_text("some words and some more words\n" * 20, encoding="utf-8")
    assert main(["train", str(tmp_path / "a.txt"), "--vocab-size", "280", "-o", str(tmp_path / "t")]) == 0
    assert "memory cap: 2.5 GiB, half the available memory (--max-memory sets it)" in capsys.readouterr().out
