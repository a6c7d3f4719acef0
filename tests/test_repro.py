"""Smoke tests of the reproductions (`tokenforge repro`) on tiny generated data: no installed data needed."""

from __future__ import annotations

import random

import pytest

from tokenforge import Tokenizer
from tokenforge.cli.main import main
from tokenforge.corpus.identifiers import anonymize
from tokenforge.metrics.evaluate import Lexicon
from tokenforge.repro import (
    REPROS,
    binary,
    charbench,
    code,
    crosslingual,
    kl3m,
    lib,
    mixture,
    qtok,
    sources,
    superbpe,
    turkish,
)
from tokenforge.repro.common import DataMissing, Repro

WORDS = "the of and to a in is that for it as was with be by on not he this are or his from at which".split()


def prose(seed: int, n: int = 60, words: list[str] = WORDS) -> list[str]:
    """`n` generated documents of 40 words each."""
    rng = random.Random(seed)
    return [" ".join(rng.choice(words) for _ in range(40)) + ".\n" for _ in range(n)]


def test_registry_names_every_module():
    names = {"superbpe", "binary", "kl3m", "qtok", "turkish", "crosslingual", "charbench", "mixture", "code", "lib"}
    assert set(REPROS) == names
    assert all(r.install and r.paper for r in REPROS.values())


def test_superbpe_saves_tokens_on_repetitive_prose():
    report = superbpe.measure(prose(0), vocab_sizes=(320,), transitions=(0.9,), every=3)
    assert [r.label for r in report.rows] == ["BPE 320", "SuperBPE 320, t = 288"]
    assert report.rows[1].ours.startswith("-")  # superwords over frequent word pairs: fewer tokens


def test_binary_family_reports_each_size_and_format(tmp_path):
    rng = random.Random(1)
    blocks = [bytes(rng.randrange(256) for _ in range(16)) for _ in range(8)]
    files = []
    for k in range(12):
        p = tmp_path / f"prog{k}"
        p.write_bytes(b"\x7fELF" + b"".join(rng.choice(blocks) for _ in range(200)))
        files.append(p)
    report = binary.measure(files, vocab_sizes=(300, 320))
    assert [r.label.split(",")[0] for r in report.rows] == ["300", "320"]
    assert all("bytes/token" in r.ours for r in report.rows)


def test_kl3m_domain_tokenizer_beats_bytes():
    docs = prose(2, 40, ["licence", "copyright", "holder", "warranty", "software", "permission", "granted"])
    report = kl3m.measure(docs, {"held": prose(3, 5)}, {"bytes": Tokenizer.bytes_only("gpt4")}, vocab_size=2048)
    (row,) = report.rows
    assert row.ours.startswith("-")


def test_licence_body_drops_front_matter():
    assert kl3m.licence_body("---\nkey: mit\n---\nPermission is granted") == "Permission is granted"
    assert kl3m.licence_body("no header") == "no header"


def test_qtok_entries_and_spaced_count():
    vocab = {"<s>": 0, " the": 1, "a": 2, "<0y¡>": 3, "▁x": 4, "ing": 5, " b": 6}
    entries = [qtok.entry(i, t) for t, i in vocab.items()]
    assert entries[0].control and entries[3].surface == b"\xa1" and entries[4].surface == b" x"
    assert qtok.spaced(entries) == 3  # " the", " x", " b"
    report = qtok.measure({"toy": vocab})
    assert report.rows[0].ours.startswith("3 spaced")


def test_turkish_integrity_rows(tmp_path):
    aff = tmp_path / "tr.aff"
    aff.write_text("SFX A Y 2\nSFX A 0 ler .\nSFX A 0 lerimizden .\n", encoding="utf-8")
    assert turkish.hunspell_suffixes(aff) == {"ler"}
    lexicon = Lexicon({"ev", "evler", "kitap"}, {"ler"}, language="tr")
    rng = random.Random(4)
    other = ["".join(rng.choice("abcdeğıiklmnoöprsştuüyz") for _ in range(rng.randrange(3, 9))) for _ in range(300)]
    text = prose(4, 60, ["ev", "evler", "kitap", "kitaplar", "İstanbul", *other])
    refs = {"bytes": Tokenizer.bytes_only()}
    report = turkish.measure(text[:40], text[40:], lexicon, refs, bpe_sizes=(300,), published_hybrid=Lossy())
    assert "tokens/word" in report.rows[2].ours and "decode exact on 20/20 paragraphs" in report.rows[2].ours
    labels = ["bytes", "our BPE 300", "our hybrid 300", turkish.PUBLISHED_NAME, "our Unigram 300"]
    assert [r.label for r in report.rows] == labels
    assert all("%TR" in r.ours for r in report.rows)
    changed = sum(" evler" in t or t.startswith("evler") for t in text[40:])
    assert f"decode changes 20 of 20 paragraphs, {changed} beyond white space at their ends" in report.rows[3].ours
    assert "'evler' → 'evlar'" in report.rows[3].ours


class Lossy:
    """A stand-in for the published `turkish-tokenizer`: its tokens are the words, and decoding puts a space in
    front and turns `evler` into `evlar`."""

    def __init__(self) -> None:
        self.words: dict[str, int] = {}

    def tokenize_text(self, text: str) -> list[dict]:
        return [{"token": w, "id": self.words.setdefault(w, len(self.words))} for w in text.split()]

    def encode(self, text: str) -> list[int]:
        return [t["id"] for t in self.tokenize_text(text)]

    def decode(self, ids: list[int]) -> str:
        by_id = {i: w for w, i in self.words.items()}
        return " " + " ".join(by_id[i] for i in ids).replace("evler", "evlar")


def test_crosslingual_premiums():
    en = prose(5, 40)
    xx = [d.replace("the", "thethe") for d in en]  # the same content, longer words
    report = crosslingual.measure({"en": en, "xx": xx}, "en", settings=(("BPE 300", 300, {}),), every=2)
    assert report.rows[0].ours.startswith("mean 1.")


def test_charbench_bytes_tokens_are_one_char():
    report = charbench.measure(["alpha", "beta", "gamma"], {"bytes": Tokenizer.bytes_only()})
    assert report.rows[0].ours.startswith("target token 1.00 chars")


def test_mixture_experiment_small():
    cats = {"a": prose(6, 40), "b": prose(7, 40, ["zq", "xv", "kw", "yj", "the", "of"])}
    report = mixture.measure(cats, trials=1, merges=20, train_bytes=20_000)
    assert report.rows[0].ours.startswith("-") and "converged" in report.rows[0].ours


def test_parallel_keeps_places_translated_everywhere(monkeypatch):
    pages = {
        "en-US": {"a.html": ["Hello world, this is long enough", "Same", "Third paragraph is also long"]},
        "de-DE": {"a.html": ["Hallo Welt, das ist lang genug", "Same", "Dritter Absatz ist auch lang"]},
        "fr-FR": {"a.html": ["Bonjour le monde, assez long ici", "Same", "Third paragraph is also long"]},
    }
    monkeypatch.setattr(sources, "handbook_pages", pages.__getitem__)
    out = sources.parallel(["en-US", "de-DE", "fr-FR"], min_chars=10)
    assert out == {
        "en-US": ["Hello world, this is long enough"],
        "de-DE": ["Hallo Welt, das ist lang genug"],
        "fr-FR": ["Bonjour le monde, assez long ici"],
    }


def test_missing_data_names_the_install_command(tmp_path):
    with pytest.raises(DataMissing, match="apt-get install x"):
        sources.require(tmp_path / "absent", "apt-get install x")


def test_cli_skips_a_reproduction_without_its_data(monkeypatch, capsys):
    def absent():
        raise DataMissing("/nowhere: not found; install it with: apt-get install nothing")

    monkeypatch.setitem(REPROS, "superbpe", Repro("superbpe", "t", "p", "apt-get install nothing", absent))
    assert main(["repro", "superbpe"]) == 0
    assert "skipped: /nowhere: not found; install it with: apt-get install nothing" in capsys.readouterr().err


def test_anonymize_renames_names_in_order_and_keeps_keywords():
    src = "def area(width, height):\n    return width * height  # int\nstatic int count_t = sizeof(x);"
    assert anonymize(src) == "def v1(v2, v3):\n    return v2 * v3  # int\nstatic int v4 = sizeof(v5);"


def test_code_preset_aligns_every_identifier():
    rng = random.Random(8)
    names = ["self", "_private", "value_2", "items", "os"]

    def pick() -> str:
        return rng.choice(names)

    lines = [f"    {pick()}.{pick()} = {pick()}({rng.randrange(99)})" for _ in range(400)]
    docs = ["\n".join(lines[k : k + 20]) + "\n" for k in range(0, 400, 20)]
    tok = Tokenizer.bytes_only("code")
    assert code.identifier_alignment(tok, docs)[0] == 1.0  # byte tokens: every boundary is a token boundary
    report = code.measure({"py": docs}, vocab_size=300)
    assert [r.label for r in report.rows] == ["py, gpt4", "py, code", "py, code, anonymised"]
    assert "aligned 100.0%" in report.rows[1].ours


def test_lib_against_bpe_and_unigram():
    rng = random.Random(9)
    vocab = ["".join(rng.choice("abcdefghijklmnop") for _ in range(rng.randrange(3, 8))) for _ in range(300)]
    report = lib.measure(prose(9, 60, vocab), vocab_size=300)
    assert [r.label for r in report.rows] == ["LiB", "BPE (gpt4 pattern)", "Unigram"]
    assert "units span a space" in report.rows[0].ours
