"""Real published vocabularies (fetched by scripts/fetch_test_data.sh): loaded with tokenforge, they give the
ids of the library they were made for."""

from __future__ import annotations

import base64
import gzip
import json
import pydoc_data.topics

import pytest
import tiktoken
from hypothesis import given
from hypothesis import strategies as st
from interop_support import MULTILINGUAL, any_text, block_text, fetched, hf_of, openai_pair, words_of
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers

import tokenforge as tf
from tokenforge import _core
from tokenforge.interop.bytelevel import from_unicode

WORDS = words_of([pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics)])
EXTRA = ["x" * 500, " " * 1000 + "a", "\n" * 300, "1234567890" * 20, "👋" * 100, "ab" * 200]


# -- OpenAI vocabularies through from_tiktoken ---------------------------------------------------------------


@pytest.fixture(scope="module", params=["cl100k_base", "o200k_base"])
def openai(request):
    return openai_pair(request.param)


def test_openai_multilingual_text(openai):
    ours, theirs = openai
    for text in [*MULTILINGUAL, "\n".join(MULTILINGUAL), *EXTRA]:
        assert ours.encode(text) == theirs.encode_ordinary(text)


@given(text=any_text(WORDS))
def test_openai_generated_text(openai, text):
    ours, theirs = openai
    ids = ours.encode(text)
    assert ids == theirs.encode_ordinary(text)
    assert ours.decode(ids) == text


@given(text=block_text())
def test_openai_across_scanner_blocks(openai, text):
    ours, theirs = openai
    assert ours.encode(text) == theirs.encode_ordinary(text)


@given(text=any_text(WORDS), special=st.sampled_from(["<|endoftext|>", "<|endofprompt|>"]))
def test_openai_special_tokens(openai, text, special):
    ours, theirs = openai
    text = text + special + text
    assert ours.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    assert ours.encode(text) == theirs.encode(text, disallowed_special=())


def test_openai_export_reproduces_the_file(openai, tmp_path):
    ours, theirs = openai
    path = ours.save_tiktoken(tmp_path / "x.tiktoken")
    original = gzip.decompress(fetched(f"tiktoken/{theirs.name}.tiktoken.gz").read_bytes())
    assert path.read_bytes() == original


def test_openai_through_hf_export(openai, tmp_path):
    ours, _ = openai
    hf = hf_of(ours, tmp_path)  # special tokens sit far above the ranks: the export keeps their ids
    for text in [*MULTILINGUAL, *EXTRA, "<|endoftext|>end"]:
        assert ours.encode(text, allowed_special="all") == hf.encode(text, add_special_tokens=False).ids


# -- GPT-2 from its original files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory):
    """GPT-2 as `tokenizers` builds it from encoder.json + vocab.bpe, its tokenizer.json loaded by us, and
    tiktoken on the ranks of encoder.json (what r50k_base is)."""
    encoder, merges = fetched("gpt2/encoder.json"), fetched("gpt2/vocab.bpe")
    hf = HFTokenizer(models.BPE.from_file(str(encoder), str(merges)))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens(["<|endoftext|>"])
    path = tmp_path_factory.mktemp("gpt2") / "tokenizer.json"
    hf.save(str(path))
    ranks = {from_unicode(t): i for t, i in json.loads(encoder.read_text(encoding="utf-8")).items()}
    del ranks[b"<|endoftext|>"]
    tk = tiktoken.Encoding(
        "r50k", pat_str=_core.GPT2_PATTERN, mergeable_ranks=ranks, special_tokens={"<|endoftext|>": 50256}
    )
    tiktoken_file = path.with_name("gpt2.tiktoken")
    tiktoken_file.write_text("".join(f"{base64.b64encode(t).decode()} {i}\n" for t, i in ranks.items()))
    from_tiktoken = tf.Tokenizer.from_tiktoken(tiktoken_file, pattern="gpt2", special_tokens={"<|endoftext|>": 50256})
    return tf.Tokenizer.from_huggingface(path), hf, from_tiktoken, tk


def test_gpt2_shape(gpt2):
    ours, _, from_tiktoken, _ = gpt2
    assert ours.vocab_size == 50257
    assert ours.pretokenizer == "gpt2"
    assert not ours.ignore_merges
    assert ours.special_tokens == {"<|endoftext|>": 50256}
    assert ours.token_bytes(ours.encode(" the")[0]) == b" the"
    assert from_tiktoken.merge_ids == ours.merge_ids  # the ranks give back GPT-2's merge list


@given(text=any_text(WORDS))
def test_gpt2_matches_hf_and_tiktoken(gpt2, text):
    ours, hf, from_tiktoken, tk = gpt2
    assert ours.encode(text, allowed_special="all") == hf.encode(text).ids
    assert from_tiktoken.encode(text) == tk.encode_ordinary(text)


@given(text=block_text())
def test_gpt2_across_scanner_blocks(gpt2, text):
    ours, hf, from_tiktoken, tk = gpt2
    assert ours.encode(text) == hf.encode(text).ids
    assert from_tiktoken.encode(text) == tk.encode_ordinary(text)


def test_gpt2_multilingual_text(gpt2):
    ours, hf, from_tiktoken, tk = gpt2
    for text in [*MULTILINGUAL, *EXTRA]:
        assert ours.encode(text) == hf.encode(text).ids
        assert from_tiktoken.encode(text) == tk.encode_ordinary(text)


# -- tokenizer.json files as published -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def anthropic():
    """The (old) Claude tokenizer.json litellm ships: NFKC, GPT-2 splitting, 65k tokens."""
    path = fetched("anthropic/tokenizer.json")
    return tf.Tokenizer.from_huggingface(path), HFTokenizer.from_file(str(path))


def test_anthropic_shape(anthropic):
    ours, _ = anthropic
    assert (ours.vocab_size, ours.normalizer, ours.pretokenizer) == (65000, "NFKC", "gpt2")


@given(text=any_text(WORDS))
def test_anthropic_matches_hf(anthropic, text):
    ours, hf = anthropic
    assert ours.encode(text, allowed_special="all") == hf.encode(text).ids


def test_anthropic_multilingual_text(anthropic):
    ours, hf = anthropic
    for text in [*MULTILINGUAL, *EXTRA]:
        assert ours.encode(text) == hf.encode(text).ids


@pytest.fixture(scope="module")
def deepseek():
    """DeepSeek's tokenizer.json: three regex splits in a row (digits, CJK runs, words) before ByteLevel."""
    path = fetched("deepseek/tokenizer.json")
    return tf.Tokenizer.from_huggingface(path), HFTokenizer.from_file(str(path))


def test_deepseek_runs_its_preset(deepseek):
    ours, _ = deepseek
    splits = json.loads(fetched("deepseek/tokenizer.json").read_text(encoding="utf-8"))["pre_tokenizer"]
    assert ours.pretokenizer == "deepseek-v3"
    assert _core.Pretokenizer("deepseek-v3").patterns == [s["pattern"]["Regex"] for s in splits["pretokenizers"][:3]]


#: Characters on the edges of DeepSeek's splits: its kana/ideograph range and the characters just outside it,
#: marks, symbols in that range, numbers of several kinds, controls and white space.
DEEPSEEK_EDGES = st.sampled_from(
    [*"aZé中龥龦あアー゛゠・〇1٣²½ .,'!$\t\r\n\u3000\u3040\u3099\u0301\x00\x01😀", "\r\n", "don't", ".com"]
)


@given(text=st.one_of(any_text(WORDS), st.lists(DEEPSEEK_EDGES, max_size=40).map("".join)))
def test_deepseek_pieces_are_hf_pieces(deepseek, text):
    _, hf = deepseek
    pieces = [from_unicode(p).decode() for p, _ in hf.pre_tokenizer.pre_tokenize_str(text)]
    assert _core.Pretokenizer("deepseek-v3").split(text) == pieces


@given(text=any_text(WORDS))
def test_deepseek_matches_hf(deepseek, text):
    ours, hf = deepseek
    assert ours.encode(text, allowed_special="all") == hf.encode(text, add_special_tokens=False).ids


def test_deepseek_multilingual_text(deepseek):
    ours, hf = deepseek
    real = [topic for _, topic in sorted(pydoc_data.topics.topics.items())]
    for text in [*MULTILINGUAL, *EXTRA, "\n".join(MULTILINGUAL), "\n\n".join(real)]:
        assert ours.encode(text) == hf.encode(text, add_special_tokens=False).ids


def test_deepseek_export_round_trips(deepseek, tmp_path):
    ours, hf = deepseek
    ours.save_huggingface(tmp_path)
    again = HFTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for text in MULTILINGUAL:
        assert again.encode(text, add_special_tokens=False).ids == hf.encode(text, add_special_tokens=False).ids
