"""Flat (numpy) batch output, buffers and files: the same ids as `encode` / `encode_batch` lists."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenforge.errors import ConfigError, InputFileError

WORDS = st.sampled_from(["the", " cat", " sat", "on", " mat", "\n\n", "  ", "123", "é", "!", "'s", "\t", " Über"])
TEXTS = st.lists(st.lists(WORDS, max_size=30).map("".join), max_size=12)


def rows(ids: np.ndarray, offsets: np.ndarray) -> list[list[int]]:
    """The per-text id lists of a flat result, checked for shape and dtype."""
    assert ids.dtype == np.uint32 and offsets.dtype == np.int64
    assert offsets[0] == 0 and offsets[-1] == len(ids) and np.all(np.diff(offsets) >= 0)
    return [ids[a:b].tolist() for a, b in zip(offsets[:-1], offsets[1:])]


@settings(max_examples=60)
@given(texts=TEXTS)
def test_numpy_output_equals_lists(small_tokenizer, texts):
    assert rows(*small_tokenizer.encode_batch(texts, output="numpy")) == small_tokenizer.encode_batch(texts)


@settings(max_examples=60)
@given(text=TEXTS.map("".join))
def test_one_text_as_numpy_equals_the_list(small_tokenizer, text):
    ids = small_tokenizer.encode(text, output="numpy")
    assert ids.dtype == np.uint32 and ids.tolist() == small_tokenizer.encode(text)
    assert small_tokenizer.encode(text, "all", output="numpy").tolist() == small_tokenizer.encode(text, "all")
    pair = small_tokenizer.encode(text, pair="the end", output="numpy")
    assert pair.dtype == np.uint32 and pair.tolist() == small_tokenizer.encode(text, pair="the end")
    drawn = small_tokenizer.encode(text, sample=True, dropout=0.0, output="numpy")
    assert drawn.dtype == np.uint32 and drawn.tolist() == small_tokenizer.encode(text)


def test_long_documents_cut_on_all_cores_encode_as_one(small_tokenizer, english_docs):
    doc = " ".join(english_docs) * 3  # well over the core's 64 KiB task size: cut into parts
    assert len(doc) > 600_000
    texts = [doc, "short", doc[: len(doc) // 2]]
    assert rows(*small_tokenizer.encode_batch(texts, output="numpy")) == [small_tokenizer.encode(t) for t in texts]


@settings(max_examples=60)
@given(texts=TEXTS, sep=st.sampled_from(["\n\n", "\n", "<|doc|>"]))
def test_buffer_documents_are_the_non_empty_pieces(small_tokenizer, texts, sep):
    data = sep.join(texts).encode()
    docs = [d for d in data.decode().split(sep) if d]
    assert rows(*small_tokenizer.encode_buffer(data, separator=sep)) == small_tokenizer.encode_batch(docs)


def test_file_and_buffer_agree_and_bytes_stay_exact(tmp_path, small_tokenizer):
    data = b"caf\xc3\xa9 ok\n\n\xff\xfe not text\n\nthe end"
    path = tmp_path / "docs.txt"
    path.write_bytes(data)
    got = rows(*small_tokenizer.encode_file(path, separator=b"\n\n"))
    assert got == rows(*small_tokenizer.encode_buffer(data, separator=b"\n\n"))
    assert [small_tokenizer.decode_bytes(ids) for ids in got] == data.split(b"\n\n")
    assert rows(*small_tokenizer.encode_file(path)) == [small_tokenizer.encode_bytes(data)]


def test_a_file_of_many_read_chunks_is_read_whole(tmp_path, small_tokenizer):
    """A file is read in chunks of 1 MiB on all cores: none lost, none out of place."""
    rng = random.Random(5)
    words = ["the", "cat", "sat", "\n\n", "naïve", "日本", "42"]
    data = " ".join(rng.choice(words) for _ in range(700_000)).encode()
    assert len(data) > 3 * (1 << 20)
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    got = small_tokenizer.encode_file(path, separator="\n\n")
    want = small_tokenizer.encode_buffer(data, separator="\n\n")
    assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_an_empty_file_has_no_documents_and_a_directory_is_reported(tmp_path, small_tokenizer):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert rows(*small_tokenizer.encode_file(path, separator="\n\n")) == []
    with pytest.raises(InputFileError, match="cannot read"):
        small_tokenizer.encode_file(tmp_path)


def test_bad_arguments_are_reported(tmp_path, small_tokenizer):
    with pytest.raises(ConfigError, match="output"):
        small_tokenizer.encode_batch(["x"], output="arrow")
    with pytest.raises(ConfigError, match="output"):
        small_tokenizer.encode("x", output="arrow")
    with pytest.raises(ConfigError, match="Encodings"):
        small_tokenizer.encode("x", offsets=True, output="numpy")
    with pytest.raises(ConfigError, match="separator is empty"):
        small_tokenizer.encode_buffer(b"x", separator="")
    with pytest.raises(InputFileError, match="no such file"):
        small_tokenizer.encode_file(tmp_path / "missing.txt")
