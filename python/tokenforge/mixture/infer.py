"""`infer`: the estimated training mixture of a tokenizer, from its merges and one sample per category."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tokenforge.errors import ConfigError
from tokenforge.mixture.history import Category, build_history
from tokenforge.mixture.lp import Solution, byte_shares, solve
from tokenforge.tokenizer import Tokenizer


@dataclass
class Estimate:
    """An estimated mixture: `weights` are byte shares (sum 1), `pair_weights` the program's α (pair units);
    `merges` steps were used; `pairs` and `deltas` measure the stored history; the seconds spent building the
    history and solving the program."""

    weights: dict[str, float]
    pair_weights: dict[str, float]
    merges: int
    pairs: int
    deltas: int
    solution: Solution
    history_seconds: float
    solve_seconds: float


def infer(
    tokenizer: Tokenizer,
    categories: list[Category],
    merges: int | None = None,
    per_step: int = 4,
    source: str = "the tokenizer",
    start: int = 0,
    on_round: Callable[[int, int, float], None] | None = None,
    on_replay: Callable[[int, int], None] | None = None,
) -> Estimate:
    """Estimates the byte shares of `categories` in the training data of `tokenizer` from its first `merges`
    merges (all by default). With `start`, the merges before it are replayed but only `merges` merges from
    `start` on are used (for a tokenizer that extends another one's merge list). `on_replay(merges replayed,
    merges)` follows the replay, `on_round(rounds, constraints, objective)` the solver."""
    if start < 0:
        raise ConfigError(f"start must not be negative, not {start}")
    began = time.perf_counter()
    steps = None if merges is None else start + merges
    history = build_history(tokenizer, categories, steps, source, on_replay)
    if start >= history.steps:
        raise ConfigError(f"start ({start}) must be below the {history.steps} merges of {source}")
    built = time.perf_counter()
    solution = solve(history, per_step=per_step, start=start, on_round=on_round)
    solved = time.perf_counter()
    shares = byte_shares(solution.alpha, np.array(history.totals()), np.array([c.bytes for c in categories]))
    names = [c.name for c in categories]
    return Estimate(
        weights=dict(zip(names, shares.tolist())),
        pair_weights=dict(zip(names, solution.alpha.tolist())),
        merges=history.steps - start,
        pairs=history.num_pairs,
        deltas=history.num_deltas,
        solution=solution,
        history_seconds=built - began,
        solve_seconds=solved - built,
    )
