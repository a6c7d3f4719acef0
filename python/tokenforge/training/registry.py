"""The learners `tokenforge.train` knows, by `algorithm` name. Each entry owns its options and defaults and
says which features it supports; `train` and the command line ask the registry, never the name.

A learner either counts pre-tokens (`patterns` names the pre-tokenizers to count with, `learn` turns the
counters into a Tokenizer; counting is shared: local, capped, on Ray) or reads its files itself (`read_files`).
Adding one: a module in this package and one entry in `LEARNERS` (see docs/models.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokenforge.errors import ConfigError
from tokenforge.training import binary, bpe, char_bpe, hybrid, lib, superbpe, unigram, wordpiece

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

#: Features a learner may support: what the user asks for, and how to tell from the options that they did.
FEATURES: dict[str, tuple[str, Callable[[TrainOptions], bool]]] = {
    "pretokenizer": ("a pre-tokenizer", lambda o: o.pretokenizer not in (None, "none")),
    "normalizer": ("a normalizer", lambda o: o.normalizer is not None),
    "forced_tokens": ("forced tokens", lambda o: bool(o.forced)),
    "max_token_chars": ("a character cap (max_token_chars)", lambda o: o.max_token_chars is not None),
    "max_memory": ("a memory cap (max_memory)", lambda o: o.max_memory is not None),
    "checkpoint": ("checkpoints (checkpoint_dir)", lambda o: o.checkpoint_dir is not None),
    "ray": ("counting on Ray (ray=...)", lambda o: False),
    "iterator": ("documents from an iterator (train_from_iterator)", lambda o: False),
}


@dataclass(frozen=True)
class Learner:
    """One vocabulary learner."""

    name: str
    summary: str
    supports: frozenset[str]
    options: tuple[str, ...] = ()
    defaults: Mapping[str, object] = field(default_factory=dict)
    patterns: Callable[[TrainOptions, int], list[str]] | None = None
    learn: Callable[[Sequence, int, TrainOptions, object], object] | None = None
    read_files: Callable[[list, int, TrainOptions, object], object] | None = None
    #: Learners that take over when an option is set (true): `{"byte_fallback": <SentencePiece-style BPE>}`.
    variants: Mapping[str, Learner] = field(default_factory=dict)

    def check(self, opts: TrainOptions, *, ray: bool = False, iterator: bool = False) -> None:
        """ConfigError naming what the options ask for that this learner does not support."""
        asked = [name for name, (_, used) in FEATURES.items() if used(opts)]
        asked += ["ray"] * ray + ["iterator"] * iterator
        missing = [FEATURES[name][0] for name in asked if name not in self.supports]
        if missing:
            raise ConfigError(f"{self.name} does not support {', '.join(missing)}")


ALL = frozenset(FEATURES)
#: `algorithm="bpe", byte_fallback=True, pretokenizer="metaspace"`.
CHAR_BPE = Learner(
    "bpe",
    "with byte_fallback: SentencePiece-style BPE, merge-identical to HF's BpeTrainer on Metaspace words",
    frozenset({"pretokenizer", "max_memory", "iterator"}),
    options=("byte_fallback",),
    patterns=char_bpe.patterns,
    learn=char_bpe.learn,
)
LEARNERS: dict[str, Learner] = {
    learner.name: learner
    for learner in (
        Learner(
            "bpe",
            "byte-level BPE, merge-identical to Hugging Face's BpeTrainer (pre-tokenizer gpt4)",
            ALL,
            patterns=bpe.patterns,
            learn=bpe.learn,
            variants={"byte_fallback": CHAR_BPE},
        ),
        Learner(
            "superbpe",
            "SuperBPE: BPE to --transition, then superword tokens",
            ALL - {"checkpoint"},
            options=("transition",),
            patterns=superbpe.patterns,
            learn=superbpe.learn,
        ),
        Learner(
            "binary",
            "Binary BPE on the raw bytes of any file, in chunks",
            frozenset({"max_memory"}),
            options=("chunk_size",),
            defaults={"chunk_size": binary.CHUNK_SIZE},
            read_files=binary.train_files,
        ),
        Learner(
            "unigram",
            "Unigram LM, sentencepiece's trainer and pipeline (nmt_nfkc normalizer, ▁, <unk> <s> </s>)",
            frozenset({"normalizer", "forced_tokens", "max_memory", "iterator"}),
            options=unigram.OPTIONS,
            defaults=unigram.DEFAULTS,
            patterns=unigram.patterns,
            learn=unigram.learn,
        ),
        Learner(
            "wordpiece",
            "WordPiece with BERT's defaults (HF BertWordPieceTokenizer's vocabulary)",
            frozenset({"pretokenizer", "normalizer", "max_memory", "ray", "iterator"}),
            options=("limit_alphabet", "unk_token"),
            defaults=wordpiece.DEFAULTS,
            patterns=wordpiece.patterns,
            learn=wordpiece.learn,
        ),
        Learner(
            "lib",
            "LiB (Less-is-Better): subword and multiword units by a memorizer and a forgetter, line by line",
            frozenset({"pretokenizer", "normalizer", "max_token_chars", "max_memory", "ray", "iterator"}),
            options=("epochs", "seed"),
            defaults=lib.DEFAULTS,
            patterns=lib.patterns,
            learn=lib.learn,
        ),
        Learner(
            "hybrid",
            "morphology-aware hybrid: roots and affixes from word lists (--roots, --affixes), case and space "
            "tokens, BPE for the rest",
            frozenset({"normalizer", "max_memory", "ray", "iterator"}),
            options=("roots", "affixes", "language"),
            patterns=hybrid.patterns,
            learn=hybrid.learn,
        ),
    )
}


def learner(name: str) -> Learner:
    """The learner called `name` (ConfigError naming the known ones otherwise)."""
    if name not in LEARNERS:
        raise ConfigError(f"unknown algorithm {name!r}: use one of {', '.join(LEARNERS)}")
    return LEARNERS[name]


def chosen(opts: TrainOptions) -> Learner:
    """The learner the options ask for: the algorithm's, or the variant an option set to true selects."""
    base = learner(opts.algorithm)
    return next((v for option, v in base.variants.items() if getattr(opts, option)), base)


def foreign_options(opts: TrainOptions) -> None:
    """ConfigError when an option that belongs to another learner is set."""
    base = learner(opts.algorithm)
    own = set(base.options).union(*(v.options for v in base.variants.values()))
    for other in LEARNERS.values():
        if other.name == opts.algorithm:
            continue
        for name in other.options:
            if name not in own and getattr(opts, name) is not None:
                raise ConfigError(f"{name} is a {other.name} option (use algorithm='{other.name}')")
