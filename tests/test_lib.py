"""LiB (the Less-is-Better memorizer/forgetter learner) as a model family: `algorithm="lib"` through `train`,
`train_from_iterator` and the CLI, multiword units, exact round trip (hypothesis), save/load (tokenforge.json),
and `tokenforge eval` beside BPE."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.models import LibModel

WORDS = "of the in a to and is that for it with as on by this".split()


def docs(seed: int, n: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(12)) + " of the book.\n" for _ in range(n)]


@pytest.fixture(scope="module")
def lib() -> tf.Tokenizer:
    return tf.train_from_iterator(docs(0), 300, algorithm="lib")


def units(tok: tf.Tokenizer, texts: list[str]) -> list[str]:
    """The pieces the ids stand for."""
    return [tok.token_bytes(i).decode() for i in tok.encode("".join(texts))]


def test_encoding_takes_fewest_units_then_the_better_ranked():
    vocab = [bytes([b]) for b in range(256)] + [b"bc", b"ab", b"abc", b"cd"]  # ids 256.., best first
    tok = tf.Tokenizer(vocab, pretokenizer="none", model=LibModel())
    assert tok.encode("abc") == [258]
    assert tok.encode("abcd") == [257, 259]  # ab|cd and abc|d are both two units: ranks 3 + 1 beat 2 + 0
    assert tok.encode("xbc") == [ord("x"), 256]
    assert tok.encode("é") == list("é".encode())


def test_learns_multiword_units_and_beats_bytes(lib):
    learned = [t.decode() for t in lib.vocab()[256:]]
    assert len(learned) == 44 and any(" " in u.strip() for u in learned)  # e.g. "of the"
    assert any(" " in u.strip() for u in units(lib, docs(1, 2)))
    text = docs(1, 5)
    assert sum(map(len, lib.encode_batch(text))) < sum(len(t.encode()) for t in text) / 2
    assert lib.encode_batch(text) == [lib.encode(t) for t in text]


def test_special_tokens_come_last():
    tok = tf.train_from_iterator(docs(0), 300, algorithm="lib", special_tokens=["<|endoftext|>"])
    assert tok.vocab_size == 300 and tok.special_tokens == {"<|endoftext|>": 299}
    ids = tok.encode("of the<|endoftext|>book", allowed_special="all")
    assert 299 in ids and tok.decode(ids) == "of the<|endoftext|>book"


def test_seed_and_epochs_are_options(lib):
    again = tf.train_from_iterator(docs(0), 300, algorithm="lib", seed=0)
    assert again.vocab() == lib.vocab()
    other = tf.train_from_iterator(docs(0), 300, algorithm="lib", seed=7, epochs=3, max_token_chars=6)
    assert other.vocab() != lib.vocab()
    assert max(len(t.decode()) for t in other.vocab()[256:]) <= 6


@given(st.text())
def test_round_trip(lib, text):
    assert lib.decode(lib.encode(text)) == text
    assert lib.decode_bytes(lib.encode(text)) == text.encode("utf-8", "replace")


def test_save_load_train_and_eval_cli(lib, tmp_path, capsys):
    lib.save(tmp_path / "lib")
    data = json.loads((tmp_path / "lib" / "tokenforge.json").read_text())
    assert data["model"] == {"type": "lib", "max_len": 12}
    again = tf.Tokenizer.load(tmp_path / "lib")
    assert again.encode("of the book") == lib.encode("of the book")
    corpus = tmp_path / "en.txt"
    corpus.write_text("".join(docs(2, 60)), encoding="utf-8")
    assert (
        main(
            [
                "train",
                str(corpus),
                "--algorithm",
                "lib",
                "--vocab-size",
                "300",
                "--seed",
                "1",
                "-o",
                str(tmp_path / "cli"),
            ]
        )
        == 0
    )
    assert tf.train([corpus], 300, algorithm="lib", seed=1).vocab() == tf.Tokenizer.load(tmp_path / "cli").vocab()
    tf.train_from_iterator(docs(2, 60), 300).save(tmp_path / "bpe")
    out = tmp_path / "eval.json"
    assert (
        main(
            [
                "eval",
                "-t",
                f"lib={tmp_path / 'cli'}",
                "-t",
                f"bpe={tmp_path / 'bpe'}",
                "--corpus",
                f"en={corpus}",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    metrics = result["tokenizers"]["lib"]["corpora"]["en"]
    cli = tf.Tokenizer.load(tmp_path / "cli")
    assert metrics["tokens"] == sum(len(cli.encode(line)) for line in corpus.read_text().splitlines(True))
    assert metrics["bytes_per_token"] > 2 and "bpe" in result["tokenizers"]


def test_errors(tmp_path):
    with pytest.raises(ConfigError, match="must exceed the 256 byte tokens"):
        tf.train_from_iterator(docs(0), 256, algorithm="lib")
    with pytest.raises(ConfigError, match="epochs is a lib option"):
        tf.train_from_iterator(docs(0), 300, epochs=2)
    with pytest.raises(ConfigError, match="lib does not support forced tokens"):
        tf.train_from_iterator(docs(0), 300, algorithm="lib", forced_tokens=["of the"])
    data = tf.train_from_iterator(docs(0), 300, algorithm="lib").to_dict()
    data["vocab"].append(("a" * 1025).encode().hex())
    with pytest.raises(TokenizerFileError, match="1025 characters"):
        tf.Tokenizer.from_dict(data)
    data["model"]["max_len"] = "x"
    with pytest.raises(TokenizerFileError, match="corrupt LiB model"):
        tf.Tokenizer.from_dict(data)
