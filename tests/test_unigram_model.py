"""Unigram encoding against sentencepiece itself: Viterbi ids, n-best lists and sampling frequencies, on
English, on made-up multilingual text and on hypothesis-generated text with unknown characters."""

from __future__ import annotations

import pickle
from collections import Counter

import pytest
import sentencepiece as spm
from hypothesis import given
from hypothesis import strategies as st

from tests.unigram_support import SCRIPTS, model_of, multilingual_lines, train_sentencepiece
from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.models.unigram import PieceKind, UnigramModel

VARIANTS = {
    "english": ("english", {}),
    "english-bytes": ("english", {"byte_fallback": True}),
    "multilingual": ("multilingual", {"character_coverage": 0.98}),
    "multilingual-bytes": ("multilingual", {"character_coverage": 0.98, "byte_fallback": True}),
}


@pytest.fixture(scope="module")
def corpora(english_docs):
    lines = [line for doc in english_docs for line in doc.splitlines()]
    return {"english": lines, "multilingual": multilingual_lines(4000)}


@pytest.fixture(scope="module")
def models(corpora, tmp_path_factory):
    """Each variant: (sentencepiece processor, our model with its pieces)."""
    directory = tmp_path_factory.mktemp("spm")
    out = {}
    for name, (corpus, options) in VARIANTS.items():
        path = train_sentencepiece(corpora[corpus][1::2], directory, name, 1500, **options)
        sp = spm.SentencePieceProcessor(model_file=str(path))
        out[name] = (sp, model_of(sp, options.get("byte_fallback", False)))
    return out


@pytest.mark.parametrize("variant", VARIANTS)
def test_ids_match_sentencepiece_on_held_out_text(models, corpora, variant):
    sp, model = models[variant]
    held_out = corpora[VARIANTS[variant][0]][::2][:3000]
    extra = ["日本語 テスト ζζ", "aé😀😀b", "ab  ζ ζ", "Привет, мир! 12345", "\u0301x", "<0x41> <unk>"]
    texts = held_out + extra
    ours = model.encode_batch([sp.normalize(t) for t in texts])
    mismatches = [(t, o, sp.encode(t)) for t, o in zip(texts, ours) if o != sp.encode(t)]
    assert not mismatches, mismatches[:3]
    assert any(model.unk_id in ids for ids in ours) or model.byte_fallback


ALPHABET = "".join(SCRIPTS.values()) + "abc XYZ 0123 .,;!? ☃😀\u0301ʬ𝐀\t"


@given(text=st.text(alphabet=ALPHABET, max_size=60))
def test_ids_match_sentencepiece_on_generated_text(models, text):
    for variant in ("english", "multilingual-bytes"):
        sp, model = models[variant]
        assert model.encode(sp.normalize(text)) == sp.encode(text), variant


@pytest.mark.parametrize("variant", ["english", "multilingual"])
def test_nbest_matches_sentencepiece(models, corpora, variant):
    sp, model = models[variant]
    for text in corpora[VARIANTS[variant][0]][::2][:200]:
        for word in sp.normalize(text).split("\u2581")[1:6]:
            word = "\u2581" + word
            ours = model.nbest(word, 5)
            theirs = sp.nbest_encode_as_ids(word.replace("\u2581", " "), 5)
            assert [ids for ids, _ in ours] == theirs, word
            assert all(a[1] >= b[1] for a, b in zip(ours, ours[1:]))


def test_sampling_is_seeded_and_follows_the_lattice(models):
    sp, model = models["english"]
    word = "\u2581understanding"
    draws = model.encode_batch([word] * 4000, sample=True, alpha=0.5, seed=7)
    assert draws == model.encode_batch([word] * 4000, sample=True, alpha=0.5, seed=7)
    assert draws != model.encode_batch([word] * 4000, sample=True, alpha=0.5, seed=8)
    ours = Counter(tuple(d) for d in draws)
    spm.set_random_generator_seed(7)
    theirs = Counter(tuple(sp.sample_encode_as_ids(" understanding", -1, 0.5)) for _ in range(4000))
    for seg in set(ours) | set(theirs):
        assert abs(ours[seg] - theirs[seg]) / 4000 < 0.03, (seg, ours[seg], theirs[seg])
    # From the n best only, with probabilities ∝ exp(alpha · score).
    best = {tuple(ids) for ids, _ in model.nbest(word, 3)}
    drawn = model.encode_batch([word] * 500, sample=True, alpha=0.5, nbest_size=3, seed=1)
    assert {tuple(d) for d in drawn} <= best
    assert model.encode(word, sample=True, nbest_size=1, seed=3) == model.encode(word)


def test_pickles(models):
    _, model = models["english-bytes"]
    copy = pickle.loads(pickle.dumps(model))
    assert copy.pieces() == model.pieces() and copy.byte_fallback
    assert copy.encode("\u2581héllo☃") == model.encode("\u2581héllo☃")


def test_bad_models_and_arguments_are_refused():
    with pytest.raises(TokenizerFileError, match="appears twice"):
        UnigramModel(["<unk>", "a", "a"], [0.0, -1.0, -2.0])
    with pytest.raises(TokenizerFileError, match="not below"):
        UnigramModel(["a"], [0.0], unk_id=3)
    with pytest.raises(TokenizerFileError, match="types 1-6"):
        UnigramModel(["<unk>", "a"], [0.0, -1.0], kinds=[2, 9])
    with pytest.raises(TokenizerFileError, match="not <0xXX>"):
        UnigramModel(["<unk>", "<0xZZ>"], [0.0, 0.0], kinds=[PieceKind.UNKNOWN, PieceKind.BYTE])
    model = UnigramModel(["<unk>", "a"], [0.0, -1.0])
    with pytest.raises(ConfigError, match="at most 512"):
        model.encode("a", sample=True, nbest_size=513)
