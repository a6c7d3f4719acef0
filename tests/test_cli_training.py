"""The training options on the command line: presets, forced tokens, Binary BPE families, extend."""

from __future__ import annotations

import sys
from pathlib import Path

import tokenforge as tf
from tokenforge.cli.main import main


def write_corpus(tmp_path: Path, docs: list[str]) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n\n".join(docs), encoding="utf-8")
    return path


def test_train_with_forced_tokens_normalizer_and_hf_export(tmp_path, english_docs, capsys):
    corpus = write_corpus(tmp_path, english_docs[:100])
    out = tmp_path / "tok"
    argv = ["train", str(corpus), "--vocab-size", "600", "--force-token", "Python 3", "--normalizer", "NFKC"]
    assert main([*argv, "--pad-to-power-of-two", "--huggingface", "-o", str(out)]) == 0
    tok = tf.Tokenizer.load(out)
    assert tok.added_tokens == {"Python 3": 256} and tok.normalizer == "NFKC" and tok.vocab_size == 1024
    assert (out / "tokenizer.json").exists()
    assert "trained 1,024 tokens" in capsys.readouterr().out


def test_train_with_a_preset(tmp_path, english_docs):
    corpus = write_corpus(tmp_path, english_docs[:100])
    assert (
        main(["train", str(corpus), "--vocab-size", "900", "--preset", "kl3m-char-4k", "-o", str(tmp_path / "t")]) == 0
    )
    tok = tf.Tokenizer.load(tmp_path / "t")
    assert max(len(tok.token_bytes(i)) for i in range(tok.vocab_size)) == 3


def test_binary_family(tmp_path, capsys):
    exe = tmp_path / "python.bin"
    exe.write_bytes(Path(sys.executable).resolve().read_bytes()[: 1 << 20])
    out = tmp_path / "family"
    argv = ["train", str(exe), "--algorithm", "binary", "--family", "400,700", "--binary-specials", "-o", str(out)]
    assert main(argv) == 0
    small, large = tf.Tokenizer.load(out / "400"), tf.Tokenizer.load(out / "700")
    assert large.vocab()[:400] == small.vocab() and small.special_tokens["<|mask|>"] == 262
    assert main(["train", str(exe), "--family", "400", "-o", str(out)]) == 1
    assert "--family is for --algorithm binary" in capsys.readouterr().err


def test_extend(tmp_path, english_docs, capsys):
    corpus = write_corpus(tmp_path, english_docs[:200])
    base = tf.train_from_iterator(english_docs[:50], vocab_size=500, special_tokens=["<s>"])
    base.save_huggingface(tmp_path / "base")
    out = tmp_path / "ext"
    argv = ["extend", "-t", str(tmp_path / "base" / "tokenizer.json"), str(corpus), "--vocab-size", "800"]
    assert main([*argv, "-o", str(out)]) == 0
    ext = tf.Tokenizer.load(out)
    assert ext.merges[: len(base.merges)] == base.merges and ext.vocab_size == 800
    assert "extended 500 to 800 tokens" in capsys.readouterr().out
    assert main([*argv[:-1], "400", "-o", str(out)]) == 1
    assert "does not extend" in capsys.readouterr().err
