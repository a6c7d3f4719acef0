"""The linear program of data mixture inference, solved with HiGHS by lazy constraint generation.

Variables: mixture weights α on the simplex (in pair units), a slack v_t ≥ 0 per merge step and a slack v_p ≥ 0
per competing pair. For every step t and pair p ≠ m(t) (the pair merged at t):

    Σ_i α_i (c_i,m(t)(t) − c_i,p(t)) / D_i + v_t + v_p ≥ 0,    minimise Σ_t v_t + Σ_p v_p,

with c_i,p(t) the count of p in category i's sample before merge t and D_i the sample's total pair count before
the first merge. There are steps × pairs constraints, far too many to write down: the program starts with none,
`MergeHistory.scan` (Rust) finds the constraints the current solution violates (the `per_step` worst of each
step), they are added, HiGHS re-solves from its previous basis, and so on until nothing is violated. A v_p column
is created when its pair first appears in a constraint (a pair in no constraint has v_p = 0).

All rows are multiplied by the mean of the D_i, so that coefficients are counts of the samples rather than tiny
fractions: the optimum α is the same, and HiGHS's absolute tolerances (1e-7) stay far below the coefficients.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tokenforge import _core
from tokenforge.errors import UnsupportedError

#: Violations smaller than this (in sample counts) are taken as satisfied.
TOLERANCE = 1e-6


def _highs():
    """A silent HiGHS instance (its constructor prints a banner on standard output, which is kept out)."""
    try:
        import highspy
    except ImportError:
        raise UnsupportedError("mixture inference needs HiGHS: pip install highspy") from None
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    return h, highspy


@dataclass
class Solution:
    """The optimum: `alpha` (pair units, sums to 1), the objective, the rounds of constraint generation, the
    constraints in the final program and whether generation stopped because nothing was violated."""

    alpha: np.ndarray
    objective: float
    rounds: int
    constraints: int
    converged: bool


def solve(
    history: _core.MergeHistory,
    per_step: int = 4,
    max_rounds: int = 100,
    start: int = 0,
    on_round: Callable[[int, int, float], None] | None = None,
) -> Solution:
    """Solves the program for a pair-count history by lazy constraint generation (see the module docs); the
    steps before `start` are replayed but not constrained (their slack is unbounded). `on_round(rounds,
    constraints, objective)` is called after each round."""
    n, steps = history.categories, history.steps
    totals = np.array(history.totals(), dtype=np.float64)
    scale = float(totals.mean())
    factor = scale / totals  # row coefficient of α_i per unit count
    merged = np.array(history.merged_counts(), dtype=np.float64).reshape(steps, n) * factor
    h, highspy = _highs()
    inf = highspy.kHighsInf
    # Columns: α_0..α_{n-1} in [0, 1] (cost 0), then v_t per step (cost 1); v_p columns come later.
    h.addVars(n + steps, np.zeros(n + steps), np.concatenate([np.ones(n), np.full(steps, inf)]))
    h.changeColsCost(steps, np.arange(n, n + steps, dtype=np.int32), np.ones(steps))
    h.addRows(1, np.ones(1), np.ones(1), n, np.zeros(1, dtype=np.int32), np.arange(n, dtype=np.int32), np.ones(n))
    pair_col: dict[int, int] = {}
    seen: set[tuple[int, int]] = set()
    alpha = np.full(n, 1.0 / n)
    step_slack = np.zeros(steps)
    pair_slack: list[tuple[int, float]] = []
    objective, rounds, converged = 0.0, 0, False
    unconstrained = np.arange(steps) < start
    while rounds < max_rounds:
        found_steps, found_pairs, counts = history.scan(
            list(alpha * factor), list(np.where(unconstrained, np.inf, step_slack)), pair_slack, per_step, TOLERANCE
        )
        new = [k for k, key in enumerate(zip(found_steps, found_pairs)) if key not in seen]
        if not new:
            converged = True
            break
        rounds += 1
        counts = np.array(counts, dtype=np.float64).reshape(-1, n)
        for p in {found_pairs[k] for k in new} - pair_col.keys():
            pair_col[p] = h.getNumCol()
            h.addVar(0.0, inf)
            h.changeColCost(pair_col[p], 1.0)
        starts, index, value = [], [], []
        for k in new:
            t, p = found_steps[k], found_pairs[k]
            seen.add((t, p))
            coef = merged[t] - counts[k] * factor
            nz = np.flatnonzero(coef)
            starts.append(len(index))
            index.extend(nz.tolist() + [n + t, pair_col[p]])
            value.extend(coef[nz].tolist() + [1.0, 1.0])
        rows = len(new)
        h.addRows(
            rows,
            np.zeros(rows),
            np.full(rows, inf),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value),
        )
        h.run()
        x = np.array(h.getSolution().col_value)
        alpha = np.clip(x[:n], 0.0, None)
        alpha /= alpha.sum()
        step_slack = x[n : n + steps]
        pair_slack = [(p, float(x[c])) for p, c in pair_col.items()]
        objective = float(h.getInfo().objective_function_value)
        if on_round is not None:
            on_round(rounds, h.getNumRow() - 1, objective)
    return Solution(alpha, objective, rounds, h.getNumRow() - 1, converged)


def byte_shares(alpha: np.ndarray, totals: np.ndarray, sample_bytes: np.ndarray) -> np.ndarray:
    """Converts weights in pair units to byte shares.

    A training mix with b_i bytes of category i holds about b_i · D_i / B_i pairs of it (D_i pairs in the B_i
    bytes of the sample), and α_i is the share of those pairs; so b_i ∝ α_i · B_i / D_i."""
    b = alpha * np.asarray(sample_bytes, dtype=np.float64) / np.asarray(totals, dtype=np.float64)
    return b / b.sum()
