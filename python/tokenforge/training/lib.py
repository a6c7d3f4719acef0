"""LiB training (Yang 2024, "Rethinking Tokenization: Crafting Better Tokenizers for Large Language Models"; Yang
et al., "Less is Better: A cognitively inspired unsupervised model for language segmentation"): a lexicon of
subword *and multiword* units grown by a memorizer and pruned by a forgetter.

The corpus is counted line by line (the `lines` pre-tokenizer by default); the learner reads every line as often
as it occurs, in several passes (`epochs`, lines in a seeded random order). Each line is segmented with the
current lexicon (fewest units; on a tie, the higher-scored units) and every use of a unit scores +1. The
memorizer adds every pair of adjacent units as a new candidate (score 1); the forgetter takes up to three of the
line's multi-character units, segments the line again without each, and scores −2 a unit that saved no token
(removed at zero), +1 one that did. The lexicon is cut back to its final size whenever it doubles. The
vocabulary: the 256 bytes (id = byte), then the units best first (at most `max_token_chars` characters), then
the special tokens. Units may cross spaces (`of the`). The loop is `crates/tokenforge-core/src/model/lib/`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.models.lib import MAX_UNIT, LibModel
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

#: One pre-token per line, its line break included.
LINES = r"[^\n]+\n?|\n"
N_BYTES = 256
#: What `algorithm="lib"` uses unless told otherwise.
DEFAULTS = {"pretokenizer": LINES, "max_token_chars": MAX_UNIT, "epochs": 2, "seed": 0}


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """The pre-tokenizer to count with; the vocabulary must hold more than the bytes and the special tokens."""
    if vocab_size <= N_BYTES + len(opts.specials):
        raise ConfigError(
            f"vocab_size {vocab_size} must exceed the {N_BYTES} byte tokens and {len(opts.specials)} special tokens"
        )
    if opts.epochs < 1:
        raise ConfigError(f"epochs must be at least 1, not {opts.epochs}")
    return [opts.pretokenizer or LINES]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """The bytes, the learned units best first, the special tokens."""
    bar.start("memorizing and forgetting", unit="lines")
    n_units = vocab_size - N_BYTES - len(opts.specials)
    units = _core.train_lib(counters[0], n_units, opts.max_token_chars, opts.epochs, opts.seed & (2**64 - 1))
    vocab = [bytes([b]) for b in range(N_BYTES)] + [u.encode() for u in units] + [s.encode() for s in opts.specials]
    return Tokenizer(
        vocab,
        pretokenizer=patterns(opts, vocab_size)[0],
        special_tokens={s: N_BYTES + len(units) + k for k, s in enumerate(opts.specials)},
        normalizer=opts.normalizer,
        model=LibModel(opts.max_token_chars),
    )
