"""`algorithm="unigram"` through the training registry: a `Tokenizer` in sentencepiece's pipeline (its bundled
`nmt_nfkc` charsmap, dummy prefix, `▁`), whose saved `.model` sentencepiece loads with the same ids, that
saves, loads and evaluates like any other; its options, on the command line too; and `eval` reading `.model`
files natively with the numbers the `sentencepiece` library gives."""

from __future__ import annotations

import io

import numpy as np
import pytest
import sentencepiece as spm
from hypothesis import given, settings
from sentencepiece_support import spm_text
from unigram_support import multilingual_lines

import tokenforge as tf
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError
from tokenforge.interop.sentencepiece import parse_model
from tokenforge.loading import load_any
from tokenforge.metrics.adapters import OursAdapter, SentencePieceAdapter
from tokenforge.models import UnigramModel
from tokenforge.models.pieces import PieceKind
from tokenforge.normalizers import nmt_nfkc_charsmap, sentencepiece_default
from tokenforge.training.unigram import train_unigram

LINES = multilingual_lines(3000)
TRAIN, HELD_OUT = LINES[:2500], LINES[2500:] + ["ＡＢＣ　full-width ①", "  extra   spaces ", "unknown ☃ 𝄞"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("unigram") / "corpus.txt"
    path.write_text("\n".join(TRAIN), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(corpus):
    return tf.train([corpus], vocab_size=1500, algorithm="unigram")


def test_the_bundled_charsmap_is_the_one_sentencepiece_writes(corpus):
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(input=str(corpus), model_writer=out, vocab_size=500, minloglevel=2)
    norm = parse_model(out.getvalue(), "trained").normalization
    assert norm.name == "nmt_nfkc" and norm.precompiled_charsmap == nmt_nfkc_charsmap()
    assert norm == sentencepiece_default()


def test_a_trained_tokenizer_is_sentencepieces_pipeline(trained, corpus, tmp_path):
    assert isinstance(trained.model, UnigramModel) and trained.vocab_size == 1500
    assert trained.normalizer == sentencepiece_default() and trained.pretokenizer == "none"
    assert trained.special_tokens == {"<unk>": 0, "<s>": 1, "</s>": 2}
    same = train_unigram([corpus], vocab_size=1500, normalizer="nmt_nfkc")
    assert trained.model.pieces() == same.pieces(), "one trainer behind both entry points"
    sp = spm.SentencePieceProcessor(model_file=str(trained.save_sentencepiece(tmp_path / "t.model")))
    want = [sp.encode(t) for t in HELD_OUT]
    assert trained.encode_batch(HELD_OUT) == want
    assert [trained.decode(i) for i in want] == [sp.decode(i) for i in want]
    again = tf.Tokenizer.load(trained.save(tmp_path / "tok"))
    assert again.encode_batch(HELD_OUT) == want


@settings(max_examples=150, deadline=None)
@given(text=spm_text())
def test_trained_tokenizer_matches_sentencepiece_on_hypothesis_text(trained, tmp_path_factory, text):
    path = tmp_path_factory.getbasetemp() / "hypothesis.model"
    if not path.exists():
        trained.save_sentencepiece(path)
    text = text.encode("utf-8", "replace").decode("utf-8")
    assert trained.encode(text) == spm.SentencePieceProcessor(model_file=str(path)).encode(text)


def test_options_become_sentencepiece_pieces(tmp_path):
    tok = tf.train_from_iterator(
        TRAIN,
        vocab_size=700,
        algorithm="unigram",
        byte_fallback=True,
        split_digits=True,
        special_tokens=["<pad>"],
        forced_tokens=["<xy>"],
        max_piece_length=4,
    )
    kinds = tok.model.kinds()
    assert [p for p, _, _ in tok.model.pieces()[:5]] == ["<unk>", "<s>", "</s>", "<pad>", "<xy>"]
    assert kinds[3] == PieceKind.CONTROL and kinds[4] == PieceKind.USER_DEFINED
    assert kinds.count(PieceKind.BYTE) == 256
    normal = [p for p, _, k in tok.model.pieces() if k == PieceKind.NORMAL]
    assert max(len(p) for p in normal) <= 4
    assert not any(c.isdigit() for p in normal if len(p.lstrip("▁")) > 1 for c in p)
    sp = spm.SentencePieceProcessor(model_file=str(tok.save_sentencepiece(tmp_path / "o.model")))
    for text in ["a <xy>b 12345 ☃ 𝄞", *HELD_OUT[:50]]:
        assert tok.encode(text) == sp.encode(text)
    assert tok.encode("a<xy>")[-1] == 4, "a user-defined piece is kept whole"
    assert tok.decode(tok.encode("☃ 𝄞")) == "☃ 𝄞", "bytes fall back and decode"


def test_cli_trains_encodes_and_evaluates_unigram(corpus, tmp_path, capsys):
    out = tmp_path / "tok"
    args = ["train", str(corpus), "-o", str(out), "--vocab-size", "600", "--algorithm", "unigram"]
    assert main([*args, "--byte-fallback", "--shrinking-factor", "0.8", "--max-piece-length", "8"]) == 0
    tok = tf.Tokenizer.load(out)
    assert isinstance(tok.model, UnigramModel) and tok.model.byte_fallback and tok.vocab_size == 600
    capsys.readouterr()
    text = tmp_path / "in.txt"
    text.write_text(HELD_OUT[0] + "\n", encoding="utf-8")
    assert main(["encode", "-t", str(out), str(text)]) == 0
    assert capsys.readouterr().out.split() == [str(i) for i in tok.encode(HELD_OUT[0])]
    report = tmp_path / "eval.json"
    assert main(["eval", "-t", f"u={out}", "--corpus", f"c={corpus}", "--json", str(report), "-q"]) == 0


def test_eval_reads_model_files_natively_with_sentencepieces_spans(trained, tmp_path):
    path = trained.save_sentencepiece(tmp_path / "t.model")
    ours = OursAdapter(load_any(path), "ours")
    theirs = SentencePieceAdapter(path, "sp")
    a, b = ours.tokenize(HELD_OUT), theirs.tokenize(HELD_OUT)
    for field in ("ids", "counts", "starts", "ends"):
        assert np.array_equal(getattr(a, field), getattr(b, field)), field
    assert ours.entries() == theirs.entries()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"normalizer": "NFKC"}, "unigram normalizes as sentencepiece does"),
        ({"shrinking_factor": 1.5}, "shrinking_factor must be between 0 and 1"),
        ({"pretokenizer": "gpt4"}, "unigram does not support a pre-tokenizer"),
        ({"checkpoint_dir": "x"}, "unigram does not support checkpoints"),
    ],
)
def test_bad_options_say_what_is_wrong(corpus, options, message):
    with pytest.raises(ConfigError, match=message):
        tf.train([corpus], vocab_size=500, algorithm="unigram", **options)


def test_unigram_options_belong_to_unigram(corpus):
    with pytest.raises(ConfigError, match="shrinking_factor is a unigram option"):
        tf.train([corpus], vocab_size=500, shrinking_factor=0.5)
    with pytest.raises(ConfigError, match="byte_fallback is a unigram option"):
        tf.train([corpus], vocab_size=500, algorithm="wordpiece", byte_fallback=True)


def test_a_corpus_too_small_says_so():
    with pytest.raises(ConfigError, match="vocabulary|pieces"):
        tf.train_from_iterator(["the cat sat on the mat"], vocab_size=5000, algorithm="unigram")


def test_nmt_nfkc_names_sentencepieces_rules_for_any_tokenizer(corpus, tmp_path):
    """A BPE tokenizer with `normalizer="nmt_nfkc"` gives the same ids as `tokenizers` on its export (whose
    `Precompiled` normalizer runs the same charsmap)."""
    from tokenizers import Tokenizer as HFTokenizer

    tok = tf.train([corpus], vocab_size=600, normalizer="nmt_nfkc")
    hf = HFTokenizer.from_file(str(tok.save_huggingface(tmp_path)))
    for text in [*HELD_OUT, "ＡＢＣ①½ ﬁ\u3000x\u200by"]:
        assert tok.encode(text) == hf.encode(text, add_special_tokens=False).ids
