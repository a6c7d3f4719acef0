"""`algorithm="bpe", byte_fallback=True, pretokenizer="metaspace"`: SentencePiece-style BPE whose vocabulary and
merges are Hugging Face `BpeTrainer`'s on `Metaspace` words (the meta pieces `<unk>`, `<s>`, `</s>` and the 256
byte pieces as its first special tokens), and whose ids and decoded text are those of `tokenizers` with that
model (`BPE(byte_fallback=True, fuse_unk=True)`, `Metaspace`), unknown characters and hypothesis text included."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from interop_support import MULTILINGUAL
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers
from unigram_support import multilingual_lines

import tokenforge as tf
from tokenforge.errors import ConfigError
from tokenforge.models import CharBpeModel

LINES = multilingual_lines(1500)
META = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
TEXTS = (
    MULTILINGUAL + multilingual_lines(100, seed=1) + ["unknown ☃ 𝄞 ǅ", "  two  spaces ", "▁lead", " lead", "a\nb\tc"]
)


@pytest.fixture(scope="module")
def pair() -> tuple[tf.Tokenizer, HFTokenizer]:
    ours = tf.train_from_iterator(LINES, vocab_size=1200, algorithm="bpe", byte_fallback=True, pretokenizer="metaspace")
    hf = HFTokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    hf.pre_tokenizer = pre_tokenizers.Metaspace()
    hf.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace()])
    hf.train_from_iterator(LINES, trainers.BpeTrainer(vocab_size=1200, special_tokens=META, show_progress=False))
    return ours, hf


def test_vocabulary_and_merges_are_hugging_faces(pair):
    ours, hf = pair
    assert isinstance(ours.model, CharBpeModel) and ours.model.byte_fallback
    spec = json.loads(hf.to_str())["model"]
    assert {t.decode(): i for i, t in enumerate(ours.vocab())} == spec["vocab"]
    theirs = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in spec["merges"]]
    assert [(ours.vocab()[a].decode(), ours.vocab()[b].decode()) for (a, b), _, _ in ours.model.merges] == theirs
    assert ours.special_tokens == {"<unk>": 0, "<s>": 1, "</s>": 2}


def test_ids_and_text_are_hugging_faces(pair, tmp_path):
    ours, hf = pair
    want = [hf.encode(t, add_special_tokens=False).ids for t in TEXTS]
    assert ours.encode_batch(TEXTS) == want
    assert any(ours.token_bytes(i).startswith(b"<0x") for ids in want for i in ids), "bytes fall back"
    assert [ours.decode(i) for i in want] == [hf.decode(i, skip_special_tokens=False) for i in want]
    again = tf.Tokenizer.load(ours.save(tmp_path / "tok"))
    assert again.encode_batch(TEXTS) == want


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_hypothesis_text_gets_hugging_faces_ids(pair, text):
    ours, hf = pair
    if any(m in text for m in META):
        return  # Hugging Face matches its special tokens in text; ours are not matched unless allowed
    assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"pretokenizer": "gpt4"}, "give pretokenizer='metaspace'"),
        ({"pretokenizer": "metaspace", "normalizer": "NFKC"}, "bpe does not support a normalizer"),
        ({"pretokenizer": "metaspace", "checkpoint_dir": "x"}, "bpe does not support checkpoints"),
    ],
)
def test_what_it_does_not_support_is_refused(options, message):
    with pytest.raises(ConfigError, match=message):
        tf.train_from_iterator(LINES[:50], vocab_size=400, algorithm="bpe", byte_fallback=True, **options)
