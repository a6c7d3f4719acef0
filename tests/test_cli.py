"""The `tokenforge` command line: train/encode/decode/info/demo, loading any tokenizer kind, and bad input."""

from __future__ import annotations

import io
import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tokenforge as tf
from tokenforge.cli.common import line_batches, show_token
from tokenforge.cli.demo import split_held_out
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, InputFileError, TokenizerFileError, UnsupportedError
from tokenforge.loading import load_any

SPECIAL = "<|endoftext|>"
VOCAB = 700
LINES = [
    "The quick brown fox jumps over the lazy dog.",
    "",
    "Hello wörld 👋 — naïve café, 東京",
    f"special {SPECIAL} inside",
    "   leading spaces and a tab\tin the middle",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, english_docs) -> Path:
    """The pydoc topics as two text files in one directory."""
    d = tmp_path_factory.mktemp("corpus")
    half = len(english_docs) // 2
    (d / "a.txt").write_text("\n\n".join(english_docs[:half]), encoding="utf-8")
    (d / "b.txt").write_text("\n\n".join(english_docs[half:]), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def trained(tmp_path_factory, corpus) -> Path:
    """A tokenizer directory made by `tokenforge train`."""
    out = tmp_path_factory.mktemp("tok") / "tok"
    code = main(["train", str(corpus), "--vocab-size", str(VOCAB), "--special-token", SPECIAL, "-o", str(out)])
    assert code == 0
    return out


@pytest.fixture()
def lines_file(tmp_path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    """Runs `tokenforge ARGS` in this process; returns (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def console_script() -> str:
    """The installed `tokenforge` command of this Python."""
    script = shutil.which("tokenforge", path=str(Path(sys.executable).parent))
    assert script, "the tokenforge command is not installed next to this Python: pip install -e ."
    return script


# -- train -------------------------------------------------------------------------------------------


def test_train_saves_what_the_api_trains(trained, corpus):
    tok = tf.Tokenizer.load(trained)
    expected = tf.train(corpus, vocab_size=VOCAB, special_tokens=[SPECIAL])
    assert tok.vocab_size == VOCAB
    assert tok.special_tokens == {SPECIAL: VOCAB - 1}
    assert tok.merges == expected.merges


def test_train_prints_a_summary(capsys, corpus, tmp_path):
    code, out, _ = run_cli(capsys, "train", corpus / "a.txt", "--vocab-size", 300, "-o", tmp_path / "t")
    assert code == 0
    assert "trained 300 tokens (44 merges, 0 special)" in out
    assert "corpus: 1 file," in out
    assert f"saved to {tmp_path / 't' / 'tokenforge.json'}" in out


@pytest.mark.parametrize(
    ("cli", "api"),
    [
        (["--pretokenizer", "gpt2"], {"pretokenizer": "gpt2"}),
        (["--pretokenizer", r"\w+|\s+"], {"pretokenizer": r"\w+|\s+"}),
        (["--min-frequency", "40"], {"min_frequency": 40}),
        (["--split-lines"], {"split_lines": True}),
        (["--max-token-bytes", "4", "--max-token-chars", "3"], {"max_token_bytes": 4, "max_token_chars": 3}),
        (["--algorithm", "superbpe", "--transition", "350"], {"algorithm": "superbpe", "transition": 350}),
    ],
)
def test_train_options_reach_the_api(capsys, corpus, tmp_path, cli, api):
    code, _, _ = run_cli(capsys, "train", corpus / "b.txt", "--vocab-size", 400, *cli, "-o", tmp_path / "t")
    assert code == 0
    tok = tf.Tokenizer.load(tmp_path / "t")
    expected = tf.train(corpus / "b.txt", vocab_size=400, **api)
    assert tok.pretokenizer == expected.pretokenizer
    assert tok.merges == expected.merges


def test_train_reads_jsonl_text_field(capsys, english_docs, tmp_path):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"body": d}) + "\n" for d in english_docs[:20]), encoding="utf-8")
    code, _, _ = run_cli(capsys, "train", path, "--text-field", "body", "--vocab-size", 300, "-o", tmp_path / "t")
    assert code == 0
    expected = tf.train_from_iterator(english_docs[:20], vocab_size=300)
    assert tf.Tokenizer.load(tmp_path / "t").merges == expected.merges


def test_train_replaces_invalid_utf8_when_asked(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"caf\xe9 au lait\n" * 50)
    code, out, _ = run_cli(
        capsys, "train", path, "--on-invalid-utf8", "replace", "--vocab-size", 260, "-o", tmp_path / "t"
    )
    assert code == 0
    assert "invalid UTF-8: 50 bytes replaced" in out


# -- encode / decode ---------------------------------------------------------------------------------


def test_encode_prints_ids_per_line(capsys, trained, lines_file):
    tok = tf.Tokenizer.load(trained)
    code, out, _ = run_cli(capsys, "encode", "-t", trained, lines_file)
    assert code == 0
    rows = out.split("\n")
    assert rows[-1] == ""
    assert [[int(x) for x in row.split()] for row in rows[:-1]] == [tok.encode(line) for line in LINES]


def test_encode_treats_special_tokens_as_text_unless_allowed(capsys, trained, lines_file):
    special_id = VOCAB - 1
    _, plain, _ = run_cli(capsys, "encode", "-t", trained, lines_file)
    _, allowed, _ = run_cli(capsys, "encode", "-t", trained, "--allow-special", lines_file)
    assert str(special_id) not in plain.split()
    assert str(special_id) in allowed.split("\n")[3].split()


def test_count_and_total(capsys, trained, lines_file):
    tok = tf.Tokenizer.load(trained)
    counts = [len(tok.encode(line)) for line in LINES]
    _, out, _ = run_cli(capsys, "encode", "-t", trained, "--count", lines_file)
    assert out == "".join(f"{n}\n" for n in counts)
    _, out, _ = run_cli(capsys, "encode", "-t", trained, "--total", lines_file)
    assert out == f"{sum(counts)}\n"


def test_encode_decode_round_trip(capsys, trained, lines_file, tmp_path):
    _, ids, _ = run_cli(capsys, "encode", "-t", trained, lines_file)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text(ids)
    code, text, _ = run_cli(capsys, "decode", "-t", trained, ids_file)
    assert code == 0
    assert text == lines_file.read_text(encoding="utf-8")


def test_encode_drops_crlf_line_ends(capsys, trained, tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"one line\r\nanother\r\nlast without end")
    tok = tf.Tokenizer.load(trained)
    _, out, _ = run_cli(capsys, "encode", "-t", trained, path)
    expected = [tok.encode(s) for s in ("one line", "another", "last without end")]
    assert [[int(x) for x in row.split()] for row in out.splitlines()] == expected


def test_encode_reads_stdin_in_a_real_process(trained):
    tok = tf.Tokenizer.load(trained)
    text = "\n".join(LINES) + "\n"
    result = subprocess.run(
        [console_script(), "encode", "-t", str(trained)], input=text.encode(), capture_output=True, check=True
    )
    assert result.stdout.decode() == "".join(" ".join(map(str, tok.encode(s))) + "\n" for s in LINES)
    assert result.stderr == b""


# -- info --------------------------------------------------------------------------------------------


def test_info_shows_the_facts(capsys, monkeypatch, trained):
    monkeypatch.setenv("COLUMNS", "200")
    tok = tf.Tokenizer.load(trained)
    code, out, _ = run_cli(capsys, "info", "-t", trained)
    assert code == 0
    facts = dict(re.match(r"(\S.*?)\s{2,}(\S.*)$", line).groups() for line in out.splitlines()[:9])
    assert facts["vocab size"] == str(VOCAB)
    assert facts["merges"] == str(VOCAB - 257)
    assert facts["pre-tokenizer"] == "gpt4"
    assert facts["pattern"] == tok.pattern
    assert facts["special tokens"] == f"'{SPECIAL}' = {VOCAB - 1}"
    longest = max(tok.vocab()[: VOCAB - 1], key=len)
    assert f"'{show_token(longest)}'" in out


# -- demo --------------------------------------------------------------------------------------------


def test_demo_trains_and_reports(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "demo", "--vocab-size", 1000, "--no-code", "-o", tmp_path / "demo")
    assert code == 0
    assert "trained 1,000 tokens (744 merges" in out
    assert "bytes/token" in out
    assert "20 longest tokens" in out
    assert tf.Tokenizer.load(tmp_path / "demo").vocab_size == 1000


def test_split_held_out_holds_every_tenth_document():
    docs = [str(i) for i in range(35)]
    kept, held = split_held_out(docs)
    assert held == ["9", "19", "29"]
    assert sorted(kept + held, key=int) == docs


# -- reading lines ---------------------------------------------------------------------------------


@given(
    data=st.lists(st.sampled_from([b"a", b"bc", b"\n", b"\r", b"\r\n", b"\xff"])).map(b"".join), block=st.integers(1, 5)
)
def test_line_batches_cut_lines_at_any_block_size(data, block):
    expected = [line.removesuffix(b"\r") for line in data.split(b"\n")]
    if data.endswith(b"\n") or not data:
        expected.pop()
    lines: list[bytes] = []
    for first, batch in line_batches(io.BytesIO(data), block):
        assert first == len(lines) + 1
        lines += batch
    assert lines == expected


# -- readable tokens ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        (b" the", " the"),
        ("café".encode(), "café"),
        (b"a\nb\t", "a\\nb\\t"),
        (b"\x00\xff", "\\x00\\xff"),
        ("é".encode()[:1], "\\xc3"),
        (b"back\\slash", "back\\\\slash"),
        ("\u200b".encode(), "\\u200b"),
    ],
)
def test_show_token(token, shown):
    assert show_token(token) == shown


# -- loading any tokenizer kind ----------------------------------------------------------------------


def test_load_any_reads_every_kind(small_tokenizer, tmp_path):
    text = "Hello wörld 👋 def f(x): return x"
    expected = small_tokenizer.encode(text)
    small_tokenizer.save(tmp_path / "ours")
    small_tokenizer.save_huggingface(tmp_path / "hf")
    small_tokenizer.save_tiktoken(tmp_path / "x.tiktoken")
    for path, pattern in (
        (tmp_path / "ours", None),
        (tmp_path / "ours" / "tokenforge.json", None),
        (tmp_path / "hf", None),
        (tmp_path / "hf" / "tokenizer.json", None),
        (tmp_path / "x.tiktoken", "gpt4"),
    ):
        assert load_any(path, pattern).encode(text) == expected, path


def test_cli_reads_tiktoken_with_pattern(capsys, small_tokenizer, tmp_path):
    path = small_tokenizer.save_tiktoken(tmp_path / "x.tiktoken")
    (tmp_path / "in.txt").write_text("Hello world\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, "encode", "-t", path, "--pattern", "gpt4", tmp_path / "in.txt")
    assert code == 0
    assert out == " ".join(map(str, small_tokenizer.encode("Hello world"))) + "\n"


def test_load_any_wants_a_pattern_for_tiktoken_only(small_tokenizer, tmp_path):
    small_tokenizer.save(tmp_path / "ours")
    small_tokenizer.save_tiktoken(tmp_path / "x.tiktoken")
    with pytest.raises(ConfigError, match=r"x\.tiktoken.*pattern"):
        load_any(tmp_path / "x.tiktoken")
    with pytest.raises(ConfigError, match=r"tokenforge\.json.*pattern"):
        load_any(tmp_path / "ours", pattern="gpt2")


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (b"", TokenizerFileError, "empty"),
        (b"{not json", TokenizerFileError, "invalid JSON"),
        (b'{"format": "tokenforge", "version": 1, "vocab": ["00"', TokenizerFileError, "invalid JSON"),
        (b'{"format": "tokenforge", "version": 1}', TokenizerFileError, "corrupt"),
        (b"just some text\n", TokenizerFileError, "not a tokenizer file tokenforge reads"),
        (b'{"model": "gpt2", "tokens": []}', TokenizerFileError, 'its "model" is str, not an object'),
        (b"GGUF\x03\x00\x00\x00", UnsupportedError, "not supported yet: GGUF"),
    ],
)
def test_load_any_rejects_bad_files(tmp_path, content, error, match):
    path = tmp_path / "tok.json"
    path.write_bytes(content)
    with pytest.raises(error, match=match):
        load_any(path)


def test_load_any_needs_a_tokenizer_in_a_directory(tmp_path):
    with pytest.raises(InputFileError, match="no tokenizer in this directory"):
        load_any(tmp_path)


# -- bad input: one line on stderr naming the file and the problem, a non-zero exit ------------------


BAD_INPUT = {
    # name: (arguments, with {tmp} for the test's directory and {tok} for a trained tokenizer; text the message holds)
    "missing corpus file": (["train", "{tmp}/missing.txt", "-o", "{tmp}/out"], "missing.txt"),
    "empty corpus": (["train", "{tmp}/empty.txt", "-o", "{tmp}/out"], "empty"),
    "directory with no usable files": (["train", "{tmp}/nothing", "-o", "{tmp}/out"], "nothing"),
    "vocab too small": (["train", "{tmp}/ids.txt", "--vocab-size", "200", "-o", "{tmp}/out"], "vocab size 200"),
    "invalid regex": (["train", "{tmp}/ids.txt", "--pretokenizer", "(", "-o", "{tmp}/out"], "regex"),
    "invalid UTF-8": (["train", "{tmp}/latin1.txt", "-o", "{tmp}/out"], "latin1.txt: invalid UTF-8 at byte offset 13"),
    "output is a file": (["train", "{tmp}/ids.txt", "--vocab-size", "260", "-o", "{tmp}/file"], "file"),
    "corrupt tokenizer": (["info", "-t", "{tmp}/corrupt.json"], "corrupt.json"),
    "missing tokenizer": (["encode", "-t", "{tmp}/nowhere"], "nowhere"),
    "missing input": (["encode", "-t", "{tok}", "{tmp}/absent.txt"], "absent.txt: no such file"),
    "invalid UTF-8 input": (["encode", "-t", "{tok}", "{tmp}/latin1.txt"], "latin1.txt: line 2"),
    "not ids": (["decode", "-t", "{tok}", "{tmp}/ids.txt"], "ids.txt: line 2"),
    "negative id": (["decode", "-t", "{tok}", "{tmp}/negative_ids.txt"], "negative_ids.txt: line 1"),
    "id out of range": (["decode", "-t", "{tok}", "{tmp}/big_ids.txt"], f"big_ids.txt: line 2: token id {VOCAB + 5}"),
}


def make_bad_files(tmp: Path) -> None:
    """The files BAD_INPUT names."""
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "nothing").mkdir()
    (tmp / "latin1.txt").write_bytes(b"good line\ncaf\xe9\n")
    (tmp / "corrupt.json").write_bytes(b'{"format": "tokenforge", "version": 1, "vocab": [')
    (tmp / "file").write_bytes(b"x")
    (tmp / "ids.txt").write_text("1 2 3\n4 five 6\n")
    (tmp / "negative_ids.txt").write_text("1 -2\n")
    (tmp / "big_ids.txt").write_text(f"1 2\n{VOCAB + 5}\n")


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_gives_one_line(capsys, tmp_path, trained, case):
    make_bad_files(tmp_path)
    args, needle = BAD_INPUT[case]
    code, _, err = run_cli(capsys, *(a.format(tmp=tmp_path, tok=trained) for a in args))
    assert code == 1
    assert err.startswith("tokenforge: error: ")
    assert err.count("\n") == 1
    assert needle in err
    assert "Traceback" not in err


def test_bad_input_in_a_real_process_has_no_traceback(tmp_path):
    result = subprocess.run(
        [console_script(), "train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out")],
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stderr.decode().startswith("tokenforge: error: ")
    assert "missing.txt" in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "corpus.txt"])
    assert exit_info.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


# -- signals and pipes -------------------------------------------------------------------------------


def test_closed_stdout_is_quiet(trained, tmp_path):
    path = tmp_path / "many.txt"
    path.write_text("the same line again and again\n" * 100_000, encoding="utf-8")
    proc = subprocess.Popen(
        [console_script(), "encode", "-t", str(trained), str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141
    assert err == b""


def test_ctrl_c_exits_130_quietly(trained):
    proc = subprocess.Popen(
        [console_script(), "encode", "-t", str(trained)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdin.write(b"hello\n")
    proc.stdin.flush()
    assert proc.stdout.readline()  # the first line is answered: encode now waits for more input
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == b""
