"""SuperBPE (Liu et al. 2025, "SuperBPE: Space Travel for Language Models").

Stage 1 is ordinary BPE with a word-level pattern up to the transition point t; stage 2 keeps those merges,
re-splits the corpus with a pattern that lets tokens span spaces, replays the inherited merges on it and
continues BPE with superword rules. Encoding uses the stage-2 pattern alone. Patterns and rules are those of
the reference implementation (PythonNut/superbpe)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.bpe import TokenRules, assemble, base_vocab, learn_merges

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

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


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """The stage-1 pattern (or the one given) and the stage-2 pattern; checks the transition point."""
    start = 256 + len(opts.forced) + len(opts.specials)
    if opts.transition is None or not start <= opts.transition <= vocab_size:
        raise ConfigError(
            f"superbpe needs a transition point between {start} and the vocab size {vocab_size}, got {opts.transition}"
        )
    return [opts.pretokenizer or STAGE1_PATTERN, STAGE2_PATTERN]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """Stage 1 to the transition point, then superwords to `vocab_size`."""
    kw = {"min_frequency": opts.min_frequency}
    vocab, merges = learn_merges(
        counters[0], opts.transition, opts.specials, bar, rules=opts.rules, base=base_vocab(opts), **kw
    )
    vocab, merges = learn_merges(
        counters[1],
        vocab_size,
        opts.specials,
        bar,
        rules=superbpe_rules(opts.rules),
        base=(vocab, merges),
        label="merging superwords",
        **kw,
    )
    return assemble(vocab, merges, STAGE2_PATTERN, opts)
