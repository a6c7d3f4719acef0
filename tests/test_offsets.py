"""Offsets (`encode(text, offsets=True)` → `Encoding`) against Hugging Face `tokenizers` on the same
tokenizer.json: ids, tokens, character offsets and type ids, for byte-level BPE (characters split across tokens)
and WordPiece (through the BERT normalizer), with post-processor tokens and pairs."""

from __future__ import annotations

import functools

import pytest
from api_support import KINDS, pair
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from interop_support import MULTILINGUAL, fetched, tricky_text
from tokenizers import Tokenizer as HFTokenizer
from tokenizers.normalizers import BertNormalizer

import tokenforge as tf
from tokenforge.errors import ConfigError, UnsupportedError
from tokenforge.normalizers import bert

TEXTS = [
    *MULTILINGUAL,
    "",
    "  ",
    "a😀b é 😀😀 x",
    "<s>hello</s> world <pad>",
    "HELLO[SEP]World [MASK]x\u200b[CLS] [sep]",
    "Héllo, WORLD!! unaffable 中文字 ＡＢＣ\tcafé\u00a0x\u200by ΟΔΟΣ",
    "a" * 150 + " tail",
]


def check(tok: tf.Tokenizer, hf: HFTokenizer, text: str, second: str | None = None, add: bool = False) -> None:
    ours = tok.encode(text, "all", pair=second, add_special_tokens=add, offsets=True)
    want = hf.encode(text, second, add_special_tokens=add)
    assert ours.ids == want.ids
    assert ours.tokens == want.tokens
    assert ours.offsets == want.offsets
    assert ours.type_ids == want.type_ids


@pytest.mark.parametrize("kind", KINDS)
def test_offsets_are_hugging_faces(kind):
    tok, hf = pair(kind)
    for text in TEXTS:
        check(tok, hf, text)
        check(tok, hf, text, add=True)
        assert tok.encode(text, offsets=True).ids == tok.encode(text)
    for a, b in zip(TEXTS, TEXTS[1:]):
        check(tok, hf, a, b, add=True)
        check(tok, hf, a, b)


@settings(max_examples=150)
@given(st.sampled_from(KINDS), tricky_text(), st.booleans())
def test_offsets_on_generated_text(kind, text, add):
    tok, hf = pair(kind)
    check(tok, hf, text, add=add)


@functools.cache
def real(relative: str) -> tuple[tf.Tokenizer, HFTokenizer]:
    path = fetched(relative)
    hf = HFTokenizer.from_file(str(path))
    hf.no_truncation()
    hf.no_padding()
    return tf.Tokenizer.from_huggingface(path), hf


REAL = ["bert/tokenizer.json", "deepseek/tokenizer.json", "anthropic/tokenizer.json"]


@settings(max_examples=100)
@given(st.sampled_from(REAL), tricky_text() | st.sampled_from(TEXTS), st.booleans())
def test_real_files_offsets(relative, text, add):
    """BERT (BertNormalizer), DeepSeek (a Sequence of Splits), Anthropic's (NFKC: text that composes across
    characters is refused, the rest matches)."""
    tok, hf = real(relative)
    try:
        check(tok, hf, text, add=add)
    except UnsupportedError:
        assume(False)


@settings(max_examples=200)
@given(st.text(alphabet="ΑΒΓΔΟΣσςαβ İIiéÉ.,!\u0301中ǅⅫﬃ", max_size=30))
def test_bert_normalizer_lowercases_as_hugging_face(text):
    """One character at a time (a final capital sigma is 'σ', as Rust's `char::to_lowercase` gives it)."""
    assert bert(text) == BertNormalizer(lowercase=True).normalize_str(text)


def test_batch_offsets_match_single():
    tok, _ = pair("wordpiece")
    assert tok.encode_batch(TEXTS, offsets=True, add_special_tokens=True) == [
        tok.encode(t, offsets=True, add_special_tokens=True) for t in TEXTS
    ]
    with pytest.raises(ConfigError, match="output"):
        tok.encode_batch(TEXTS, output="numpy", offsets=True)


def test_lone_surrogates_keep_their_place():
    tok, _ = pair("bpe")
    enc = tok.encode("a\ud800b", offsets=True)
    assert enc.ids == tok.encode("a\ud800b") and enc.offsets[-1][1] == 3


@settings(max_examples=100)
@given(st.text(alphabet="aeiouc\u0301\u0327 ", max_size=20))
def test_composing_normalizer_says_so(text):
    tok = tf.train_from_iterator(["a b c"], vocab_size=260, normalizer="NFC")
    try:
        enc = tok.encode(text, offsets=True)
    except UnsupportedError as e:
        assert "NFC normalizer" in str(e) and "\n" not in str(e)
        assume(False)
    assert enc.ids == tok.encode(text)
    assert all(0 <= s <= e <= len(text) for s, e in enc.offsets)


@functools.cache
def lib() -> tf.Tokenizer:
    return tf.train_from_iterator(MULTILINGUAL * 5, vocab_size=400, algorithm="lib")


@settings(max_examples=100)
@given(tricky_text())
def test_lib_offsets_spell_each_token(text):
    """LiB has no reference library: each token's bytes lie in the characters its offsets give, in order."""
    tok = lib()
    enc = tok.encode(text, offsets=True)
    assert enc.ids == tok.encode(text)
    end = 0
    for i, (s, e) in zip(enc.ids, enc.offsets):
        assert end - 1 <= s <= e <= len(text)
        assert tok.token_bytes(i) in text[s:e].encode("utf-8", "surrogatepass")
        end = e
    assert end == len(text)
