"""`tokenforge mixture infer|experiment`: data mixture inference from a BPE merge list (docs/mixture.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tokenforge.cli.common import (
    add_corpus_args,
    add_tokenizer_args,
    check_writable,
    corpus_options,
    load_tokenizer,
    split_name_path,
)
from tokenforge.errors import ConfigError, InputFileError
from tokenforge.mixture import category_from_paths, infer
from tokenforge.mixture.experiment import Trial, chunk_documents, read_documents, run_experiment
from tokenforge.progress import Progress

#: Merges `mixture infer` uses unless told: on a real tokenizer (issue 13) 2,000 merges took 54 s and gave the
#: same shares as all of them, which took 14.5 minutes and 4 GB.
DEFAULT_MERGES = 2000


def _category(spec: str) -> tuple[str, str]:
    """`NAME=PATH` as `(name, path)`."""
    pair = split_name_path(spec)
    if pair is None:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {spec!r}")
    return pair


def _add_categories(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--category",
        "-c",
        type=_category,
        action="append",
        required=True,
        metavar="NAME=PATH",
        help="a category and its sample (file or directory); repeat for each category",
    )
    p.add_argument("--json", metavar="PATH", help="also write the result as JSON")
    add_corpus_args(p)


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `mixture` subcommand and its `infer` and `experiment` actions."""
    p = sub.add_parser(
        "mixture",
        help="infer the training data mixture of a BPE tokenizer from its merges",
        description="Data mixture inference (Hayase, Liu et al. 2024): the ordered merges of a BPE tokenizer "
        "and one text sample per category give the categories' shares of its training data.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    inf = actions.add_parser(
        "infer",
        help="estimate a tokenizer's training mixture",
        description="Print the estimated byte share of each category in the tokenizer's training data.",
    )
    add_tokenizer_args(inf)
    _add_categories(inf)
    inf.add_argument(
        "--merges",
        type=int,
        metavar="N",
        help=f"use the first N merges after --start (default: {DEFAULT_MERGES:,}, about a minute on a laptop; "
        "all merges can take many minutes and gigabytes)",
    )
    inf.add_argument(
        "--start",
        type=int,
        default=0,
        metavar="S",
        help="replay the first S merges but use only those after (a tokenizer extending another's merge list)",
    )
    inf.add_argument("--max-bytes", type=int, metavar="N", help="read at most about N bytes per category")
    inf.set_defaults(run=run_infer)
    exp = actions.add_parser(
        "experiment",
        help="train tokenizers on random known mixtures and measure the inference error",
        description="The paper's controlled protocol: documents are split by hash into a training side and an "
        "inference side; each trial draws a mixture from the simplex, trains a tokenizer on it and infers it "
        "back. Prints log10 MSE (mean ± sd) of the estimate, the uniform guess and a random simplex point.",
    )
    _add_categories(exp)
    exp.add_argument("--trials", type=int, default=5, help="mixtures to draw (default: 5)")
    exp.add_argument("--merges", type=int, default=3000, help="merges each tokenizer learns (default: 3000)")
    exp.add_argument("--train-bytes", type=int, default=10 << 20, help="training text per trial (default: 10 MiB)")
    exp.add_argument("--sample-bytes", type=int, help="cap on each inference sample (default: the whole side)")
    exp.add_argument("--max-bytes", type=int, help="read at most about N bytes per category")
    exp.add_argument("--pretokenizer", default="gpt4", help="pre-tokenizer of the trained tokenizers")
    exp.add_argument("--seed", type=int, default=0, help="seed of the mixtures and sampling (default: 0)")
    exp.set_defaults(run=run_experiment_command)


def _names(categories: list[tuple[str, str]]) -> list[str]:
    names = [n for n, _ in categories]
    if len(set(names)) != len(names):
        raise ConfigError(f"category names must differ, got {', '.join(names)}")
    return names


def _write_json(path: str, data: dict) -> None:
    try:
        Path(path).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise InputFileError(f"{path}: cannot write: {e.strerror}") from None


def run_infer(args: argparse.Namespace) -> int:
    """Runs `tokenforge mixture infer`."""
    _names(args.category)
    check_writable(args.json)
    tok = load_tokenizer(args)
    reading = corpus_options(args)
    cats = [category_from_paths(name, path, tok, args.max_bytes, reading) for name, path in args.category]
    available = len(tok.merge_ids) - args.start
    merges = args.merges if args.merges is not None else min(DEFAULT_MERGES, max(available, 1))
    with Progress() as bar:
        bar.start(f"replaying merges over {len(cats)} samples", total=args.start + merges, unit="merges")

        def replayed(done: int, total: int) -> None:
            bar.update(done, total)
            if done == total:
                bar.start("solving", unit="rounds")

        def show(rounds: int, constraints: int, objective: float) -> None:
            bar.describe(f"solving: round {rounds}, {constraints:,} constraints, objective {objective:.6g}")
            bar.update(rounds)

        est = infer(
            tok, cats, merges=merges, source=args.tokenizer, start=args.start, on_round=show, on_replay=replayed
        )
    width = max(len(c.name) for c in cats)
    print(f"{'category':<{width}}  byte share  sample bytes")
    for c in cats:
        print(f"{c.name:<{width}}  {est.weights[c.name]:10.4f}  {c.bytes:12,}")
    s = est.solution
    print(
        f"merges used: {est.merges:,} of {available:,}; constraints: {s.constraints:,} in {s.rounds} rounds, "
        f"{'converged' if s.converged else 'NOT converged (stopped at the round limit)'}; "
        f"history: {est.deltas:,} count changes"
    )
    if args.json:
        _write_json(args.json, {"weights": est.weights})
    return 0


def run_experiment_command(args: argparse.Namespace) -> int:
    """Runs `tokenforge mixture experiment`."""
    names = _names(args.category)
    check_writable(args.json)
    reading = corpus_options(args)
    docs = {name: chunk_documents(read_documents([path], args.max_bytes, reading)) for name, path in args.category}

    def show(k: int, t: Trial) -> None:
        truth = " ".join(f"{x:.3f}" for x in t.truth)
        print(f"trial {k + 1}: truth {truth}  log10 MSE {t.log_mse:.2f}", flush=True)

    exp = run_experiment(
        docs,
        trials=args.trials,
        merges=args.merges,
        train_bytes=args.train_bytes,
        sample_bytes=args.sample_bytes,
        pretokenizer=args.pretokenizer,
        seed=args.seed,
        on_trial=show,
    )
    s = exp.summary()
    print(f"categories: {', '.join(names)}; {args.trials} trials, {args.merges} merges")
    for label, key in (("estimate", "log_mse"), ("uniform guess", "uniform_log_mse"), ("random", "random_log_mse")):
        mean, sd = s[key]
        print(f"log10 MSE {label:<13} {mean:7.2f} ± {sd:.2f}")
    if args.json:
        _write_json(
            args.json,
            {"names": names, "summary": s, "trials": [t.__dict__ for t in exp.trials], "merges": args.merges},
        )
    return 0
