"""sentencepiece's normalizer in the Rust core (precompiled charsmap + whitespace rules), differential against
sentencepiece's own `normalize` on real models, on models sentencepiece trains with each of its rule sets and
whitespace options, and on hypothesis-generated text (odd whitespace, full-width forms, control characters)."""

from __future__ import annotations

import functools

import pytest
import sentencepiece as spm
from hypothesis import given
from interop_support import MULTILINGUAL, fetched
from sentencepiece_support import NORMALIZER_OPTIONS, REAL_MODELS, spm_text, trained

from tokenforge.interop.sentencepiece import parse_model, read_model

TRAINED = NORMALIZER_OPTIONS


@functools.cache
def pair(name: str):
    """(our normalizer, sentencepiece's processor) for a trained or real model."""
    if name in TRAINED:
        raw = trained("unigram", vocab_size=500, **TRAINED[name])
        return parse_model(raw, name).normalizer(), spm.SentencePieceProcessor(model_proto=raw)
    path = fetched(name)
    return read_model(path).normalizer(), spm.SentencePieceProcessor(model_file=str(path))


@pytest.mark.parametrize("name", [*TRAINED, *REAL_MODELS])
def test_multilingual_text_normalizes_as_sentencepiece(name):
    ours, theirs = pair(name)
    for text in [*MULTILINGUAL, "", "   ", " ＡＢ <x> y z\u3000\u00a0\t end  "]:
        assert ours.normalize(text) == theirs.normalize(text)


@pytest.mark.parametrize("name", [*TRAINED, REAL_MODELS[2], REAL_MODELS[3]])
@given(text=spm_text())
def test_generated_text_normalizes_as_sentencepiece(name, text):
    ours, theirs = pair(name)
    assert ours.normalize(text) == theirs.normalize(text)
