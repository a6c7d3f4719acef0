"""SentencePiece-style `tokenizer.json` (Llama/Mistral/Gemma byte-fallback BPE, Unigram) against Hugging Face
`tokenizers`: files made by `transformers`' own converters from models sentencepiece trained here, read by us;
our export of sentencepiece models read by `tokenizers`. Same ids on multilingual and hypothesis text."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

import pytest
import sentencepiece as spm
from hypothesis import given, settings
from hypothesis import strategies as st
from interop_support import MULTILINGUAL
from sentencepiece_support import REAL_MODELS, llama_spm, real_model, spm_text, trained, training_text
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import processors

import tokenforge as tf
from tokenforge.errors import UnsupportedError
from tokenforge.models.pieces import PieceKind
from tokenforge.processors import Template

TEXTS = [*training_text().splitlines()[-3:], *MULTILINGUAL, "", " ", "  two  spaces ", "ünïcödé 😀 \x00 Ω"]


def model_file(kind: str, byte_fallback: bool) -> Path:
    path = Path(tempfile.mkdtemp()) / f"{kind}.model"
    path.write_bytes(trained(kind, 800 if byte_fallback else 500, byte_fallback=byte_fallback))
    return path


BYTES = [f"<0x{b:02X}>" for b in range(256)]


@functools.cache
def built(name: str) -> Path:
    """A Llama/Mistral/Gemma-shaped (or Unigram) tokenizer.json assembled from Hugging Face's components and
    trained by its trainers on `training_text()`."""
    from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers

    specials = ["<unk>", "<s>", "</s>"]
    if name == "unigram":
        hf = HFTokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(vocab_size=600, special_tokens=specials, unk_token="<unk>")
    else:
        hf = HFTokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
        trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=specials + BYTES)
    decoder = [decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()]
    if name == "llama-legacy":
        hf.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    elif name == "gemma":
        hf.normalizer = normalizers.Replace(" ", "▁")
        hf.pre_tokenizer = pre_tokenizers.Split(" ", "merged_with_previous")
    else:
        split = name != "llama"
        hf.pre_tokenizer = pre_tokenizers.Metaspace(
            prepend_scheme="first" if name == "llama" else "always", split=split
        )
    hf.decoder = decoders.Sequence(decoder + ([] if name == "gemma" else [decoders.Strip(" ", 1, 0)]))
    hf.train_from_iterator(training_text().splitlines(), trainer)
    bos = hf.token_to_id("<s>")
    hf.post_processor = processors.TemplateProcessing("<s> $A", "<s> $A <s>:1 $B:1", special_tokens=[("<s>", bos)])
    path = Path(tempfile.mkdtemp()) / "tokenizer.json"
    hf.save(str(path))
    return path


@functools.cache
def imported(name: str) -> tuple[tf.Tokenizer, HFTokenizer]:
    path = built(name)
    return tf.Tokenizer.from_huggingface(path), HFTokenizer.from_file(str(path))


@functools.cache
def exported(kind: str, byte_fallback: bool) -> tuple[tf.Tokenizer, HFTokenizer, spm.SentencePieceProcessor]:
    path = model_file(kind, byte_fallback)
    tok = tf.Tokenizer.from_sentencepiece(path)
    hf = HFTokenizer.from_file(str(tok.save_huggingface(path.parent / "hf")))
    return tok, hf, spm.SentencePieceProcessor(model_file=str(path))


IMPORTED = ["llama-legacy", "llama", "gemma", "metaspace-split", "unigram"]
EXPORTED = [("bpe", True), ("bpe", False), ("unigram", True), ("unigram", False)]


@pytest.mark.parametrize("name", IMPORTED)
def test_converted_files_give_hugging_faces_ids(name):
    ours, hf = imported(name)
    assert type(ours.model).__name__ == ("UnigramModel" if name == "unigram" else "CharBpeModel")
    for text in TEXTS:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids, text
        assert ours.encode(text, pair=text, add_special_tokens=True) == hf.encode(text, text).ids, text
    ids = ours.encode(MULTILINGUAL[0])
    assert ours.decode(ids) == hf.decode(ids) == MULTILINGUAL[0]


@settings(max_examples=100)
@given(st.sampled_from(IMPORTED), spm_text())
def test_converted_files_on_generated_text(name, text):
    ours, hf = imported(name)
    assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids


WITH_SPECIALS = ["<s>Hello world</s> again", "Hello</s>world", " a<s> b", "</s>", "x</s></s> y <s>", "ä<unk>ö"]


@pytest.mark.parametrize("name", ["llama", "metaspace-split", "unigram"])
def test_text_after_a_special_token_gets_the_prefix_as_in_hugging_face(name, tmp_path):
    # Metaspace's prepend_scheme: `first` (llama) puts ▁ only at the start, `always` after each special token
    ours, hf = imported(name)
    again = tf.Tokenizer.load(ours.save(tmp_path / "tf"))
    exported = HFTokenizer.from_file(str(ours.save_huggingface(tmp_path / "hf")))
    for text in WITH_SPECIALS:
        want = hf.encode(text, add_special_tokens=False).ids
        assert ours.encode(text, allowed_special="all") == want, text
        assert again.encode(text, allowed_special="all") == want, text
        assert exported.encode(text, add_special_tokens=False).ids == want, text
        assert ours.encode_batch([text], allowed_special="all") == [want]


@settings(max_examples=100)
@given(
    st.sampled_from(["llama", "metaspace-split"]),
    st.lists(st.tuples(spm_text(), st.sampled_from(["<s>", "</s>", ""])), max_size=4),
)
def test_special_tokens_in_generated_text(name, parts):
    ours, hf = imported(name)
    text = "".join(a + b for a, b in parts)
    assert ours.encode(text, allowed_special="all") == hf.encode(text, add_special_tokens=False).ids


@pytest.mark.parametrize("case", EXPORTED, ids=lambda c: f"{c[0]}{'-bytes' if c[1] else ''}")
def test_exported_sentencepiece_models_give_the_same_ids(case):
    tok, hf, sp = exported(*case)
    for text in TEXTS:
        want = sp.encode(text)
        assert tok.encode(text) == want, text
        assert hf.encode(text, add_special_tokens=False).ids == want, text
    again = tf.Tokenizer.from_huggingface(tok.save_huggingface(Path(tempfile.mkdtemp())))
    assert all(again.encode(t) == tok.encode(t) for t in TEXTS)


@settings(max_examples=100)
@given(st.sampled_from(EXPORTED), spm_text())
def test_exported_models_on_generated_text(case, text):
    tok, hf, _ = exported(*case)
    assert hf.encode(text, add_special_tokens=False).ids == tok.encode(text)


def test_shapes_we_cannot_read_say_so(tmp_path):
    data = json.loads(built("unigram").read_text())
    path = tmp_path / "tokenizer.json"
    for key, value, match in [
        ("pre_tokenizer", {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}]}, "WhitespaceSplit"),
        ("normalizer", {"type": "Lowercase"}, "normalizer Lowercase"),
    ]:
        path.write_text(json.dumps({**data, key: value}))
        with pytest.raises(UnsupportedError, match=match) as e:
            tf.Tokenizer.from_huggingface(path)
        assert "\n" not in str(e.value) and str(path) in str(e.value)


@pytest.mark.parametrize("relative", REAL_MODELS)
def test_real_models_exported_give_sentencepiece_ids(relative, tmp_path):
    path = real_model(relative)
    if not path.is_file():
        pytest.skip(f"{path} is missing: run scripts/fetch_test_data.sh")
    tok = tf.Tokenizer.from_sentencepiece(path)
    if PieceKind.USER_DEFINED in tok.model.kinds():  # Mistral v3's control words
        with pytest.raises(UnsupportedError, match="user-defined pieces"):
            tok.save_huggingface(tmp_path)
        return
    hf = HFTokenizer.from_file(str(tok.save_huggingface(tmp_path)))
    sp = spm.SentencePieceProcessor(model_file=str(path))
    for text in TEXTS:
        assert hf.encode(text, add_special_tokens=False).ids == sp.encode(text), text
    again = tf.Tokenizer.from_huggingface(tmp_path)
    assert all(again.encode(t) == sp.encode(t) for t in TEXTS)


@functools.cache
def real_exported(relative: str) -> tuple[HFTokenizer, spm.SentencePieceProcessor]:
    path = real_model(relative)
    if not path.is_file():
        pytest.skip(f"{path} is missing: run scripts/fetch_test_data.sh")
    tok = tf.Tokenizer.from_sentencepiece(path)
    hf = HFTokenizer.from_file(str(tok.save_huggingface(Path(tempfile.mkdtemp()))))
    return hf, spm.SentencePieceProcessor(model_file=str(path))


@settings(max_examples=100)
@given(st.sampled_from(REAL_MODELS[:5]), spm_text())
def test_real_models_exported_on_generated_text(relative, text):
    hf, sp = real_exported(relative)
    assert hf.encode(text, add_special_tokens=False).ids == sp.encode(text)


def test_transformers_pads_an_exported_sentencepiece_tokenizer(tmp_path):
    transformers = pytest.importorskip("transformers")
    path = model_file("bpe", True)
    tok = tf.Tokenizer.from_sentencepiece(path)
    assert tok.roles == {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"}
    tok.post_processor = Template.bos_eos("<s>")
    tok.roles = {**tok.roles, "pad_token": "</s>"}
    tok.save_huggingface(tmp_path)
    fast = transformers.PreTrainedTokenizerFast.from_pretrained(str(tmp_path))
    texts = ["Hello world", "a longer sentence, with ünïcödé"]
    batch = fast(texts, padding=True)
    width = max(len(tok.encode(t, add_special_tokens=True)) for t in texts)
    for text, ids in zip(texts, batch["input_ids"]):
        ours = tok.encode(text, add_special_tokens=True)
        assert ids == ours + [tok.token_id("</s>")] * (width - len(ours))
        assert ours[1:] == spm.SentencePieceProcessor(model_file=str(path)).encode(text)


def test_llama2_vocabulary_exported_gives_the_expected_ids(tmp_path):
    """llama.cpp's Llama-2 vocabulary exported: `tokenizers` gives the ids of llama.cpp's test file."""
    tok, cases = llama_spm()
    hf = HFTokenizer.from_file(str(tok.save_huggingface(tmp_path)))
    for text, ids in cases:
        assert hf.encode(text, add_special_tokens=False).ids == ids, text
