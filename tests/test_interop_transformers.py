"""`transformers.AutoTokenizer.from_pretrained(dir)` works offline on a `save_huggingface` export, without
torch, and gives tokenforge's ids. Run in a fresh interpreter so that the offline setting and the absence of
torch are real."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from interop_support import MULTILINGUAL

import tokenforge as tf

SCRIPT = """
import json, sys
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1])
texts = json.loads(sys.stdin.read())
print(json.dumps({
    "ids": [tok.encode(t, add_special_tokens=False) for t in texts],
    "decoded": [tok.decode(tok.encode(t, add_special_tokens=False)) for t in texts],
    "special": sorted(tok.all_special_tokens),
    "torch": "torch" in sys.modules,
}))
"""


def transformers_run(directory, texts: list[str]) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(directory)],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("normalizer", [None, "NFKC"])
def test_auto_tokenizer_gives_our_ids(english_docs, tmp_path, normalizer):
    pytest.importorskip("transformers")
    trained = tf.train_from_iterator(
        english_docs[:200], vocab_size=800, pretokenizer="o200k", special_tokens=["<|endoftext|>", "<|user|>"]
    )
    tok = tf.Tokenizer(
        trained.vocab(), trained.merge_ids, "o200k", special_tokens=trained.special_tokens, normalizer=normalizer
    )
    tok.save_huggingface(tmp_path)
    texts = [*MULTILINGUAL, "<|user|>Hello<|endoftext|>", "a . b , c", "   spaced   out  "]
    got = transformers_run(tmp_path, texts)
    assert got["ids"] == [tok.encode(t, allowed_special="all") for t in texts]
    assert got["special"] == ["<|endoftext|>", "<|user|>"]
    if importlib.util.find_spec("torch") is None:  # torch-free machines: loading must not need it
        assert not got["torch"]
    if normalizer is None:
        assert got["decoded"] == texts
