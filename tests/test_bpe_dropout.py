"""BPE-dropout (`encode(text, sample=True, dropout=p, seed=s)`) for byte-level and SentencePiece-style BPE:
p=0 is plain encoding, p=1 merges nothing, every draw decodes back to the text, seeds reproduce (batch or
not), the share of skipped merges is p, and the segmentations are distributed as Hugging Face `tokenizers`'
`BPE(dropout=p)` gives them on the same model (exported by `save_huggingface`)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency
from sentencepiece_support import trained
from tokenizers import Tokenizer as HfTokenizer

import tokenforge as tf
from tokenforge.errors import ConfigError

TEXT = (
    "Tokenization splits the unbelievably long sentence into subwords; BPE-dropout regularizes it, "
    "and the model learns from many segmentations of the same words."
)


@pytest.fixture(scope="module")
def char_bpe(tmp_path_factory) -> tf.Tokenizer:
    """A SentencePiece-style BPE with byte fallback, trained by sentencepiece."""
    path = tmp_path_factory.mktemp("spm") / "bpe.model"
    path.write_bytes(trained("bpe", 800, byte_fallback=True))
    return tf.Tokenizer.from_sentencepiece(path)


def hf_with_dropout(tok: tf.Tokenizer, p: float, tmp_path) -> HfTokenizer:
    """Hugging Face's tokenizer of `tok` (its `save_huggingface` export) with `BPE(dropout=p)`."""
    data = json.loads(tok.save_huggingface(tmp_path).read_text(encoding="utf-8"))
    data["model"]["dropout"] = p
    return HfTokenizer.from_str(json.dumps(data))


@settings(max_examples=60)
@given(text=st.text(max_size=80))
def test_no_dropout_is_plain_encoding(small_tokenizer, text):
    assert small_tokenizer.encode(text, sample=True, dropout=0.0, seed=1) == small_tokenizer.encode(text)


@settings(max_examples=60)
@given(text=st.text(max_size=80), p=st.floats(0.0, 1.0), seed=st.integers(0, 2**64 - 1))
def test_every_draw_decodes_to_the_text(small_tokenizer, char_bpe, text, p, seed):
    ids = small_tokenizer.encode(text, sample=True, dropout=p, seed=seed)
    assert small_tokenizer.decode_bytes(ids) == text.encode()
    ids = char_bpe.encode(text, sample=True, dropout=p, seed=seed)
    assert char_bpe.decode(ids) == char_bpe.decode(char_bpe.encode(text))


def test_full_dropout_merges_nothing_as_hugging_face(small_tokenizer, char_bpe, tmp_path):
    text = TEXT + " ünïcödé ☃ 𝄞"
    ids = small_tokenizer.encode(text, sample=True, dropout=1.0, seed=3)
    assert [small_tokenizer.token_bytes(i) for i in ids] == [bytes([b]) for b in text.encode()]
    assert ids == hf_with_dropout(small_tokenizer, 1.0, tmp_path / "bytes").encode(text).ids
    ids = char_bpe.encode(text, sample=True, dropout=1.0, seed=3)
    assert all(len(char_bpe.decode([i])) <= 1 for i in ids), "characters or fallback bytes"
    assert "<0xE2>" in [char_bpe.id_to_token(i) for i in ids], "☃ falls back to bytes"
    assert ids == hf_with_dropout(char_bpe, 1.0, tmp_path / "chars").encode(text).ids


def test_seeds_reproduce_draws_batch_or_not(small_tokenizer, char_bpe):
    for tok in (small_tokenizer, char_bpe):
        texts = [TEXT, TEXT[::-1], "", TEXT.upper()] * 3
        one = [tok.sample_batch([t], dropout=0.7, seed=11)[0] for t in texts]
        assert tok.sample_batch(texts[:1], dropout=0.7, seed=11)[0] == tok.encode(
            TEXT, sample=True, dropout=0.7, seed=11
        )
        batch = tok.sample_batch(texts, dropout=0.7, seed=11)
        assert batch == tok.sample_batch(texts, dropout=0.7, seed=11)
        assert batch[0] == one[0]
        assert len({tuple(ids) for ids in batch[::4]}) == 3, "text i of a batch draws from its own generator"
        draws = {tuple(tok.encode(TEXT, sample=True, dropout=0.7, seed=s)) for s in range(20)}
        assert len(draws) > 10, "different seeds, different segmentations"


def test_the_share_of_skipped_merges_is_p(small_tokenizer):
    # " a" is a token of two bytes and the pre-token of every word here: its one merge happens unless skipped.
    assert small_tokenizer.token_id(b" a") is not None
    n = 4000
    for p in (0.05, 0.3, 0.7):
        ids = small_tokenizer.encode(" a" * n, sample=True, dropout=p, seed=5)
        skipped = len(ids) - n
        tolerance = 5 * math.sqrt(n * p * (1 - p))
        assert abs(skipped - n * p) <= tolerance, (p, skipped)


@pytest.mark.parametrize("p", [0.1, 0.4])
def test_token_counts_are_distributed_as_hugging_face(small_tokenizer, char_bpe, tmp_path, p):
    # Hugging Face draws from an unseeded generator: the tolerances make a false failure a one-in-a-million event.
    n = 3000
    for tok in (small_tokenizer, char_bpe):
        ours = [len(ids) for ids in tok.sample_batch([TEXT] * n, dropout=p, seed=17)]
        hf = [len(e.ids) for e in hf_with_dropout(tok, p, tmp_path / tok.model.type).encode_batch([TEXT] * n)]
        mean = [sum(x) / n for x in (ours, hf)]
        var = [sum((v - m) ** 2 for v in x) / (n - 1) for x, m in zip((ours, hf), mean)]
        assert abs(mean[0] - mean[1]) <= 5 * math.sqrt((var[0] + var[1]) / n), (mean, var)
        counts = sorted(set(ours) | set(hf))
        table = [[x.count(c) for c in counts] for x in (ours, hf)]
        # Pool the rare counts so every cell can be tested (chi-squared needs expected counts of about 5).
        pooled: list[list[int]] = [[], []]
        for column in zip(*table):
            if pooled[0] and (pooled[0][-1] + pooled[1][-1] < 20):
                pooled[0][-1] += column[0]
                pooled[1][-1] += column[1]
            else:
                pooled[0].append(column[0])
                pooled[1].append(column[1])
        assert chi2_contingency(pooled).pvalue > 1e-6, table


def test_families_without_dropout_refuse_it(small_tokenizer, english_docs, tmp_path):
    wordpiece = tf.train_from_iterator(english_docs[:200], vocab_size=600, algorithm="wordpiece")
    path = tmp_path / "unigram.model"
    path.write_bytes(trained("unigram", 500))
    unigram = tf.Tokenizer.from_sentencepiece(path)
    for tok, why in ((wordpiece, "wordpiece$"), (unigram, "samples with alpha and nbest_size")):
        with pytest.raises(ConfigError, match="dropout .*needs a BPE model.*" + why):
            tok.encode(TEXT, sample=True, dropout=0.1)
    with pytest.raises(ConfigError, match=r"needs dropout=p with 0 <= p <= 1, got 1.5"):
        small_tokenizer.encode(TEXT, sample=True, dropout=1.5)
    with pytest.raises(ConfigError, match="pass sample=True"):
        small_tokenizer.encode(TEXT, dropout=0.1)
