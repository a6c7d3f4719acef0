"""Trainers beyond classic BPE: SuperBPE rules, exact token caps, forced tokens, normalisers, padding, presets."""

from __future__ import annotations

import pytest
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge.training.superbpe import STAGE1_PATTERN, STAGE2_PATTERN

# Text with many repeated multi-word phrases and "word: value" pairs, so that superwords and colons compete.
PHRASES = [
    "in the middle of the night we went to the store",
    "key: value and another key: value",
    "by the way, as a matter of fact, it is what it is",
    "Übergrößenträger naïve café — 東京都 の 人口",
]


@pytest.fixture(scope="module")
def corpus(english_docs) -> list[str]:
    return english_docs[:300] + [" ".join(PHRASES)] * 200


@pytest.fixture(scope="module")
def superbpe(corpus):
    return tf.train_from_iterator(corpus, vocab_size=1600, algorithm="superbpe", transition=1000)


def learned(tok: tf.Tokenizer) -> list[bytes]:
    skip = {*tok.special_tokens.values(), *tok.added_tokens.values()}
    return [tok.token_bytes(i) for i in range(256, tok.vocab_size) if i not in skip]


def test_superbpe_stage_one_is_plain_bpe(corpus, superbpe):
    plain = tf.train_from_iterator(corpus, vocab_size=1000, pretokenizer=STAGE1_PATTERN)
    assert superbpe.merges[: len(plain.merges)] == plain.merges
    assert superbpe.pretokenizer == STAGE2_PATTERN


def test_superbpe_learns_superwords_within_the_rules(superbpe):
    tokens = learned(superbpe)
    words = [len([p for p in t.split(b" ") if p]) for t in tokens]
    assert max(words) == 4, "the cap is reached but never exceeded"
    assert not any(b": " in t for t in tokens)
    assert any(b" the " in t for t in tokens[744:]), "stage 2 made tokens that span spaces"


def test_superbpe_encodes_with_fewer_tokens_and_exports(superbpe, corpus, tmp_path):
    plain = tf.train_from_iterator(corpus, vocab_size=1600, pretokenizer=STAGE1_PATTERN)
    text = " ".join(PHRASES)
    assert len(superbpe.encode(text)) < len(plain.encode(text))
    superbpe.save_huggingface(tmp_path)
    hf = HFTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for doc in [text, *corpus[:30]]:
        assert superbpe.encode(doc) == hf.encode(doc, add_special_tokens=False).ids


def test_superbpe_needs_a_transition(corpus):
    with pytest.raises(tf.ConfigError, match="transition"):
        tf.train_from_iterator(corpus, vocab_size=600, algorithm="superbpe")


@pytest.mark.parametrize("cap", [1, 2, 3, 5])
def test_byte_cap_is_exact(corpus, cap):
    tok = tf.train_from_iterator(corpus, vocab_size=800, max_token_bytes=cap)
    lengths = [len(t) for t in learned(tok)]
    assert not lengths if cap == 1 else max(lengths) == cap


def test_char_cap_counts_code_points_and_stray_bytes(corpus):
    tok = tf.train_from_iterator(corpus, vocab_size=1200, max_token_chars=2)
    tokens = learned(tok)
    assert any(len(t) > 2 and len(t.decode("utf-8", "ignore")) == 2 for t in tokens), "multi-byte characters"
    for t in tokens:
        chunks = t.decode("utf-8", "surrogateescape")
        assert len(chunks) <= 2, t  # surrogateescape: one character per stray byte


def test_forced_tokens_sit_after_the_bytes_and_match_first(corpus, tmp_path):
    forced = ["key: value", "1776", "(iv)"]
    tok = tf.train_from_iterator(corpus, vocab_size=700, forced_tokens=forced, max_token_bytes=3)
    assert tok.added_tokens == {"key: value": 256, "1776": 257, "(iv)": 258}
    ids = tok.encode("a key: value in 1776 (iv)")
    assert {256, 257, 258} <= set(ids), "forced tokens win over pre-tokenization, caps do not apply"
    assert not any(b"key: value" in t for t in learned(tok) if t != b"key: value")
    tok.save_huggingface(tmp_path)
    hf = HFTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    assert hf.encode("a key: value in 1776 (iv)", add_special_tokens=False).ids == ids
    with pytest.raises(tf.TokenforgeError, match="added"):
        tok.save_tiktoken(tmp_path / "x.tiktoken")


def test_normalizer_applies_to_training_and_encoding(tmp_path):
    docs = ["ﬁnance ﬁle ﬁnd " * 50]
    tok = tf.train_from_iterator(docs, vocab_size=300, normalizer="NFKC")
    assert tok.normalizer == "NFKC"
    assert b"\xef\xac\x81" not in b"".join(learned(tok)), "the ligature was normalised away before counting"
    assert tok.encode("ﬁnance") == tok.encode("finance")


def test_padding_to_a_power_of_two(corpus):
    tok = tf.train_from_iterator(corpus, vocab_size=1000, special_tokens=["<s>"], pad_to_power_of_two=True)
    assert tok.vocab_size == 1024
    assert tok.special_tokens["<s>"] == 999 and "<|unused_23|>" in tok.special_tokens


def test_presets(corpus):
    legal = tf.train_from_iterator(corpus, vocab_size=3000, preset="legal")
    assert legal.normalizer == "NFC" and "U.S.C." in legal.added_tokens and "1999" in legal.added_tokens
    assert legal.vocab_size == 4096
    char = tf.train_from_iterator(corpus, vocab_size=1000, preset="kl3m-char-4k", pad_to_power_of_two=False)
    assert max(len(t) for t in learned(char)) == 3
    with pytest.raises(tf.ConfigError, match="unknown preset"):
        tf.train_from_iterator(corpus, vocab_size=1000, preset="medical")
    with pytest.raises(tf.ConfigError, match="unknown training option"):
        tf.train_from_iterator(corpus, vocab_size=1000, max_tokens=3)
