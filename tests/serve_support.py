"""Shared by the `tokenforge serve` tests: tokenizer files of every kind the server shows, made on the spot
(GPT-2 too when scripts/fetch_test_data.sh has fetched it), and text in several scripts."""

from __future__ import annotations

import json
import sysconfig
import urllib.error
import urllib.request
from pathlib import Path

import tokenforge as tf
from tokenforge.cli.serve import load_views

FETCHED_GPT2 = Path(__file__).parent / "data" / "fetched" / "gpt2"

TEXTS = {
    "latin": "Hello wörld, the quick brown fox jumps over the lazy dog.\n\tIndented: naïve café, 12345!",
    "cjk": "你好世界，这是一个测试。東京は日本の首都です。한국어 문장입니다.",
    "emoji": "Party 🎉🎉 time 👋🏽 family 👨‍👩‍👧 flags 🇩🇪 and text",
    "arabic": "مرحبا بالعالم، هذا اختبار للنص العربي.",
}


def make_tokenizers(directory: Path, docs: list[str]) -> dict[str, str]:
    """`{name: path}` of a gpt4-pattern BPE (with a special token), its Hugging Face export, a SuperBPE, a Binary
    BPE and one with an NFKC normaliser, all trained on `docs`; GPT-2 as well when it was fetched."""
    ours = tf.train_from_iterator(docs, vocab_size=1200, pretokenizer="gpt4", special_tokens=["<|endoftext|>"])
    paths = {"ours": ours.save(directory / "ours"), "hf": ours.save_huggingface(directory / "hf")}
    superbpe = tf.train_from_iterator(docs, vocab_size=1200, algorithm="superbpe", transition=900)
    paths["super"] = superbpe.save(directory / "super")
    binary_input = directory / "binary-input"
    binary_input.mkdir()
    (binary_input / "os.py").write_bytes(Path(sysconfig.get_paths()["stdlib"], "os.py").read_bytes())
    (binary_input / "random.bin").write_bytes(bytes(range(256)) * 64)
    paths["bin"] = tf.train(binary_input, vocab_size=400, algorithm="binary").save(directory / "bin")
    nfkc = tf.train_from_iterator(docs, vocab_size=600, normalizer="NFKC")
    paths["nfkc"] = nfkc.save(directory / "nfkc")
    if (FETCHED_GPT2 / "encoder.json").is_file():
        paths["gpt2"] = FETCHED_GPT2
    return {name: str(p) for name, p in paths.items()}


def views_of(paths: dict[str, str]):
    """The server's views of the tokenizer files, loaded as the command line loads them."""
    return load_views([f"{name}={path}" for name, path in paths.items()])


def request(url: str, body: bytes | None = None, method: str | None = None, headers: dict | None = None):
    """`(status, JSON answer, headers)` of an HTTP request (errors included)."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read()), r.headers
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw), e.headers
        except ValueError:
            return e.code, raw.decode("utf-8", "replace"), e.headers


def post_json(url: str, data: object) -> tuple[int, object, object]:
    """POSTs `data` as JSON."""
    return request(url, json.dumps(data).encode(), headers={"content-type": "application/json"})
