"""Shared by the sentencepiece tests: models trained by sentencepiece itself (cached per session), the real
`.model` files the fetch script provides, and text with the whitespace and forms its normalizer rewrites."""

from __future__ import annotations

import functools
import io
import tempfile
from pathlib import Path

import sentencepiece as spm
from hypothesis import strategies as st
from interop_support import FETCHED, MULTILINGUAL, TRICKY

#: Real `.model` files (relative to tests/data/fetched/).
REAL_MODELS = [
    "sentencepiece/botchan_en_bpe_1000.model",
    "sentencepiece/botchan_en_unigram_1000.model",
    "sentencepiece/kyoto_ja_unigram_8000.model",
    "mistral/tokenizer.model.v1",
    "mistral/mistral_instruct_tokenizer_240216.model.v2",
    "mistral/mistral_instruct_tokenizer_240323.model.v3",
]

#: Characters sentencepiece's normalizer treats specially: odd whitespace, full-width and compatibility forms,
#: control and zero-width characters, combining marks.
ODD = st.sampled_from(
    list(" \t\n\r\x0b\x0c\x00\x01\x1f\x7f\u00a0\u1680\u2000\u2009\u200b\u200d\u2028\u3000\ufeff")
    + list("ＡＢｚ１２！？ｱｲｳﾞ①②Ⅻﬁﬂ㍿½²µÅΩé\u0301\u0308ǅİıß")
)


#: sentencepiece trainer options for each of its normalization rule sets and whitespace options.
NORMALIZER_OPTIONS = {
    "nmt_nfkc": {},
    "nfkc": {"normalization_rule_name": "nfkc"},
    "nmt_nfkc_cf": {"normalization_rule_name": "nmt_nfkc_cf"},
    "nfkc_cf": {"normalization_rule_name": "nfkc_cf"},
    "identity": {"normalization_rule_name": "identity"},
    "keep-whitespace": {"remove_extra_whitespaces": False},
    "no-prefix": {"add_dummy_prefix": False},
    "suffix": {"treat_whitespace_as_suffix": True},
    "user-defined": {"user_defined_symbols": "<x>,ＡＢ, y "},
}


def spm_text() -> st.SearchStrategy[str]:
    """Arbitrary text, or runs of the characters the normalizer and splitters treat specially."""
    return st.one_of(st.text(), st.lists(st.one_of(ODD, TRICKY), max_size=40).map("".join))


def training_text() -> str:
    """Multilingual training text: the interop sentences, many times over, plus some odd forms."""
    return "\n".join(MULTILINGUAL * 4 + ["ＡＢＣ　full-width　１２３", "tab\tand  spaces", "ﬁ ﬂ ① ½"])


@functools.cache
def trained(model_type: str = "bpe", vocab_size: int = 1200, **options) -> bytes:
    """A `.model` trained by sentencepiece on `training_text()` (cached per argument set)."""
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(training_text().splitlines()),
        model_writer=out,
        model_type=model_type,
        vocab_size=vocab_size,
        minloglevel=2,
        **options,
    )
    return out.getvalue()


def real_model(relative: str) -> Path:
    """A fetched real `.model` file (the caller skips when it is missing)."""
    return FETCHED / relative


@functools.cache
def llama_spm():
    """llama.cpp's Llama-2 vocabulary (`ggml-vocab-llama-spm.gguf`: pieces, scores, types) as a SentencePiece-style
    BPE tokenizer, and its test file's `(text, ids)` cases (skips when not fetched)."""
    import json

    import pytest

    import tokenforge as tf
    from tokenforge.models import CharBpeModel
    from tokenforge.normalizers import SentencePieceNormalizer

    base = real_model("llama.cpp/ggml-vocab-llama-spm.gguf")
    if not base.with_suffix(".gguf.json").exists():
        pytest.skip("llama.cpp vocabularies not fetched (scripts/fetch_test_data.py)")
    vocab = json.loads(base.with_suffix(".gguf.json").read_text(encoding="utf-8"))
    kinds = vocab["token_types"]
    model = CharBpeModel.from_scores(vocab["tokens"], vocab["scores"], kinds, kinds.index(2), True)
    special = {t: i for i, (t, k) in enumerate(zip(vocab["tokens"], kinds)) if k in (2, 3)}
    norm = SentencePieceNormalizer(add_dummy_prefix=True, remove_extra_whitespaces=False)
    tok = tf.Tokenizer([t.encode() for t in vocab["tokens"]], (), "none", special, None, norm, model=model)
    separator = "\n__ggml_vocab_test__\n"
    inputs = base.with_suffix(".gguf.inp").read_text(encoding="utf-8").split(separator)
    outputs = base.with_suffix(".gguf.out").read_text(encoding="utf-8").split("\n")
    inputs[-1] = inputs[-1].removesuffix("\n")
    return tok, [(text, [int(i) for i in line.split()]) for text, line in zip(inputs, outputs)]


@functools.cache
def loaded(raw: bytes):
    """`(Tokenizer.from_sentencepiece, sentencepiece's processor)` of the `.model` bytes `raw` (cached)."""
    import tokenforge as tf

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.model"
        path.write_bytes(raw)
        return tf.Tokenizer.from_sentencepiece(path), spm.SentencePieceProcessor(model_proto=raw)
