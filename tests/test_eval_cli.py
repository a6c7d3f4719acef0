"""`tokenforge eval` and `tokenforge charbench` end to end: the JSON schema of the issue, the numbers against a
hand count, parity on a parallel directory, errors as one line."""

from __future__ import annotations

import json

import pytest

import tokenforge as tf
from tokenforge.cli.main import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("eval")
    bytes_tok = tf.Tokenizer.bytes_only("gpt2")
    bytes_tok.save(d / "bytes")
    (d / "corpus.txt").write_text("ab cd\nxyz\n", encoding="utf-8")
    par = d / "par"
    par.mkdir()
    (par / "en.txt").write_text("one two\nthree\n", encoding="utf-8")
    (par / "de.txt").write_text("eins zwei\ndrei\n", encoding="utf-8")
    (par / "zh.txt").write_text("一二\n三\n", encoding="utf-8")
    return d


def test_eval_json_schema_and_hand_counted_values(files, tmp_path, capsys):
    out = tmp_path / "out.json"
    args = ["eval", "-t", f"b={files / 'bytes'}", "--corpus", f"c={files / 'corpus.txt'}", "--json", str(out), "-q"]
    assert main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    c = result["tokenizers"]["b"]["corpora"]["c"]
    # one token per byte: "ab cd\nxyz\n" is 10 bytes, 10 characters, 3 words, 9 distinct bytes of 256
    assert c["tokens"] == 10
    assert (c["bytes_per_token"], c["chars_per_token"], c["tokens_per_char"]) == (1.0, 1.0, 1.0)
    assert c["fertility"] == 10 / 3
    assert c["continued_words"] == 1.0
    assert c["whole_word_tokens"] == 0.0
    assert c["vocab_utilization"] == 9 / 256
    assert c["token_length_bytes"] == {"1": 1.0}
    assert 0 < c["renyi_efficiency"] < 1
    assert result["corpora"]["c"]["documents"] == 2
    assert capsys.readouterr().out == ""


def test_eval_parity_on_a_parallel_directory(files, tmp_path, capsys):
    out = tmp_path / "out.json"
    args = ["eval", "-t", f"b={files / 'bytes'}", "--parallel", str(files / "par"), "--json", str(out)]
    assert main(args) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    par = result["tokenizers"]["b"]["corpora"]["par"]
    # bytes: en "one two\nthree\n" 14, de "eins zwei\ndrei\n" 15, zh "一二\n三\n" 11
    assert par["parity"] == {"de": 15 / 14, "en": 1.0, "zh": 11 / 14}
    assert par["languages"]["zh"]["fertility"] is None
    assert par["languages"]["de"]["fertility"] == 15 / 3
    assert "parity on par" in capsys.readouterr().out


def test_eval_parity_line_by_line_where_lines_align(files, tmp_path, capsys):
    """Item 9: where the files hold as many lines, the premium of each line is summarised too, and the output
    says which statistics applied."""
    out = tmp_path / "out.json"
    assert main(["eval", "-t", f"b={files / 'bytes'}", "--parallel", str(files / "par"), "--json", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "aligned line by line" in printed and "parity per line on par" in printed
    lines = json.loads(out.read_text(encoding="utf-8"))["tokenizers"]["b"]["corpora"]["par"]["line_parity"]
    # one token per byte; en lines 8 and 6 bytes, de 10 and 5: premiums 10/8 and 5/6
    low, high = 5 / 6, 10 / 8
    assert lines["de"]["lines"] == 2
    assert lines["de"]["median"] == pytest.approx((low + high) / 2)
    assert lines["de"]["p10"] == pytest.approx(low + 0.1 * (high - low))
    assert lines["de"]["p90"] == pytest.approx(low + 0.9 * (high - low))
    assert lines["en"] == {"median": 1.0, "p10": 1.0, "p90": 1.0, "lines": 2}


def test_eval_accepts_document_aligned_parallel_files(files, tmp_path, capsys):
    """Item 9: translations aligned per document (different line counts) are measured as whole files."""
    par = tmp_path / "par"
    par.mkdir()
    (par / "en.txt").write_text("a\nb\n", encoding="utf-8")
    (par / "de.txt").write_text("a b\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["eval", "-t", str(files / "bytes"), "--parallel", str(par), "--json", str(out)]) == 0
    assert "aligned by document" in " ".join(capsys.readouterr().out.split())
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["corpora"]["par"]["alignment"] == "documents"
    assert result["tokenizers"]["bytes"]["corpora"]["par"]["parity"]["de"] == 1.0
    assert "line_parity" not in result["tokenizers"]["bytes"]["corpora"]["par"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--corpus", "nameless"], "expected NAME=PATH"),
        (["--corpus", "c=/no/such/file"], "no such file"),
        ([], "nothing to measure"),
    ],
)
def test_eval_errors_are_one_line(files, capsys, extra, message):
    assert main(["eval", "-t", str(files / "bytes"), "-q", *extra]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_eval_integrity_with_a_word_list(files, tmp_path):
    words = tmp_path / "words.dic"
    words.write_text("2\na/X\nb\n", encoding="utf-8")
    out = tmp_path / "out.json"
    args = ["eval", "-t", f"b={files / 'bytes'}", "--corpus", f"c={files / 'corpus.txt'}", "--words", str(words)]
    assert main([*args, "--json", str(out), "-q"]) == 0
    c = json.loads(out.read_text(encoding="utf-8"))["tokenizers"]["b"]["corpora"]["c"]
    # distinct non-space tokens: a b c d x y z (the space and newline strip to nothing); a and b are words
    assert c["valid_word_tokens"] == 2 / 7
    assert c["pure_tokens"] == 2 / 7


def test_charbench_writes_tasks_and_features(files, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("banana\nkiwi\n", encoding="utf-8")
    out = tmp_path / "cb"
    assert main(["charbench", str(words), "-t", f"b={files / 'bytes'}", "-o", str(out)]) == 0
    unique = [json.loads(line) for line in (out / "tasks" / "count_unique.jsonl").read_text().splitlines()]
    assert [(r["word"], r["answer"]) for r in unique] == [("banana", 3), ("kiwi", 3)]
    for task in ("count_char", "first_index", "last_index"):
        for r in map(json.loads, (out / "tasks" / f"{task}.jsonl").read_text().splitlines()):
            assert r["char"] in r["word"] and r["question"]
    rows = [json.loads(line) for line in (out / "features" / "b.jsonl").read_text().splitlines()]
    assert len(rows) == 8
    assert all(r["n_tokens"] == len(r["word"]) for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["b"]["count_char"]["target_token_chars"] == 1.0


def test_eval_csv_has_one_number_per_row(files, tmp_path):
    import csv

    out = tmp_path / "out.csv"
    args = ["eval", "-t", f"b={files / 'bytes'}", "--corpus", f"c={files / 'corpus.txt'}"]
    assert main([*args, "--parallel", str(files / "par"), "--csv", str(out), "-q"]) == 0
    rows = {(r["tokenizer"], r["corpus"], r["metric"]): r["value"] for r in csv.DictReader(out.open())}
    assert rows[("b", "c", "tokens")] == "10"
    assert rows[("b", "c", "bytes_per_token")] == "1.0"
    assert float(rows[("b", "par", "parity.de")]) == 15 / 14


@pytest.mark.parametrize("pivot", ["English", "english", "en", "eng", "eng_Latn", "en-US"])
def test_eval_pivot_matches_iso_639_3_file_names(files, tmp_path, pivot):
    """Item 9: UDHR-style files named eng.txt, deu.txt, ... and any spelling of English as the pivot, its name
    included (the issue's default was "English")."""
    par = tmp_path / "udhr"
    par.mkdir()
    (par / "eng.txt").write_text("all human beings are born free\n", encoding="utf-8")
    (par / "deu.txt").write_text("alle menschen sind frei geboren\n", encoding="utf-8")
    out = tmp_path / "r.json"
    assert (
        main(["eval", "-t", str(files / "bytes"), "--parallel", str(par), "--pivot", pivot, "-q", "--json", str(out)])
        == 0
    )
    parity = json.loads(out.read_text(encoding="utf-8"))["tokenizers"]["bytes"]["corpora"]["udhr"]["parity"]
    assert parity["eng"] == 1.0 and parity["deu"] == 32 / 31  # bytes, each line with its newline
