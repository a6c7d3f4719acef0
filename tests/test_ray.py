"""Ray mode: counting for training and dataset tokenization as Ray tasks give exactly the local results.

One local Ray instance (2 CPUs, no dashboard, no usage stats) serves the whole module.
"""

from __future__ import annotations

import gzip
import json
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.corpus import CorpusOptions, CorpusStats
from tokenforge.corpus.files import discover
from tokenforge.dataset import TokenizeOptions, tokenize_dataset
from tokenforge.distributed import RayOptions
from tokenforge.distributed.ray_backend import ShardCounter, check_reachable, plan_shards
from tokenforge.errors import ConfigError, CorpusError

EOS = "<|endoftext|>"
SHARD = 6000
"""Bytes per piece of a big file: the corpus's big files are cut into several pieces."""


@pytest.fixture(scope="module")
def ray_cluster():
    """One local Ray instance for the module."""
    ray = pytest.importorskip("ray")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_USAGE_STATS_ENABLED", "0")
        mp.setenv("RAY_AUTH_MODE", "disabled")
        mp.delenv("RAY_ADDRESS", raising=False)
        ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            yield RayOptions(shard_bytes=SHARD)
        finally:
            ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, english_docs) -> Path:
    """Several files of each kind: text (paragraphs, one per line), JSON lines, gzip text and Parquet (10 row
    groups)."""
    rng = random.Random(7)
    paras = [p.replace("\n", " ") for d in english_docs[:80] for p in d.split("\n\n") if p.strip()]
    rng.shuffle(paras)
    d = tmp_path_factory.mktemp("corpus")
    (d / "a.txt").write_text("".join(p + "\n" for p in paras[:300]))
    (d / "b.txt").write_text("".join(p + "\n" for p in paras[300:305]))
    (d / "c.jsonl").write_text("".join(json.dumps({"text": p}) + "\n" for p in paras[330:700]))
    (d / "d.txt.gz").write_bytes(gzip.compress("".join(p + "\n" for p in paras[700:900]).encode()))
    pq.write_table(pa.table({"text": paras[900:1000]}), d / "e.parquet", row_group_size=10)
    return d


@pytest.fixture(scope="module")
def tok(corpus) -> tf.Tokenizer:
    """A 500-token tokenizer with an EOS token."""
    return tf.train([corpus / "a.txt"], 500, split_lines=True, special_tokens=[EOS])


@pytest.mark.parametrize("split_lines", [False, True])
def test_plan_cuts_only_line_files_at_line_starts(corpus, split_lines):
    shards = plan_shards(discover([corpus], CorpusStats()), CorpusOptions(split_lines=split_lines), SHARD)
    by_file: dict[str, list] = {}
    for s in shards:
        by_file.setdefault(s.path.name, []).append(s.span)
    cut = {name for name, spans in by_file.items() if spans != [None]}
    assert (corpus / "b.txt").stat().st_size < SHARD < (corpus / "d.txt.gz").stat().st_size
    assert cut == ({"a.txt", "c.jsonl", "e.parquet"} if split_lines else {"c.jsonl", "e.parquet"})
    groups = by_file.pop("e.parquet")
    assert groups[0][0] == 0 and groups[-1][1] == 10 and all(a[1] == b[0] for a, b in zip(groups, groups[1:]))
    for name in cut - {"e.parquet"}:
        data = (corpus / name).read_bytes()
        spans = by_file[name]
        assert len(spans) > 3
        assert spans[0][0] == 0 and spans[-1][1] == len(data)
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))
        assert all(data[start - 1 : start] == b"\n" for start, _ in spans[1:])


def test_plan_keeps_a_line_longer_than_a_shard_whole(tmp_path):
    path = tmp_path / "long.jsonl"
    lines = [json.dumps({"text": "x" * n}) + "\n" for n in (10, 50_000, 10, 10, 30_000, 10)]
    path.write_text("".join(lines))
    shards = plan_shards(discover([path], CorpusStats()), CorpusOptions(), 1000)
    starts = [s.span[0] for s in shards]
    line_starts = [sum(map(len, lines[:k])) for k in range(len(lines))]
    assert set(starts) <= set(line_starts) and len(starts) >= 3


def test_a_piece_reports_invalid_utf8_at_its_offset_in_the_file(tmp_path):
    path = tmp_path / "lines.txt"
    data = b"".join(b"line %d of plain text\n" % k for k in range(2000))
    bad = len(data) - 700
    path.write_bytes(data[:bad] + b"\xff" + data[bad + 1 :])
    opts = CorpusOptions(split_lines=True)
    shards = plan_shards(discover([path], CorpusStats()), opts, 5000)
    assert len(shards) > 5 and shards[-1].span[0] < bad
    counter = ShardCounter(("gpt4",), opts, None, (), None)  # the work of one task, run here
    with pytest.raises(CorpusError, match=f"lines.txt: invalid UTF-8 at byte offset {bad} "):
        counter(shards[-1])


@pytest.mark.parametrize(
    "split_lines, options",
    [
        (False, {}),
        (True, {"min_frequency": 2, "special_tokens": [EOS]}),
        (True, {"algorithm": "superbpe", "transition": 600, "normalizer": "NFKC", "forced_tokens": ["def"]}),
    ],
)
def test_training_on_ray_matches_local(ray_cluster, corpus, split_lines, options):
    local_stats, ray_stats = CorpusStats(), CorpusStats()
    local = tf.train([corpus], 800, split_lines=split_lines, stats=local_stats, **options)
    remote = tf.train([corpus], 800, split_lines=split_lines, stats=ray_stats, ray=ray_cluster, **options)
    assert len(local.merges) > 400
    assert remote.merges == local.merges
    assert remote.to_dict() == local.to_dict()
    assert ray_stats == local_stats


def test_training_on_ray_under_a_memory_cap_matches_local(ray_cluster, corpus, tmp_path):
    local = tf.train([corpus], 600, split_lines=True, max_memory="8GB", spill_dir=tmp_path)
    remote = tf.train([corpus], 600, split_lines=True, max_memory="8GB", spill_dir=tmp_path, ray=ray_cluster)
    assert remote.merges == local.merges


def test_an_error_in_a_task_is_raised_as_itself(ray_cluster, tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"text": "some words " * 40}) + "\n"
    path.write_text(good * 200 + "{not json\n" + good * 10)
    with pytest.raises(CorpusError, match=r"bad\.jsonl: line \d+: not valid JSON .*counted from byte \d+"):
        tf.train([path], 300, ray=ray_cluster)


def tokenize_both(tok, inputs, tmp_path, ray, **options) -> tuple[Path, Path]:
    opts = TokenizeOptions(eos=EOS, window_bytes=3000, shard_tokens=4000, **options)
    local, remote = tmp_path / "local", tmp_path / "ray"
    tokenize_dataset(tok, inputs, local, opts)
    tokenize_dataset(tok, inputs, remote, opts, ray=ray)
    return local, remote


def same_files(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert len(names) > 6  # several shards
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize("options", [{}, {"context": 256}, {"context": 128, "format": "parquet"}])
def test_tokenize_on_ray_writes_the_local_bytes(ray_cluster, corpus, tok, tmp_path, options):
    same_files(*tokenize_both(tok, [corpus], tmp_path, ray_cluster, corpus=CorpusOptions(split_lines=True), **options))


def test_tokenize_on_ray_resumes_like_local(ray_cluster, corpus, tok, tmp_path):
    opts = TokenizeOptions(eos=EOS, context=256, window_bytes=3000, shard_tokens=4000)
    local, remote = tmp_path / "local", tmp_path / "ray"
    tokenize_dataset(tok, [corpus], local, opts)

    def crash(i: int) -> None:
        if i == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        tokenize_dataset(tok, [corpus], remote, opts, on_shard=crash, ray=ray_cluster)
    report = tokenize_dataset(tok, [corpus], remote, opts, ray=ray_cluster)
    assert report.resumed_shards == 4
    same_files(local, remote)


def test_cli_ray_flag(ray_cluster, corpus, tmp_path, capsys):
    inputs = [str(corpus / "a.txt"), str(corpus / "c.jsonl")]
    for out, flag in (("local", []), ("ray", ["--ray"])):  # --ray uses the connected instance
        assert main(["train", *inputs, "-o", str(tmp_path / out), "--vocab-size", "400", *flag]) == 0
        tok = str(tmp_path / out)
        assert (
            main(["tokenize", "-t", tok, *inputs, "-o", str(tmp_path / f"{out}-shards"), "--no-progress", *flag]) == 0
        )
    capsys.readouterr()
    assert (tmp_path / "ray" / "tokenforge.json").read_bytes() == (tmp_path / "local" / "tokenforge.json").read_bytes()
    assert (tmp_path / "ray-shards" / "00000.npy").read_bytes() == (
        tmp_path / "local-shards" / "00000.npy"
    ).read_bytes()


def test_tokenforge_does_not_import_ray():
    code = "import sys, tokenforge, tokenforge.dataset, tokenforge.cli.main; print('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_without_ray_installed_the_error_says_how_to_install(monkeypatch, corpus, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails
    with pytest.raises(ConfigError, match=r"pip install 'tokenforge\[ray\]'"):
        tf.train([corpus / "b.txt"], 300, ray=True)
    assert main(["train", str(corpus / "b.txt"), "-o", str(tmp_path / "out"), "--vocab-size", "300", "--ray"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "pip install 'tokenforge[ray]'" in err
    tok = tf.train([corpus / "b.txt"], 300)  # without ray, all is as before
    with pytest.raises(ConfigError, match=r"pip install 'tokenforge\[ray\]'"):
        tokenize_dataset(tok, [corpus / "b.txt"], tmp_path / "shards", ray="127.0.0.1:6379")


def test_an_unreachable_address_is_one_clear_error():
    with pytest.raises(ConfigError, match="cannot reach the Ray cluster at 127.0.0.1:1"):
        check_reachable("127.0.0.1:1")  # nothing listens on port 1
    check_reachable("auto")  # left to Ray


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: tf.train([p], 300, ray=3), "ray must be True, a cluster address or RayOptions"),
        (lambda p: tf.train([p], 300, algorithm="binary", ray=True), "binary does not support counting on Ray"),
        (lambda p: tf.train([p], 300, checkpoint_dir=str(p.parent / "ck"), ray=True), "checkpoints run locally"),
        (lambda p: tf.train([p], 300, ray=RayOptions(shard_bytes=0)), "shard_bytes must be positive"),
    ],
)
def test_bad_ray_arguments(corpus, call, message):
    with pytest.raises(ConfigError, match=message):
        call(corpus / "b.txt")
