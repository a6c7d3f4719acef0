"""The controlled protocol of Hayase, Liu et al. (2024): train tokenizers on known random mixtures, infer the
mixtures back from their merges, and compare with the truth and with two baselines.

Each category's text is cut into documents (at line ends, about `doc_bytes` each) and every document is assigned to
the training side or the inference side by a hash of its bytes, so the samples given to inference never overlap
the tokenizer's training text. A trial draws the true byte shares uniformly from the simplex (Dirichlet(1)),
builds a training text of `train_bytes` bytes by drawing each category's training documents (shuffled, reused
in turn if the side is smaller than its share) until its share is filled, trains a tokenizer with `merges` merges
and infers. The truth is the byte shares actually drawn. Baselines: the uniform guess and another random point
of the simplex.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from tokenforge.corpus import CorpusOptions, CorpusStats, iter_segments
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.mixture.history import category_from_texts
from tokenforge.mixture.infer import infer
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train_from_iterator

DOC_BYTES = 4096
#: Share of the documents (by hash) that go to the training side.
TRAIN_FRACTION = 0.5


def chunk_documents(texts: Iterable[str], doc_bytes: int = DOC_BYTES) -> list[str]:
    """Texts cut at line ends into documents of about `doc_bytes` UTF-8 bytes (a longer line stays whole)."""
    docs: list[str] = []
    for text in texts:
        current: list[str] = []
        size = 0
        for line in text.splitlines(keepends=True):
            current.append(line)
            size += len(line.encode())
            if size >= doc_bytes:
                docs.append("".join(current))
                current, size = [], 0
        if current:
            docs.append("".join(current))
    return docs


def read_documents(
    paths: Iterable[str | os.PathLike], max_bytes: int | None = None, opts: CorpusOptions | None = None
) -> list[str]:
    """The documents of files or directories as text (read with `opts`), up to about `max_bytes` bytes."""
    texts: list[str] = []
    parts: list[str] = []
    size = 0
    for text, end in iter_segments([os.fspath(p) for p in paths], opts or CorpusOptions(), CorpusStats()):
        text = text.decode() if isinstance(text, bytes) else text
        parts.append(text)
        size += len(text.encode())
        if end:
            texts.append("".join(parts))
            parts = []
        if max_bytes is not None and size >= max_bytes:
            break
    if parts:
        texts.append("".join(parts))
    return texts


def split_by_hash(docs: list[str], train_fraction: float = TRAIN_FRACTION) -> tuple[list[str], list[str]]:
    """`(training side, inference side)`: each document goes to one side by a hash of its bytes (identical
    documents go to the same side). Each side is in hash order, so any prefix of it is a random sample of the
    documents (not the first chapters), and a shorter prefix is part of a longer one."""
    keyed = sorted((int.from_bytes(hashlib.blake2b(d.encode(), digest_size=8).digest(), "little"), d) for d in docs)
    train = [d for h, d in keyed if h / 2**64 < train_fraction]
    held = [d for h, d in keyed if h / 2**64 >= train_fraction]
    return train, held


def prefix_bytes(docs: list[str], max_bytes: int | None) -> list[str]:
    """The first documents holding about `max_bytes` UTF-8 bytes (the one that crosses the limit included; all
    of them when `max_bytes` is None)."""
    if max_bytes is None:
        return docs
    size = 0
    for k, d in enumerate(docs):
        if size >= max_bytes:
            return docs[:k]
        size += len(d.encode())
    return docs


def draw_mixture(
    sides: list[list[str]], shares: np.ndarray, total_bytes: int, rng: np.random.Generator
) -> tuple[list[str], np.ndarray]:
    """Training documents holding about `shares * total_bytes` bytes of each category (documents shuffled and
    reused in turn when a side is smaller than its share), shuffled together; and the byte shares drawn."""
    docs: list[str] = []
    drawn = np.zeros(len(sides))
    for i, side in enumerate(sides):
        budget = shares[i] * total_bytes
        order = rng.permutation(len(side))
        k = 0
        while drawn[i] < budget:
            d = side[order[k % len(order)]]
            docs.append(d)
            drawn[i] += len(d.encode())
            k += 1
    rng.shuffle(docs)
    return docs, drawn / drawn.sum()


def total_bytes(docs: Iterable[str]) -> int:
    """UTF-8 bytes of the documents."""
    return sum(len(d.encode()) for d in docs)


def log_mse(estimate: np.ndarray, truth: np.ndarray) -> float:
    """log10 of the mean squared error."""
    return math.log10(max(float(np.mean((estimate - truth) ** 2)), 1e-300))


@dataclass
class Trial:
    """One trial: the true and estimated byte shares, the log10 MSE of the estimate and the baselines, the
    program's size, and the seconds spent training, building the history and solving."""

    truth: list[float]
    estimate: list[float]
    log_mse: float
    uniform_log_mse: float
    random_log_mse: float
    converged: bool
    rounds: int
    constraints: int
    train_seconds: float
    history_seconds: float
    solve_seconds: float


@dataclass
class Experiment:
    """All trials of one setting and what the setting was."""

    names: list[str]
    merges: int
    train_bytes: int
    sample_bytes: list[int]
    train_side_bytes: list[int]
    trials: list[Trial] = field(default_factory=list)

    def summary(self) -> dict[str, tuple[float, float]]:
        """Mean and standard deviation of the log10 MSE of the estimate and of both baselines."""
        out = {}
        for key in ("log_mse", "uniform_log_mse", "random_log_mse"):
            v = np.array([getattr(t, key) for t in self.trials])
            out[key] = (float(v.mean()), float(v.std()))
        return out


def run_experiment(
    categories: dict[str, list[str]],
    trials: int = 5,
    merges: int = 3000,
    train_bytes: int = 10 << 20,
    sample_bytes: int | None = None,
    train_side_bytes: int | None = None,
    pretokenizer: str = "gpt4",
    seed: int = 0,
    per_step: int = 4,
    on_trial: Callable[[int, Trial], None] | None = None,
) -> Experiment:
    """Runs the protocol (see the module docs) on categories given as documents; `sample_bytes` caps each
    inference sample, `train_side_bytes` each category's pool of training documents."""
    if len(categories) < 2:
        raise ConfigError("an experiment needs at least two categories")
    if trials < 1 or merges < 1 or train_bytes < 1:
        raise ConfigError("trials, merges and train bytes must be positive")
    names = list(categories)
    sides = [split_by_hash(docs) for docs in categories.values()]
    sides = [(prefix_bytes(train, train_side_bytes), held) for train, held in sides]
    for name, (train, held) in zip(names, sides):
        if not train or not held:
            raise CorpusError(f"category {name}: too few documents to split into training and inference sides")
    counting = Tokenizer.bytes_only(pretokenizer)
    samples = [category_from_texts(n, held, counting, sample_bytes) for n, (_, held) in zip(names, sides)]
    result = Experiment(names, merges, train_bytes, [s.bytes for s in samples], [total_bytes(t) for t, _ in sides])
    rng = np.random.default_rng(seed)
    n = len(names)
    for k in range(trials):
        shares = rng.dirichlet(np.ones(n))
        docs, truth = draw_mixture([train for train, _ in sides], shares, train_bytes, rng)
        start = time.perf_counter()
        tok = train_from_iterator(docs, 256 + merges, pretokenizer=pretokenizer, progress=False)
        trained = time.perf_counter() - start
        est = infer(tok, samples, per_step=per_step)
        guess = np.array([est.weights[name] for name in names])
        trial = Trial(
            truth=truth.tolist(),
            estimate=guess.tolist(),
            log_mse=log_mse(guess, truth),
            uniform_log_mse=log_mse(np.full(n, 1.0 / n), truth),
            random_log_mse=log_mse(rng.dirichlet(np.ones(n)), truth),
            converged=est.solution.converged,
            rounds=est.solution.rounds,
            constraints=est.solution.constraints,
            train_seconds=trained,
            history_seconds=est.history_seconds,
            solve_seconds=est.solve_seconds,
        )
        result.trials.append(trial)
        if on_trial:
            on_trial(k, trial)
    return result
