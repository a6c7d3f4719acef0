"""Training the morphology-aware hybrid (`algorithm="hybrid"`): `roots` and `affixes` are word-list files (one
entry per line; a hunspell `.dic` works: its count line and `/flags` are dropped) or lists of strings; `language`
(`tr`: Turkish casing of i and affix harmony, affixes of one archiphoneme spelling sharing an id) sets the case
rules. The corpus is counted in words and gaps; the core keeps the roots the corpus uses most (at most 60% of the
vocabulary), groups the affixes, and trains byte-level BPE on what the lexicon leaves
(`crates/tokenforge-core/src/model/hybrid/trainer.rs`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.models.hybrid import SPACE, UPPER, HybridModel, turkish
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

#: Words (runs of letters) and the gaps between them.
WORDS = r"\p{Alphabetic}+|\P{Alphabetic}+"


def read_entries(source: str | os.PathLike | Iterable[str], language: str | None, strip: str = "") -> list[str]:
    """The entries of a word-list file or of a list of strings."""
    from tokenforge.metrics.integrity import read_list  # the metrics package imports tokenforge

    if isinstance(source, (str, os.PathLike)):
        return sorted(read_list(source, language, strip))
    return [str(s) for s in source]


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """Words and gaps; the roots and affixes must be given."""
    missing = [name for name in ("roots", "affixes") if getattr(opts, name) is None]
    if missing:
        raise ConfigError(f"the hybrid learner needs {' and '.join(missing)} (word-list files or lists of strings)")
    return [WORDS]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """`<uppercase>`, `<space>`, the kept roots, the affix groups, the BPE part, the special tokens."""
    specials = [s for s in opts.specials if s not in (UPPER, SPACE)]
    bar.start("merging", total=vocab_size, unit="tokens")
    roots, groups, bpe_vocab, merges = _core.train_hybrid(
        counters[0],
        read_entries(opts.roots, opts.language),
        read_entries(opts.affixes, opts.language, strip="-"),
        vocab_size,
        reserved=len(specials),
        min_frequency=opts.min_frequency,
        turkish=turkish(opts.language),
        progress=bar.update,
    )
    vocab = [UPPER.encode(), b" ", *(r.encode() for r in roots), *(g[0].encode() for g in groups), *bpe_vocab]
    special_tokens = {UPPER: 0} | {s: len(vocab) + k for k, s in enumerate(specials)}
    model = HybridModel(len(roots), [tuple(g) for g in groups], len(bpe_vocab), merges, opts.language)
    return Tokenizer(
        vocab + [s.encode() for s in specials],
        pretokenizer=WORDS,
        special_tokens=special_tokens,
        normalizer=opts.normalizer,
        model=model,
    )
