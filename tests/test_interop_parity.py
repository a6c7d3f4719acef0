"""A tokenizer we train, exported to `tokenizers` and `tiktoken`, gives the same ids in all three libraries,
and decoding gives the text back."""

from __future__ import annotations

import pydoc_data.topics

import pytest
from hypothesis import given
from hypothesis import strategies as st
from interop_support import MULTILINGUAL, any_text, hf_of, tiktoken_of, words_of

import tokenforge as tf

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
WORDS = words_of([pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics)])


@pytest.fixture(scope="module", params=["gpt2", "gpt4", "o200k", "code"])
def trio(request, english_docs, tmp_path_factory):
    """A tokenizer trained with each preset, with its Hugging Face and tiktoken exports."""
    tok = tf.train_from_iterator(
        english_docs + MULTILINGUAL, vocab_size=1500, pretokenizer=request.param, special_tokens=SPECIALS
    )
    d = tmp_path_factory.mktemp(request.param)
    return tok, hf_of(tok, d), tiktoken_of(tok, d)


def variant(base: tf.Tokenizer, extra: list[bytes] = (), **options) -> tf.Tokenizer:
    """`base` with more vocabulary entries and other options."""
    settings = {"pretokenizer": base.pretokenizer, "special_tokens": base.special_tokens, **options}
    return tf.Tokenizer(base.vocab() + list(extra), base.merge_ids, **settings)


def assert_same_ids(tok: tf.Tokenizer, hf, text: str, tk=None) -> None:
    # Hugging Face always matches special tokens in text (tokenforge and tiktoken only when allowed), and
    # hypothesis draws the test's own string constants, special tokens among them
    allowed = "all" if any(s in text for s in tok.special_tokens) else None
    ids = tok.encode(text, allowed_special=allowed)
    assert ids == hf.encode(text, add_special_tokens=False).ids
    if tk is not None:
        assert ids == tk.encode(text, allowed_special="all" if allowed else set())
        assert tk.decode(ids) == text
    if not tok.normalizer:
        assert tok.decode(ids) == text
        assert hf.decode(ids, skip_special_tokens=False) == text


@given(text=any_text(WORDS))
def test_ids_match_hf_and_tiktoken(trio, text):
    tok, hf, tk = trio
    assert_same_ids(tok, hf, text, tk)


@given(parts=st.lists(st.tuples(any_text(WORDS), st.sampled_from(SPECIALS)), max_size=4), tail=any_text(WORDS))
def test_special_tokens_match_when_allowed(trio, parts, tail):
    tok, hf, tk = trio
    text = "".join(a + s for a, s in parts) + tail
    ids = tok.encode(text, allowed_special="all")
    assert ids == hf.encode(text, add_special_tokens=False).ids  # Hugging Face always matches specials
    assert ids == tk.encode(text, allowed_special="all")
    assert tok.encode(text) == tk.encode(text, disallowed_special=())
    assert tok.decode(ids) == text
    assert hf.decode(ids, skip_special_tokens=False) == text


def test_multilingual_text_matches(trio):
    tok, hf, tk = trio
    for text in [*MULTILINGUAL, "\n\n".join(MULTILINGUAL)]:
        assert_same_ids(tok, hf, text, tk)


@pytest.fixture(scope="module")
def base(trio):
    return trio[0]


@pytest.fixture(scope="module", params=["NFC", "NFKC", "none", "regex", "no-ignore-merges", "added", "gaps"])
def hf_variant(request, base, tmp_path_factory):
    """Shapes only the Hugging Face export can hold: normalizers, no or custom splitting, merges applied to
    whole-token pieces, added tokens, unused ids (special tokens far above the vocabulary)."""
    n = base.vocab_size
    tok = {
        "NFC": lambda: variant(base, normalizer="NFC"),
        "NFKC": lambda: variant(base, normalizer="NFKC"),
        "none": lambda: variant(base, pretokenizer="none"),
        "regex": lambda: variant(base, pretokenizer=r"\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+|\s+"),
        "no-ignore-merges": lambda: variant(base, ignore_merges=False),
        "added": lambda: variant(base, [b"<tool>", b" foo bar"], added_tokens={"<tool>": n, " foo bar": n + 1}),
        "gaps": lambda: variant(base, [b"", b"", b"<|pad|>"], special_tokens={**base.special_tokens, "<|pad|>": n + 2}),
    }[request.param]()
    return tok, hf_of(tok, tmp_path_factory.mktemp(request.param))


@given(text=any_text(WORDS))
def test_hf_only_shapes_match(hf_variant, text):
    tok, hf = hf_variant
    assert_same_ids(tok, hf, text)


def test_hf_only_shapes_match_multilingual(hf_variant):
    tok, hf = hf_variant
    for text in [*MULTILINGUAL, " foo bar<tool> foo bar", "x" * 300 + " " * 300]:
        assert_same_ids(tok, hf, text)


def test_export_loads_back_identically(trio, tmp_path):
    tok = trio[0]
    for back in (
        tf.Tokenizer.from_huggingface(tok.save_huggingface(tmp_path / "hf")),
        tf.Tokenizer.from_tiktoken(
            tok.save_tiktoken(tmp_path / "x.tiktoken"), pattern=tok.pretokenizer, special_tokens=tok.special_tokens
        ),
    ):
        assert back.vocab() == tok.vocab()
        assert back.merge_ids == tok.merge_ids
        assert back.special_tokens == tok.special_tokens
        assert back.pretokenizer == tok.pretokenizer
