"""LiB (the Less-is-Better memorizer/forgetter learner): multiword units, exact round trip (hypothesis),
save/load, and its adapter for `tokenforge eval`."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.lib import LibTokenizer, train_lib
from tokenforge.metrics.adapters import load_adapter
from tokenforge.metrics.evaluate import evaluate

WORDS = "of the in a to and is that for it with as on by this".split()


def docs(seed: int, n: int = 40) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(12)) + " of the book.\n" for _ in range(n)]


@pytest.fixture(scope="module")
def lib() -> LibTokenizer:
    return train_lib(docs(0), 300, epochs=2)


def test_encoding_takes_fewest_units_then_the_better_ranked():
    tok = LibTokenizer(["bc", "ab", "abc", "cd"])  # ids 256.., best first
    assert tok.encode("abc") == [258]
    assert tok.encode("abcd") == [257, 259]  # ab|cd and abc|d are both two units: ranks 3 + 1 beat 2 + 0
    assert tok.encode("xbc") == [ord("x"), 256]
    assert tok.encode("é") == list("é".encode())


def test_learns_multiword_units_and_beats_bytes(lib):
    assert any(" " in u.strip() for u in lib.units)  # e.g. "of the"
    text = docs(1, 5)
    assert sum(map(len, lib.encode_batch(text))) < sum(len(t.encode()) for t in text) / 2


@given(st.text())
def test_round_trip(lib, text):
    assert lib.decode(lib.encode(text)) == text


def test_save_load_and_eval_adapter(lib, tmp_path):
    lib.save(tmp_path / "lib")
    assert LibTokenizer.load(tmp_path / "lib").encode("of the book") == lib.encode("of the book")
    corpus = tmp_path / "en.txt"
    corpus.write_text("".join(docs(2, 5)), encoding="utf-8")
    result = evaluate([load_adapter(f"lib={tmp_path / 'lib'}")], [("en", str(corpus))])
    metrics = result["tokenizers"]["lib"]["corpora"]["en"]
    assert metrics["tokens"] == sum(len(lib.encode(line)) for line in corpus.read_text().splitlines(True))
    assert metrics["bytes_per_token"] > 2


def test_errors(tmp_path):
    with pytest.raises(ConfigError, match="must exceed the 256 byte tokens"):
        train_lib(docs(0), 256)
    (tmp_path / "lib.json").write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(TokenizerFileError, match="not a LiB tokenizer"):
        LibTokenizer.load(tmp_path)
