"""`.tiktoken` files read by the core (`crates/tokenforge-core/src/model/bpe/rank_file.rs`) against the Python
reader it replaced, kept here as the reference: the same tokens and ranks, or an error at the same line for the
same reason; and random rank files loaded with tiktoken's ids."""

from __future__ import annotations

import base64
import binascii
import gc
import re

import pytest
import tiktoken
from hypothesis import given
from hypothesis import strategies as st
from tiktoken.load import load_tiktoken_bpe

import tokenforge as tf
from tokenforge.errors import TokenizerFileError
from tokenforge.interop.tiktoken import parse_tiktoken


def reference_parse(data: bytes, source: str) -> dict[bytes, int]:
    """The Python reader of `.tiktoken` content before the core's (tokenforge 89f26b2)."""
    ranks: dict[bytes, int] = {}
    seen: dict[int, int] = {}
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split()
        try:
            if len(fields) != 2 or not fields[1].isdigit():
                raise ValueError("expected a base64 token and a rank")
            token = base64.b64decode(fields[0], validate=True)
            rank = int(fields[1])
        except (ValueError, binascii.Error) as e:
            raise TokenizerFileError(f"{source}: line {number}: not a .tiktoken line ({e})") from None
        if not token:
            raise TokenizerFileError(f"{source}: line {number}: empty token")
        if token in ranks:
            raise TokenizerFileError(f"{source}: line {number}: token {token!r} is listed twice")
        if rank in seen:
            raise TokenizerFileError(f"{source}: line {number}: rank {rank} is also on line {seen[rank]}")
        ranks[token] = rank
        seen[rank] = number
    if not ranks:
        raise TokenizerFileError(f"{source}: no tokens (not a .tiktoken file)")
    return ranks


# Why a line is not a .tiktoken line is said by Python's base64 module in one reader and the base64 crate in the
# other (and Python 3.9's `b64decode(validate=True)` gives `==` as an empty token where 3.11 refuses it).
BAD_LINE = re.compile(r"not a \.tiktoken line \(.*\)|empty token")

TOKEN = st.one_of(
    st.sampled_from([b"a", b"b", b"ab", b"'", b'"', b"'\"", b"\x00\n", b"\xff"]), st.binary(min_size=1, max_size=5)
)
RANK = st.one_of(st.integers(0, 40).map(str), st.sampled_from(["007", "18446744073709551615", "-1", "1x", "", "٣"]))
FIELD = st.one_of(
    TOKEN.map(lambda t: base64.b64encode(t).decode()),
    TOKEN.map(lambda t: base64.b64encode(t).decode().rstrip("=")),
    TOKEN.map(lambda t: base64.b64encode(t).decode() + "="),
    st.sampled_from(["YR==", "YWJ=", "==", "=", "Y===", "YQ==YQ==", "Y=Q=", "!!!!", "YW Jj"]),
    st.text("YQWJj=+/ \t", max_size=6),
)
SPACE = st.sampled_from([" ", "  ", "\t", "\x0b", "\x0c", " \x1c"])
LINE = st.one_of(
    st.tuples(FIELD, SPACE, RANK).map("".join),
    st.tuples(st.sampled_from(["", " ", "\t"]), FIELD, SPACE, RANK, st.sampled_from(["", " ", " 1"])).map("".join),
    st.sampled_from(["", " ", "\x0c"]),
)


def as_file(lines: list[str], ends: list[str]) -> bytes:
    """Lines joined by the line ends `ends` (cycled)."""
    return "".join(line + ends[i % len(ends)] for i, line in enumerate(lines)).encode("utf-8")


def error(read, data: bytes) -> str | None:
    """The error `read` gives (a bad line's reason left out), or None."""
    try:
        read(data, "x.tiktoken")
    except TokenizerFileError as e:
        return BAD_LINE.sub("not a .tiktoken line", str(e))
    return None


@given(st.lists(LINE, max_size=12), st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=3))
def test_reads_what_the_python_reader_read(lines, ends):
    data = as_file(lines, ends)
    want = error(reference_parse, data)
    assert error(parse_tiktoken, data) == want
    if want is None:
        ranks, got = reference_parse(data, "x"), parse_tiktoken(data, "x")
        assert (len(got), got.max_rank) == (len(ranks), max(ranks.values()))
        assert all(r in got for r in ranks.values()) and not any(r in got for r in range(50) if r not in ranks.values())
        small = got.vocab(min(got.max_rank + 1, 100))  # ranks up to 2**64 - 1: not as a list
        assert {t: r for r, t in enumerate(small) if t} == {t: r for t, r in ranks.items() if r < 100}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"YQ== 1\nYg== 18446744073709551616\n", "line 2: not a .tiktoken line (the rank does not fit in 64 bits)"),
        (b"YQ== 1\nYQ 2\n", "line 2: not a .tiktoken line (not base64: "),
        (b"YQ== 1\r\nJw== 2\r\nJw== 3\n", 'line 3: token b"\'" is listed twice'),
        (b"\n\nYQ== 1\n\nYg== 1\n!!", "line 5: rank 1 is also on line 3"),
        (b" \n\x0c\n", "no tokens"),
    ],
)
def test_what_the_errors_say(data, message):
    with pytest.raises(TokenizerFileError) as e:
        parse_tiktoken(data, "x.tiktoken")
    assert str(e.value).startswith(f"x.tiktoken: {message}")


BYTES = {bytes([b]): b for b in range(256)}


@given(st.lists(st.text("ab c", min_size=2, max_size=6), max_size=40, unique=True), st.lists(st.text("ab c.")))
def test_random_rank_files_encode_as_tiktoken(tmp_path_factory, words, texts):
    """Tokens in any rank order (some no lower ranks build, some built only by higher ones): tiktoken's ids."""
    path = tmp_path_factory.mktemp("ranks") / "x.tiktoken"
    ranks = BYTES | {w.encode(): 256 + i for i, w in enumerate(words)}
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    tok = tf.Tokenizer.from_tiktoken(path, pattern="gpt2")
    by_merges = tf.Tokenizer(tok.vocab(), tok.merge_ids, tok.pretokenizer)  # the merge list recovered from them
    enc = tiktoken.Encoding("x", pat_str=tok.pattern, mergeable_ranks=load_tiktoken_bpe(str(path)), special_tokens={})
    for text in [*words, *texts, " ".join(words)]:
        assert tok.encode(text) == by_merges.encode(text) == enc.encode_ordinary(text), text


def test_recovering_merges_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    path = tmp_path / "x.tiktoken"
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in BYTES.items()) + "YWI= 256\n")
    # Recovering the merges (the first time they are asked for) pauses the collector.
    assert gc.isenabled()
    assert tf.Tokenizer.from_tiktoken(path).merge_ids == [((97, 98), 256)]
    assert gc.isenabled()
    gc.disable()
    try:
        assert tf.Tokenizer.from_tiktoken(path).merge_ids == [((97, 98), 256)]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_special_token_is_never_made_by_merging(tmp_path):
    # "<|>" (one pre-token) is the concatenation of ordinary tokens: as text it is those, as a special token its id.
    path = tmp_path / "x.tiktoken"
    ranks = BYTES | {b"<|": 256, b"|>": 257}
    path.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in ranks.items()))
    tok = tf.Tokenizer.from_tiktoken(path, pattern="gpt2", special_tokens={"<|>": 300})
    enc = tiktoken.Encoding("x", pat_str=tok.pattern, mergeable_ranks=ranks, special_tokens={"<|>": 300})
    assert tok.encode("<|>") == enc.encode_ordinary("<|>") == [256, ord(">")]
    assert tok.encode("<|>", allowed_special="all") == [300]
