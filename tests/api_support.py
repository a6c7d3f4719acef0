"""Shared by the tests of the everyday API (offsets, vocabulary lookups, pickling): small tokenizers of each
family, trained here, with stock `tokenizers` reading their export."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from interop_support import MULTILINGUAL, hf_of
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge.processors import Template

#: What `pair` trains: byte-level BPE with a bos/eos template and roles, one with GPT-2's pattern, WordPiece.
KINDS = ["bpe", "bpe-gpt2", "wordpiece"]


def docs() -> list[str]:
    import pydoc_data.topics

    return [*list(pydoc_data.topics.topics.values())[:150], *MULTILINGUAL * 3]


@functools.cache
def pair(kind: str) -> tuple[tf.Tokenizer, HFTokenizer]:
    """A tokenforge tokenizer of `kind` and stock `tokenizers` reading its export."""
    if kind == "bpe":
        tok = tf.train_from_iterator(docs(), vocab_size=500, special_tokens=["<s>", "</s>", "<pad>"])
        tok.post_processor = Template.of("<s> $A </s>", "<s> $A </s> </s>:1 $B:1 </s>:1")
        tok.roles = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}
    elif kind == "bpe-gpt2":
        tok = tf.train_from_iterator(docs(), vocab_size=400, pretokenizer="gpt2")
    else:
        tok = tf.train_from_iterator(docs(), vocab_size=700, algorithm="wordpiece")
    return tok, hf_of(tok, Path(tempfile.mkdtemp()))
