"""Every metric against values worked out by hand on tiny examples, and against reference implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tokenforge as tf
from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.metrics.adapters import OursAdapter, VocabEntry, char_byte_offsets
from tokenforge.metrics.charbench import answer, features, make_tasks, summary
from tokenforge.metrics.composition import category, composition, forms, jaccard, script
from tokenforge.metrics.compression import compression
from tokenforge.metrics.distribution import entropy, length_histogram, renyi_efficiency, utilization
from tokenforge.metrics.fertility import Words, align, fertility, find_words, written_without_spaces
from tokenforge.metrics.integrity import fold, integrity, read_list, token_texts
from tokenforge.metrics.parity import premiums


def tiny_tokenizer() -> tf.Tokenizer:
    """The 256 bytes plus "ab", " c" and " cd" (GPT-2 pattern)."""
    base = tf.Tokenizer.bytes_only()
    vocab = base.vocab() + [b"ab", b" c", b" cd"]
    tid = {t: i for i, t in enumerate(vocab)}
    merges = [
        ((tid[b"a"], tid[b"b"]), 256),
        ((tid[b" "], tid[b"c"]), 257),
        ((257, tid[b"d"]), 258),
    ]
    return tf.Tokenizer(vocab, merges, "gpt2")


# -- compression ----------------------------------------------------------------------------------------------


def test_compression_by_hand():
    # "héllo wörld": 11 characters, 13 bytes; in 4 tokens
    text = "héllo wörld"
    assert compression(len(text.encode()), len(text), 4) == {
        "bytes_per_token": 13 / 4,
        "chars_per_token": 11 / 4,
        "tokens_per_char": 4 / 11,
    }


def test_compression_of_no_tokens_is_na():
    assert compression(0, 0, 0) == {"bytes_per_token": None, "chars_per_token": None, "tokens_per_char": None}


# -- distribution ---------------------------------------------------------------------------------------------


def test_distribution_by_hand():
    counts = np.array([2, 1, 1, 0])  # p = 1/2, 1/4, 1/4 over a vocabulary of 4
    assert utilization(counts, 4) == 0.75
    assert entropy(counts) == pytest.approx(1.5)  # 1/2·1 + 2·1/4·2
    # α = 2: H = −log2(1/4 + 1/16 + 1/16) = log2(8/3); efficiency divides by log2 4 = 2
    assert renyi_efficiency(counts, 4, alpha=2) == pytest.approx(math.log2(8 / 3) / 2)
    # α = 1 is Shannon's entropy
    assert renyi_efficiency(counts, 4, alpha=1) == pytest.approx(1.5 / 2)


def test_length_histogram_by_hand():
    counts = np.array([2, 1, 1, 0])
    lengths = np.array([1, 3, 20, 2])
    assert length_histogram(counts, lengths) == {"1": 0.5, "3": 0.25, "17+": 0.25}


def scorer_efficiency(ids: list[int], vocab_size: int) -> float:
    tokenization_scorer = pytest.importorskip("tokenization_scorer")
    return tokenization_scorer.score([[f"t{i}" for i in ids]], metric="renyi", power=2.5, vocab=vocab_size)


def test_renyi_efficiency_agrees_with_tokenization_scorer(small_tokenizer, english_docs):
    ids = [i for doc in small_tokenizer.encode_batch(english_docs[:50]) for i in doc]
    counts = np.bincount(ids, minlength=small_tokenizer.vocab_size)
    expected = scorer_efficiency(ids, small_tokenizer.vocab_size)
    assert renyi_efficiency(counts, small_tokenizer.vocab_size) == pytest.approx(expected, rel=1e-9)


def test_renyi_efficiency_agrees_on_random_counts():
    rng = np.random.default_rng(7)
    ids = rng.zipf(1.3, size=5000) % 1000
    counts = np.bincount(ids, minlength=1000)
    assert renyi_efficiency(counts, 1000) == pytest.approx(scorer_efficiency(ids.tolist(), 1000), rel=1e-9)


# -- words ----------------------------------------------------------------------------------------------------


def test_find_words_by_hand():
    words = find_words("ab  cé\n d\u3000東京")
    # bytes: a b _ _ c é(2) \n _ d U+3000(3) 東(3) 京(3)
    assert words.starts.tolist() == [0, 4, 9, 13]
    assert words.ends.tolist() == [2, 7, 10, 19]
    assert (words.letters, words.no_space_letters) == (7, 2)  # a b c é d 東 京


def test_align_by_hand():
    words = Words(np.array([0, 4, 9]), np.array([2, 7, 10]), 0, 0)
    # tokens: [0,2) "ab" | [2,4) "  " | [4,5) "c" | [5,7) "é" | [7,9) "\n " | [9,10) "d"
    counts = align(words, np.array([0, 2, 4, 5, 7, 9]), np.array([2, 4, 5, 7, 9, 10]))
    assert (counts.words, counts.continued, counts.whole_word_tokens) == (3, 1, 2)


def test_a_token_over_two_words_counts_for_both_and_is_no_whole_word():
    words = Words(np.array([0, 3]), np.array([2, 5]), 0, 0)
    counts = align(words, np.array([0, 1]), np.array([1, 5]))  # "a" | "b cd"
    assert (counts.continued, counts.whole_word_tokens) == (1, 0)


def test_fertility_on_a_tokenizer_by_hand():
    adapter = OursAdapter(tiny_tokenizer(), "tiny")
    text = "ab cd x"  # [ab][ cd][ ][x]: 4 tokens for 3 words, none continued, 3 whole-word tokens
    tok = adapter.tokenize([text])
    assert tok.ids.tolist() == [256, 258, adapter.tok.token_id(b" "), adapter.tok.token_id(b"x")]
    counts = align(find_words(text), tok.starts, tok.ends)
    assert fertility(4, counts, True, False) == {
        "fertility": 4 / 3,
        "continued_words": 0.0,
        "whole_word_tokens": 3 / 4,
    }


def test_fertility_is_na_without_spaces():
    assert fertility(4, align(find_words("ab"), np.array([0]), np.array([2])), True, True)["fertility"] is None
    assert written_without_spaces("zh", 0, 0)
    assert written_without_spaces("ja-JP", 0, 0)
    assert written_without_spaces("TH", 0, 0)
    assert not written_without_spaces("en", 10, 10)
    assert written_without_spaces(None, 10, 5)
    assert not written_without_spaces(None, 10, 4)


def test_char_byte_offsets():
    assert char_byte_offsets("aé東😀").tolist() == [0, 1, 3, 6, 10]


# -- parity ---------------------------------------------------------------------------------------------------


def test_parity_by_hand():
    assert premiums({"en": 10, "de": 15, "zh": 8}, "en") == {"de": 1.5, "en": 1.0, "zh": 0.8}
    with pytest.raises(ConfigError, match="pivot language 'fr'"):
        premiums({"en": 10}, "fr")


# -- composition ----------------------------------------------------------------------------------------------


ENTRIES = [
    VocabEntry(0, b"", control=True),
    VocabEntry(1, b"\xe4", byte_fallback=True),
    VocabEntry(2, b"\xe4"),  # a lone non-ASCII byte of a byte-level vocabulary
    VocabEntry(3, b"\xe4\xb8"),  # two bytes of a three-byte character
    VocabEntry(4, b"a"),
    VocabEntry(5, b" a", word_initial=True),
    VocabEntry(6, b" the", word_initial=True),
    VocabEntry(7, b"ing"),
    VocabEntry(8, "дом".encode(), word_initial=True),
    VocabEntry(9, "a中".encode()),
    VocabEntry(10, b"12"),
]


def test_categories_by_hand():
    kinds = [category(e) for e in ENTRIES]
    assert kinds == [
        "control",
        "byte",
        "byte",
        "partial_utf8",
        "single_char",
        "single_char",
        "word_initial",
        "word_internal",
        "word_initial",
        "word_internal",
        "word_internal",
    ]


def test_composition_by_hand():
    assert composition(ENTRIES) == {
        "categories": {
            "control": 1,
            "byte": 2,
            "partial_utf8": 1,
            "single_char": 2,
            "word_initial": 2,
            "word_internal": 3,
        },
        "scripts": {"Latin": 4, "Cyrillic": 1, "Mixed": 1, "No letters": 1},
    }
    assert script("ｶﾀｶﾅ") == "Katakana"  # half-width forms name their script second
    assert script("東京") == "Han"


def test_script_uses_script_extensions():
    """U+30FC (ー) is Common by the Script property; its Script_Extensions are Hiragana and Katakana, so it
    belongs with the kana around it instead of making the token "Mixed"."""
    assert script("ラーメン") == "Katakana"
    assert script(" コーヒー") == "Katakana"
    assert script("すーぱー") == "Hiragana"
    assert script("ー") in ("Hiragana", "Katakana")
    assert script("aー") == "Mixed"
    assert script("µa") == "Mixed"  # the micro sign has no script extensions: Common
    assert script("中ー") == "Mixed"


def test_jaccard_by_hand():
    assert jaccard({b"a", b"b", b"c"}, {b"b", b"c", b"d"}) == 0.5
    assert jaccard(set(), set()) is None
    # a WordPiece word-initial piece compares with the leading-space form of byte-level vocabularies
    assert forms([VocabEntry(0, b"the", word_initial=True), VocabEntry(1, b"", control=True)]) == {b" the"}


# -- integrity ------------------------------------------------------------------------------------------------


def test_integrity_by_hand():
    tokens = token_texts([b" ev", b"ler", b"evler", b"xq", b" ", b"EV"], "tr")
    assert tokens == {"ev", "ler", "evler", "xq"}
    assert integrity(tokens, {"ev", "evler"}, {"ler"}) == {"valid_word_tokens": 2 / 4, "pure_tokens": 3 / 4}
    assert integrity(tokens, {"ev", "evler"}, {"ler"}, roots={"ev"}) == {
        "valid_word_tokens": 2 / 4,
        "pure_tokens": 2 / 4,
    }


def test_turkish_case_folding():
    assert fold("IŞIK İzmir", "tr") == "ışık izmir"
    assert fold("IŞIK", "en") == "işik"


def test_read_hunspell_dic(tmp_path):
    path = tmp_path / "tr.dic"
    path.write_text("3\nev/ABC\nKitap/X\n\nyol\n", encoding="utf-8")
    assert read_list(path, "tr") == {"ev", "kitap", "yol"}
    affixes = tmp_path / "affixes.txt"
    affixes.write_text("-ler\n-lar\n", encoding="utf-8")
    assert read_list(affixes, strip="-") == {"ler", "lar"}


# -- charbench ------------------------------------------------------------------------------------------------


def test_charbench_answers_by_hand():
    assert answer("count_char", "banana", "a") == 3
    assert answer("count_unique", "banana", None) == 3
    assert answer("first_index", "banana", "n") == 2
    assert answer("last_index", "banana", "n") == 4


def test_charbench_tasks_are_seeded_and_consistent():
    words = ["banana", "strawberry", "", "ökonomie"]
    tasks = make_tasks(words, seed=3)
    assert tasks == make_tasks(words, seed=3)
    assert [len(items) for items in tasks.values()] == [3, 3, 3, 3]
    for items in tasks.values():
        for item in items:
            assert item.answer == answer(item.task, item.word, item.char)
            assert item.char is None or item.char in item.word


def test_charbench_features_by_hand():
    adapter = OursAdapter(tiny_tokenizer(), "tiny")
    tasks = make_tasks(["abab", "xabé"], seed=0)
    rows = {(r["task"], r["word"]): r for r in features(adapter, tasks)}
    # "abab" = [ab][ab]: 2 tokens of 2 characters; "xabé" = [x][ab][é as two byte tokens]: 4 tokens
    assert rows[("count_unique", "abab")] == {
        "task": "count_unique",
        "id": 0,
        "word": "abab",
        "n_tokens": 2,
        "chars_per_token": 2.0,
        "target_token_chars": None,
    }
    assert rows[("count_char", "abab")]["target_token_chars"] == 2.0
    xabe = {item.task: item for items in tasks.values() for item in items if item.word == "xabé"}
    expected = {"x": 1, "a": 2, "b": 2, "é": 1}
    for task in ("first_index", "last_index", "count_char"):
        assert rows[(task, "xabé")]["n_tokens"] == 4
        assert rows[(task, "xabé")]["target_token_chars"] == expected[xabe[task].char]
    means = summary(list(rows.values()))
    assert means["count_unique"] == {"n_tokens": 3.0, "chars_per_token": 1.5, "target_token_chars": None}


def test_bytes_only_tokenizer_is_one_token_per_byte():
    adapter = OursAdapter(tf.Tokenizer.bytes_only(), "bytes")
    tok = adapter.tokenize(["hé"])
    assert tok.ids.tolist() == [_core.BYTE_ORDER.index(b) for b in "hé".encode()]
    assert (tok.starts.tolist(), tok.ends.tolist()) == ([0, 1, 2], [1, 2, 3])
