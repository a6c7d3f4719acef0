"""What a new user hit on the command line (issue 13): corpus options on every corpus-reading command, output
paths checked before the work, and the small messages."""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import os
import random
import re
import string
from pathlib import Path

import pytest
import rich.console

import tokenforge as tf
from tokenforge.cli.common import check_writable
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, CorpusError, InputFileError, TokenizerFileError
from tokenforge.loading import load_any


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


# Item 8: the small ones.


def test_an_empty_pretokenizer_is_an_error_not_gpt4(tmp_path, capsys):
    with pytest.raises(ConfigError, match="pre-tokenizer"):
        tf.train_from_iterator(["some text"], vocab_size=260, pretokenizer="")
    corpus = tmp_path / "c.txt"
    corpus.write_text("some text\n", encoding="utf-8")
    assert main(["train", str(corpus), "--pretokenizer", "", "--vocab-size", "260", "-o", str(tmp_path / "t")]) == 1
    assert "pre-tokenizer" in capsys.readouterr().err


def test_a_json_whose_model_is_not_an_object_is_not_called_gpt2(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text('{"model": 5}', encoding="utf-8")
    with pytest.raises(TokenizerFileError) as e:
        load_any(path)
    assert '"model"' in str(e.value) and "vocab.bpe" not in str(e.value)


def test_a_missing_spill_dir_is_named(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("some words to count\n" * 100, encoding="utf-8")
    missing = tmp_path / "no-such-dir"
    with pytest.raises(InputFileError) as e:
        tf.train(corpus, vocab_size=260, max_memory="64MB", spill_dir=str(missing))
    assert str(e.value).startswith(f"{missing}: ") and "tokenforge-spill" not in str(e.value)


CATASTROPHIC = r"(?:a|a)*(?=b)"


def test_the_regex_limit_error_names_the_file(tmp_path, capsys):
    corpus = tmp_path / "aaa.txt"
    corpus.write_text("a" * 100 + "\n", encoding="utf-8")
    out = tmp_path / "t"
    assert main(["train", str(corpus), "--pretokenizer", CATASTROPHIC, "--vocab-size", "300", "-o", str(out)]) == 1
    assert str(corpus) in capsys.readouterr().err
    tf.train_from_iterator(["b a b"], vocab_size=258, pretokenizer=CATASTROPHIC).save(out)
    for command in (["encode", "-t", str(out), str(corpus)], ["eval", "-t", str(out), "--corpus", f"x={corpus}"]):
        assert main([*command, "-q"] if command[0] == "eval" else command) == 1
        err = capsys.readouterr().err
        assert str(corpus) in err and "gave up" in err, err


@pytest.mark.parametrize("size", ["1000", 1000.0, True])
def test_a_vocab_size_that_is_not_an_integer_is_a_config_error(size, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("some words\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="vocab_size"):
        tf.train(corpus, vocab_size=size)
    with pytest.raises(ConfigError, match="vocab_size"):
        tf.train_from_iterator(["some words"], vocab_size=size)


def test_a_json_array_gets_a_hint_to_use_jsonl(tmp_path):
    path = tmp_path / "records.json"
    path.write_text('[{"text": "a"}, {"text": "b"}]', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"\.jsonl"):
        tf.train(path, vocab_size=260)
    path.write_text('[\n{"text": "a"},\n{"text": "b"}\n]\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"\.jsonl"):
        tf.train(path, vocab_size=260)


def test_a_kl3m_preset_named_4k_means_4k(tmp_path, capsys):
    """On a corpus with far more than 4,096 possible tokens of up to 3 bytes."""
    words = ["".join(w) for w in itertools.product(string.ascii_letters, repeat=3)]
    docs = [" ".join(words[k : k + 100]) for k in range(0, len(words), 100)] * 2
    assert tf.train_from_iterator(docs, preset="kl3m-char-4k").vocab_size == 4096
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(docs), encoding="utf-8")
    assert main(["train", str(corpus), "--preset", "kl3m-char-4k", "-o", str(tmp_path / "t")]) == 0
    assert "trained 4,096 tokens" in capsys.readouterr().out


def test_pretokenizer_and_pattern_name_the_same_option(tmp_path, small_tokenizer):
    corpus = tmp_path / "c.txt"
    corpus.write_text("some words to count\n" * 20, encoding="utf-8")
    assert main(["train", str(corpus), "--pattern", "gpt2", "--vocab-size", "260", "-o", str(tmp_path / "t")]) == 0
    assert tf.Tokenizer.load(tmp_path / "t").pretokenizer == "gpt2"
    ranks = tmp_path / "x.tiktoken"
    small_tokenizer.save_tiktoken(ranks)
    assert main(["encode", "-t", str(ranks), "--pretokenizer", "gpt4", str(corpus)]) == 0


def test_readme_tells_the_from_tiktoken_default():
    default = inspect.signature(tf.Tokenizer.from_tiktoken).parameters["pattern"].default
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.split("\n- ") if "Tokenizer.from_tiktoken(path" in x]
    assert "must be given" not in line and f'"{default}"' in line, line


def test_readme_installs_in_a_virtual_environment_and_says_what_the_suite_installs():
    """Debian's system Python refuses `pip install` (externally-managed-environment): the first commands make a
    virtual environment. And the README says what scripts/test.sh installs (its pip extras, its apt packages)."""
    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash\n", 1)[1].split("```", 1)[0]
    assert first_block.index("python3 -m venv") < first_block.index("pip install")
    assert "externally-managed-environment" in readme
    script = (root / "scripts" / "test.sh").read_text(encoding="utf-8")
    (extras,) = re.findall(r"pip install .*-e '(\.\[[\w,-]+\])'", script)
    assert f"-e '{extras}'" in " ".join(readme.split())
    packages = re.findall(r"missing\+=\(([\w-]+)\)", script)
    assert packages and all(f"`{p}`" in readme for p in packages) and "apt" in readme


def test_mixture_infer_uses_a_bounded_default_and_says_whether_it_converged(tmp_path, english_docs, capsys):
    """Item 3: every merge by default ran 14.5 minutes on a real tokenizer; the default is the first 2,000."""
    tok = tmp_path / "tok"
    tf.train_from_iterator(english_docs, vocab_size=2600).save(tok)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("\n".join(english_docs[::2]), encoding="utf-8")
    b.write_text("\n".join(english_docs[1::2]), encoding="utf-8")
    assert main(["mixture", "infer", "-t", str(tok), "-c", f"a={a}", "-c", f"b={b}"]) == 0
    out = capsys.readouterr().out
    assert "merges used: 2,000 of 2,344" in out
    assert "converged" in out


def test_binary_bpe_caps_memory_by_default_and_says_how_much_it_learned_from(tmp_path, monkeypatch, capsys, caplog):
    """Item 2: with no --max-memory the cap comes from the available memory (logged); under a cap the summary
    says what share of the corpus was learned from, not only the bytes read."""
    from tokenforge.training import binary, memory

    data = tmp_path / "bin"
    data.mkdir()
    r = random.Random(0)
    (data / "blob.bin").write_bytes(r.randbytes(2_000_000))
    need = 2_000_000 * binary.BYTES_PER_CHUNK_BYTE
    # As if half of what the whole corpus needs were available: the default cap is half the available memory.
    available = 2 * (memory.resident_bytes() + binary.READING_MARGIN) + need
    monkeypatch.setattr(memory, "available_memory", lambda: available)
    with caplog.at_level("WARNING", logger="tokenforge"):
        assert (
            main(["train", str(data), "--algorithm", "binary", "--vocab-size", "300", "-o", str(tmp_path / "t")]) == 0
        )
    assert "no --max-memory" in caplog.text
    out = capsys.readouterr().out
    assert re.search(r"learned from \d+\.\d% of the chunks", out), out


def test_eval_says_what_read_each_tokenizer_file(tmp_path, small_tokenizer):
    """Item 11: the report's "read with" column said "Ours" for .tiktoken and tokenizer.json files."""
    from tokenforge.metrics import evaluate, load_adapter

    small_tokenizer.save(tmp_path / "ours")
    small_tokenizer.save_huggingface(tmp_path / "hf")
    small_tokenizer.save_tiktoken(tmp_path / "x.tiktoken")
    corpus = tmp_path / "c.txt"
    corpus.write_text("some words\n", encoding="utf-8")
    specs = [f"ours={tmp_path / 'ours'}", f"hf={tmp_path / 'hf' / 'tokenizer.json'}", f"tt={tmp_path / 'x.tiktoken'}"]
    result = evaluate([load_adapter(s, "gpt4") for s in specs], [("c", str(corpus))])
    kinds = {name: e["kind"] for name, e in result["tokenizers"].items()}
    assert kinds == {"ours": "tokenforge", "hf": "tokenforge (tokenizer.json)", "tt": "tokenforge (.tiktoken)"}


def test_lossy_tokenizers_are_marked(tmp_path):
    """Item 11: a tokenizer that emits unknown tokens "won" bytes/token unmarked; it is flagged lossy in the JSON,
    the terminal table and the report."""
    from tokenforge.cli.eval import summary_table
    from tokenforge.metrics.adapters import OursAdapter
    from tokenforge.report.html import summary_table as html_summary

    tok = tf.train_from_iterator(["some words"], vocab_size=260)
    (unknown,) = tok.encode("\x00")  # stands in for [UNK]

    class Unknowns(OursAdapter):
        def entries(self):
            return [dataclasses.replace(e, control=e.id == unknown) for e in super().entries()]

    corpus = tmp_path / "c.txt"
    corpus.write_text("\x00 some words\n", encoding="utf-8")
    from tokenforge.metrics import evaluate

    result = evaluate([Unknowns(tok, "unk"), OursAdapter(tok, "fine")], [("c", str(corpus))])
    assert result["tokenizers"]["unk"]["lossy"] and not result["tokenizers"]["fine"]["lossy"]
    console = rich.console.Console(width=200, record=True)
    console.print(summary_table(result))
    assert "unk (lossy)" in console.export_text() and "fine (lossy)" not in console.export_text()
    assert "unk (lossy)" in html_summary(result)


def test_mixture_infer_reports_each_round(english_docs):
    """Item 3: rounds, constraints and objective as the program is solved (the CLI shows them on a terminal)."""
    from tokenforge.mixture import category_from_texts, infer

    tok = tf.train_from_iterator(english_docs, vocab_size=800)
    cats = [category_from_texts("a", english_docs[::2], tok), category_from_texts("b", english_docs[1::2], tok)]
    seen = []
    est = infer(tok, cats, on_round=lambda r, c, o: seen.append((r, c, o)))
    assert [r for r, _, _ in seen] == list(range(1, est.solution.rounds + 1))
    assert seen[-1][1] == est.solution.constraints and seen[-1][2] == est.solution.objective
