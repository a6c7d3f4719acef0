"""The Tokenizer API: round trips, special tokens, save/load, bad input."""

from __future__ import annotations

import gc
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenforge as tf
from tokenforge.models import BpeModel


@given(text=st.text())
def test_text_round_trip(small_tokenizer, text):
    assert small_tokenizer.decode(small_tokenizer.encode(text)) == text


@given(data=st.binary())
def test_bytes_round_trip(small_tokenizer, data):
    assert small_tokenizer.decode_bytes(small_tokenizer.encode_bytes(data)) == data


def test_known_words_become_single_tokens(small_tokenizer):
    ids = small_tokenizer.encode(" the function")
    assert [small_tokenizer.token_bytes(i) for i in ids] == [b" the", b" function"]


def test_bpe_applies_merges_in_rank_order():
    # Merges: (a,b) first, then (b,c). "abc" must become [ab, c], not [a, bc].
    vocab = [bytes([b]) for b in range(256)] + [b"ab", b"bc"]
    merges = [((97, 98), 256), ((98, 99), 257)]
    tok = tf.Tokenizer(vocab, merges, pretokenizer="none", ignore_merges=False)
    assert tok.encode("abc") == [256, 99]
    tok = tf.Tokenizer(vocab, list(reversed(merges)), pretokenizer="none", ignore_merges=False)
    assert tok.encode("abc") == [97, 257]


def test_merges_become_tuples_of_ints():
    # Exact ((int, int), int) tuples are kept (a copy of the list); numpy ints, lists and bools are converted.
    import numpy as np

    exact = [((97, 98), 256), ((256, 99), 257)]
    numpy_ints = [((np.int64(97), 98), 256), ((256, 99), np.uint32(257))]
    for merge_list in (exact, [[[97, 98], 256], [[256, 99], 257]], numpy_ints):
        merges = BpeModel(merge_list).merges
        assert merges == exact and merges is not merge_list
        assert all(type(m) is tuple and type(m[0]) is tuple for m in merges)
        assert all(type(x) is int for (a, b), n in merges for x in (a, b, n))
    assert BpeModel([((True, 98), 256)]).merges == [((1, 98), 256)]
    assert type(BpeModel([((True, 98), 256)]).merges[0][0][0]) is int


def test_whole_pretoken_in_vocab_is_emitted_whole():
    # "abc" is a token but no merge path reaches it from (a,b),(b,c) ranks: tiktoken semantics emit it whole.
    vocab = [bytes([b]) for b in range(256)] + [b"ab", b"bc", b"abc"]
    merges = [((97, 98), 256), ((98, 99), 257), ((97, 257), 258)]
    assert tf.Tokenizer(vocab, merges, pretokenizer="none").encode("abc") == [258]
    assert tf.Tokenizer(vocab, merges, pretokenizer="none", ignore_merges=False).encode("abc") == [256, 99]


def test_batch_equals_loop(small_tokenizer, english_docs):
    docs = english_docs[:50]
    assert small_tokenizer.encode_batch(docs) == [small_tokenizer.encode(d) for d in docs]


def test_batch_leaves_the_garbage_collector_as_it_found_it(small_tokenizer):
    # A batch pauses the collector while it builds its lists; it must come back in the state it was in.
    assert gc.isenabled()
    assert len(small_tokenizer.encode_batch(["a b c"] * 10_000)) == 10_000
    assert gc.isenabled()
    gc.disable()
    try:
        small_tokenizer.encode_batch(["a b c"] * 10)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_special_tokens_are_text_unless_allowed(english_docs):
    tok = tf.train_from_iterator(english_docs[:50], vocab_size=400, special_tokens=["<|endoftext|>"])
    eot = tok.special_tokens["<|endoftext|>"]
    text = "a<|endoftext|>b"
    assert eot not in tok.encode(text)
    assert tok.decode(tok.encode(text)) == text
    assert tok.encode(text, allowed_special="all") == tok.encode("a") + [eot] + tok.encode("b")
    assert tok.encode(text, allowed_special={"<|endoftext|>"}) == tok.encode(text, allowed_special="all")
    assert tok.encode_batch([text], allowed_special="all") == [tok.encode(text, allowed_special="all")]
    with pytest.raises(tf.ConfigError, match="not a special token"):
        tok.encode(text, allowed_special={"<|nope|>"})


def test_save_load_round_trip(tmp_path, small_tokenizer, english_docs):
    small_tokenizer.save(tmp_path / "tok")
    loaded = tf.Tokenizer.load(tmp_path / "tok")
    assert loaded.merges == small_tokenizer.merges
    assert loaded.vocab() == small_tokenizer.vocab()
    assert loaded.pretokenizer == small_tokenizer.pretokenizer
    assert loaded.encode_batch(english_docs[:20]) == small_tokenizer.encode_batch(english_docs[:20])


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x01garbage", "not JSON"),
        (b'{"format": "other"}', "not a tokenforge tokenizer"),
        (b'{"format": "tokenforge", "version": 99}', "unsupported"),
        (b'{"format": "tokenforge", "version": 1, "vocab": ["zz"]}', "corrupt"),
    ],
)
def test_corrupt_files_are_reported(tmp_path, content, message):
    path = tmp_path / "tokenforge.json"
    path.write_bytes(content)
    with pytest.raises(tf.TokenizerFileError, match=message) as e:
        tf.Tokenizer.load(tmp_path)
    assert str(path) in str(e.value)


def test_inconsistent_merge_is_reported(tmp_path, small_tokenizer):
    data = small_tokenizer.to_dict()
    data["model"]["merges"][0][2] = data["model"]["merges"][1][2]
    (tmp_path / "tokenforge.json").write_text(json.dumps(data))
    with pytest.raises(tf.TokenizerFileError, match="does not concatenate"):
        tf.Tokenizer.load(tmp_path)


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(tf.InputFileError, match="no such file"):
        tf.Tokenizer.load(tmp_path / "missing")


def test_vocab_too_small():
    with pytest.raises(tf.ConfigError, match="too small"):
        tf.train_from_iterator(["abc"], vocab_size=256, special_tokens=["<s>"])


def test_invalid_regex_is_reported():
    with pytest.raises(tf.PretokenizerError, match="invalid pre-tokenizer regex"):
        tf.train_from_iterator(["abc"], vocab_size=300, pretokenizer="(unclosed")


def test_empty_corpus_is_reported():
    with pytest.raises(tf.CorpusError, match="empty"):
        tf.train_from_iterator(["", ""], vocab_size=300)


def test_unknown_id_is_reported(small_tokenizer):
    with pytest.raises(tf.ConfigError, match="not in the vocabulary"):
        small_tokenizer.decode([small_tokenizer.vocab_size])


RUN_UNITS = ["a", " ", "\n", "中", "1", "a "]


@pytest.fixture(scope="module")
def run_tokenizer(english_docs):
    """A tokenizer that has merges for runs of each unit."""
    return tf.train_from_iterator(english_docs[:50] + [u * 300 for u in RUN_UNITS], vocab_size=800)


@pytest.mark.parametrize("unit", RUN_UNITS)
def test_long_runs_encode_exactly(run_tokenizer, unit):
    text = unit * (1 << 20)
    ids = run_tokenizer.encode(text)
    assert run_tokenizer.decode(ids) == text
    assert len(ids) <= len(text.encode()) / 2 + 1


def test_lone_surrogates_encode_as_replacement_character(small_tokenizer):
    replaced = small_tokenizer.encode("a\ufffdb")
    assert small_tokenizer.encode("a\ud800b") == replaced
    assert small_tokenizer.encode("a\ud800b", output="numpy").tolist() == replaced
    assert small_tokenizer.encode_batch(["a\ud800b", "ok"]) == [replaced, small_tokenizer.encode("ok")]


def test_every_form_of_the_common_call_matches_the_general_path(small_tokenizer):
    """`encode` takes a text with at most `output=` in the core, everything else in Python's `_encode`."""
    tok, text = small_tokenizer, "The cat sat, naïvely, on 12 mats."
    ids = tok._encode(text, allowed_special=None)
    assert tok.encode(text) == tok.encode(text, output="list") == ids
    assert tok.encode(text, output="numpy").tolist() == ids
    assert tok.encode(text, None, output="numpy").tolist() == tok.encode(text=text, output="list") == ids
    with pytest.raises(tf.ConfigError, match="output must be"):
        tok.encode(text, output="tuple")
    with pytest.raises(TypeError):
        tok.encode(text, bogus=1)


def test_a_python_normalizer_runs_on_the_common_call():
    tok = tf.Tokenizer.bytes_only()
    nfc = tf.Tokenizer(tok.vocab(), normalizer="NFC")
    composed = tok.encode("\u00e9")
    assert nfc.encode("e\u0301") == composed != tok.encode("e\u0301")
    assert nfc.encode("e\u0301", output="numpy").tolist() == composed


def test_lone_surrogate_in_training_documents_is_reported():
    with pytest.raises(tf.CorpusError, match="surrogate"):
        tf.train_from_iterator(["ok", "bad \ud800"], vocab_size=300)
