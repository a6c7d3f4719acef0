"""Parity / token premium on a parallel corpus (Petrov et al. 2023, "Language Model Tokenizers Introduce
Unfairness Between Languages"): the tokens a language needs for the same content, relative to a pivot language.

`parity[LANG]` = total tokens of LANG's file / total tokens of the pivot's file (the files hold the same lines
or documents, aligned). 1.0 for the pivot; 2.0 means twice as many tokens (and so twice the cost) for the same
content. Where the files align line by line, `line_premiums` gives the spread of the premium over the lines.
"""

from __future__ import annotations

import numpy as np

from tokenforge.errors import ConfigError


def premiums(tokens: dict[str, int], pivot: str) -> dict[str, float | None]:
    """Token premium of every language relative to `pivot` (None for all when the pivot has no tokens)."""
    if pivot not in tokens:
        have = ", ".join(sorted(tokens))
        raise ConfigError(f"pivot language {pivot!r} is not in the parallel corpus (it has {have})")
    base = tokens[pivot]
    return {lang: (n / base if base else None) for lang, n in sorted(tokens.items())}


def line_premiums(tokens: dict[str, np.ndarray], pivot: str) -> dict[str, dict[str, float | int | None]]:
    """Per language, the premium of each aligned line (its tokens / the pivot line's tokens, over the lines where
    the pivot has tokens): median, 10th and 90th percentile, and how many lines."""
    base = tokens[pivot]
    used = base > 0
    out: dict[str, dict[str, float | int | None]] = {}
    for lang, counts in sorted(tokens.items()):
        ratios = counts[used] / base[used]
        if len(ratios) == 0:
            out[lang] = {"median": None, "p10": None, "p90": None, "lines": 0}
            continue
        p10, median, p90 = np.percentile(ratios, [10, 50, 90]).tolist()
        out[lang] = {"median": median, "p10": p10, "p90": p90, "lines": int(len(ratios))}
    return out
