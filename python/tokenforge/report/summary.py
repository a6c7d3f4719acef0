"""The summary of an evaluation: which figures are shown, which direction is better, and the best per corpus."""

from __future__ import annotations

from dataclasses import dataclass

HIGHER = "higher"
LOWER = "lower"


@dataclass(frozen=True)
class Column:
    """A figure of the summary table: its JSON key, its heading, which direction is better, and its
    definition (shown in the report's "how each number was computed")."""

    key: str
    label: str
    better: str | None
    definition: str


COLUMNS = (
    Column("bytes_per_token", "bytes/token", HIGHER, "UTF-8 bytes of the raw text / tokens."),
    Column("chars_per_token", "chars/token", HIGHER, "Unicode code points of the raw text / tokens."),
    Column("tokens_per_char", "tokens/char", LOWER, "Tokens / code points (KL3M's unit)."),
    Column(
        "fertility",
        "fertility",
        LOWER,
        "Tokens / white-space-separated words; n/a for languages written without spaces.",
    ),
    Column(
        "continued_words",
        "continued",
        LOWER,
        "Share of words whose bytes overlap two or more tokens.",
    ),
    Column(
        "whole_word_tokens",
        "whole-word tok.",
        HIGHER,
        "Share of tokens that cover exactly one word (the word's only token).",
    ),
    Column("vocab_utilization", "vocab used", HIGHER, "Distinct ids produced / full vocabulary size |V|."),
    Column(
        "unknown_tokens",
        "unknown",
        LOWER,
        "Share of produced tokens that are control or unknown entries (e.g. [UNK]; they hide text, so compression "
        "and parity look better than they are).",
    ),
    Column("entropy", "entropy (bits)", None, "Shannon entropy of the unigram token distribution, in bits."),
    Column(
        "renyi_efficiency",
        "Rényi eff.",
        HIGHER,
        "H_α / log2 |V| with H_α = log2(Σ p^α) / (1 − α), α = 2.5 by default (Zouhar et al. 2023).",
    ),
)
INTEGRITY_COLUMNS = (
    Column("valid_word_tokens", "%valid words", HIGHER, "Share of distinct produced tokens in the word list."),
    Column("pure_tokens", "%pure", HIGHER, "Share of distinct produced tokens that are a root or an affix."),
)


def columns(result: dict) -> tuple[Column, ...]:
    """The columns that apply to a result (integrity only when a word list was given)."""
    metrics = [m for t in result["tokenizers"].values() for m in t["corpora"].values()]
    with_integrity = any("valid_word_tokens" in m for m in metrics)
    return COLUMNS + (INTEGRITY_COLUMNS if with_integrity else ())


def plain_corpora(result: dict) -> list[str]:
    """Names of the corpora that are not parallel corpora, in order."""
    return [name for name, facts in result["corpora"].items() if not facts.get("parallel")]


def parallel_corpora(result: dict) -> list[str]:
    """Names of the parallel corpora."""
    return [name for name, facts in result["corpora"].items() if facts.get("parallel")]


def best(values: dict[str, float | None], better: str | None) -> set[str]:
    """The keys holding the best value (all ties), none when the direction is neutral or nothing is known."""
    known = {k: v for k, v in values.items() if v is not None}
    if better is None or not known:
        return set()
    target = max(known.values()) if better == HIGHER else min(known.values())
    return {k for k, v in known.items() if v == target}


def best_parity(premiums: dict[str, float | None]) -> set[str]:
    """The tokenizers whose premium is closest to parity (1.0)."""
    known = {k: abs(v - 1) for k, v in premiums.items() if v is not None}
    return best(known, LOWER)


def fmt(value: object, digits: int = 3) -> str:
    """A figure for display: n/a for None, integers with separators, floats to `digits` decimals."""
    if value is None:
        return "n/a"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}f}"


def shown(result: dict, tok: str) -> str:
    """A tokenizer's name as tables show it: marked when it loses text (unknown tokens), since its compression
    figures then flatter it."""
    return f"{tok} (lossy)" if result["tokenizers"][tok].get("lossy") else tok


def groups(result: dict) -> list[tuple[str, dict[str, dict]]]:
    """`(corpus label, {tokenizer: metrics})` for every plain corpus and every language of a parallel corpus
    (labelled `DIR/LANG`), in order."""
    out = []
    tokenizers = result["tokenizers"]
    for name in plain_corpora(result):
        out.append((name, {t: entry["corpora"][name] for t, entry in tokenizers.items()}))
    for name in parallel_corpora(result):
        for lang in result["corpora"][name]["languages"]:
            out.append((f"{name}/{lang}", {t: e["corpora"][name]["languages"][lang] for t, e in tokenizers.items()}))
    return out
