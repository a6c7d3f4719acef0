"""The adapters put foreign tokenizers (tiktoken, tokenizers, sentencepiece) behind one interface: same ids as
the library, spans that point at the raw text, vocabulary entries read the right way."""

from __future__ import annotations

import numpy as np
import pytest
from interop_support import MULTILINGUAL, fetched, openai_pair

from tokenforge.errors import ConfigError, TokenizerFileError
from tokenforge.metrics.adapters import (
    HuggingFaceAdapter,
    OursAdapter,
    TiktokenAdapter,
    load_adapter,
    split_name,
)
from tokenforge.metrics.composition import composition
from tokenforge.metrics.evaluate import evaluate
from tokenforge.metrics.fertility import align, find_words

WORDS = "hello world this is a test of wordpiece tokenization with several words".split()


def spans_point_at_surfaces(adapter, texts):
    """Every token's span in the raw bytes holds exactly its surface."""
    tok = adapter.tokenize(texts)
    raw = "".join(texts).encode()
    surfaces = {e.id: e.surface for e in adapter.entries()}
    for i, s, e in zip(tok.ids.tolist(), tok.starts.tolist(), tok.ends.tolist()):
        assert raw[s:e] == surfaces[i], (i, raw[s:e], surfaces[i])
    return tok


def test_tiktoken_adapter_matches_ours():
    ours, theirs = openai_pair("cl100k_base")
    a, b = OursAdapter(ours, "ours"), TiktokenAdapter(theirs, "tiktoken")
    texts = [t + "\n" for t in MULTILINGUAL]
    ta, tb = a.tokenize(texts), b.tokenize(texts)
    assert ta.ids.tolist() == tb.ids.tolist()
    assert ta.starts.tolist() == tb.starts.tolist()
    assert a.token_lengths()[0].tolist() == b.token_lengths()[0].tolist()
    assert composition(a.entries()) == composition(b.entries())
    spans_point_at_surfaces(b, texts)


@pytest.fixture(scope="module")
def wordpiece(tmp_path_factory):
    tokenizers = pytest.importorskip("tokenizers")
    tok = tokenizers.Tokenizer(tokenizers.models.WordPiece(unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    trainer = tokenizers.trainers.WordPieceTrainer(vocab_size=80, special_tokens=["[UNK]", "[CLS]"])
    tok.train_from_iterator([" ".join(WORDS)] * 5, trainer)
    path = tmp_path_factory.mktemp("wp") / "tokenizer.json"
    tok.save(str(path))
    return tok, load_adapter(f"wp={path}")


def test_wordpiece_adapter(wordpiece):
    hf, adapter = wordpiece
    assert isinstance(adapter, HuggingFaceAdapter) and adapter.name == "wp"
    entries = {e.id: e for e in adapter.entries()}
    for piece, i in hf.get_vocab().items():
        if piece.startswith("##"):
            assert entries[i].surface == piece[2:].encode() and not entries[i].word_initial
        elif piece in ("[UNK]", "[CLS]"):
            assert entries[i].control
        else:
            assert entries[i].surface == piece.encode() and entries[i].word_initial
    text = "this wordpiece test hello tokenization\n"
    tok = spans_point_at_surfaces(adapter, [text])
    assert tok.ids.tolist() == hf.encode(text, add_special_tokens=False).ids


def test_continued_words_agree_with_encoding_each_word(wordpiece):
    hf, adapter = wordpiece
    text = " ".join(WORDS[::-1] + WORDS) + "\n"
    tok = adapter.tokenize([text])
    counts = align(find_words(text), tok.starts, tok.ends)
    per_word = [len(hf.encode(w, add_special_tokens=False).ids) for w in text.split()]
    assert counts.words == len(per_word)
    assert counts.continued == sum(n >= 2 for n in per_word)
    assert counts.whole_word_tokens == sum(n == 1 for n in per_word)


@pytest.mark.parametrize("model", ["botchan_en_bpe_1000.model", "botchan_en_unigram_1000.model"])
def test_model_files_are_read_natively(model):
    spm = pytest.importorskip("sentencepiece")
    pytest.importorskip("google.protobuf")
    path = fetched(f"sentencepiece/{model}")
    adapter = load_adapter(str(path))
    assert isinstance(adapter, OursAdapter) and adapter.name == model.split(".")[0]
    assert adapter.kind == "tokenforge (sentencepiece .model)"
    lines = fetched("sentencepiece/botchan.txt").read_text(encoding="utf-8").splitlines(keepends=True)[:200]
    tok = adapter.tokenize(lines)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    assert tok.ids.tolist() == [i for ids in sp.encode(lines) for i in ids]
    assert tok.counts.tolist() == [len(ids) for ids in sp.encode(lines)]
    assert np.all(np.diff(tok.starts) >= 0) and np.all(tok.ends >= tok.starts)
    assert tok.ends[-1] <= len("".join(lines).encode())
    categories = composition(adapter.entries())["categories"]
    assert categories["control"] == 3  # <unk>, <s>, </s>
    assert sum(categories.values()) == 1000


def test_byte_level_tokenizer_json_uses_our_encoder():
    adapter = load_adapter(str(fetched("deepseek/tokenizer.json")))
    assert isinstance(adapter, OursAdapter) and adapter.name == "deepseek"


def test_evaluate_mixes_kinds(wordpiece, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(t + "\n" for t in MULTILINGUAL), encoding="utf-8")
    ours, theirs = openai_pair("cl100k_base")
    adapters = [OursAdapter(ours, "ours"), TiktokenAdapter(theirs, "tiktoken"), wordpiece[1]]
    result = evaluate(adapters, [("c", str(corpus))])
    a, b = (result["tokenizers"][n]["corpora"]["c"] for n in ("ours", "tiktoken"))
    for key in ("tokens", "bytes_per_token", "fertility", "continued_words", "whole_word_tokens", "entropy"):
        assert a[key] == b[key]
    assert result["jaccard"]["ours"]["tiktoken"] == 1.0


def test_load_errors(tmp_path):
    with pytest.raises(ConfigError, match="not a tiktoken encoding name"):
        load_adapter("no_such_encoding_or_file")
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"\x00\x01 not a model")
    with pytest.raises(TokenizerFileError, match="junk.model"):
        load_adapter(str(junk))


def test_split_name():
    assert split_name("a=b/c.json") == ("a", "b/c.json")
    assert split_name("dir/x=y.json") == (None, "dir/x=y.json")
    assert split_name("cl100k_base") == (None, "cl100k_base")
