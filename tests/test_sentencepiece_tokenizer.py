"""sentencepiece models as `Tokenizer`s: Unigram and SentencePiece-style BPE `.model` files (trained here by
sentencepiece itself, with and without byte fallback, and the real fetched ones) give sentencepiece's ids and
decoded text through `Tokenizer.from_sentencepiece` and `load_any`, the normalizer running in the core;
`save` / `load` and `save_sentencepiece` keep every id; subword regularization is seeded."""

from __future__ import annotations

import pickle

import pytest
import sentencepiece as spm
from hypothesis import given, settings
from interop_support import MULTILINGUAL
from sentencepiece_support import REAL_MODELS, llama_spm, real_model, spm_text, trained, training_text

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, TokenizerFileError, UnsupportedError
from tokenforge.loading import load_any
from tokenforge.models import CharBpeModel, UnigramModel
from tokenforge.normalizers import SentencePieceNormalizer

#: Text sentencepiece's pieces do not all cover: unknown characters, byte fallback, odd whitespace, forms the
#: normalizer rewrites, control-piece strings.
ODD_TEXTS = [
    "",
    " ",
    "  spaces   inside  and around  ",
    "\t tab \n newline \r\n",
    "ＡＢＣ①½ ﬁ ㍿",
    "𝄞 🎉👍🏽 \u0378 \U0010ffff",
    "<s> not a control </s> <unk>",
    "\x00\x01\x7f control",
    "ǅİıß naïve café",
    "combining: A\u0300 e\u0301x cafe\u0301 a\u0308b Ｅ\u0301",
]
CASES = [("unigram", False), ("unigram", True), ("bpe", False), ("bpe", True)]


def case_id(case: tuple[str, bool]) -> str:
    return f"{case[0]}{'-bytes' if case[1] else ''}"


def trained_pair(model_type: str, byte_fallback: bool, tmp_path) -> tuple[tf.Tokenizer, spm.SentencePieceProcessor]:
    raw = trained(model_type, 800 if byte_fallback else 500, byte_fallback=byte_fallback)
    path = tmp_path / f"{model_type}.model"
    path.write_bytes(raw)
    return tf.Tokenizer.from_sentencepiece(path), spm.SentencePieceProcessor(model_proto=raw)


def texts() -> list[str]:
    return training_text().splitlines() + MULTILINGUAL + ODD_TEXTS


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trained_models_give_sentencepiece_ids_and_text(case, tmp_path):
    tok, sp = trained_pair(*case, tmp_path)
    assert isinstance(tok.model, UnigramModel if case[0] == "unigram" else CharBpeModel)
    assert isinstance(tok.normalizer, SentencePieceNormalizer) and tok.pretokenizer == "none"
    lines = texts()
    want = [sp.encode(t) for t in lines]
    assert [tok.encode(t) for t in lines] == want
    assert tok.encode_batch(lines) == want
    ids, offsets = tok.encode_batch(lines, output="numpy")
    assert [ids[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])] == want
    assert [tok.decode(i) for i in want] == [sp.decode(i) for i in want]
    if case[1]:
        assert any(sp.is_byte(i) for ids in want for i in ids), "the texts reach byte fallback"
    else:
        assert any(i == sp.unk_id() for ids in want for i in ids), "the texts reach the unknown piece"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_saved_models_keep_every_id(case, tmp_path):
    tok, sp = trained_pair(*case, tmp_path)
    lines = texts()
    again = tf.Tokenizer.load(tok.save(tmp_path / "tok"))
    assert type(again.model) is type(tok.model) and again.normalizer == tok.normalizer
    assert again.encode_batch(lines) == tok.encode_batch(lines)
    assert pickle.loads(pickle.dumps(tok)).encode_batch(lines) == tok.encode_batch(lines)
    out = tok.save_sentencepiece(tmp_path / "out.model")
    written = spm.SentencePieceProcessor(model_file=str(out))
    assert [written.encode(t) for t in lines] == [sp.encode(t) for t in lines]
    assert [written.id_to_piece(i) for i in range(written.get_piece_size())] == [
        sp.id_to_piece(i) for i in range(sp.get_piece_size())
    ]


@pytest.mark.parametrize("case", CASES, ids=case_id)
@settings(max_examples=150, deadline=None)
@given(text=spm_text())
def test_hypothesis_text_gets_sentencepiece_ids(case, text, tmp_path_factory):
    tok, sp = trained_pair(*case, tmp_path_factory.mktemp("m"))
    text = text.encode("utf-8", "replace").decode("utf-8")
    want = sp.encode(text)
    assert tok.encode(text) == want
    assert tok.decode(want) == sp.decode(want)


@pytest.mark.parametrize("relative", REAL_MODELS)
def test_real_models_give_sentencepiece_ids(relative, tmp_path):
    path = real_model(relative)
    if not path.exists():
        pytest.skip(f"{path} not fetched (scripts/fetch_test_data.py)")
    tok = load_any(path)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    lines = texts()
    want = [sp.encode(t) for t in lines]
    assert tok.encode_batch(lines) == want
    assert [tok.decode(i) for i in want] == [sp.decode(i) for i in want]
    written = spm.SentencePieceProcessor(model_file=str(tok.save_sentencepiece(tmp_path / "out.model")))
    assert [written.encode(t) for t in lines] == want


@pytest.mark.parametrize("relative", ["mistral/tokenizer.model.v1", "sentencepiece/kyoto_ja_unigram_8000.model"])
@settings(max_examples=100, deadline=None)
@given(text=spm_text())
def test_real_models_on_hypothesis_text(relative, text):
    path = real_model(relative)
    if not path.exists():
        pytest.skip(f"{path} not fetched (scripts/fetch_test_data.py)")
    tok, sp = _real(relative)
    text = text.encode("utf-8", "replace").decode("utf-8")
    assert tok.encode(text) == sp.encode(text)


_LOADED: dict[str, tuple[tf.Tokenizer, spm.SentencePieceProcessor]] = {}


def _real(relative: str) -> tuple[tf.Tokenizer, spm.SentencePieceProcessor]:
    if relative not in _LOADED:
        path = real_model(relative)
        _LOADED[relative] = (tf.Tokenizer.from_sentencepiece(path), spm.SentencePieceProcessor(model_file=str(path)))
    return _LOADED[relative]


def test_llama_spm_gguf_vocabulary_gives_the_expected_ids():
    """llama.cpp's Llama-2 vocabulary (pieces, scores, types) as SentencePiece-style BPE gives the ids its test
    file lists (made by `transformers` from the original model): sentencepiece's dummy prefix, no whitespace
    removal, byte fallback."""
    tok, cases = llama_spm()
    assert len(cases) > 30
    for text, ids in cases:
        assert tok.encode(text) == ids, text


def test_sampling_is_seeded_and_spells_the_text(tmp_path):
    tok, sp = trained_pair("unigram", False, tmp_path)
    text = "the tokenizer samples a segmentation of these words"
    draws = [tok.encode(text, sample=True, alpha=0.1, seed=s) for s in range(30)]
    assert draws == [tok.encode(text, sample=True, alpha=0.1, seed=s) for s in range(30)], "the same seed"
    assert len({tuple(d) for d in draws}) > 5, "different seeds, different segmentations"
    assert {sp.decode(d) for d in draws} == {sp.decode(sp.encode(text))}
    assert tok.encode(text, sample=True, nbest_size=1, seed=3) == sp.encode(text), "one best: Viterbi"
    nbest = sp.nbest_encode_as_ids(text, 4)
    assert {tuple(tok.encode(text, sample=True, nbest_size=4, alpha=1.0, seed=s)) for s in range(40)} <= {
        tuple(n) for n in nbest
    }
    batch = tok.sample_batch([text] * 3, seed=7)
    assert batch[0] == tok.encode(text, sample=True, seed=7)
    with pytest.raises(ConfigError, match="nbest_size must be at most 512"):
        tok.encode(text, sample=True, nbest_size=513)
    bpe, _ = trained_pair("bpe", False, tmp_path)
    with pytest.raises(ConfigError, match="needs dropout=p"):
        bpe.encode(text, sample=True)


def test_the_cli_reads_and_writes_model_files(tmp_path, capsys):
    tok, sp = trained_pair("unigram", True, tmp_path)
    model = tmp_path / "unigram.model"
    text = tmp_path / "in.txt"
    text.write_text("héllo wörld ☃ naïve\n", encoding="utf-8")
    assert main(["encode", "-t", str(model), str(text)]) == 0
    assert capsys.readouterr().out.split() == [str(i) for i in sp.encode("héllo wörld ☃ naïve")]
    assert main(["info", "-t", str(model)]) == 0
    assert "unigram" in capsys.readouterr().out
    tok.save(tmp_path / "tok")
    out = tmp_path / "again.model"
    assert main(["export", "-t", str(tmp_path / "tok"), "--format", "sentencepiece", "-o", str(out)]) == 0
    assert spm.SentencePieceProcessor(model_file=str(out)).encode("héllo wörld") == sp.encode("héllo wörld")


def test_bad_files_and_tokenizers_get_one_line(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(b"\x0a\x05<unk>\x15garbage")
    with pytest.raises(TokenizerFileError, match="bad.model"):
        load_any(bad)
    tok, _ = trained_pair("unigram", False, tmp_path)
    data = tok.to_dict()
    data["normalizer"]["precompiled_charsmap"] = "not base64!"
    with pytest.raises(TokenizerFileError, match="corrupt sentencepiece normalizer"):
        tf.Tokenizer.from_dict(data, source="x.json")
    data = tok.to_dict()
    data["normalizer"] = "NFKD"
    with pytest.raises(TokenizerFileError, match="unknown normalizer"):
        tf.Tokenizer.from_dict(data, source="x.json")
    with pytest.raises(UnsupportedError, match="it pre-tokenizes"):
        tf.Tokenizer(tok.vocab(), (), "gpt4", model=tok.model).save_sentencepiece(tmp_path / "x.model")
    with pytest.raises(UnsupportedError, match="not supported yet: a tokenizer.json of a unigram .*'gpt4'"):
        tf.Tokenizer(tok.vocab(), (), "gpt4", model=tok.model).save_huggingface(tmp_path / "hf")
