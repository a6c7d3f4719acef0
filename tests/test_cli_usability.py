"""What a new user hit on the command line (issue 13): corpus options on every corpus-reading command, output
paths checked before the work, and the small messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tokenforge as tf
from tokenforge.cli.common import check_writable
from tokenforge.cli.main import main


@pytest.fixture(scope="module")
def tok_dir(tmp_path_factory, english_docs) -> Path:
    out = tmp_path_factory.mktemp("tok") / "tok"
    tf.train_from_iterator(english_docs[:200], vocab_size=400).save(out)
    return out


@pytest.fixture()
def latin1(tmp_path) -> Path:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"".join(b"caf\xe9 number %d, latin-1 text and more words\n" % i for i in range(400)))
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["eval", "--corpus", "x={corpus}", "-q"],
        ["mixture", "infer", "-c", "a={corpus}", "-c", "b={corpus}"],
        ["mixture", "experiment", "-c", "a={corpus}", "-c", "b={corpus}", "--trials", "1", "--merges", "20"],
        ["extend", "{corpus}", "--vocab-size", "450", "-o", "{out}"],
    ],
)
def test_every_corpus_command_takes_the_corpus_options(command, tok_dir, latin1, tmp_path, capsys):
    """The invalid-UTF-8 error recommends --on-invalid-utf8: every command that reads a corpus must take it
    (and --text-field, --split-lines)."""
    argv = [a.format(corpus=latin1, out=tmp_path / "out") for a in command]
    if command[0] != "mixture" or command[1] == "infer":
        argv += ["-t", str(tok_dir)]
    if command[0] == "mixture" and command[1] == "experiment":
        argv += ["--train-bytes", "2000"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "--on-invalid-utf8" in err
    assert main([*argv, "--on-invalid-utf8", "replace", "--text-field", "text", "--split-lines"]) == 0, (
        capsys.readouterr().err
    )


@pytest.fixture(params=["not-a-directory", "read-only"])
def unwritable(request, tmp_path) -> Path:
    """A directory path no output can go under: a regular file, or a read-only directory (not for root)."""
    if request.param == "not-a-directory":
        path = tmp_path / "plain-file"
        path.write_text("", encoding="utf-8")
        yield path
        return
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere")
    path = tmp_path / "ro"
    path.mkdir()
    path.chmod(0o500)
    yield path
    path.chmod(0o700)


@pytest.mark.parametrize(
    "command",
    [
        ["mixture", "infer", "-t", "{tok}", "-c", "a={corpus}", "-c", "b={corpus}", "--json", "{ro}/m.json"],
        ["mixture", "experiment", "-c", "a={corpus}", "-c", "b={corpus}", "--json", "{ro}/m.json"],
        ["demo", "--vocab-size", "300", "-o", "{ro}/tok"],
        ["eval", "-t", "{tok}", "--corpus", "x={corpus}", "-q", "--report", "{ro}/r.html"],
        ["eval", "-t", "{tok}", "--corpus", "x={corpus}", "-q", "--json", "{ro}/r.json"],
        ["eval", "-t", "{tok}", "--corpus", "x={corpus}", "-q", "--csv", "{ro}/r.csv"],
        ["train", "{corpus}", "--vocab-size", "300", "-o", "{ro}/tok"],
        ["extend", "-t", "{tok}", "{corpus}", "--vocab-size", "500", "-o", "{ro}/tok"],
        ["tokenize", "-t", "{tok}", "{corpus}", "-o", "{ro}/shards"],
    ],
)
def test_output_paths_are_checked_before_the_work(command, tok_dir, unwritable, tmp_path, monkeypatch, capsys):
    """An unwritable output fails at once, before any tokenizer is loaded, trained or measured."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("some words to read\n" * 50, encoding="utf-8")
    argv = [a.format(tok=tok_dir, corpus=corpus, ro=unwritable) for a in command]

    def no_work(*args, **kwargs):
        raise AssertionError("the work started before the output path was checked")

    for target in (
        "tokenforge.train",
        "tokenforge.train_from_iterator",
        "tokenforge.cli.common.load_any",
        "tokenforge.cli.eval.load_adapter",
        "tokenforge.cli.mixture.read_documents",
    ):
        monkeypatch.setattr(target, no_work)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{unwritable}/" in err and "cannot write" in err, err


def test_check_writable_accepts_new_paths_under_writable_directories(tmp_path):
    check_writable(str(tmp_path / "new" / "deeper" / "out.json"), str(tmp_path), None)
