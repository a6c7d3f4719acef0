"""Bad, foreign and unsupported files, and exports the target cannot represent: one clear error of our own
classes naming the file and the problem, never another exception."""

from __future__ import annotations

import base64
import copy
import gzip
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, normalizers, pre_tokenizers

import tokenforge as tf

BYTES = [bytes([b]) for b in range(256)]


@pytest.fixture(scope="module")
def tiny(english_docs):
    """A 300-token tokenizer with a special token: small enough to load thousands of times."""
    return tf.train_from_iterator(english_docs[:50], vocab_size=300, pretokenizer="gpt4", special_tokens=["<|s|>"])


@pytest.fixture(scope="module")
def tiny_json(tiny, tmp_path_factory):
    return json.loads(tiny.save_huggingface(tmp_path_factory.mktemp("tiny")).read_text(encoding="utf-8"))


def write_json(path, data) -> str:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def edited(data: dict, edit) -> dict:
    out = copy.deepcopy(data)
    edit(out)
    return out


# -- from_huggingface -------------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(tf.InputFileError, match="no such file or directory"):
        tf.Tokenizer.from_huggingface(tmp_path / "nope.json")
    with pytest.raises(tf.InputFileError, match="tokenizer.json: no such file or directory"):
        tf.Tokenizer.from_huggingface(tmp_path)  # a directory without tokenizer.json


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", b'{"model": {"type": "BPE", "vocab": {"a": 0', b"", b"\xff\xfe{}"],
    ids=["binary", "truncated", "empty", "not-utf8"],
)
def test_not_json(tmp_path, content):
    path = tmp_path / "tokenizer.json"
    path.write_bytes(content)
    with pytest.raises(tf.TokenizerFileError, match=f"{path}: not a tokenizer.json"):
        tf.Tokenizer.from_huggingface(path)


def test_truncated_export(tiny, tmp_path):
    path = tiny.save_huggingface(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(tf.TokenizerFileError, match=str(path)):
        tf.Tokenizer.from_huggingface(tmp_path)


def foreign(kind: str) -> HFTokenizer:
    if kind == "WordPiece":
        tok = HFTokenizer(models.WordPiece({"[UNK]": 0, "a": 1, "##b": 2}, unk_token="[UNK]"))
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    elif kind == "Unigram":
        tok = HFTokenizer(models.Unigram([("<unk>", 0.0), ("a", -1.0), ("b", -2.0)], 0))
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
    else:  # a SentencePiece-style BPE (Llama 2): byte fallback, no byte-level alphabet
        tok = HFTokenizer(models.BPE({"<unk>": 0, "<0x41>": 1, "▁a": 2}, [], byte_fallback=True, unk_token="<unk>"))
        tok.decoder = decoders.ByteFallback()
    return tok


@pytest.mark.parametrize("kind", ["Unigram", "BPE"])
def test_sentencepiece_style_models_load(tmp_path, kind):
    """(Once refused; tests/test_hf_sentencepiece.py checks these families in depth.)"""
    path = tmp_path / "tokenizer.json"
    hf = foreign(kind)
    hf.save(str(path))
    ours = tf.Tokenizer.from_huggingface(path)
    for text in ["a", "ab ba", "A", "Aa"]:  # (tokenizers reorders ids after a missing byte piece: "aaA")
        assert ours.encode(text) == hf.encode(text).ids


def test_whitespace_bpe_is_unsupported(tmp_path):
    tok = HFTokenizer(models.BPE({"a": 0, "b": 1, "ab": 2}, [("a", "b")]))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.normalizer = normalizers.Lowercase()
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    with pytest.raises(tf.UnsupportedError, match="not supported yet: normalizer Lowercase"):
        tf.Tokenizer.from_huggingface(path)
    tok.normalizer = None
    tok.save(str(path))
    with pytest.raises(tf.UnsupportedError, match="not supported yet: pre-tokenizer Whitespace"):
        tf.Tokenizer.from_huggingface(path)


SPLIT = {"type": "Split", "pattern": {"Regex": "a+"}, "behavior": "Isolated", "invert": False}


def set_pre(*steps):
    def edit(d):
        d["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": list(steps)}

    return edit


def set_in(keys, value):
    def edit(d):
        for k in keys[:-1]:
            d = d[k]
        d[keys[-1]] = value

    return edit


def first_merge_part(d):
    d["model"]["merges"][0][0] = "zzzz"


def merge_without_result(d):
    d["model"]["merges"].append(["Ġ", "Ġ"]) if "ĠĠ" not in d["model"]["vocab"] else None
    d["model"]["merges"].append(["q", "Ġ"])


def both_added_and_vocab(d):
    d["added_tokens"][0]["id"] = 0


UNSUPPORTED = {
    "string-split": (
        set_pre({**SPLIT, "pattern": {"String": " "}}, {"type": "ByteLevel", "use_regex": False}),
        "Regex patterns",
    ),
    "removed-split": (set_pre({**SPLIT, "behavior": "Removed"}, {"type": "ByteLevel"}), "behavior 'Removed'"),
    "digits": (set_pre({"type": "Digits", "individual_digits": True}, {"type": "ByteLevel"}), "Digits"),
    "prefix-space": (set_in(["pre_tokenizer"], {"type": "ByteLevel", "add_prefix_space": True}), "add_prefix_space"),
    "no-pretokenizer": (set_in(["pre_tokenizer"], None), "without pre-tokenizer"),
    "bad-regex": (set_pre({**SPLIT, "pattern": {"Regex": r"\p{NoSuchClass}"}}, {"type": "ByteLevel"}), "regex"),
    "normalizer": (set_in(["normalizer"], {"type": "NFD"}), "normalizer NFD"),
    "normalizers": (
        set_in(["normalizer"], {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Lowercase"}]}),
        "Sequence of 2",
    ),
    "dropout": (set_in(["model", "dropout"], 0.1), "dropout"),
    "suffix": (set_in(["model", "end_of_word_suffix"], "</w>"), "end_of_word_suffix"),
    "lstrip": (set_in(["added_tokens", 0, "lstrip"], True), "lstrip"),
    "not-byte-level": (set_in(["model", "vocab", "▁hello"], 300), "not byte-level"),
}


@pytest.mark.parametrize("case", sorted(UNSUPPORTED))
def test_unsupported_shapes(tiny_json, tmp_path, case):
    edit, message = UNSUPPORTED[case]
    path = write_json(tmp_path / "tokenizer.json", edited(tiny_json, edit))
    with pytest.raises(tf.UnsupportedError, match=f"{path}: not supported yet: .*{message}"):
        tf.Tokenizer.from_huggingface(path)


CORRUPT = {
    "no-model": (lambda d: d.pop("model"), 'has no "model"'),
    "no-vocab": (lambda d: d["model"].pop("vocab"), 'has no "vocab"'),
    "no-merges": (lambda d: d["model"].pop("merges"), 'has no "merges"'),
    "id-not-int": (set_in(["model", "vocab", "Ġthe"], "7"), "has id '7'"),
    "negative-id": (set_in(["model", "vocab", "Ġthe"], -1), "has id -1"),
    "huge-id": (set_in(["model", "vocab", "Ġthe"], 1 << 40), "ids go up to"),
    "same-id": (set_in(["model", "vocab", "Ġthe"], 5), "id 5 is given to two"),
    "unknown-merge-part": (first_merge_part, "'zzzz' is not in the vocabulary"),
    "merge-result-missing": (merge_without_result, "'qĠ' is not in the vocabulary"),
    "merge-not-pair": (set_in(["model", "merges", 0], ["a", "b", "c"]), "does not have two parts"),
    "merge-not-strings": (set_in(["model", "merges", 0], 7), "not a pair of tokens"),
    "added-and-vocab": (both_added_and_vocab, "id 0 is both added token"),
    "added-vocab-id": (set_in(["model", "vocab", "<|s|>"], 5), "'<|s|>' has id 299 but vocabulary id 5"),
    "added-twice": (lambda d: d["added_tokens"].append(dict(d["added_tokens"][0])), "appears twice"),
    "not-object": (lambda d: d.clear(), 'has no "model"'),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_files(tiny_json, tmp_path, case):
    edit, message = CORRUPT[case]
    path = write_json(tmp_path / "tokenizer.json", edited(tiny_json, edit))
    with pytest.raises(tf.TokenizerFileError, match=f"{path}: corrupt tokenizer.json: .*{message}"):
        tf.Tokenizer.from_huggingface(path)


def test_old_string_merges_and_last_rank_of_repeated_pairs(tiny_json, tmp_path):
    data = copy.deepcopy(tiny_json)
    data["model"]["merges"] = [" ".join(m) for m in data["model"]["merges"]]
    path = write_json(tmp_path / "tokenizer.json", data)
    tok = tf.Tokenizer.from_huggingface(path)
    assert tok.merge_ids == tf.Tokenizer.from_dict({**tok.to_dict()}).merge_ids
    first = data["model"]["merges"][0]
    data["model"]["merges"].append(first)  # tokenizers keeps the last rank of a repeated pair
    tok2 = tf.Tokenizer.from_huggingface(write_json(tmp_path / "tokenizer.json", data))
    assert tok2.merge_ids == tok.merge_ids[1:] + tok.merge_ids[:1]
    hf = HFTokenizer.from_file(str(tmp_path / "tokenizer.json"))
    for text in ["the function returns", "    indented", "a, b; c"]:
        assert tok2.encode(text) == hf.encode(text).ids


# -- from_tiktoken ----------------------------------------------------------------------------------------


def tiktoken_file(tmp_path, ranks: dict[bytes, int], name: str = "x.tiktoken"):
    path = tmp_path / name
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    return path


BASE_RANKS = {t: i for i, t in enumerate(BYTES)} | {b"ab": 256, b"abc": 257}


@pytest.mark.parametrize(
    "line, message",
    [
        ("YWJj", "expected a base64 token and a rank"),
        ("YWJj 12 13", "expected a base64 token and a rank"),
        ("YWJj x", "expected a base64 token and a rank"),
        ("!!!! 300", "not a .tiktoken line"),
        ("YQ== 300", "token b'a' is listed twice"),
        ("eHl6 5", "rank 5 is also on line 6"),
        (" 300", "expected a base64 token and a rank"),
    ],
)
def test_corrupt_tiktoken_lines(tmp_path, line, message):
    path = tiktoken_file(tmp_path, BASE_RANKS)
    path.write_text(path.read_text() + line + "\n")
    with pytest.raises(tf.TokenizerFileError, match=f"{path}: line 259: .*{message}"):
        tf.Tokenizer.from_tiktoken(path)


def test_tiktoken_file_errors(tmp_path):
    with pytest.raises(tf.InputFileError, match="no such file or directory"):
        tf.Tokenizer.from_tiktoken(tmp_path / "missing.tiktoken")
    empty = tmp_path / "empty.tiktoken"
    empty.write_bytes(b"")
    with pytest.raises(tf.TokenizerFileError, match=f"{empty}: no tokens"):
        tf.Tokenizer.from_tiktoken(empty)
    bad_gz = tmp_path / "x.tiktoken.gz"
    bad_gz.write_bytes(gzip.compress(b"YQ== 0\n")[:-6])
    with pytest.raises(tf.TokenizerFileError, match=f"{bad_gz}: corrupt gzip"):
        tf.Tokenizer.from_tiktoken(bad_gz)
    # A token no merge builds is no error (tiktoken reads it too): it is emitted when a pre-token is exactly it.
    unreachable = tiktoken_file(tmp_path, {t: i for i, t in enumerate(BYTES)} | {b"xyz": 256})
    tok = tf.Tokenizer.from_tiktoken(unreachable)
    assert tok.encode("xyz") == [256]
    assert len(tok.encode(" xyz")) == len(tok.encode("xyzw")) == 4  # pre-tokens that are not it: bytes
    ok = tiktoken_file(tmp_path, BASE_RANKS)
    with pytest.raises(tf.ConfigError, match="not a free id"):
        tf.Tokenizer.from_tiktoken(ok, special_tokens={"<|x|>": 256})
    with pytest.raises(tf.PretokenizerError):
        tf.Tokenizer.from_tiktoken(ok, pattern="(unclosed")


def test_tiktoken_gz_and_specials(tmp_path):
    path = tiktoken_file(tmp_path, BASE_RANKS)
    gz = tmp_path / "x.tiktoken.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    tok = tf.Tokenizer.from_tiktoken(gz, pattern="gpt2", special_tokens={"<|end|>": 300})
    assert tok.vocab_size == 301
    assert tok.merge_ids == [((97, 98), 256), ((256, 99), 257)]
    assert tok.encode("abc<|end|>", allowed_special="all") == [257, 300]
    assert tok.token_bytes(299) == b""  # unused id between the ranks and the special token


# -- exports the target cannot represent ---------------------------------------------------------------------


def handmade(extra=(), merges=(), **options) -> tf.Tokenizer:
    return tf.Tokenizer(BYTES + list(extra), list(merges), **{"pretokenizer": "gpt2", **options})


AB = [((97, 98), 256)]
TIKTOKEN_REFUSALS = {
    "normalizer": (lambda: handmade(normalizer="NFC"), tf.UnsupportedError, "tiktoken has no normalizer"),
    "none": (lambda: handmade(pretokenizer="none"), tf.UnsupportedError, "not known to match all text"),
    "regex": (lambda: handmade(pretokenizer=r"\w+"), tf.UnsupportedError, "not known to match all text"),
    "added": (lambda: handmade([b"<t>"], added_tokens={"<t>": 256}), tf.UnsupportedError, "added"),
    "no-ignore": (lambda: handmade(ignore_merges=False), tf.UnsupportedError, "ignore_merges"),
    "duplicate": (lambda: handmade([b"a"]), tf.ConfigError, "same bytes"),
    "missing-byte": (
        lambda: tf.Tokenizer(BYTES[:255], [], pretokenizer="gpt2"),
        tf.ConfigError,
        r"no token for the byte\(s\) b'\\xff'",
    ),
    "id-below-parts": (
        lambda: tf.Tokenizer([b"ab"] + BYTES, [((98, 99), 0)], pretokenizer="gpt2"),
        tf.ConfigError,
        "makes an id below its parts",
    ),
    "decreasing": (
        lambda: handmade([b"ab", b"cd"], [((99, 100), 257), ((97, 98), 256)]),
        tf.ConfigError,
        "makes id 256 after an earlier merge made id 257",
    ),
    "no-merge": (lambda: handmade([b"ab"]), tf.ConfigError, r"token 256 \(b'ab'\) is not made by any merge"),
    "bad-merge": (lambda: handmade([b"ab"], [((97, 99), 256)]), tf.ConfigError, "not the concatenation"),
}


@pytest.mark.parametrize("case", sorted(TIKTOKEN_REFUSALS))
def test_tiktoken_export_refusals(tmp_path, case):
    make, error, message = TIKTOKEN_REFUSALS[case]
    with pytest.raises(error, match=message):
        make().save_tiktoken(tmp_path / "x.tiktoken")
    assert not (tmp_path / "x.tiktoken").exists()


def test_tiktoken_export_accepts_a_merge_list(tmp_path):
    tok = handmade([b"ab"], AB)
    path = tok.save_tiktoken(tmp_path / "sub" / "x.tiktoken")
    assert path.read_text().splitlines()[-1] == "YWI= 256"


def test_hf_export_refusals(tmp_path):
    with pytest.raises(tf.ConfigError, match="same bytes"):
        handmade([b"a"]).save_huggingface(tmp_path)
    # a special token above an unused id must go into the model vocabulary, where "Ġx" would read as b" x"
    tok = handmade([b"", "Ġx".encode()], special_tokens={"Ġx": 257})
    with pytest.raises(tf.ConfigError, match="byte-level spelling of b' x'"):
        tok.save_huggingface(tmp_path)
    with pytest.raises(tf.ConfigError, match="special, added or unused"):
        handmade([b"<s>", b"<s>a"], [((256, 97), 257)], special_tokens={"<s>": 256}).save_huggingface(tmp_path)


def test_unwritable_destinations(tiny, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(tf.InputFileError, match=f"{blocker}/tokenizer.json: cannot write"):
        tiny.save_huggingface(blocker)
    with pytest.raises(tf.InputFileError, match=f"{tmp_path}: cannot write"):
        tiny.save_tiktoken(tmp_path)  # a directory


# -- fuzzing: mutated files raise our errors or load -------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 1 << 33) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def mutate(data, draw, depth: int = 0):
    """A copy of `data` with one node somewhere below replaced by a random value, or deleted."""
    keys = list(data) if isinstance(data, dict) else range(len(data)) if isinstance(data, list) else []
    if keys and depth < 6 and draw(st.integers(0, 3)) > 0:
        key = draw(st.sampled_from(list(keys)[:50]))
        out = copy.copy(data)
        out[key] = mutate(data[key], draw, depth + 1)
        if isinstance(data, dict) and draw(st.integers(0, 9)) == 0:
            del out[key]
        return out
    return draw(JSON_VALUES)


def loads_or_our_error(load) -> None:
    try:
        load()
    except tf.TokenforgeError:
        pass


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_tokenizer_json_structure(tiny_json, tmp_path, data):
    path = write_json(tmp_path / "tokenizer.json", mutate(tiny_json, data.draw))
    loads_or_our_error(lambda: tf.Tokenizer.from_huggingface(path).encode("the function, 42 times"))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_file_bytes(tiny, tmp_path_factory, data):
    d = tmp_path_factory.mktemp("fuzz")
    files = {
        "hf": (tiny.save_huggingface(d), tf.Tokenizer.from_huggingface),
        "tiktoken": (tiny.save_tiktoken(d / "x.tiktoken"), tf.Tokenizer.from_tiktoken),
    }
    path, load = files[data.draw(st.sampled_from(sorted(files)))]
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        chunk = data.draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b" ", b"\n", b'"', b"0", b"=", b"}"]))
        if action == "replace":
            raw[at : at + len(chunk)] = chunk
        elif action == "insert":
            raw[at:at] = chunk
        elif action == "delete":
            del raw[at : at + len(chunk)]
        else:
            del raw[at:]
    path.write_bytes(bytes(raw))
    loads_or_our_error(lambda: load(path).encode("the function, 42 times"))
