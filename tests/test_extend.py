"""Extending a tokenizer: its merges and ids are kept verbatim, training goes on from there."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf


@pytest.fixture(scope="module")
def docs(english_docs):
    return english_docs[:400]


def test_extension_continues_training_exactly(docs):
    full = tf.train_from_iterator(docs, vocab_size=1500, special_tokens=["<s>"])
    half = tf.train_from_iterator(docs, vocab_size=800, special_tokens=["<s>"])
    extended = half.extend_from_iterator(docs, 1500)
    assert extended.merges[: len(half.merges)] == half.merges
    assert extended.merges == full.merges[: len(extended.merges)]
    assert extended.special_tokens == half.special_tokens
    assert [extended.token_bytes(i) for i in range(800)] == [half.token_bytes(i) for i in range(800)]
    assert extended.vocab_size == 1500


def test_extending_a_foreign_tokenizer_keeps_its_merges(docs, tmp_path):
    # A tokenizer trained elsewhere (here: HF's export of ours, loaded back), extended on other text.
    base = tf.train_from_iterator(docs[:100], vocab_size=600, special_tokens=["<|endoftext|>"])
    base.save_huggingface(tmp_path / "base")
    imported = tf.Tokenizer.from_huggingface(tmp_path / "base")
    code = [open(tf.__file__).read(), open(tf.tokenizer.__file__).read()]
    extended = imported.extend_from_iterator(code, 900, special_tokens=["<|pad|>"])
    assert extended.merges[: len(imported.merges)] == imported.merges
    assert extended.special_tokens == {"<|endoftext|>": 599, "<|pad|>": 899}
    assert len(extended.merges) > len(imported.merges)
    # The result is a normal tokenizer: it exports and stock HF agrees with it.
    extended.save_huggingface(tmp_path / "extended")
    hf = HFTokenizer.from_file(str(tmp_path / "extended" / "tokenizer.json"))
    for text in code + docs[:20]:
        assert extended.encode(text) == hf.encode(text, add_special_tokens=False).ids


def test_extending_to_a_smaller_vocab_is_refused(small_tokenizer):
    with pytest.raises(tf.ConfigError, match="does not extend"):
        small_tokenizer.extend_from_iterator(["abc"], small_tokenizer.vocab_size)
