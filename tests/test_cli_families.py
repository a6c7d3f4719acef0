"""Every command with a tokenizer of every family: `info`, `encode`, `decode`, `tokenize` and `eval` take them all
(eval natively); `extend`, `mixture` and a tiktoken export take byte-level BPE only and refuse the others in one
line. The sentencepiece `.model` and the Llama-style `tokenizer.json` are made by sentencepiece and `tokenizers`,
whose ids the commands must give."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import sentencepiece as spm
from sentencepiece_support import trained
from test_hf_sentencepiece import built
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.loading import load_any

LINES = ["The quick brown fox jumps over the lazy dog.", "Hello wörld 👋 — naïve café, 東京", "  tabs\tand  spaces"]
#: The documents of a file of `LINES` read line by line: each keeps its newline.
DOCUMENTS = [line + "\n" for line in LINES]
TRAINED = ["bpe", "wordpiece", "unigram", "lib", "hybrid"]
FAMILIES = [*TRAINED, "sentencepiece-model", "llama-json"]
#: What `info` shows for each family beyond the common facts.
INFO = {
    "bpe": ["merges", "ignore merges"],
    "wordpiece": ["continuation prefix", "unknown token", "longest word"],
    "unigram": ["byte fallback", "unknown piece", "user-defined pieces"],
    "lib": ["longest unit"],
    "hybrid": ["roots", "affix groups", "BPE tokens"],
    "sentencepiece-model": ["byte fallback", "unknown piece", "user-defined pieces"],
    "llama-json": ["merges", "byte fallback", "fuse unknown"],
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, english_docs) -> Path:
    path = tmp_path_factory.mktemp("families") / "corpus.txt"
    path.write_text("\n".join(english_docs[:120]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tokenizers(corpus) -> dict[str, Path]:
    """A small tokenizer of every family, each as the file a user would pass to `-t`."""
    d = corpus.parent
    (d / "roots.txt").write_text("the\nof\nand\nfunction\nclass\nreturn\nobject\n", encoding="utf-8")
    (d / "affixes.txt").write_text("-s\n-ing\n-ed\n", encoding="utf-8")
    extra = {"hybrid": {"roots": str(d / "roots.txt"), "affixes": str(d / "affixes.txt")}}
    out = {}
    for algorithm in TRAINED:
        tok = tf.train(corpus, vocab_size=500, algorithm=algorithm, split_lines=True, **extra.get(algorithm, {}))
        out[algorithm] = tok.save(d / algorithm)
    out["sentencepiece-model"] = d / "spm.model"
    out["sentencepiece-model"].write_bytes(trained("unigram", 800, byte_fallback=True))
    out["llama-json"] = built("llama")
    return out


def reference_ids(family: str, path: Path, texts: list[str]) -> list[list[int]]:
    """The ids the real library gives (tokenforge's own API for the families no other library reads)."""
    if family == "sentencepiece-model":
        return spm.SentencePieceProcessor(model_file=str(path)).Encode(texts)
    if family == "llama-json":
        return [e.ids for e in HFTokenizer.from_file(str(path)).encode_batch(texts, add_special_tokens=False)]
    return load_any(path).encode_batch(texts)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def lines_file(tmp_path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("family", FAMILIES)
def test_info_shows_the_family_and_its_specifics(family, tokenizers, capsys):
    code, out, _ = run(capsys, "info", "-t", tokenizers[family], "--top", "3")
    assert code == 0
    assert ["model", load_any(tokenizers[family]).model.type] in [line.split() for line in out.splitlines()]
    for fact in INFO[family]:
        assert any(line.startswith(fact + " ") for line in out.splitlines()), (fact, out)


@pytest.mark.parametrize("family", FAMILIES)
def test_encode_and_decode(family, tokenizers, lines_file, tmp_path, capsys):
    path = tokenizers[family]
    code, out, _ = run(capsys, "encode", "-t", path, lines_file)
    assert code == 0
    ids = [[int(i) for i in line.split()] for line in out.splitlines()]
    assert ids == reference_ids(family, path, LINES)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(out, encoding="utf-8")
    code, out, _ = run(capsys, "decode", "-t", path, ids_file)
    assert code == 0
    assert out.splitlines() == [load_any(path).decode(i) for i in ids]


@pytest.mark.parametrize("family", FAMILIES)
def test_tokenize(family, tokenizers, lines_file, tmp_path, capsys):
    path = tokenizers[family]
    code, _, err = run(capsys, "tokenize", "-t", path, lines_file, "-o", tmp_path / "out", "--split-lines")
    assert code == 0, err
    shards = sorted(p for p in (tmp_path / "out").glob("*.npy") if not p.name.endswith(".idx.npy"))
    got = np.concatenate([np.load(p) for p in shards]).tolist()
    assert got == [i for ids in reference_ids(family, path, DOCUMENTS) for i in ids]


@pytest.mark.parametrize("family", FAMILIES)
def test_eval_reads_every_family_natively(family, tokenizers, lines_file, tmp_path, capsys):
    report = tmp_path / "eval.json"
    code, _, err = run(
        capsys, "eval", "-t", f"x={tokenizers[family]}", "--corpus", f"c={lines_file}", "-q", "--json", report
    )
    assert code == 0, err
    result = json.loads(report.read_text())["tokenizers"]["x"]
    assert result["kind"].startswith("tokenforge")
    tokens = sum(len(ids) for ids in reference_ids(family, tokenizers[family], DOCUMENTS))
    assert result["corpora"]["c"]["tokens"] == tokens


def assert_one_line_error(code: int, err: str, *words: str) -> None:
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("tokenforge: error: ")
    for word in words:
        assert word in err


@pytest.mark.parametrize("family", FAMILIES)
def test_bpe_only_commands(family, tokenizers, corpus, lines_file, tmp_path, capsys):
    path = tokenizers[family]
    model = load_any(path).model.type
    extend = ("extend", "-t", path, corpus, "--vocab-size", "600", "-o", tmp_path / "ext")
    mixture = ("mixture", "infer", "-t", path, "--category", f"a={lines_file}", "--category", f"b={corpus}")
    export = ("export", "-t", path, "--format", "tiktoken", "-o", tmp_path / "x.tiktoken")
    for argv in (extend, mixture, export):
        code, _, err = run(capsys, *argv)
        if family == "bpe":
            assert code == 0, err
        else:
            assert_one_line_error(code, err, model)
