"""Dataset tokenization: shard layout and index, packing, formats, resume after crashes, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.corpus import CorpusOptions
from tokenforge.dataset import Dataset, TokenizeOptions, tokenize_dataset
from tokenforge.dataset import shards as shards_module
from tokenforge.dataset.packing import best_fit_decreasing, pack, split_pieces
from tokenforge.dataset.shards import token_dtype
from tokenforge.errors import ConfigError, CorpusError, InputFileError

EOS = "<|endoftext|>"
PAD = "<pad>"
SMALL = {"window_bytes": 3000, "shard_tokens": 4000}  # many windows and shards from a small corpus


@pytest.fixture(scope="module")
def paragraphs(english_docs) -> list[str]:
    """About 1,200 paragraphs of English, from a few bytes to several kilobytes."""
    paras = [p for d in english_docs[:40] for p in d.split("\n\n") if p.strip()]
    return paras[:1200]


@pytest.fixture(scope="module")
def tok(english_docs) -> tf.Tokenizer:
    """A 400-token tokenizer with an EOS and a pad special token."""
    return tf.train_from_iterator(english_docs[:60], 400, special_tokens=[EOS, PAD])


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, paragraphs) -> list[Path]:
    """The paragraphs in three files: JSON lines, text (one per line, with split_lines) and Parquet."""
    d = tmp_path_factory.mktemp("inputs")
    a, b, c = paragraphs[:500], paragraphs[500:800], paragraphs[800:]
    (d / "a.jsonl").write_text("".join(json.dumps({"text": p}) + "\n" for p in a))
    (d / "b.txt").write_text("".join(p.replace("\n", " ") + "\n" for p in b))
    pq.write_table(pa.table({"text": c}), d / "c.parquet")
    return [d / "a.jsonl", d / "b.txt", d / "c.parquet"]


def expected_documents(tok: tf.Tokenizer, paragraphs: list[str]) -> list[list[int]]:
    """Each input document encoded on its own, EOS after it (as the three input files hold them)."""
    eos = tok.special_tokens[EOS]
    texts = paragraphs[:500] + [p.replace("\n", " ") + "\n" for p in paragraphs[500:800]] + paragraphs[800:]
    return [tok.encode(t) + [eos] for t in texts]


def run(tok, inputs, out, **options) -> tf.dataset.TokenizeReport:
    """tokenize_dataset with split_lines and the small windows and shards unless told otherwise."""
    hook = options.pop("on_shard", None)
    opts = {**SMALL, "eos": EOS, **options}
    return tokenize_dataset(
        tok, inputs, out, TokenizeOptions(corpus=CorpusOptions(split_lines=True), **opts), on_shard=hook
    )


def files(directory: Path) -> dict[str, bytes]:
    """Every file of a directory, by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# -- packing -----------------------------------------------------------------------------------------


def test_split_pieces_cuts_long_documents_and_drops_empty_ones():
    starts, ends = split_pieces(np.array([0, 3, 3, 13, 21]), 4)
    assert list(zip(starts.tolist(), ends.tolist())) == [(0, 3), (3, 7), (7, 11), (11, 13), (13, 17), (17, 21)]


def test_best_fit_decreasing_by_hand():
    # sorted: 7(i1) 5(i0) 5(i3) 4(i2) 3(i4) 2(i5), capacity 10
    # 7 -> bin0 (room 3); 5 -> bin1 (5); 5 -> bin1 (0); 4 -> bin2 (6); 3 -> bin0 (fullest that fits, room 0);
    # 2 -> bin2 (room 4)
    assert best_fit_decreasing([5, 7, 4, 5, 3, 2], 10) == [[1, 4], [0, 3], [2, 5]]


@given(st.lists(st.integers(1, 50), max_size=60), st.integers(50, 80))
def test_best_fit_decreasing_places_every_item_once_within_capacity(lengths, capacity):
    bins = best_fit_decreasing(lengths, capacity)
    assert sorted(i for b in bins for i in b) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in b) <= capacity for b in bins)
    # best fit never leaves two bins that would fit together
    loads = sorted(sum(lengths[i] for i in b) for b in bins)
    assert len(loads) < 2 or loads[0] + loads[1] > capacity


def test_pack_by_hand():
    flat = np.arange(20, dtype=np.uint16)
    packed = pack(flat, np.array([0, 3, 13, 20]), 8, 99)
    assert packed.tokens.tolist() == [
        [3, 4, 5, 6, 7, 8, 9, 10],
        [13, 14, 15, 16, 17, 18, 19, 99],
        [0, 1, 2, 11, 12, 99, 99, 99],
    ]
    assert packed.index.tolist() == [[0, 0, 8], [1, 0, 7], [2, 0, 3], [2, 3, 2]]
    assert packed.padding == 4


def test_token_dtype():
    assert token_dtype(65536) == np.uint16
    assert token_dtype(65537) == np.uint32


# -- layout ------------------------------------------------------------------------------------------


def test_flat_npy_shards_hold_every_document_with_eos(tmp_path, tok, inputs, paragraphs):
    report = run(tok, inputs, tmp_path / "out")
    expected = expected_documents(tok, paragraphs)
    ds = Dataset(tmp_path / "out")
    assert ds.complete and ds.num_shards > 3
    assert [d.tolist() for d in ds.documents()] == expected
    shard = np.load(tmp_path / "out" / "00000.npy", mmap_mode="r")
    assert isinstance(shard, np.memmap) and shard.dtype == np.uint16 and shard.ndim == 1
    assert report.totals.documents == len(expected)
    assert report.totals.tokens == sum(map(len, expected))
    assert report.totals.padding == 0


@pytest.mark.parametrize("fmt", ["npy", "parquet"])
def test_packed_sequences_hold_every_piece_and_report_padding(tmp_path, tok, inputs, paragraphs, fmt):
    context = 64
    report = run(tok, inputs, tmp_path / "out", context=context, pad=PAD, format=fmt)
    pad = tok.special_tokens[PAD]
    expected = [d[s : s + context] for d in expected_documents(tok, paragraphs) for s in range(0, len(d), context)]
    ds = Dataset(tmp_path / "out")
    pieces, padding, sequences = [], 0, 0
    for i in range(ds.num_shards):
        shard = ds.shard(i)
        assert shard.tokens.shape[1] == context
        used = np.zeros(shard.tokens.shape, dtype=bool)
        for s, start, length in shard.index:
            assert not used[s, start : start + length].any()
            used[s, start : start + length] = True
            pieces.append(shard.tokens[s, start : start + length].tolist())
        assert (shard.tokens[~used] == pad).all()
        padding += int((~used).sum())
        sequences += len(shard.tokens)
    assert sorted(pieces) == sorted(expected)
    assert report.totals.padding == padding and report.totals.sequences == sequences
    assert report.totals.padding_ratio == padding / (sequences * context)
    assert report.totals.padding_ratio < 0.1


@pytest.mark.parametrize("context", [None, 64])
def test_parquet_holds_what_npy_holds(tmp_path, tok, inputs, context):
    run(tok, inputs, tmp_path / "npy", context=context)
    run(tok, inputs, tmp_path / "pq", context=context, format="parquet")
    a, b = Dataset(tmp_path / "npy"), Dataset(tmp_path / "pq")
    assert a.num_shards == b.num_shards
    for i in range(a.num_shards):
        x, y = a.shard(i), b.shard(i)
        assert np.array_equal(x.tokens, y.tokens) and np.array_equal(x.index, y.index)
    table = pq.read_table(tmp_path / "pq" / "00000.parquet")
    assert table.column_names == (["input_ids"] if context is None else ["input_ids", "piece_lengths"])


# -- determinism and resume --------------------------------------------------------------------------


class Crash(Exception):
    pass


def crash_at(k: int):
    def hook(i: int) -> None:
        if i == k:
            raise Crash

    return hook


@pytest.mark.parametrize("crash", [0, 3])
@pytest.mark.parametrize("context", [None, 64])
def test_resume_after_a_crash_gives_the_same_bytes(tmp_path, tok, inputs, crash, context):
    run(tok, inputs, tmp_path / "whole", context=context)
    with pytest.raises(Crash):
        run(tok, inputs, tmp_path / "resumed", context=context, on_shard=crash_at(crash))
    assert not Dataset(tmp_path / "resumed").complete
    assert Dataset(tmp_path / "resumed").num_shards == crash + 1
    report = run(tok, inputs, tmp_path / "resumed", context=context)
    assert report.resumed_shards == crash + 1
    assert files(tmp_path / "resumed") == files(tmp_path / "whole")
    again = run(tok, inputs, tmp_path / "resumed", context=context)
    assert again.already_complete and again.totals == report.totals


def test_crash_between_shard_and_manifest(tmp_path, tok, inputs, monkeypatch):
    run(tok, inputs, tmp_path / "whole")
    calls = []
    real = shards_module.write_manifest

    def failing(directory, manifest):
        calls.append(1)
        if len(calls) == 2:  # the first write is the empty manifest, the second follows shard 0
            raise Crash
        real(directory, manifest)

    monkeypatch.setattr("tokenforge.dataset.tokenize.write_manifest", failing)
    with pytest.raises(Crash):
        run(tok, inputs, tmp_path / "resumed")
    monkeypatch.undo()
    assert (tmp_path / "resumed" / "00000.npy").is_file()  # on disk, not yet in the manifest
    assert Dataset(tmp_path / "resumed").num_shards == 0
    (tmp_path / "resumed" / "00001.npy.tmp").write_bytes(b"half")  # what a crash inside a write leaves
    run(tok, inputs, tmp_path / "resumed")
    assert files(tmp_path / "resumed") == files(tmp_path / "whole")


def test_resume_after_sigkill(tmp_path, tok, inputs):
    tok.save(tmp_path / "tok")
    run(tok, inputs, tmp_path / "whole", context=64)
    script = textwrap.dedent(
        f"""
        import os, signal
        import tokenforge as tf
        from tokenforge.corpus import CorpusOptions
        from tokenforge.dataset import TokenizeOptions, tokenize_dataset

        def kill(i):
            if i == 2:
                os.kill(os.getpid(), signal.SIGKILL)

        opts = TokenizeOptions(context=64, eos={EOS!r}, corpus=CorpusOptions(split_lines=True), **{SMALL!r})
        tokenize_dataset(tf.Tokenizer.load({str(tmp_path / "tok")!r}), {[str(p) for p in inputs]!r},
                         {str(tmp_path / "resumed")!r}, opts, on_shard=kill)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert Dataset(tmp_path / "resumed").num_shards == 3
    report = run(tok, inputs, tmp_path / "resumed", context=64)
    assert report.resumed_shards == 3
    assert files(tmp_path / "resumed") == files(tmp_path / "whole")


# -- errors ------------------------------------------------------------------------------------------


def test_a_different_run_in_the_output_directory_is_refused(tmp_path, tok, inputs):
    run(tok, inputs, tmp_path / "out")
    with pytest.raises(ConfigError, match=r"manifest.json: the directory holds a different run \(context is None"):
        run(tok, inputs, tmp_path / "out", context=64)
    with pytest.raises(ConfigError, match="the inputs differ"):
        run(tok, inputs[:2], tmp_path / "out")
    other = tf.train_from_iterator(["some other text"], 300, special_tokens=[EOS])
    with pytest.raises(ConfigError, match=r"different run \(another tokenizer\)"):
        run(other, inputs, tmp_path / "out")


def test_bad_arguments(tmp_path, tok, inputs):
    with pytest.raises(ConfigError, match=r"EOS token '</s>' is not a special token of the tokenizer \(special tok"):
        run(tok, inputs, tmp_path / "a", eos="</s>")
    with pytest.raises(ConfigError, match="context must be at least 2"):
        TokenizeOptions(context=1)
    with pytest.raises(InputFileError, match="missing.jsonl: no such file"):
        run(tok, [tmp_path / "missing.jsonl"], tmp_path / "a")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds files \\(notes.txt\\) but no manifest.json"):
        run(tok, inputs, tmp_path / "full")
    assert not (tmp_path / "a").exists()


def test_missing_shard_is_an_error(tmp_path, tok, inputs):
    with pytest.raises(Crash):
        run(tok, inputs, tmp_path / "out", on_shard=crash_at(1))
    (tmp_path / "out" / "00000.npy").unlink()
    with pytest.raises(ConfigError, match="00000.npy: listed in manifest.json but missing"):
        run(tok, inputs, tmp_path / "out")


def test_bad_input_names_the_file(tmp_path, tok):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"text": \n')
    with pytest.raises(CorpusError, match="bad.jsonl: line 2: not valid JSON"):
        run(tok, [bad], tmp_path / "out")


# -- command line ------------------------------------------------------------------------------------


def test_cli(tmp_path, tok, inputs, capsys):
    tok.save(tmp_path / "tok")
    args = ["tokenize", "-t", str(tmp_path / "tok"), *map(str, inputs), "-o", str(tmp_path / "out"), "--split-lines"]
    args += ["--eos", EOS, "--pack", "--context", "64", "--no-progress", "--shard-tokens", "4000"]
    args += ["--window-bytes", "3000"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "1,200 documents" in out and "sequences of 64; padding" in out
    assert files(tmp_path / "out") == files(run(tok, inputs, tmp_path / "lib", context=64).directory)
    assert main(args) == 0
    assert "already complete" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--context", "64"], "--context is the length of packed sequences: give --pack too"),
        (["--pack", "--context", "1"], "context must be at least 2 tokens, not 1"),
        (["--eos", "nope"], "EOS token 'nope' is not a special token of "),
    ],
)
def test_cli_errors(tmp_path, tok, inputs, capsys, extra, message):
    tok.save(tmp_path / "tok")
    assert main(["tokenize", "-t", str(tmp_path / "tok"), str(inputs[0]), "-o", str(tmp_path / "o"), *extra]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tokenforge: error: ") and message in err and len(err.splitlines()) == 1


def test_cli_bad_tokenizer(tmp_path, inputs, capsys):
    bad = tmp_path / "tok.json"
    bad.write_text("{}")
    assert main(["tokenize", "-t", str(bad), str(inputs[0]), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tokenforge: error: {bad}") and len(err.splitlines()) == 1
    assert not os.path.exists(tmp_path / "o")
