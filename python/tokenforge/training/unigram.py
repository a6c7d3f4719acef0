"""Unigram LM training (sentencepiece's trainer, in the Rust core): count the corpus's whitespace-split
words, each as `▁word`, then seed, EM and prune to the vocabulary size. sentencepiece's defaults.

`algorithm="unigram"` of `tokenforge.train` (the registry's `patterns` and `learn` below) gives a `Tokenizer`
with sentencepiece's pipeline: its `nmt_nfkc` normalizer with the dummy prefix and `▁` (run in the core), no
pre-tokenizer, `<unk>`, `<s>`, `</s>` (and `special_tokens`) as control pieces, `forced_tokens` as
user-defined pieces. `train_unigram` gives the model alone."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.corpus import CorpusOptions, CorpusStats, Segment, iter_documents, iter_segments
from tokenforge.errors import ConfigError, CorpusError
from tokenforge.models.pieces import SPACE
from tokenforge.models.unigram import UnigramModel
from tokenforge.normalizers import sentencepiece_default
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.counting import count_pretokens, prepared

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

WORDS = r"\S+"
"""sentencepiece's training pre-tokens: the text between whitespace (each becomes `▁word`)."""


@dataclass(frozen=True)
class UnigramOptions:
    """The trainer's settings, with sentencepiece's names and defaults."""

    shrinking_factor: float = 0.75
    num_sub_iterations: int = 2
    max_piece_length: int = 16
    character_coverage: float = 0.9995
    split_digits: bool = False
    split_by_number: bool = True
    split_by_unicode_script: bool = True
    byte_fallback: bool = False
    required_chars: str = ""
    seed_sentencepiece_size: int = 1_000_000
    normalizer: str | None = "NFKC"

    def check(self) -> None:
        """Raises ConfigError for a setting out of range."""
        if not 0 < self.shrinking_factor < 1:
            raise ConfigError(f"shrinking_factor must be between 0 and 1, got {self.shrinking_factor}")
        if not 0 < self.character_coverage <= 1:
            raise ConfigError(f"character_coverage must be in (0, 1], got {self.character_coverage}")
        if self.num_sub_iterations < 1 or self.max_piece_length < 1 or self.seed_sentencepiece_size < 1:
            raise ConfigError("num_sub_iterations, max_piece_length and seed_sentencepiece_size must be positive")


#: The options `algorithm="unigram"` takes (sentencepiece's names), as `TrainOptions` fields.
OPTIONS = tuple(f.name for f in fields(UnigramOptions) if f.name != "normalizer")
#: What `algorithm="unigram"` uses unless told otherwise: sentencepiece's defaults.
DEFAULTS = {"normalizer": "nmt_nfkc", **{name: getattr(UnigramOptions(), name) for name in OPTIONS}}


def learn_pieces(
    counter: _core.WordCounter,
    vocab_size: int,
    options: UnigramOptions,
    source: str,
    controls: Sequence[str] = (),
    user_defined: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
) -> UnigramModel:
    """A model of `vocab_size` pieces (meta pieces included) learned from counted words; `controls` and
    `user_defined` become pieces of those kinds after `<unk>`, `<s>`, `</s>`; `progress(done, total)`: seed
    pieces dropped so far."""
    options.check()
    meta = 3 + len(controls) + len(user_defined) + (256 if options.byte_fallback else 0)
    if vocab_size <= meta:
        raise ConfigError(f"a Unigram vocabulary of {vocab_size} leaves no room after its {meta} meta pieces")
    try:
        learned = _core.train_unigram(
            counter,
            vocab_size - meta,
            meta_pieces=meta,
            shrinking_factor=options.shrinking_factor,
            num_sub_iterations=options.num_sub_iterations,
            max_piece_length=options.max_piece_length,
            character_coverage=options.character_coverage,
            split_digits=options.split_digits,
            split_by_number=options.split_by_number,
            split_by_script=options.split_by_unicode_script,
            required_chars=options.required_chars,
            seed_size=options.seed_sentencepiece_size,
            prefix=SPACE,
            progress=progress,
        )
    except ConfigError as e:
        raise ConfigError(f"{source}: {e}") from None
    return UnigramModel.from_learned(learned, options.byte_fallback, controls, user_defined)


def learn_unigram(
    segments: Iterator[Segment], vocab_size: int, options: UnigramOptions, source: str, progress: bool = False
) -> UnigramModel:
    """Counts a segment stream's words and learns a model of `vocab_size` pieces (meta pieces included)."""
    options.check()
    with Progress(enabled=progress) as bar:
        bar.start("counting words", unit="bytes")
        (counter,) = count_pretokens(prepared(segments, options.normalizer, ()), [WORDS], bar)
        if len(counter) == 0:
            raise CorpusError(f"{source}: the corpus is empty")
        bar.start("learning pieces", unit="pieces")
        return learn_pieces(counter, vocab_size, options, source, progress=bar.update)


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """sentencepiece's words; its normalizer is the only one the trained tokenizer can run."""
    if opts.normalizer != DEFAULTS["normalizer"]:
        raise ConfigError(f"unigram normalizes as sentencepiece does (nmt_nfkc), not with {opts.normalizer}")
    UnigramOptions(**{name: getattr(opts, name) for name in OPTIONS}).check()
    return [WORDS]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """The Unigram model of the counted words, in sentencepiece's pipeline (see the module docstring)."""
    bar.start("learning pieces", unit="pieces")
    options = UnigramOptions(**{name: getattr(opts, name) for name in OPTIONS})
    model = learn_pieces(counters[0], vocab_size, options, "unigram training", opts.specials, opts.forced, bar.update)
    return tokenizer_of(model)


def tokenizer_of(model: UnigramModel) -> Tokenizer:
    """A trained model in sentencepiece's default pipeline (control and unknown pieces are special tokens)."""
    from tokenforge.interop.sentencepiece import piece_tokenizer

    return piece_tokenizer(model, model.vocab(), sentencepiece_default())


def train_unigram(
    paths: str | os.PathLike | Iterable[str | os.PathLike] | None = None,
    vocab_size: int = 8000,
    *,
    texts: Iterable[str] | None = None,
    progress: bool = False,
    **options,
) -> UnigramModel:
    """A Unigram model learned from files (`paths`) or documents (`texts`); `options` are `UnigramOptions`."""
    if (paths is None) == (texts is None):
        raise ConfigError("train_unigram needs either paths or texts")
    try:
        opts = UnigramOptions(**options)
    except TypeError as e:
        raise ConfigError(f"unigram training: {e}") from None
    stats = CorpusStats()
    if texts is not None:
        return learn_unigram(iter_documents(texts, stats), vocab_size, opts, "<iterator>", progress)
    paths = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    source = ", ".join(str(p) for p in paths[:3]) + (" ..." if len(paths) > 3 else "")
    return learn_unigram(iter_segments(paths, CorpusOptions(), stats), vocab_size, opts, source, progress)
