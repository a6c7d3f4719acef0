"""Data mixture inference: the pair-count history, the linear program, the experiment protocol, the CLI."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from tokenforge import Tokenizer
from tokenforge.cli.main import main
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.mixture import build_history, category_from_paths, category_from_texts, infer
from tokenforge.mixture.experiment import chunk_documents, prefix_bytes, run_experiment, split_by_hash
from tokenforge.mixture.lp import byte_shares, solve


def two_merge_tokenizer() -> Tokenizer:
    """Bytes, then the merges "ab" and "cd"; no pre-tokenization (each document is one piece)."""
    base = Tokenizer.bytes_only()
    vocab = base.vocab()
    ids = {t: i for i, t in enumerate(vocab)}
    merges = [((ids[b"a"], ids[b"b"]), 256), ((ids[b"c"], ids[b"d"]), 257)]
    return Tokenizer(vocab + [b"ab", b"cd"], merges, "none")


def words(counts: dict[str, int], times: int = 1) -> list[str]:
    return [w for w, n in counts.items() for _ in range(n * times)]


# Category A: ab 8, cd 1, ef 3; B: cd 7, ef 5 (12 pairs each). With a = share of A: "ab" first needs
# 8a >= a + 7(1 - a) and 8a >= 3a + 5(1 - a), i.e. a >= 1/2; "cd" before "ef" then needs a + 7(1 - a) >=
# 3a + 5(1 - a), i.e. a <= 1/2. The only mixture without violations is a = 1/2.
A = {"ab": 8, "cd": 1, "ef": 3}
B = {"cd": 7, "ef": 5}


def test_hand_made_program_has_its_known_optimum():
    tok = two_merge_tokenizer()
    cats = [category_from_texts("A", words(A), tok), category_from_texts("B", words(B), tok)]
    history = build_history(tok, cats)
    assert history.totals() == [12, 12]
    assert history.merged_counts() == [8, 0, 1, 7]
    sol = solve(history)
    assert sol.converged
    assert sol.objective == pytest.approx(0.0, abs=1e-9)
    assert sol.alpha == pytest.approx([0.5, 0.5], abs=1e-9)


def test_sample_size_is_normalised_away():
    # B's sample is three times larger: the same pair shares, so the same estimate.
    tok = two_merge_tokenizer()
    a = category_from_texts("A", words(A), tok)
    b = category_from_texts("B", words(B, times=3), tok)
    est = infer(tok, [a, b])
    assert est.pair_weights["A"] == pytest.approx(0.5, abs=1e-9)
    assert est.weights == pytest.approx({"A": 0.5, "B": 0.5}, abs=1e-9)


def test_start_leaves_the_first_merges_unconstrained():
    # A: ab 10, ef 10; B: cd 6, ef 4 (pair shares: A 1/2 each, B 0.6 and 0.4). Merging "ab" first needs a = 1 (ef
    # ties ab in A and B adds ef); merging "cd" next needs 0.6(1 - a) >= 0.5a + 0.4(1 - a), i.e. a <= 2/7. Together
    # they conflict; from step 1 on, every a <= 2/7 is exact.
    tok = two_merge_tokenizer()
    cats = [
        category_from_texts("A", words({"ab": 10, "ef": 10}), tok),
        category_from_texts("B", words({"cd": 6, "ef": 4}), tok),
    ]
    assert infer(tok, cats).solution.objective > 1e-6
    est = infer(tok, cats, merges=1, start=1)
    assert est.merges == 1
    assert est.solution.objective == pytest.approx(0.0, abs=1e-9)
    assert est.pair_weights["A"] <= 2 / 7 + 1e-9
    with pytest.raises(ConfigError, match="start"):
        infer(tok, cats, start=2)


def test_byte_shares_weigh_pairs_by_bytes_per_pair():
    # Equal pair shares; category B has 4 bytes per pair, A 2: B holds two thirds of the bytes.
    assert byte_shares(np.array([0.5, 0.5]), np.array([12, 12]), np.array([24, 48])) == pytest.approx([1 / 3, 2 / 3])


def synthetic_language(letters: str, seed: int, size: int = 300):
    """A made-up language: a Zipfian vocabulary of random words over `letters`; returns a document maker."""
    r = random.Random(seed)
    vocab = ["".join(r.choice(letters) for _ in range(r.randint(2, 7))) for _ in range(size)]
    weights = [1 / (k + 1) for k in range(size)]

    def document(rng: random.Random) -> str:
        lines = [" ".join(rng.choices(vocab, weights, k=12)) + ".\n" for _ in range(8)]
        return "".join(lines).capitalize()

    return document


def test_experiment_recovers_synthetic_mixtures_within_two_hundredths():
    makers = {
        "alpha": synthetic_language("abcdefghi", 1),
        "beta": synthetic_language("defghijklmn", 2),
        "gamma": synthetic_language("lmnopqrstu", 3),
        "delta": synthetic_language("aeiouvwxyz", 4),
    }
    rng = random.Random(7)
    docs = {name: [make(rng) for _ in range(1500)] for name, make in makers.items()}
    exp = run_experiment(docs, trials=2, merges=400, train_bytes=1_500_000, seed=3)
    for trial in exp.trials:
        assert trial.converged
        assert np.abs(np.array(trial.estimate) - np.array(trial.truth)).max() <= 0.02, trial
        assert trial.log_mse < trial.uniform_log_mse


def test_prefix_bytes_takes_whole_documents_up_to_the_cap():
    docs = ["aa", "bbé", "cc", "dd"]  # 2, 4, 2, 2 bytes
    assert prefix_bytes(docs, 3) == ["aa", "bbé"]
    assert prefix_bytes(docs, 6) == ["aa", "bbé"]
    assert prefix_bytes(docs, 7) == ["aa", "bbé", "cc"]
    assert prefix_bytes(docs, None) == docs


def test_documents_split_by_hash_are_disjoint_and_stable():
    docs = chunk_documents(["".join(f"line {k}\n" for k in range(2000))], doc_bytes=100)
    assert all(len(d.encode()) < 110 for d in docs)
    train, held = split_by_hash(docs)
    assert set(train).isdisjoint(held)
    assert len(train) + len(held) == len(docs)
    assert (train, held) == split_by_hash(list(docs))


def test_tokenizer_without_merges_is_refused():
    tok = Tokenizer.bytes_only()
    cat = category_from_texts("A", ["some text"], tok)
    with pytest.raises(ConfigError, match="has no merges"):
        infer(tok, [cat], source="empty.json")


def test_category_without_text_is_refused(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match=r"category fr .*empty\.txt.*no text"):
        category_from_paths("fr", tmp_path / "empty.txt", two_merge_tokenizer())


def test_category_not_utf8_is_refused(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("déjà vu\n".encode("latin-1"))
    with pytest.raises(CorpusError, match=r"category fr .*latin1\.txt.*UTF-8"):
        category_from_paths("fr", bad, two_merge_tokenizer())


def test_cli_infer_writes_json_and_reports_errors(tmp_path, capsys):
    tok_dir = tmp_path / "tok"
    two_merge_tokenizer().save(tok_dir)
    # One piece per document: a text file is one document, so write each word as its own file.
    for name, counts in (("A", A), ("B", B)):
        folder = tmp_path / name
        folder.mkdir()
        for k, w in enumerate(words(counts)):
            (folder / f"{k:03}.txt").write_text(w)
    out = tmp_path / "mix.json"
    argv = ["mixture", "infer", "-t", str(tok_dir), "-c", f"A={tmp_path / 'A'}", "-c", f"B={tmp_path / 'B'}"]
    assert main([*argv, "--json", str(out)]) == 0
    weights = json.loads(out.read_text())["weights"]
    assert weights == pytest.approx({"A": 0.5, "B": 0.5}, abs=1e-9)
    assert "merges used: 2" in capsys.readouterr().out
    assert main([*argv, "--start", "1"]) == 0  # the first merge replayed, only the second one used
    assert "merges used: 1" in capsys.readouterr().out
    (tmp_path / "empty.txt").write_text("")
    assert main(["mixture", "infer", "-t", str(tok_dir), "-c", f"A={tmp_path / 'empty.txt'}"]) == 1
    assert "category A" in capsys.readouterr().err
