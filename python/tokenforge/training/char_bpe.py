"""SentencePiece-style BPE training (`algorithm="bpe", byte_fallback=True, pretokenizer="metaspace"`): Hugging
Face's `BpeTrainer` over the characters of `Metaspace` words (spaces as `▁`, one in front of each text), in the
Rust core (`crates/tokenforge-core/src/model/wordpiece/trainer.rs` with no prefix, words from
`model/bpe/chars.rs`). The tokenizer holds `<unk>`, `<s>`, `</s>` and the special tokens, the 256 byte pieces,
then the alphabet and the merged tokens, as a `CharBpeModel` with byte fallback; it normalizes as `Metaspace`
does (in the core) and splits with the `metaspace` pre-tokenizer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.models import CharBpeModel
from tokenforge.models.pieces import BOS, EOS, UNK, PieceKind, byte_piece
from tokenforge.normalizers import SentencePieceNormalizer
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

#: Hugging Face's `Metaspace` (`prepend_scheme: always`): spaces as `▁`, one in front of text without one.
METASPACE = SentencePieceNormalizer(add_dummy_prefix=True, remove_extra_whitespaces=False, prefix_unless_space=True)


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """The `metaspace` split, the only one SentencePiece-style BPE is trained with here."""
    if opts.pretokenizer != "metaspace":
        raise ConfigError("byte_fallback=True trains SentencePiece-style BPE: give pretokenizer='metaspace'")
    if vocab_size <= len(_meta(opts)):
        raise ConfigError(f"vocab size {vocab_size} leaves no room after the {len(_meta(opts))} meta pieces")
    return ["metaspace"]


def _meta(opts: TrainOptions) -> list[str]:
    """`<unk>`, `<s>`, `</s>`, the special tokens, the 256 byte pieces: the first ids."""
    return [UNK, BOS, EOS, *(s for s in opts.specials if s not in (UNK, BOS, EOS)), *map(byte_piece, range(256))]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """The merges of the counted words, as a SentencePiece-style BPE tokenizer."""
    meta = _meta(opts)
    bar.start("merging", total=vocab_size, unit="tokens")
    vocab, merges = _core.train_char_bpe(
        counters[0], vocab_size, meta, min_frequency=opts.min_frequency, progress=bar.update
    )
    controls = len(meta) - 256
    kinds = [PieceKind.UNKNOWN] + [PieceKind.CONTROL] * (controls - 1) + [PieceKind.BYTE] * 256
    kinds += [PieceKind.NORMAL] * (len(vocab) - len(meta))
    model = CharBpeModel([(pair, new, rank) for rank, (pair, new) in enumerate(merges)], kinds, 0, True)
    special = {t: i for i, t in enumerate(meta[:controls])}
    return Tokenizer(vocab, (), "metaspace", special, None, METASPACE, model=model)
