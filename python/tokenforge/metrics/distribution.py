"""How a tokenizer spends its vocabulary on a corpus, from the count of every id.

- `vocab_utilization` = distinct ids produced / |V| (|V| = the full vocabulary size, special tokens included).
- `entropy` = Shannon entropy of the unigram token distribution, in bits: −Σ p·log2 p.
- `renyi_efficiency` = H_α / log2 |V| with H_α = log2(Σ p^α) / (1 − α) (Zouhar et al. 2023, "Tokenization and
  the Noiseless Channel"); α = 2.5 by default; α = 1 is Shannon's entropy.
- Token lengths: the share of produced tokens of each length, in bytes and in characters of their surface, and
  the mean lengths.
"""

from __future__ import annotations

import numpy as np

DEFAULT_ALPHA = 2.5
#: Token lengths above this share one histogram bin ("17+").
LONGEST_BIN = 16


def probabilities(counts: np.ndarray) -> np.ndarray:
    """The unigram distribution of the ids that occur (zero counts dropped)."""
    counts = np.asarray(counts, dtype=np.float64)
    counts = counts[counts > 0]
    return counts / counts.sum()


def utilization(counts: np.ndarray, vocab_size: int) -> float:
    """Share of the vocabulary produced at least once."""
    return int(np.count_nonzero(counts)) / vocab_size


def entropy(counts: np.ndarray) -> float:
    """Shannon entropy of the token distribution, in bits."""
    p = probabilities(counts)
    return float(-(p * np.log2(p)).sum()) + 0.0  # + 0.0: a single token type gives 0, not -0


def renyi_entropy(counts: np.ndarray, alpha: float = DEFAULT_ALPHA) -> float:
    """Rényi entropy of order `alpha`, in bits (Shannon's for `alpha` = 1)."""
    if alpha == 1:
        return entropy(counts)
    p = probabilities(counts)
    return float(np.log2((p**alpha).sum()) / (1 - alpha)) + 0.0


def renyi_efficiency(counts: np.ndarray, vocab_size: int, alpha: float = DEFAULT_ALPHA) -> float:
    """Rényi entropy of order `alpha` divided by log2 of the full vocabulary size."""
    return renyi_entropy(counts, alpha) / float(np.log2(vocab_size))


def length_histogram(counts: np.ndarray, lengths: np.ndarray) -> dict[str, float]:
    """Share of produced tokens by surface length (`"1"`, …, `"16"`, `"17+"`; lengths that never occur are
    left out), from the count and the length of every id."""
    binned = np.minimum(lengths, LONGEST_BIN + 1)
    per_length = np.bincount(binned, weights=counts, minlength=LONGEST_BIN + 2)
    total = per_length.sum()
    names = [str(n) for n in range(LONGEST_BIN + 1)] + [f"{LONGEST_BIN + 1}+"]
    return {names[n]: float(v / total) for n, v in enumerate(per_length) if v}


def distribution(
    counts: np.ndarray, vocab_size: int, byte_lengths: np.ndarray, char_lengths: np.ndarray, alpha: float
) -> dict[str, object]:
    """Every figure of this module from the id counts and the per-id surface lengths."""
    total = counts.sum()
    return {
        "vocab_utilization": utilization(counts, vocab_size),
        "entropy": entropy(counts) if total else None,
        "renyi_efficiency": renyi_efficiency(counts, vocab_size, alpha) if total else None,
        "mean_token_bytes": float(counts @ byte_lengths / total) if total else None,
        "mean_token_chars": float(counts @ char_lengths / total) if total else None,
        "token_length_bytes": length_histogram(counts, byte_lengths) if total else {},
        "token_length_chars": length_histogram(counts, char_lengths) if total else {},
    }
