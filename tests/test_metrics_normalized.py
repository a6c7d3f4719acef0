"""Metrics that need token spans work for our tokenizers with a normaliser (spans through tokenizers' offsets)."""

from __future__ import annotations

import json

import pytest

import tokenforge as tf
from tokenforge.cli.main import main


def test_word_metrics_for_a_normalising_tokenizer(tmp_path, english_docs):
    docs = [d.replace("fi", "ﬁ") for d in english_docs[:100]]  # ligatures that NFKC unfolds
    tok = tf.train_from_iterator(docs, vocab_size=600, normalizer="NFKC")
    plain = tf.train_from_iterator(english_docs[:100], vocab_size=600)
    tok.save(tmp_path / "nfkc")
    plain.save(tmp_path / "plain")
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(docs[:20]), encoding="utf-8")
    out = tmp_path / "r.json"
    argv = ["eval", "-t", f"n={tmp_path / 'nfkc'}", "-t", f"p={tmp_path / 'plain'}", "--corpus", f"c={corpus}"]
    assert main([*argv, "--json", str(out), "-q"]) == 0
    result = json.loads(out.read_text())["tokenizers"]
    n, p = result["n"]["corpora"]["c"], result["p"]["corpora"]["c"]
    assert n["continued_words"] is not None and 0 < n["continued_words"] < 1
    assert n["whole_word_tokens"] is not None
    # Same words either way: fertility counts the raw text's words.
    assert n["fertility"] * p["tokens"] == pytest.approx(p["fertility"] * n["tokens"])
