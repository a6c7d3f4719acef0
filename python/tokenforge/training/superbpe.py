"""SuperBPE (Liu et al. 2025, "SuperBPE: Space Travel for Language Models").

Stage 1 is ordinary BPE with a word-level pattern up to the transition point t; stage 2 keeps those merges,
re-splits the corpus with a pattern that lets tokens span spaces, replays the inherited merges on it and
continues BPE with superword rules. Encoding uses the stage-2 pattern alone. Patterns and rules are those of
the reference implementation (PythonNut/superbpe)."""

from __future__ import annotations

import dataclasses

from tokenforge import _core
from tokenforge.training.bpe import TokenRules

#: o200k without its contraction suffixes: the reference's stage-1 split (run by a linear scanner).
STAGE1_PATTERN = _core.SUPERBPE_STAGE1_PATTERN
#: The stage-2 split: numbers, punctuation runs and trailing spaces are cut out; all else may merge.
STAGE2_PATTERN = _core.SUPERBPE_STAGE2_PATTERN
#: A superword holds at most this many words (non-empty parts between spaces).
MAX_WORDS = 4
#: No token may contain a colon followed by a space (the reference's ":Ġ").
FORBIDDEN = (b": ",)


def superbpe_rules(base: TokenRules, max_words: int = MAX_WORDS) -> TokenRules:
    """`base` plus the superword rules of stage 2."""
    return dataclasses.replace(
        base,
        max_words=base.max_words if base.max_words is not None else max_words,
        forbidden=tuple(base.forbidden) + FORBIDDEN,
    )
