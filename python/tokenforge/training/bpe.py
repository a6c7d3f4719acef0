"""Classic byte-level BPE (Sennrich et al. 2016 on bytes, as in GPT-2): merge for merge identical to
Hugging Face's `BpeTrainer` when no token rule is set. The merge loop itself is in the Rust core
(`crates/tokenforge-core/src/model/bpe/trainer.rs`); this module turns its output into a `Tokenizer`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.progress import Progress
from tokenforge.tokenizer import Merge, Tokenizer

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

PAD_TOKEN = "<|unused_{}|>"


@dataclass
class TokenRules:
    """Limits on the tokens merges may create (none by default). Caps never apply to special tokens."""

    max_token_bytes: int | None = None
    max_token_chars: int | None = None
    max_words: int | None = None
    forbidden: Sequence[bytes] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("max_token_bytes", "max_token_chars", "max_words"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1, not {value}")

    def as_kwargs(self) -> dict:
        """The rules as keyword arguments of `_core.train_bpe`."""
        return {
            "max_token_bytes": self.max_token_bytes,
            "max_token_chars": self.max_token_chars,
            "max_words": self.max_words,
            "forbidden": [bytes(f) for f in self.forbidden],
        }


def check_vocab_size(vocab_size: int, start: int, specials: Sequence[str]) -> None:
    """Raises ConfigError when `vocab_size` cannot hold the `start` tokens and the special tokens."""
    if vocab_size < start + len(specials):
        raise ConfigError(
            f"vocab size {vocab_size} is too small: it must hold the {start} base tokens "
            f"and {len(specials)} special tokens"
        )


def learn_merges(
    counter: _core.WordCounter,
    vocab_size: int,
    specials: Sequence[str],
    bar: Progress,
    *,
    min_frequency: int = 0,
    rules: TokenRules | None = None,
    base: tuple[list[bytes], list[Merge]] | None = None,
    label: str = "merging",
) -> tuple[list[bytes], list[Merge]]:
    """Runs the merge loop on counted pre-tokens until the vocabulary holds `vocab_size` ids (specials
    included), optionally continuing `base = (vocab, merges)`; returns `(vocab, merges)` without specials."""
    start = len(base[0]) if base else 256
    check_vocab_size(vocab_size, start, specials)
    bar.start(label, total=vocab_size - start - len(specials), unit="merges")
    return _core.train_bpe(
        counter,
        vocab_size,
        min_frequency=min_frequency,
        reserved=len(specials),
        progress=bar.update,
        base=base,
        **(rules or TokenRules()).as_kwargs(),
    )


def check_pretokenizer(spec: str) -> None:
    """Fails on a bad pattern before anything is read."""
    _core.Pretokenizer(spec)


def base_vocab(opts: TrainOptions) -> tuple[list[bytes], list[Merge]]:
    """The 256 bytes, then an empty placeholder for each forced token (merges may not land on them)."""
    return Tokenizer.bytes_only().vocab() + [b""] * len(opts.forced), []


def assemble(vocab: list[bytes], merges: list[Merge], pretokenizer: str, opts: TrainOptions) -> Tokenizer:
    """The tokenizer: forced tokens in their reserved ids after the bytes, special tokens (and padding up to a
    power of two) after the merges."""
    added = {t: 256 + k for k, t in enumerate(opts.forced)}
    for t, i in added.items():
        vocab[i] = t.encode()
    specials = list(opts.specials)
    if opts.pad_to_power_of_two:
        size = 1 << (len(vocab) + len(specials) - 1).bit_length()
        specials += [PAD_TOKEN.format(k) for k in range(size - len(vocab) - len(specials))]
    special_ids = {}
    for s in specials:
        special_ids[s] = len(vocab)
        vocab.append(s.encode())
    return Tokenizer(
        vocab, merges, pretokenizer, special_tokens=special_ids, added_tokens=added, normalizer=opts.normalizer
    )


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """The pre-tokenizer to count with (default `gpt4`)."""
    return [opts.pretokenizer or "gpt4"]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """Classic BPE on the counted pre-tokens."""
    vocab, merges = learn_merges(
        counters[0],
        vocab_size,
        opts.specials,
        bar,
        min_frequency=opts.min_frequency,
        rules=opts.rules,
        base=base_vocab(opts),
    )
    return assemble(vocab, merges, patterns(opts, vocab_size)[0], opts)
