"""`infer`: the estimated training mixture of a tokenizer, from its merges and one sample per category."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tokenforge.mixture.history import Category, build_history
from tokenforge.mixture.lp import Solution, byte_shares, solve
from tokenforge.tokenizer import Tokenizer


@dataclass
class Estimate:
    """An estimated mixture: `weights` are byte shares (sum 1), `pair_weights` the program's α (pair units);
    `merges` steps were used; `pairs` and `deltas` measure the stored history."""

    weights: dict[str, float]
    pair_weights: dict[str, float]
    merges: int
    pairs: int
    deltas: int
    solution: Solution


def infer(
    tokenizer: Tokenizer,
    categories: list[Category],
    merges: int | None = None,
    per_step: int = 4,
    source: str = "the tokenizer",
) -> Estimate:
    """Estimates the byte shares of `categories` in the training data of `tokenizer` from its first `merges`
    merges (all by default)."""
    history = build_history(tokenizer, categories, merges, source)
    solution = solve(history, per_step=per_step)
    shares = byte_shares(solution.alpha, np.array(history.totals()), np.array([c.bytes for c in categories]))
    names = [c.name for c in categories]
    return Estimate(
        weights=dict(zip(names, shares.tolist())),
        pair_weights=dict(zip(names, solution.alpha.tolist())),
        merges=history.steps,
        pairs=history.num_pairs,
        deltas=history.num_deltas,
        solution=solution,
    )
