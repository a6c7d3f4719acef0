"""llama.cpp's tokenizer test vocabularies (`ggml-vocab-*.gguf`) with their expected ids (`.inp`/`.out`,
made by Hugging Face `transformers` from the original models): rebuilt as the `tokenizer.json` of the
original model and loaded with `from_huggingface`, each byte-level BPE vocabulary we support gives exactly
the expected ids, and so does `tokenizers` on our export of it.

The fetch script stores each vocabulary's tokenizer fields as `<file>.gguf.json` (read with the `gguf`
package)."""

from __future__ import annotations

import json

import pytest
from interop_support import FETCHED, fetched
from tokenizers import Tokenizer as HFTokenizer

import tokenforge as tf
from tokenforge import _core
from tokenforge.interop.huggingface import added_token_json, from_tokenizer_json, pretokenizer_json

# llama.cpp pre-tokenizer type → (the split regex of the original tokenizer.json, its ignore_merges).
# Types that split with several regexes in a row (deepseek-*, falcon, starcoder, command-r, ...) are not
# supported yet and are not fetched.
PRE = {
    "gpt-2": (_core.GPT2_PATTERN, False),
    "mpt": (_core.GPT2_PATTERN, False),
    "llama-bpe": (_core.CL100K_PATTERN, True),
    "qwen2": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+"
        r"|\s+(?!\S)|\s+",
        False,
    ),
    "qwen35": (
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"
        r"|\s*[\r\n]+|\s+(?!\S)|\s+",
        False,
    ),
}
CONTROL, USER_DEFINED = 3, 4  # llama.cpp token types (special, and added non-special tokens)
SEPARATOR = "\n__ggml_vocab_test__\n"


def tokenizer_json(vocab: dict) -> dict:
    """The `tokenizer.json` of the model a llama.cpp vocabulary was converted from."""
    pattern, ignore_merges = PRE[vocab["pre"]]
    added = [
        added_token_json(text, i, kind == CONTROL)
        for i, (text, kind) in enumerate(zip(vocab["tokens"], vocab["token_types"]))
        if kind in (CONTROL, USER_DEFINED)
    ]
    return {
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": pretokenizer_json(pattern),
        "model": {
            "type": "BPE",
            "ignore_merges": ignore_merges,
            "vocab": {t: i for i, t in enumerate(vocab["tokens"])},
            "merges": vocab["merges"],
        },
    }


def cases(name: str) -> list[tuple[str, list[int]]]:
    """llama.cpp's test cases: the `.inp` texts and the `.out` id lists."""
    texts = fetched(f"llama.cpp/{name}.inp").read_text(encoding="utf-8").split(SEPARATOR)
    ids = fetched(f"llama.cpp/{name}.out").read_text(encoding="utf-8").split("\n")
    assert texts[-1] == "" and ids[-1] == ""
    assert len(texts) == len(ids) > 10
    return [(t, [int(i) for i in line.split()]) for t, line in zip(texts[:-1], ids[:-1])]


VOCABS = sorted(p.name.removesuffix(".json") for p in FETCHED.glob("llama.cpp/ggml-vocab-*.gguf.json")) or [
    "ggml-vocab-gpt-2.gguf"
]


@pytest.mark.parametrize("name", VOCABS)
def test_llama_cpp_vocab_gives_expected_ids(name, tmp_path):
    vocab = json.loads(fetched(f"llama.cpp/{name}.json").read_text(encoding="utf-8"))
    if vocab["model"] != "gpt2" or vocab["pre"] not in PRE:
        pytest.skip(f"{name}: pre-tokenizer {vocab['pre']!r} of model {vocab['model']!r} is not supported yet")
    tok = from_tokenizer_json(tokenizer_json(vocab), name)
    assert tok.vocab_size == len(vocab["tokens"])
    exported = HFTokenizer.from_file(str(tok.save_huggingface(tmp_path)))  # duplicate merges, added tokens
    failures = []
    for text, expected in cases(name):
        ids = tok.encode(text, allowed_special="all")
        if ids != expected:
            failures.append(("tokenforge", text, ids, expected))
        if exported.encode(text, add_special_tokens=False).ids != expected:
            failures.append(("export", text, ids, expected))
        assert tok.decode(ids) == text
    assert not failures, f"{len(failures)} case(s) differ, first: {failures[0]}"


def test_llama3_specials_are_special(tmp_path):
    vocab = json.loads(fetched("llama.cpp/ggml-vocab-llama-bpe.gguf.json").read_text(encoding="utf-8"))
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(tokenizer_json(vocab), ensure_ascii=False), encoding="utf-8")
    tok = tf.Tokenizer.from_huggingface(path)
    assert tok.special_tokens["<|begin_of_text|>"] == 128000
    assert len(tok.special_tokens) == 256
    assert tok.encode("<|begin_of_text|>hi", allowed_special="all")[0] == 128000
    assert 128000 not in tok.encode("<|begin_of_text|>hi")
