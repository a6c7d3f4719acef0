"""Training is merge-for-merge identical to Hugging Face's BpeTrainer on the same documents."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenforge as tf
from hf_reference import hf_train
from tokenforge import _core

PRESETS = {
    "gpt2": _core.GPT2_PATTERN,
    "gpt4": _core.CL100K_PATTERN,
    "qwen2": _core.QWEN2_PATTERN,
    "o200k": _core.O200K_PATTERN,
    "deepseek-v3": _core.Pretokenizer("deepseek-v3").patterns,
}


@pytest.mark.parametrize("preset", sorted(PRESETS))
@pytest.mark.parametrize("vocab_size", [600, 3000])
def test_real_text_matches_hf(english_docs, preset, vocab_size):
    ours = tf.train_from_iterator(english_docs, vocab_size=vocab_size, pretokenizer=preset)
    theirs = hf_train(english_docs, vocab_size, PRESETS[preset])
    assert len(theirs) == vocab_size - 256
    assert ours.merges == theirs


def test_code_and_multilingual_text_matches_hf(english_docs):
    import inspect
    import json as json_module

    docs = [inspect.getsource(json_module.decoder), inspect.getsource(json_module.encoder)]
    docs += ["Der schnelle braune Fuchs springt über den faulen Hund. " * 20]
    docs += ["速い茶色の狐が怠け者の犬を飛び越える。" * 20]
    docs += ["Быстрая коричневая лиса прыгает через ленивую собаку. " * 20, "🦊🐕 " * 50]
    ours = tf.train_from_iterator(docs, vocab_size=1500, pretokenizer="gpt4")
    assert ours.merges == hf_train(docs, 1500, PRESETS["gpt4"])


def test_min_frequency_matches_hf(english_docs):
    ours = tf.train_from_iterator(english_docs, vocab_size=50000, pretokenizer="gpt2", min_frequency=50)
    theirs = hf_train(english_docs, 50000, PRESETS["gpt2"], min_frequency=50)
    assert 0 < len(theirs) < 50000 - 256
    assert ours.merges == theirs


def test_no_pretokenizer_matches_hf(english_docs):
    # Whole documents as pre-tokens: long words, where merges touch many positions of one word.
    docs = english_docs[:40]
    ours = tf.train_from_iterator(docs, vocab_size=700, pretokenizer="none")
    assert ours.merges == hf_train(docs, 700, "")


def test_custom_regex_matches_hf(english_docs):
    pattern = r"\s?\w+|\s+|[^\w\s]+"
    ours = tf.train_from_iterator(english_docs[:200], vocab_size=800, pretokenizer=pattern)
    assert ours.merges == hf_train(english_docs[:200], 800, pattern)


# Small alphabets make ties, repeated letters (overlapping pairs such as "aaa") and merges whose token already
# exists (two merge paths to the same bytes) common: the cases where a trainer is most likely to drift.
tricky_docs = st.lists(st.text(alphabet="aab b\n'sé中あ🙂1.", min_size=0, max_size=60), min_size=1, max_size=30)


@given(docs=tricky_docs, vocab_size=st.integers(256, 330), preset=st.sampled_from(sorted(PRESETS)))
def test_generated_corpora_match_hf(docs, vocab_size, preset):
    if not any(docs):
        return
    ours = tf.train_from_iterator(docs, vocab_size=vocab_size, pretokenizer=preset)
    assert ours.merges == hf_train(docs, vocab_size, PRESETS[preset])


@given(docs=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=20))
def test_arbitrary_unicode_matches_hf(docs):
    ours = tf.train_from_iterator(docs, vocab_size=300, pretokenizer="gpt2")
    assert ours.merges == hf_train(docs, 300, PRESETS["gpt2"])


def test_byte_ids_follow_gpt2_order():
    tok = tf.train_from_iterator(["ab"], vocab_size=256)
    assert tok.token_bytes(0) == b"!"
    assert tok.token_bytes(93) == b"~"
    assert tok.token_bytes(188) == b"\x00"
    assert sorted(tok.token_bytes(i) for i in range(256)) == [bytes([b]) for b in range(256)]


def test_special_tokens_come_last_and_count_toward_vocab_size(english_docs):
    tok = tf.train_from_iterator(english_docs, vocab_size=400, special_tokens=["<|endoftext|>", "<|pad|>"])
    assert tok.vocab_size == 400
    assert tok.special_tokens == {"<|endoftext|>": 398, "<|pad|>": 399}
    assert len(tok.merges) == 400 - 256 - 2
