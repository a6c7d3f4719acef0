"""`tokenforge serve`'s JSON API over real HTTP (a server on a free port in this process): tokens equal
`encode`, spans spell the text, merge trees rebuild their tokens, usage counts and the report match a direct
computation, and bad requests get 4xx JSON errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.parse
import urllib.request
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from serve_support import TEXTS, make_tokenizers, post_json, request, views_of

from tokenforge.cli.main import main
from tokenforge.cli.serve import load_views
from tokenforge.errors import ConfigError
from tokenforge.metrics.adapters import OursAdapter
from tokenforge.metrics.evaluate import documents, evaluate
from tokenforge.serve.adapter import TokenizerView, is_superword
from tokenforge.serve.hosts import allowed_hosts, is_loopback

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from tokenforge.serve import app as serve_app  # noqa: E402
from tokenforge.serve.app import MB, Limits, create_app, serve_in_thread  # noqa: E402

MAX_TEXT = 20_000


@pytest.fixture(scope="module")
def files(tmp_path_factory, english_docs):
    d = tmp_path_factory.mktemp("serve-api")
    corpus = d / "corpus.txt"
    corpus.write_text("".join(doc.replace("\n", " ") + "\n" for doc in english_docs[:40]) + TEXTS["cjk"] + "\n")
    return make_tokenizers(d, english_docs), str(corpus)


@pytest.fixture(scope="module")
def views(files):
    return {v.name: v for v in views_of(files[0])}


@pytest.fixture(scope="module")
def server(files, views):
    app = create_app(list(views.values()), [("docs", files[1])], Limits(max_text=MAX_TEXT))
    with serve_in_thread(app) as url:
        yield url, app.state.service


def encode(url: str, text: str, names: list[str] | None = None):
    body = {"text": text} if names is None else {"text": text, "tokenizers": names}
    return post_json(f"{url}/api/encode", body)


@pytest.mark.parametrize("script", sorted(TEXTS))
def test_encode_gives_the_ids_of_encode_and_spans_that_spell_the_text(server, views, script):
    url, _ = server
    text = TEXTS[script]
    status, answer, _ = encode(url, text)
    assert status == 200
    assert list(answer["tokenizers"]) == list(views)
    for name, r in answer["tokenizers"].items():
        tok = views[name].tok
        assert r["ids"] == tok.encode(text), name
        assert r["count"] == len(r["ids"]) and r["bytes"] == len(text.encode())
        data = [bytes.fromhex(h) for h in r["hex"]]
        assert data == [tok.token_bytes(i) for i in r["ids"]]
        assert r["tokens"] == [b.decode("utf-8", "backslashreplace") for b in data]
        if tok.normalizer is None:
            assert b"".join(data) == text.encode()
            assert [text.encode()[s:e] for s, e in r["spans"]] == data
        assert r["superword"] == [is_superword(b) for b in data]


def test_a_normaliser_that_changes_the_text_gives_no_spans(server, views):
    status, answer, _ = encode(server[0], "ﬁne ①", ["nfkc"])
    assert status == 200
    assert answer["tokenizers"]["nfkc"]["spans"] is None
    assert answer["tokenizers"]["nfkc"]["ids"] == views["nfkc"].tok.encode("ﬁne ①")


def test_detail_limits_the_per_token_fields_not_the_ids(server, views):
    text = TEXTS["latin"] * 3
    status, answer, _ = post_json(f"{server[0]}/api/encode", {"text": text, "tokenizers": ["ours"], "detail": 5})
    r = answer["tokenizers"]["ours"]
    assert status == 200 and r["ids"] == views["ours"].tok.encode(text) and r["count"] == len(r["ids"]) > 5
    assert all(len(r[k]) == 5 for k in ("tokens", "spans", "hex", "pieces", "superword"))
    full = encode(server[0], text, ["ours"])[1]["tokenizers"]["ours"]
    assert all(r[k] == full[k][:5] for k in ("tokens", "spans", "hex", "pieces", "superword"))


def test_encode_names_the_tokenizers_asked_for_in_that_order(server):
    status, answer, _ = encode(server[0], "abc", ["super", "ours"])
    assert status == 200 and list(answer["tokenizers"]) == ["super", "ours"]


@given(st.text(max_size=60))
def test_any_text_is_drawn_from_its_own_bytes(views, text):
    """The view's pieces and hex spell the text: partial UTF-8 and control characters are marked, never lost."""
    v = views["ours"]
    r = v.encode(text)
    assert r["ids"] == v.tok.encode(text)
    if all(not 0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert bytes.fromhex("".join(r["hex"])) == text.encode()
    for pieces in r["pieces"]:
        assert all(kind in ("text", "ws", "ctrl", "partial", "special") and t for kind, t in pieces)


def check_tree(node: dict, tok) -> bytes:
    """The bytes a merge-tree node stands for, checked against its parts and the tokenizer's merges."""
    data = bytes.fromhex(node["hex"])
    assert data == tok.token_bytes(node["id"])
    if node["parts"]:
        left, right = node["parts"]
        assert check_tree(left, tok) + check_tree(right, tok) == data
        assert tok.merge_ids[node["rank"]] == ((left["id"], right["id"]), node["id"])
    else:
        assert node["rank"] is None
    return data


@pytest.mark.parametrize("name", ["ours", "super", "bin", "hf"])
def test_merge_trees_rebuild_their_tokens(server, views, name):
    url, _ = server
    tok = views[name].tok
    for _, new in tok.merge_ids[-5:] + tok.merge_ids[:3]:
        status, t, _ = request(f"{url}/api/token/{name}/{new}")
        assert status == 200
        assert check_tree(t["tree"], tok) == tok.token_bytes(new)
        assert t["kind"] == "merge"
        for b in t["builds"]:
            assert tok.merge_ids[b["rank"]] == ((b["left"], b["right"]), b["id"]) and new in (b["left"], b["right"])
        assert t["builds_total"] == sum(new in pair for pair, _ in tok.merge_ids)


def test_token_kinds(server, views):
    url, _ = server
    special = views["ours"].tok.special_tokens["<|endoftext|>"]
    assert request(f"{url}/api/token/ours/{special}")[1]["kind"] == "special"
    assert request(f"{url}/api/token/ours/0")[1]["kind"] == "byte"


def test_usage_counts_every_occurrence_in_the_corpus(server, views, files):
    url, service = server
    request(f"{url}/api/token/ours/300")
    assert service.usage.wait()
    counts = np.zeros(views["ours"].vocab_size, dtype=np.int64)
    for doc in documents(files[1]):
        np.add.at(counts, views["ours"].tok.encode(doc), 1)
    for i in (0, 32, 300, int(counts.argmax())):
        status, t, _ = request(f"{url}/api/token/ours/{i}")
        assert status == 200 and t["usage"] == {"status": "done", "counts": {"docs": int(counts[i])}}


def test_vocab_search_by_text_id_hex_and_kind(server, views):
    url, _ = server
    tok = views["ours"].tok
    the = tok.token_id(" the")
    _, found, _ = request(f"{url}/api/vocab/ours?q={urllib.parse.quote(' the')}")
    assert found["results"][0]["id"] == the
    assert all(" the" in tok.token_bytes(r["id"]).decode("utf-8", "replace").casefold() for r in found["results"])
    _, by_id, _ = request(f"{url}/api/vocab/ours?q=%23{the}")
    assert [r["id"] for r in by_id["results"]] == [the]
    needle = views["bin"].tok.token_bytes(views["bin"].tok.merge_ids[-1][1])[:2].hex()
    _, by_hex, _ = request(f"{url}/api/vocab/bin?q=0x{needle}&limit=50")
    assert by_hex["total"] > 0 and all(needle in r["hex"] for r in by_hex["results"])
    _, supers, _ = request(f"{url}/api/vocab/super?only=superword&limit=500")
    stok = views["super"].tok
    expected = [i for i in range(stok.vocab_size) if is_superword(stok.token_bytes(i))]
    assert supers["total"] == len(expected) > 0
    assert [r["id"] for r in supers["results"]] == expected[:500]
    _, special, _ = request(f"{url}/api/vocab/ours?only=special")
    assert [r["id"] for r in special["results"]] == list(tok.special_tokens.values())


def test_tokenizers_lists_names_kinds_and_limits(server):
    status, info, headers = request(f"{server[0]}/api/tokenizers")
    assert status == 200 and info["max_text"] == MAX_TEXT and info["corpora"] == ["docs"]
    kinds = {t["name"]: t["kind"] for t in info["tokenizers"]}
    assert kinds["super"] == "SuperBPE" and kinds["bin"] == "Binary BPE" and kinds["ours"] == "byte-level BPE"
    assert "default-src 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"not json", 400, "not JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (b'{"tokenizers": ["ours"]}', 422, '"text"'),
        (b'{"text": 5}', 422, '"text"'),
        (b'{"text": "a", "tokenizers": "ours"}', 422, '"tokenizers"'),
        (b'{"text": "a", "tokenizers": [1]}', 422, '"tokenizers"'),
        (b'{"text": "a", "tokenizers": ["nope"]}', 404, "no tokenizer named 'nope'"),
        (b'{"text": "a", "detail": -1}', 422, '"detail"'),
        (b'{"text": "a", "detail": "5"}', 422, '"detail"'),
        (b'{"text": "\\ud800"}', 200, ""),
    ],
)
def test_malformed_encode_requests_get_json_errors(server, body, status, needle):
    got, answer, headers = request(f"{server[0]}/api/encode", body, headers={"content-type": "application/json"})
    assert got == status and headers["content-type"] == "application/json"
    if status != 200:
        assert needle in answer["error"]


def test_oversized_text_is_refused_with_413(server):
    url, _ = server
    status, answer, _ = encode(url, "é" * (MAX_TEXT // 2 + 1))
    assert status == 413 and "too large" in answer["error"] and f"{MAX_TEXT:,}" in answer["error"]
    assert encode(url, "é" * (MAX_TEXT // 2))[0] == 200
    status, answer, _ = request(f"{url}/api/encode", b"x" * (MAX_TEXT * 6 + 5000))
    assert status == 413 and "too large" in answer["error"]


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/api/token/ours/x", 400, "integer"),
        ("/api/token/ours/99999999", 400, "from 0 to"),
        ("/api/token/ours/-1", 400, "from 0 to"),
        ("/api/token/nope/1", 404, "no tokenizer"),
        ("/api/vocab/ours?limit=0", 400, "limit"),
        ("/api/vocab/ours?limit=abc", 400, "limit"),
        ("/api/vocab/ours?only=all", 400, "only="),
        ("/api/vocab/ours?q=" + "a" * 1001, 400, "too long"),
        ("/api/nothing", 404, "Not Found"),
        ("/api/encode", 405, "Method Not Allowed"),
        ("/api/report/result", 409, "not ready"),
        ("/static/../app.py", 404, "Not Found"),
    ],
)
def test_bad_requests_get_json_errors(server, path, status, needle):
    got, answer, _ = request(server[0] + path)
    assert got == status and needle in answer["error"]


def test_only_local_host_names_are_served(server):
    status, _, _ = request(f"{server[0]}/api/tokenizers", headers={"host": "attacker.example"})
    assert status == 400


def test_encoding_past_the_time_limit_is_abandoned_with_503(views):
    app = create_app([views["ours"]], limits=Limits(timeout=0))
    with serve_in_thread(app) as url:
        status, answer, _ = encode(url, "some text")
    assert status == 503 and "gave up after 0 s" in answer["error"]


def test_the_report_is_tokenforge_eval_computed_in_the_background(server, views, files):
    url, service = server
    status, state, _ = request(f"{url}/api/report", b"", method="POST")
    assert status == 200 and state["status"] in ("running", "done") and state["corpora"] == ["docs"]
    assert service.report.wait()
    status, result, _ = request(f"{url}/api/report/result")
    assert status == 200
    direct = evaluate([OursAdapter(v.tok, v.name) for v in views.values()], [("docs", files[1])])
    for name, entry in direct["tokenizers"].items():
        assert result["tokenizers"][name]["corpora"]["docs"]["tokens"] == entry["corpora"]["docs"]["tokens"]
    with urllib.request.urlopen(f"{url}/report") as r:
        page = r.read().decode()
    assert "Tokenizer evaluation" in page and "<script" not in page


def test_no_corpus_means_no_report(views):
    with serve_in_thread(create_app([views["ours"]])) as url:
        status, answer, _ = request(f"{url}/api/report", b"", method="POST")
        assert status == 409 and "--corpus" in answer["error"]
        _, t, _ = request(f"{url}/api/token/ours/5")
        assert t["usage"] is None


def test_the_default_text_limit_is_1_mb():
    assert Limits().max_text == 1 * MB


def test_importing_tokenforge_does_not_import_the_web_framework():
    code = "import sys, tokenforge, tokenforge.cli.main; print(sorted({'starlette', 'uvicorn'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_cli_warns_when_listening_beyond_this_machine(files, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(serve_app, "serve", lambda app, sock: calls.append(sock.getsockname()[0]) or sock.close())
    port = str(free_port())
    assert main(["serve", "-t", f"a={files[0]['ours']}", "--host", "0.0.0.0", "--port", port]) == 0
    assert calls == ["0.0.0.0"]
    assert "warning: listening on 0.0.0.0" in capsys.readouterr().err
    assert main(["serve", "-t", f"a={files[0]['ours']}", "--port", port]) == 0
    assert calls == ["0.0.0.0", "127.0.0.1"]
    assert "warning" not in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_names_a_port_in_use(files, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "-t", f"a={files[0]['ours']}", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert (
        err.startswith(f"tokenforge: error: --host 127.0.0.1 --port {port}: cannot listen there")
        and "\n" not in err[:-1]
    )


@pytest.mark.parametrize(
    ("specs", "needle"),
    [(["a={ours}", "a={super}"], "two tokenizers are named 'a'"), (["a,b={ours}"], "may not be empty or hold")],
)
def test_tokenizer_names_must_be_distinct_and_plain(files, specs, needle):
    with pytest.raises(ConfigError, match=needle):
        load_views([s.format(**files[0]) for s in specs])


class WordPieceLike:
    """A tokenizer of another model family as `Tokenizer` presents one (no merges, a `model.type`), over Hugging
    Face's WordPiece: what the page must show without a merge tree."""

    model = SimpleNamespace(type="wordpiece")
    pretokenizer = "bert"
    normalizer = None
    merge_ids: list = []
    added_tokens: dict = {}

    def __init__(self, docs: list[str]) -> None:
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers import models, pre_tokenizers, trainers

        self.hf = HFTokenizer(models.WordPiece(unk_token="[UNK]"))
        self.hf.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        self.hf.train_from_iterator(docs, trainers.WordPieceTrainer(vocab_size=800, special_tokens=["[UNK]"]))
        by_id = sorted(self.hf.get_vocab().items(), key=lambda item: item[1])
        self._vocab = [token.encode() for token, _ in by_id]
        self.vocab_size = len(self._vocab)
        self.special_tokens = {"[UNK]": self.hf.token_to_id("[UNK]")}

    def encode(self, text: str) -> list[int]:
        return self.hf.encode(text, add_special_tokens=False).ids

    def vocab(self) -> list[bytes]:
        return list(self._vocab)

    def token_bytes(self, i: int) -> bytes:
        return self._vocab[i]


def test_a_model_without_merges_is_shown_without_a_merge_tree(english_docs):
    tok = WordPieceLike(english_docs[:50])
    view = TokenizerView("wp", tok, "<test>")
    with serve_in_thread(create_app([view])) as url:
        text = "Tokenizers split unbelievable words: 東京 ✓"
        status, answer, _ = encode(url, text)
        r = answer["tokenizers"]["wp"]
        assert status == 200 and r["ids"] == tok.hf.encode(text, add_special_tokens=False).ids
        assert r["spans"] is None and [bytes.fromhex(h) for h in r["hex"]] == [tok.token_bytes(i) for i in r["ids"]]
        assert request(f"{url}/api/tokenizers")[1]["tokenizers"][0]["kind"] == "WordPiece"
        continued = next(i for i, t in enumerate(tok.vocab()) if t.startswith(b"##"))
        status, t, _ = request(f"{url}/api/token/wp/{continued}")
        assert status == 200 and not t["has_merges"] and t["tree"]["parts"] == [] and t["builds_total"] == 0
        assert t["kind"] == "token" and t["text"] == tok.token_bytes(continued).decode()
        unk = tok.special_tokens["[UNK]"]
        assert request(f"{url}/api/token/wp/{unk}")[1]["kind"] == "special"
        found = request(f"{url}/api/vocab/wp?q=%23%23")[1]
        assert found["total"] == sum(t.startswith(b"##") for t in tok.vocab())


@pytest.mark.parametrize(
    ("host", "loopback", "allowed"),
    [
        ("127.0.0.1", True, ["127.0.0.1", "localhost"]),
        ("localhost", True, ["127.0.0.1", "localhost"]),
        ("127.0.0.2", True, ["127.0.0.1", "127.0.0.2", "localhost"]),
        ("::1", True, ["*"]),
        ("0.0.0.0", False, ["*"]),
        ("192.168.1.5", False, ["*"]),
        ("example.com", False, ["*"]),
    ],
)
def test_local_addresses_and_the_host_names_they_accept(host, loopback, allowed):
    assert is_loopback(host) == loopback
    assert allowed_hosts(host) == allowed
