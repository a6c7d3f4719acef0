"""Offsets of the sentencepiece families (`encode(text, offsets=True)` with Unigram and SentencePiece-style BPE
models, through sentencepiece's normalizer) against sentencepiece's own: each piece's `begin`/`end` bytes in the
original text (`encode(..., return_type="proto")`), on models sentencepiece trains here (unigram and bpe, with and
without byte fallback, every normalizer rule set and whitespace option) and the real `.model` files, on
multilingual and hypothesis text (space runs, forms the charsmap rewrites, unknown characters, bytes); and
against Hugging Face `tokenizers` on the exported tokenizer.json of Mistral v1 where the two conventions agree."""

from __future__ import annotations

import functools

import pytest
import sentencepiece as spm
from hypothesis import given, settings
from interop_support import MULTILINGUAL
from sentencepiece_support import NORMALIZER_OPTIONS, REAL_MODELS, loaded, real_model, spm_text, trained

import tokenforge as tf

MISTRAL = "mistral/tokenizer.model.v1"

#: Model files sentencepiece trains: the four families' cases, then unigram with each normalizer option.
TRAINED = {
    "unigram": ("unigram", 500, {}),
    "unigram-bytes": ("unigram", 800, {"byte_fallback": True}),
    "bpe": ("bpe", 500, {}),
    "bpe-bytes": ("bpe", 800, {"byte_fallback": True, "user_defined_symbols": "<tool>"}),
    **{f"unigram-{name}": ("unigram", 500, options) for name, options in NORMALIZER_OPTIONS.items()},
    "bpe-suffix": ("bpe", 500, NORMALIZER_OPTIONS["suffix"]),
    "bpe-keep-whitespace": ("bpe", 800, {"byte_fallback": True, **NORMALIZER_OPTIONS["keep-whitespace"]}),
}

TEXTS = [
    *MULTILINGUAL,
    "",
    "   ",
    "  leading, inner   and trailing spaces  ",
    "full-width ＡＢＣ１２３！ and ligatures ﬁ ﬂ ½ ㍿ ①",
    "zero\u200bwidth\u00a0no-break\u3000ideographic\tspace",
    "unknown ζζζ 😀😀 \U0010ffff x",
    "combining e\u0301 A\u0300 Ｅ\u0301 ǅİıß",
    "<tool>call<tool> <x> y  <s>",
    "\x00\x01\x7f control",
]


def tokenizer(name: str) -> tuple[tf.Tokenizer, spm.SentencePieceProcessor]:
    if name in TRAINED:
        model_type, vocab_size, options = TRAINED[name]
        return loaded(trained(model_type, vocab_size, **options))
    path = real_model(name)
    if not path.exists():
        pytest.skip(f"{path} not fetched (scripts/fetch_test_data.py)")
    return loaded(path.read_bytes())


def check(tok: tf.Tokenizer, sp: spm.SentencePieceProcessor, text: str) -> None:
    """Our ids and offsets (as bytes of the UTF-8 text) are sentencepiece's pieces' ids, begins and ends."""
    enc = tok.encode(text, offsets=True)
    at = [0]
    for c in text:
        at.append(at[-1] + len(c.encode()))
    ours = [(i, at[start], at[end]) for i, (start, end) in zip(enc.ids, enc.offsets)]
    assert ours == [(p.id, p.begin, p.end) for p in sp.encode(text, return_type="proto").pieces]
    assert enc.ids == tok.encode(text)
    assert enc.tokens == [sp.id_to_piece(i) for i in enc.ids]


@pytest.mark.parametrize("name", [*TRAINED, *REAL_MODELS])
def test_offsets_are_sentencepieces(name):
    tok, sp = tokenizer(name)
    for text in TEXTS:
        check(tok, sp, text)


@pytest.mark.parametrize("name", ["unigram-bytes", "bpe", "bpe-bytes", "unigram-suffix", "unigram-keep-whitespace"])
@settings(max_examples=100, deadline=None)
@given(text=spm_text())
def test_offsets_on_generated_text(name, text):
    tok, sp = tokenizer(name)
    check(tok, sp, text.encode("utf-8", "replace").decode("utf-8"))


@pytest.mark.parametrize("name", [MISTRAL, "sentencepiece/kyoto_ja_unigram_8000.model"])
@settings(max_examples=60, deadline=None)
@given(text=spm_text())
def test_real_models_offsets_on_generated_text(name, text):
    tok, sp = tokenizer(name)
    check(tok, sp, text.encode("utf-8", "replace").decode("utf-8"))


def test_conventions_of_sentencepiece():
    """What sentencepiece's offsets say where a normalized piece has no text of its own (kept as it does): the
    lone dummy prefix is an empty span where the first character starts, byte pieces inside a character are
    empty and the last one spans the character, a character the charsmap expands gives its first pieces empty
    spans where it starts, a special token spans its match and the text after it gets its own dummy prefix."""
    tok, _ = tokenizer("unigram-bytes")
    enc = tok.encode("ζ x", offsets=True)
    assert enc.tokens[:3] == ["▁", "<0xCE>", "<0xB6>"]
    assert enc.offsets[:3] == [(0, 0), (0, 0), (0, 1)]
    tok, _ = tokenizer("unigram")
    enc = tok.encode("a</s>b", "all", offsets=True)
    assert enc.tokens[-3:] == ["</s>", "▁", "b"] or enc.tokens[-2:] == ["</s>", "▁b"]
    assert enc.offsets[enc.tokens.index("</s>")] == (1, 5)
    assert enc.offsets[-1][1] == 6


@functools.cache
def exported(tmp: str):
    """Mistral v1 and its tokenizer.json export read by Hugging Face `tokenizers`."""
    from tokenizers import Tokenizer as HFTokenizer

    tok, _ = tokenizer(MISTRAL)
    return tok, HFTokenizer.from_file(str(tok.save_huggingface(tmp)))


@settings(max_examples=150, deadline=None)
@given(text=spm_text())
def test_hugging_face_offsets_where_the_conventions_agree(text, tmp_path_factory):
    """Mistral v1 (no charsmap, spaces kept) exported: Hugging Face's offsets start where ours do, and equal
    ours wherever sentencepiece's are not empty (Hugging Face gives the lone dummy prefix its first character
    and every byte piece the whole character)."""
    tok, hf = exported(str(tmp_path_factory.getbasetemp() / "mistral-hf"))
    text = text.encode("utf-8", "replace").decode("utf-8")
    ours, theirs = tok.encode(text, offsets=True), hf.encode(text, add_special_tokens=False)
    assert ours.ids == theirs.ids
    assert [s for s, _ in ours.offsets] == [s for s, _ in theirs.offsets]
    assert [o for o in ours.offsets if o[0] < o[1]] == [t for o, t in zip(ours.offsets, theirs.offsets) if o[0] < o[1]]
