"""Everything a trainer can be told, in one place, and the domain presets that fill it in."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from tokenforge.errors import ConfigError
from tokenforge.normalizers import NORMALIZERS
from tokenforge.training.bpe import TokenRules
from tokenforge.training.registry import chosen, foreign_options, learner

DEFAULT_VOCAB_SIZE = 32000


@dataclass
class TrainOptions:
    """Options of `tokenforge.train` / `train_from_iterator` (see their docstrings). The options of one learner
    (`transition`, `chunk_size`, `limit_alphabet`, `unk_token`, `epochs`, `seed`, unigram's `shrinking_factor`...,
    the hybrid's `roots`, `affixes`, `language`) are None unless that learner is chosen; its entry in
    `tokenforge.training.registry` gives their defaults."""

    algorithm: str = "bpe"
    pretokenizer: str | None = None
    min_frequency: int = 0
    special_tokens: Sequence[str] = ()
    max_token_bytes: int | None = None
    max_token_chars: int | None = None
    transition: int | None = None
    normalizer: str | None = None
    forced_tokens: Sequence[str] = ()
    pad_to_power_of_two: bool = False
    chunk_size: int | None = None
    limit_alphabet: int | None = None
    unk_token: str | None = None
    epochs: int | None = None
    seed: int | None = None
    shrinking_factor: float | None = None
    num_sub_iterations: int | None = None
    max_piece_length: int | None = None
    character_coverage: float | None = None
    split_digits: bool | None = None
    split_by_number: bool | None = None
    split_by_unicode_script: bool | None = None
    byte_fallback: bool | None = None
    required_chars: str | None = None
    seed_sentencepiece_size: int | None = None
    roots: str | os.PathLike | Sequence[str] | None = None
    affixes: str | os.PathLike | Sequence[str] | None = None
    language: str | None = None
    max_memory: int | str | None = None
    spill_dir: str | None = None
    checkpoint_dir: str | None = None
    checkpoint_every: int = 1000
    progress: bool = False
    specials: list[str] = field(init=False)
    forced: list[str] = field(init=False)

    def __post_init__(self) -> None:
        learner(self.algorithm)
        if self.normalizer is not None and self.normalizer not in NORMALIZERS:
            raise ConfigError(f"unknown normalizer {self.normalizer!r}: use {', '.join(NORMALIZERS)} or none")
        if self.pretokenizer == "":
            raise ConfigError("the pre-tokenizer must not be empty: use gpt4, gpt2, o200k, none or a regex")
        if self.min_frequency < 0:
            raise ConfigError(f"min_frequency must be at least 0, not {self.min_frequency}")
        self.specials = list(dict.fromkeys(self.special_tokens))
        self.forced = [t for t in dict.fromkeys(self.forced_tokens) if t not in self.specials]
        if any(not t for t in [*self.specials, *self.forced]):
            raise ConfigError("special and forced tokens must not be empty")
        foreign_options(self)
        chosen(self).check(self)

    @property
    def rules(self) -> TokenRules:
        """The caps on learned tokens."""
        return TokenRules(max_token_bytes=self.max_token_bytes, max_token_chars=self.max_token_chars)


def _years() -> list[str]:
    return [str(y) for y in range(1776, 2051)]


#: Domain presets (KL3M-style): defaults that explicit arguments override. Documented in docs/training.md.
PRESETS: dict[str, dict] = {
    "legal": {
        "pretokenizer": "gpt4",
        "normalizer": "NFC",
        "forced_tokens": (
            [" " * n for n in (2, 3, 4, 8, 16)]
            + ["\n\n", "\t"]
            + [
                "§",
                "§§",
                "¶",
                "U.S.C.",
                "C.F.R.",
                "F.2d",
                "F.3d",
                "F.4th",
                "F. Supp.",
                "S. Ct.",
                "L. Ed.",
                "Id.",
                "et seq.",
            ]
            + [f"({c})" for c in "abcdefghijklmnopqrstuvwxyz"]
            + [f"({r})" for r in ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")]
            + _years()
            + [str(n) for n in range(1, 1000)]
        ),
        "pad_to_power_of_two": True,
    },
    "code": {
        "pretokenizer": "gpt4",
        "forced_tokens": [" " * n for n in (2, 4, 8, 12, 16, 24, 32)] + ["\t" * n for n in (1, 2, 3, 4)] + ["\n\n"],
        "pad_to_power_of_two": True,
    },
    # KL3M's character-level tokenizers: tokens of at most 3 (4k, 8k) or 4 (16k) bytes.
    "kl3m-char-4k": {"max_token_bytes": 3},
    "kl3m-char-8k": {"max_token_bytes": 3},
    "kl3m-char-16k": {"max_token_bytes": 4},
}
#: The vocabulary size a preset names, used when none is given.
PRESET_VOCAB_SIZES = {"kl3m-char-4k": 4096, "kl3m-char-8k": 8192, "kl3m-char-16k": 16384}


def vocab_size_of(vocab_size: object, preset: str | None = None) -> int:
    """The vocabulary size to train: the one given (an int), else the preset's, else `DEFAULT_VOCAB_SIZE`."""
    if vocab_size is None:
        return PRESET_VOCAB_SIZES.get(preset or "", DEFAULT_VOCAB_SIZE)
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, int):
        raise ConfigError(f"vocab_size must be an integer, not {vocab_size!r}")
    return vocab_size


def make_options(preset: str | None, options: dict) -> TrainOptions:
    """`TrainOptions` from keyword arguments, with a preset's values where an argument is not given."""
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"unknown preset {preset!r}: use one of {', '.join(PRESETS)}")
    names = {f.name for f in dataclasses.fields(TrainOptions) if f.init}
    unknown = sorted(set(options) - names)
    if unknown:
        raise ConfigError(f"unknown training option(s): {', '.join(unknown)}")
    chosen = learner(str(options.get("algorithm", "bpe")))
    return TrainOptions(**{**chosen.defaults, **PRESETS.get(preset or "", {}), **options})
