"""Llama-3 style `.tiktoken` files: cl100k's ranks plus tokens that rank-ordered BPE never builds from lower
ranks (`' việc'`). tiktoken loads them and emits such a token when a pre-token is exactly it; tokenforge must
load them and give tiktoken's ids, in every command."""

from __future__ import annotations

import base64
import gzip
import json

import pytest
from interop_support import MULTILINGUAL, fetched

import tokenforge as tf
from tokenforge import _core
from tokenforge.cli.main import main

tiktoken = pytest.importorskip("tiktoken")


def bpe_parts(token: bytes, below: int, ranks: dict[bytes, int]) -> list[bytes]:
    """What tiktoken's rank-ordered BPE leaves of `token` with the ranks below `below` (the reference)."""
    parts = [token[i : i + 1] for i in range(len(token))]
    while len(parts) > 2:
        found = [(ranks[a + b], i) for i, (a, b) in enumerate(zip(parts, parts[1:])) if ranks.get(a + b, below) < below]
        if not found:
            break
        _, i = min(found)
        parts[i : i + 2] = [parts[i] + parts[i + 1]]
    return parts


#: Tokens added after cl100k's ranks, as Llama-3 adds its own (' việc' is one of Llama-3's).
EXTRA = [" việc", " người", "ường", " Việt Nam", "ạo"]
TEXTS = [
    *MULTILINGUAL,
    "Tôi làm việc ở Việt Nam. Công việc của người Việt Nam rất thú vị, việc này khó.",
    " việc",
    "việc việc  việc\n việc",
    " người đường trường sáng tạo bạo",
]


@pytest.fixture(scope="module")
def llama_like(tmp_path_factory):
    """The file, cl100k's ranks for tiktoken, and the ranks of the added tokens."""
    ranks = {}
    for line in gzip.decompress(fetched("tiktoken/cl100k_base.tiktoken.gz").read_bytes()).splitlines():
        token, rank = line.split()
        ranks[base64.b64decode(token)] = int(rank)
    added = [t.encode() for t in EXTRA if t.encode() not in ranks]
    for t in added:
        ranks[t] = len(ranks)
    path = tmp_path_factory.mktemp("llama") / "llama_like.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()), encoding="ascii")
    unreachable = [t for t in added if len(bpe_parts(t, ranks[t], ranks)) != 2]
    assert " việc".encode() in unreachable  # what makes the file Llama-3 like
    enc = tiktoken.Encoding(
        "llama_like", pat_str=_core.Pretokenizer("gpt4").pattern, mergeable_ranks=ranks, special_tokens={}
    )
    return path, enc


def test_loads_and_encodes_with_tiktokens_ids(llama_like):
    path, enc = llama_like
    ours = tf.Tokenizer.from_tiktoken(path, pattern="gpt4")
    for text in TEXTS:
        assert ours.encode(text) == enc.encode_ordinary(text), text
    assert ours.encode_batch(TEXTS) == [enc.encode_ordinary(t) for t in TEXTS]
    assert ours.decode(ours.encode(TEXTS[-3])) == TEXTS[-3]


def test_every_command_reads_it(llama_like, tmp_path, capsys):
    path, enc = llama_like
    corpus = tmp_path / "vi.txt"
    corpus.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    assert main(["encode", "-t", str(path), "--pretokenizer", "gpt4", str(corpus)]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = [enc.encode_ordinary(line.removesuffix("\r")) for line in "\n".join(TEXTS).split("\n")]
    assert [[int(i) for i in line.split()] for line in lines] == expected
    assert main(["info", "-t", str(path), "--pretokenizer", "gpt4"]) == 0
    report = tmp_path / "r.json"
    assert (
        main(
            ["eval", "-t", str(path), "--pretokenizer", "gpt4", "--corpus", f"vi={corpus}", "-q", "--json", str(report)]
        )
        == 0
    )
    tokens = json.loads(report.read_text(encoding="utf-8"))["tokenizers"]["llama_like"]["corpora"]["vi"]["tokens"]
    documents = corpus.read_bytes().decode("utf-8").split("\n")  # eval: each line a document, newline kept
    assert tokens == sum(len(enc.encode_ordinary(d + "\n")) for d in documents[:-1])
    out = tmp_path / "hf"
    assert main(["export", "-t", str(path), "--pretokenizer", "gpt4", "--format", "huggingface", "-o", str(out)]) == 0
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.Tokenizer.from_file(str(out / "tokenizer.json"))
    assert [e.ids for e in hf.encode_batch(TEXTS, add_special_tokens=False)] == [enc.encode_ordinary(t) for t in TEXTS]


def test_eval_shows_the_real_error_of_a_bad_tiktoken_file(tmp_path, capsys):
    """Not "reading this tokenizer needs the sentencepiece package": the .tiktoken reader's own message."""
    path = tmp_path / "bad.tiktoken"
    path.write_text(
        "".join(f"{base64.b64encode(bytes([b])).decode()} {b}\n" for b in range(256)) + "YWI= 5\n", encoding="ascii"
    )
    corpus = tmp_path / "c.txt"
    corpus.write_text("ab\n", encoding="utf-8")
    assert main(["eval", "-t", str(path), "--pretokenizer", "gpt4", "--corpus", f"c={corpus}", "-q"]) == 1
    err = capsys.readouterr().err
    assert "rank 5 is also on line 6" in err and "sentencepiece" not in err, err
