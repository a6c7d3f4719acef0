"""`tokenforge export` (any tokenizer tokenforge reads, written as tokenizer.json or .tiktoken) and `tokenforge
encode --show-tokens`, checked against the real libraries."""

from __future__ import annotations

import json

import pytest

from tokenforge.cli.common import repr_token
from tokenforge.cli.main import main

TEXT = "Hello wörld 👋 — naïve café, the tokenizer's pieces\n"


@pytest.fixture()
def tok_dir(tmp_path, small_tokenizer):
    small_tokenizer.save(tmp_path / "tok")
    return tmp_path / "tok"


def test_export_huggingface_gives_the_same_ids_in_tokenizers(tok_dir, small_tokenizer, tmp_path, capsys):
    tokenizers = pytest.importorskip("tokenizers")
    out = tmp_path / "hf"
    assert main(["export", "-t", str(tok_dir), "--format", "huggingface", "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    hf = tokenizers.Tokenizer.from_file(str(out / "tokenizer.json"))
    assert hf.encode(TEXT).ids == small_tokenizer.encode(TEXT)


def test_export_tiktoken_gives_the_same_ids_in_tiktoken(tok_dir, small_tokenizer, tmp_path):
    tiktoken_load = pytest.importorskip("tiktoken.load")
    tiktoken = pytest.importorskip("tiktoken")
    out = tmp_path / "x.tiktoken"
    assert main(["export", "-t", str(tok_dir), "--format", "tiktoken", "-o", str(out)]) == 0
    enc = tiktoken.Encoding(
        "x",
        pat_str=small_tokenizer.pattern,
        mergeable_ranks=tiktoken_load.load_tiktoken_bpe(str(out)),
        special_tokens={},
    )
    assert enc.encode_ordinary(TEXT) == small_tokenizer.encode(TEXT)


def test_export_from_a_tiktoken_file_to_huggingface(tok_dir, small_tokenizer, tmp_path):
    ranks = tmp_path / "x.tiktoken"
    small_tokenizer.save_tiktoken(ranks)
    out = tmp_path / "hf"
    assert main(["export", "-t", str(ranks), "--pretokenizer", "gpt4", "--format", "huggingface", "-o", str(out)]) == 0
    assert json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))["model"]["type"] == "BPE"


def test_export_checks_the_output_first(tok_dir, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    assert main(["export", "-t", str(tok_dir), "--format", "tiktoken", "-o", str(blocker / "x.tiktoken")]) == 1
    assert "cannot write" in capsys.readouterr().err


def test_encode_show_tokens_prints_the_pieces(tok_dir, small_tokenizer, tmp_path, capsys):
    path = tmp_path / "in.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert main(["encode", "-t", str(tok_dir), "--show-tokens", str(path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    ids = small_tokenizer.encode(TEXT.rstrip("\n"))
    assert line == " ".join(repr_token(small_tokenizer.token_bytes(i)) for i in ids)


def test_export_sentencepiece_refuses_a_byte_level_bpe_with_the_reason(tok_dir, tmp_path, capsys):
    assert main(["export", "-t", str(tok_dir), "--format", "sentencepiece", "-o", str(tmp_path / "x.model")]) == 1
    err = capsys.readouterr().err
    assert "sentencepiece cannot hold this tokenizer: its model is bpe" in err and "Traceback" not in err
