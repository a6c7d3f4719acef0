"""Bad input through the public entry points: a corrupt or hostile BERT `vocab.txt` (`load_bert_vocab`,
`load_any`, the CLI) or sentencepiece `.model` (`Tokenizer.from_sentencepiece`, `load_any`) either loads or
gives one error line naming the file, never a traceback (the protobuf reader's own fuzz is in
test_sentencepiece_model.py); Unigram training on too little text says so in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sentencepiece_support import trained

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, TokenforgeError, TokenizerFileError
from tokenforge.interop.bert import load_bert_vocab
from tokenforge.loading import load_any

#: Lines of a vocab.txt: BERT's, odd whitespace, controls, `##` alone, long and non-UTF-8 ones.
LINE = st.one_of(
    st.sampled_from(
        ["[UNK]", "[PAD]", "[CLS]", "[SEP]", "[MASK]", "##", "##a", "a", " ", "\t", "\r", "\x00", "\ufeff"]
    ),
    st.text(max_size=20),
    st.binary(max_size=20).map(lambda b: b.decode("latin-1")),
)


def loads_or_names(reader, raw: bytes, directory: Path, name: str) -> None:
    """`reader(path)` on a file holding `raw` loads a tokenizer that encodes, or raises one line naming it."""
    path = directory / name
    path.write_bytes(raw)
    try:
        tok = reader(path)
    except TokenforgeError as e:
        message = str(e)
        assert message.startswith(str(path)) and "\n" not in message, message
        return
    tok.encode_batch(["hello world", "##a [UNK] \x00 ▁x"])


def vocab_bytes(lines: list[str], encoding_errors: bytes) -> bytes:
    return "\n".join(lines).encode("utf-8", "surrogatepass") + encoding_errors


@given(st.lists(LINE, max_size=30), st.sampled_from([b"", b"\n", b"\xff\n", b"\xc3", b"\r\n"]))
def test_vocab_txt_lines_never_crash(tmp_path_factory, lines, tail):
    d = tmp_path_factory.mktemp("vocab")
    raw = vocab_bytes(["[UNK]", *lines], tail)
    loads_or_names(load_bert_vocab, raw, d, "vocab.txt")
    loads_or_names(load_any, raw, d, "vocab.txt")


@given(st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path_factory, raw):
    d = tmp_path_factory.mktemp("random")
    loads_or_names(load_bert_vocab, b"[UNK]\n" + raw, d, "vocab.txt")
    loads_or_names(load_any, raw, d, "any.bin")


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"[UNK]\na\na\n", "also on line 2"),
        (b"[UNK]\n\xff\xfe\n", "not UTF-8"),
        (b"[UNK]\n\nb\n", "line 2 is empty"),
        (b"[UNK]\n" + b"x" * (1 << 22) + b"\n", None),
    ],
)
def test_hostile_vocab_txt_on_the_command_line(raw, problem, tmp_path, capsys):
    path = tmp_path / "vocab.txt"
    path.write_bytes(raw)
    text = tmp_path / "text.txt"
    text.write_text("hello world\n", encoding="utf-8")
    code = main(["encode", "-t", str(path), str(text)])
    err = capsys.readouterr().err
    if problem is None:
        assert code in (0, 1) and "Traceback" not in err
        return
    assert code == 1
    assert err.startswith(f"tokenforge: error: {path}") and problem in err and len(err.splitlines()) == 1


@given(st.lists(st.tuples(st.integers(0, 20000), st.integers(0, 255)), min_size=1, max_size=8), st.integers(0, 3000))
@pytest.mark.parametrize("kind", ["unigram", "bpe"])
def test_mutated_models_never_crash_the_tokenizer(tmp_path_factory, kind, flips, cut):
    raw = bytearray(trained(kind, 800, byte_fallback=True))
    for at, value in flips:
        raw[at % len(raw)] = value
    d = tmp_path_factory.mktemp("model")
    loads_or_names(tf.Tokenizer.from_sentencepiece, bytes(raw[: len(raw) - cut]), d, "x.model")
    loads_or_names(load_any, bytes(raw[: len(raw) - cut]), d, "y.model")


def test_a_huge_vocab_txt_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr("tokenforge.interop.bert.MAX_VOCAB_BYTES", 100)
    path = tmp_path / "vocab.txt"
    path.write_bytes(b"[UNK]\n" + b"a\n" * 100)
    with pytest.raises(TokenizerFileError, match=f"^{path}: 206 bytes is too large for a BERT vocab.txt$"):
        load_any(path)


def test_unigram_on_too_little_text_says_so(tmp_path, capsys):
    corpus = tmp_path / "tiny.txt"
    corpus.write_text("hello world\nhello there\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="corpus is too small for a vocabulary of 1000: it yields only"):
        tf.train(corpus, vocab_size=1000, algorithm="unigram")
    code = main(["train", str(corpus), "--algorithm", "unigram", "--vocab-size", "1000", "-o", str(tmp_path / "t")])
    err = capsys.readouterr().err
    assert code == 1 and len(err.splitlines()) == 1 and "corpus is too small for a vocabulary of 1000" in err
