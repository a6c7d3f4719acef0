"""Corpus readers: formats, compression, directories, block cutting, invalid UTF-8, bad input, and training
from files against training from memory and against Hugging Face `train(files)`."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

import tokenforge as tf
from tokenforge import _core
from tokenforge.corpus import CorpusOptions, CorpusStats, iter_documents, iter_segments
from tokenforge.corpus import files as corpus_files
from tokenforge.corpus import jsonl as corpus_jsonl
from tokenforge.errors import CorpusError, InputFileError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.counting import count_pretokens

MIXED = (
    "Hello wörld, ça va? 1234567 it's   done\r\n"
    "Ελληνικά και русский текст; 日本語のテキストと中文。 👋🏽 emoji\n"
    "\n"
    "       \t  spaces\n"
    "مرحبا بالعالم — हिन्दी पाठ\n"
    "no newline at the end"
)


def read(paths, **options) -> tuple[list[tuple[bytes | str, bool]], CorpusStats]:
    """All segments of `paths` and the stats."""
    stats = CorpusStats()
    return list(iter_segments(paths, CorpusOptions(**options), stats)), stats


def documents(paths, **options) -> list[str]:
    """The documents of `paths`, segments joined."""
    docs, current = [], []
    for seg, end in read(paths, **options)[0]:
        current.append(seg if isinstance(seg, str) else seg.decode())
        if end:
            docs.append("".join(current))
            current = []
    assert not current, "the last segment must end its document"
    return docs


def compress(data: bytes, compression: str | None) -> bytes:
    if compression == "gzip":
        return gzip.compress(data)
    if compression == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


SUFFIX = {None: "", "gzip": ".gz", "zstd": ".zst"}


def write_jsonl(path: Path, records: list, compression: str | None = None) -> Path:
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_bytes(compress(lines.encode(), compression))
    return path


def write_parquet(path: Path, table: dict, row_group_size: int = 3) -> Path:
    pq.write_table(pa.table(table), path, row_group_size=row_group_size)
    return path


# ---------------------------------------------------------------------------------------------- formats


@pytest.fixture(params=["orjson", "json"])
def json_parser(request, monkeypatch):
    """Runs a test with orjson (when installed) and with the standard json module alone."""
    if request.param == "json":
        monkeypatch.setattr(corpus_jsonl, "_fast_loads", None)
    elif corpus_jsonl._fast_loads is None:
        pytest.skip("orjson is not installed")


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_text_file_is_one_document(tmp_path, compression):
    path = tmp_path / f"a.txt{SUFFIX[compression]}"
    path.write_bytes(compress(MIXED.encode(), compression))
    segments, stats = read([path], block_size=16)
    assert len(segments) > 1
    assert [end for _, end in segments] == [False] * (len(segments) - 1) + [True]
    assert b"".join(s for s, _ in segments) == MIXED.encode()
    assert (stats.files, stats.documents, stats.bytes, stats.invalid_bytes) == (1, 1, len(MIXED.encode()), 0)


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
def test_jsonl_records_are_documents(tmp_path, compression, json_parser):
    records = [{"text": "first ü"}, {"text": MIXED, "id": 2}, {"text": ""}, {"text": None}, {"text": "last"}]
    path = write_jsonl(tmp_path / f"r.jsonl{SUFFIX[compression]}", records)
    data = "\ufeff".encode() + path.read_bytes().replace(b"\n", b"\n\n  \n", 1)  # a BOM, blank lines
    path.write_bytes(compress(data.replace(b'"id": 2', b'"score": NaN'), compression))
    assert documents([path], block_size=8) == ["first ü", MIXED, "", "last"]
    stats = read([path])[1]
    assert (stats.files, stats.documents) == (1, 4)


def test_jsonl_custom_field_and_json_suffix(tmp_path):
    path = write_jsonl(tmp_path / "r.json", [{"content": "a b"}, {"content": "c"}])
    assert documents([path], text_field="content") == ["a b", "c"]


def test_parquet_column_by_row_groups(tmp_path):
    texts = ["one", None, MIXED, "", "five", "six", "seven ö"]
    path = write_parquet(tmp_path / "t.parquet", {"id": list(range(7)), "body": texts}, row_group_size=2)
    assert pq.ParquetFile(path).num_row_groups == 4
    assert documents([path], text_column="body") == [t for t in texts if t is not None]
    assert documents([path], text_field="body") == [t for t in texts if t is not None]  # the column follows
    stats = read([path], text_column="body")[1]
    assert (stats.files, stats.documents, stats.bytes) == (1, 6, sum(len(t.encode()) for t in texts if t))


def test_parquet_recognised_by_magic_bytes(tmp_path):
    path = write_parquet(tmp_path / "data.bin", {"text": ["x", "y"]})
    assert documents([path]) == ["x", "y"]


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compression_recognised_by_magic_bytes(tmp_path, compression):
    path = tmp_path / "plain-name.txt"
    path.write_bytes(compress(MIXED.encode(), compression))
    assert documents([path]) == [MIXED]


def test_zstd_several_frames_and_gzip_several_members(tmp_path):
    parts = [b"first part\n", "zweiter Teil ü\n".encode(), b"third"]
    z = tmp_path / "a.txt.zst"
    z.write_bytes(b"".join(compress(p, "zstd") for p in parts))
    g = tmp_path / "a.txt.gz"
    g.write_bytes(b"".join(compress(p, "gzip") for p in parts))
    expected = [b"".join(parts).decode()]
    assert documents([z]) == documents([g]) == expected


def test_large_zstd_is_streamed_in_chunks(tmp_path):
    text = "".join(f"line {i} with ünïcode\n" for i in range(60000))
    path = tmp_path / "big.txt.zst"
    path.write_bytes(compress(text.encode(), "zstd"))
    segments, stats = read([path], block_size=64 << 10)
    assert len(segments) > 10
    assert b"".join(s for s, _ in segments) == text.encode()
    assert stats.bytes == len(text.encode())


def test_several_paths_in_order(tmp_path):
    (tmp_path / "b.txt").write_text("bee")
    a = write_jsonl(tmp_path / "a.jsonl", [{"text": "ay"}, {"text": "ay2"}])
    assert documents([tmp_path / "b.txt", a]) == ["bee", "ay", "ay2"]
    assert documents(tmp_path / "b.txt") == ["bee"]  # one path given alone


def test_empty_text_file_has_no_document(tmp_path):
    (tmp_path / "e.txt").write_bytes(b"")
    segments, stats = read([tmp_path / "e.txt"])
    assert segments == [] and (stats.files, stats.documents) == (1, 0)


# ---------------------------------------------------------------------------------------------- directories


def test_directory_recursion_order_and_selection(tmp_path):
    d = tmp_path / "corpus"
    (d / "b_sub" / "deeper").mkdir(parents=True)
    (d / ".hidden_dir").mkdir()
    (d / "a.txt").write_text("a.txt")
    (d / "c.md").write_text("c.md")
    (d / "README").write_text("README")  # no suffix, looks like text
    (d / "notes.rst.gz").write_bytes(compress(b"notes.rst.gz", "gzip"))  # unknown inner suffix, text inside
    (d / "b_sub" / "z.jsonl.zst").write_bytes(compress(b'{"text": "z.jsonl.zst"}\n', "zstd"))
    write_parquet(d / "b_sub" / "deeper" / "p.parquet", {"text": ["p.parquet"]})
    (d / "b_sub" / "a.text").write_text("b_sub/a.text")
    (d / ".hidden.txt").write_text("hidden")
    (d / ".hidden_dir" / "x.txt").write_text("hidden dir")
    (d / "config.json").write_text('{"text": "metadata"}\n')
    (d / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "lib.so").write_bytes(b"\x7fELF" + bytes(100))
    expected = ["README", "a.txt", "b_sub/a.text", "p.parquet", "z.jsonl.zst", "c.md", "notes.rst.gz"]
    assert documents([d]) == expected
    stats = read([d])[1]
    assert (stats.files, stats.documents, stats.skipped_files) == (7, 7, 3)


def test_directory_skips_symlinked_directories(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_text("a")
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "b.txt").write_text("b")
    (tmp_path / "corpus" / "link").symlink_to(tmp_path / "real")
    assert documents([tmp_path / "corpus"]) == ["b"]


def test_explicit_file_of_unknown_kind_is_text(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    assert documents([tmp_path / "data.csv"]) == ["a,b\n1,2\n"]


@pytest.mark.parametrize("content", [None, "binary"])
def test_directory_without_usable_files(tmp_path, content):
    d = tmp_path / "nothing here"
    d.mkdir()
    if content:
        (d / "blob.bin").write_bytes(b"\x00\x01\x02")
        (d / "meta.json").write_text("{}")
    with pytest.raises(CorpusError, match="nothing here: no usable files"):
        read([d])


# ---------------------------------------------------------------------------------------------- blocks, lines


def test_split_lines_keeps_newlines(tmp_path):
    path = tmp_path / "l.txt"
    path.write_bytes(MIXED.encode())
    expected = MIXED.encode().splitlines(keepends=True)
    assert b"\r\n" in expected[0] and b"\n" in expected  # CRLF kept whole, empty lines are documents
    for block_size in (1, 3, 10, 1 << 20):
        assert documents([path], split_lines=True, block_size=block_size) == [x.decode() for x in expected]
    stats = read([path], split_lines=True)[1]
    assert stats.documents == len(expected)


def test_split_lines_only_at_newline(tmp_path):
    path = tmp_path / "l.txt"
    path.write_bytes("a\rb\x0bc\x0cd\u2028e\x85f\nlast\n".encode())
    assert documents([path], split_lines=True) == ["a\rb\x0bc\x0cd\u2028e\x85f\n", "last\n"]


@pytest.mark.parametrize("block_size", [1, 2, 3, 4, 5, 7, 13, 64])
def test_block_cut_never_splits_a_character(tmp_path, block_size):
    text = "日本語👋🏽ü" * 40 + "\n" + "ab€" * 30 + "\n\n" + "Ω" * 50
    path = tmp_path / "mb.txt"
    path.write_bytes(text.encode())
    segments, _ = read([path], block_size=block_size)
    assert len(segments) > 3
    assert "".join(s.decode() for s, _ in segments) == text  # every segment decodes on its own


# ---------------------------------------------------------------------------------------------- invalid UTF-8

BAD = b"ok line\n" + b"caf\xe9 \xff\xfe " + "ünï\n".encode() + b"trunc \xe2\x82 end \xf0\x9f\x98"


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
@pytest.mark.parametrize("block_size", [1, 5, 1 << 20])
def test_invalid_utf8_error_names_file_and_offset(tmp_path, compression, block_size):
    path = tmp_path / f"bad.txt{SUFFIX[compression]}"
    path.write_bytes(compress(BAD, compression))
    offset = BAD.index(b"\xe9")
    with pytest.raises(CorpusError, match=rf"bad\.txt.*: invalid UTF-8 at byte offset {offset} "):
        read([path], block_size=block_size)


@pytest.mark.parametrize("mode, handler", [("replace", "replace"), ("skip", "ignore")])
@pytest.mark.parametrize("block_size", [1, 2, 3, 6, 1 << 20])
def test_invalid_utf8_replace_and_skip(tmp_path, mode, handler, block_size):
    path = tmp_path / "bad.txt"
    path.write_bytes(BAD)
    assert documents([path], on_invalid_utf8=mode, block_size=block_size) == [BAD.decode("utf-8", handler)]
    stats = read([path], on_invalid_utf8=mode, block_size=block_size)[1]
    assert stats.invalid_bytes == 1 + 2 + 2 + 3  # é as Latin-1, ff fe, a truncated €, a truncated emoji
    assert stats.bytes == len(BAD)


def test_invalid_utf8_split_lines(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(BAD)
    expected = [line.decode("utf-8", "replace") for line in BAD.splitlines(keepends=True)]
    assert documents([path], on_invalid_utf8="replace", split_lines=True, block_size=4) == expected


def test_invalid_utf8_in_jsonl(tmp_path, json_parser):
    path = tmp_path / "bad.jsonl"
    data = b'{"text": "fine"}\n{"text": "caf\xe9"}\n'
    path.write_bytes(data)
    with pytest.raises(CorpusError, match=rf"bad\.jsonl: invalid UTF-8 at byte offset {data.index(0xE9)} "):
        read([path])
    assert documents([path], on_invalid_utf8="replace") == ["fine", "caf\ufffd"]
    assert documents([path], on_invalid_utf8="skip") == ["fine", "caf"]


def test_lone_surrogate_escape_in_jsonl(tmp_path, json_parser):
    path = tmp_path / "s.jsonl"
    path.write_text('{"text": "ok \\ud83d\\ude00"}\n{"text": "a\\ud800b"}\n')
    with pytest.raises(CorpusError, match=r"s\.jsonl: line 2: .*lone surrogate"):
        read([path])
    assert documents([path], on_invalid_utf8="replace") == ["ok 😀", "a\ufffdb"]
    assert documents([path], on_invalid_utf8="skip") == ["ok 😀", "ab"]
    assert read([path], on_invalid_utf8="skip")[1].invalid_bytes == 3


# ---------------------------------------------------------------------------------------------- bad input


def test_missing_path(tmp_path):
    (tmp_path / "there.txt").write_text("x")
    with pytest.raises(InputFileError, match="nope.txt: no such file or directory"):
        read([tmp_path / "there.txt", tmp_path / "nope.txt"])


def test_permission_denied_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "secret.txt"
    path.write_text("x")

    def refuse(file, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(file))

    monkeypatch.setattr(corpus_files, "open", refuse, raising=False)
    with pytest.raises(InputFileError, match="secret.txt: permission denied"):
        read([path])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_file_and_directory(tmp_path):
    f = tmp_path / "secret.txt"
    f.write_text("x")
    f.chmod(0)
    d = tmp_path / "closed"
    d.mkdir()
    d.chmod(0)
    try:
        with pytest.raises(InputFileError, match="secret.txt: permission denied"):
            read([f])
        with pytest.raises(InputFileError, match="closed: permission denied"):
            read([d])
    finally:
        d.chmod(0o755)


@pytest.mark.parametrize(
    "name, damage",
    [
        ("t.txt.gz", lambda z: z[: len(z) // 2]),  # truncated
        ("t.txt.gz", lambda z: z[:-8] + b"\0\0\0\0" + z[-4:]),  # bad CRC
        ("t.jsonl.gz", lambda z: z[:12] + b"\xff" * 20 + z[32:]),  # garbage in the deflate stream
    ],
)
def test_corrupt_gzip(tmp_path, name, damage):
    path = tmp_path / name
    data = "".join(json.dumps({"text": f"record {i}"}) + "\n" for i in range(2000)).encode()
    path.write_bytes(damage(gzip.compress(data)))
    with pytest.raises(CorpusError, match=rf"{name}: corrupt gzip data"):
        read([path])


@pytest.mark.parametrize("damage", [lambda z: z[: len(z) // 2], lambda z: z[:-1], lambda z: z[:20] + b"x" * 40])
def test_corrupt_zstd(tmp_path, damage):
    path = tmp_path / "t.txt.zst"
    data = "".join(f"line {i}\n" for i in range(20000)).encode()
    path.write_bytes(damage(zstandard.ZstdCompressor(write_checksum=True).compress(data)))
    with pytest.raises(CorpusError, match=r"t\.txt\.zst: corrupt zstd data"):
        read([path])


@pytest.mark.parametrize("suffix, kind", [(".gz", "gzip"), (".zst", "zstd")])
def test_compression_suffix_without_compressed_data(tmp_path, suffix, kind):
    path = tmp_path / f"t.txt{suffix}"
    path.write_text("plain text")
    with pytest.raises(CorpusError, match=rf"t\.txt{suffix}: not {kind} data"):
        read([path])


@pytest.mark.parametrize(
    "line, problem",
    [
        ('{"text": "unterminated', "not valid JSON"),
        ('["a list"]', "not a JSON object but list"),
        ('{"body": "x"}', "the record has no field 'text' \\(fields: body\\)"),
        ('{"text": 3}', "field 'text' holds int, not a string"),
    ],
)
def test_bad_jsonl_line(tmp_path, line, problem, json_parser):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n\n' + line + "\n")
    with pytest.raises(CorpusError, match=rf"bad\.jsonl: line 3: {problem}"):
        read([path])


def test_parquet_without_the_column(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", {"id": [1], "body": ["x"]})
    with pytest.raises(CorpusError, match=r"t\.parquet: no column 'text' \(columns: id, body\)"):
        read([path])


def test_parquet_column_not_text(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", {"text": [1, 2]})
    with pytest.raises(CorpusError, match=r"t\.parquet: column 'text' holds int64, not text"):
        read([path])


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"PAR1" + b"\0" * 50 + b"PAR1"])
def test_corrupt_parquet(tmp_path, damage):
    path = write_parquet(tmp_path / "t.parquet", {"text": [f"row {i}" for i in range(100)]})
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(CorpusError, match=r"t\.parquet: "):
        read([path])


def test_corrupt_parquet_data_pages(tmp_path):
    path = write_parquet(tmp_path / "t.parquet", {"text": [f"row {i} " * 20 for i in range(2000)]}, 500)
    data = bytearray(path.read_bytes())
    data[100:4000] = b"\xa5" * 3900  # the first column chunk; the footer is intact
    path.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match=r"t\.parquet: corrupt Parquet data"):
        read([path])


# ---------------------------------------------------------------------------------------------- training


def merges_of(counter: _core.WordCounter, vocab_size: int) -> list[tuple[bytes, bytes]]:
    vocab, merges = _core.train_bpe(counter, vocab_size)
    return Tokenizer(vocab, merges, "gpt4").merges


@pytest.fixture(scope="module")
def stitch_text(english_docs) -> str:
    """Prose with long runs of spaces, digits and multi-byte text, so pieces cross every block boundary."""
    return "".join(english_docs[:6]) + MIXED + " " * 3000 + "9" * 700 + "\n" + MIXED * 3


def test_train_on_a_text_file_equals_training_on_its_text(tmp_path, stitch_text):
    path = tmp_path / "t.txt"
    path.write_bytes(stitch_text.encode())
    expected = tf.train_from_iterator([stitch_text], vocab_size=300).merges
    assert tf.train([path], vocab_size=300).merges == expected
    for block_size in (31, 500, 4096):
        segments = iter_segments([path], CorpusOptions(block_size=block_size), CorpusStats())
        [counter] = count_pretokens(segments, ["gpt4"], Progress(enabled=False))
        assert merges_of(counter, 300) == expected, block_size


def test_train_on_jsonl_equals_training_on_its_records(tmp_path, english_docs):
    records = [{"text": doc, "n": i} for i, doc in enumerate(english_docs[:200])]
    path = write_jsonl(tmp_path / "docs.jsonl.zst", records, "zstd")
    expected = tf.train_from_iterator([r["text"] for r in records], vocab_size=400).merges
    assert tf.train([path], vocab_size=400).merges == expected


def test_iter_documents_counts(english_docs):
    stats = CorpusStats()
    docs = [english_docs[0], english_docs[1].encode()]
    assert list(iter_documents(docs, stats)) == [(docs[0], True), (docs[1], True)]
    assert (stats.documents, stats.bytes) == (2, len(docs[0]) + len(docs[1]))


def gpt2_byte_decoder() -> dict[str, int]:
    """GPT-2's bytes_to_unicode table, reversed: printable stand-in character → byte."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = {b: b for b in printable}
    shifted = [b for b in range(256) if b not in chars]
    chars.update({b: 256 + i for i, b in enumerate(shifted)})
    return {chr(c): b for b, c in chars.items()}


def hf_train_files(path: Path, vocab_size: int) -> list[tuple[bytes, bytes]]:
    """Hugging Face `Tokenizer.train([file])` with the cl100k split and byte-level alphabet, merges as bytes."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(_core.CL100K_PATTERN), "isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False
    )
    tok.train([str(path)], trainer)
    decoder = gpt2_byte_decoder()
    merges = json.loads(tok.to_str())["model"]["merges"]
    pairs = [m.split(" ") if isinstance(m, str) else m for m in merges]
    return [(bytes(decoder[c] for c in left), bytes(decoder[c] for c in right)) for left, right in pairs]


def test_split_lines_training_matches_huggingface_train_files(tmp_path, english_docs):
    text = "".join(english_docs[:120]) + "\n\n\r\n" + MIXED + "\n   \n" + MIXED.replace("\n", "\r\n")
    path = tmp_path / "lines.txt"
    path.write_bytes(text.encode())
    ours = tf.train([path], vocab_size=600, split_lines=True).merges
    assert ours == hf_train_files(path, 600)
    assert ours != tf.train([path], vocab_size=600).merges  # documents per line do count differently


def test_plain_size_is_known_only_for_uncompressed_text(tmp_path):
    from tokenforge.corpus.files import discover, plain_size

    (tmp_path / "a.txt").write_text("hello\n")
    (tmp_path / "b.jsonl").write_text('{"text": "x"}\n')
    assert plain_size(discover([tmp_path], CorpusStats())) == 6 + 14
    (tmp_path / "c.txt.gz").write_bytes(gzip.compress(b"more\n"))
    assert plain_size(discover([tmp_path], CorpusStats())) is None


def test_progress_bar_follows_its_position():
    from tokenforge.progress import Progress

    read = [0]
    with Progress(enabled=False) as bar:
        bar.enabled = True  # as on a terminal
        bar.start("counting", total=100, unit="bytes", position=lambda: read[0])
        read[0] = 40
        bar.advance(7)  # the position wins over the advance
        assert bar._rich.tasks[0].completed == 40
        bar.start("merging", total=10, unit="merges")
        bar.advance(3)
        assert bar._rich.tasks[0].completed == 3
