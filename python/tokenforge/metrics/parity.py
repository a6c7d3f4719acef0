"""Parity / token premium on a parallel corpus (Petrov et al. 2023, "Language Model Tokenizers Introduce
Unfairness Between Languages"): the tokens a language needs for the same content, relative to a pivot language.

`parity[LANG]` = total tokens of LANG's file / total tokens of the pivot's file (the files hold the same lines
or documents, aligned). 1.0 for the pivot; 2.0 means twice as many tokens (and so twice the cost) for the same
content.
"""

from __future__ import annotations

from tokenforge.errors import ConfigError


def premiums(tokens: dict[str, int], pivot: str) -> dict[str, float | None]:
    """Token premium of every language relative to `pivot` (None for all when the pivot has no tokens)."""
    if pivot not in tokens:
        have = ", ".join(sorted(tokens))
        raise ConfigError(f"pivot language {pivot!r} is not in the parallel corpus (it has {have})")
    base = tokens[pivot]
    return {lang: (n / base if base else None) for lang, n in sorted(tokens.items())}
