"""Unigram training against sentencepiece's trainer: held-out token counts on the same text and vocabulary
size, the options it shares with sentencepiece, and a corpus too small for the vocabulary."""

from __future__ import annotations

import pytest
import sentencepiece as spm

from tests.unigram_support import multilingual_lines, train_sentencepiece
from tokenforge.errors import ConfigError
from tokenforge.models.unigram import PieceKind
from tokenforge.training.unigram import train_unigram


def held_out_tokens(model, sp, lines):
    """Tokens of `lines` under our model (normalized by sentencepiece: the same text for both)."""
    return sum(len(ids) for ids in model.encode_batch([sp.normalize(line) for line in lines if line.strip()]))


@pytest.mark.parametrize("corpus", ["english", "multilingual"])
def test_held_out_tokens_within_one_percent_of_sentencepiece(english_docs, corpus, tmp_path):
    if corpus == "english":
        lines = [line for doc in english_docs for line in doc.splitlines()]
    else:
        lines = multilingual_lines(6000)
    train, held_out = lines[1::10] + lines[2::10] + lines[3::10] + lines[4::10] + lines[5::10], lines[::10]
    sp = spm.SentencePieceProcessor(model_file=str(train_sentencepiece(train, tmp_path, corpus, 2000)))
    ours = train_unigram(texts=["\n".join(train)], vocab_size=2000, normalizer=None)
    assert len(ours) == 2000
    theirs = sum(len(sp.encode(line)) for line in held_out if line.strip())
    mine = held_out_tokens(ours, sp, held_out)
    print(f"{corpus}: held-out tokens ours {mine}, sentencepiece {theirs} ({mine / theirs:.4f})")
    assert mine <= theirs * 1.01, (mine, theirs)


def test_options_shape_the_vocabulary(english_docs):
    text = ["\n".join(english_docs[:150]) + "\n" + " ".join(str(k) * 3 for k in range(300))]
    model = train_unigram(texts=text, vocab_size=800, split_digits=True, byte_fallback=True, required_chars="ж")
    pieces = model.pieces()
    assert [p[0] for p in pieces[:3]] == ["<unk>", "<s>", "</s>"]
    assert all(p[2] == PieceKind.BYTE for p in pieces[3:259]) and len(pieces) == 800
    learned = [p[0] for p in pieces[259:]]
    assert "ж" in learned
    assert not any(len(p) > 1 and any(c.isdigit() for c in p) for p in learned)
    assert all(len(p) <= 16 for p in learned)
    assert all("\u2581" not in p[1:] for p in learned)
    # Unknown text falls back to bytes: "☃" is not in the English docs.
    assert model.encode("\u2581☃")[-3:] == [3 + b for b in "☃".encode()]


def test_a_corpus_too_small_for_the_vocabulary_says_so():
    with pytest.raises(ConfigError, match=r"<iterator>: the corpus is too small for a vocabulary of 5000"):
        train_unigram(texts=["the cat sat on the mat"], vocab_size=5000)
    with pytest.raises(ConfigError, match="no room"):
        train_unigram(texts=["abc"], vocab_size=3)
    with pytest.raises(ConfigError, match="shrinking_factor"):
        train_unigram(texts=["abc"], vocab_size=100, shrinking_factor=1.5)
    with pytest.raises(ConfigError, match="unexpected keyword"):
        train_unigram(texts=["abc"], vocab_size=100, shrinking=0.5)
