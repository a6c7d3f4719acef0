"""WordPiece training with BERT's defaults: the vocabulary of Hugging Face's
`BertWordPieceTokenizer().train(files, vocab_size=N)`. Its `WordPieceTrainer` is its `BpeTrainer` with a
continuing-subword prefix, so the merge loop is ours (`crates/tokenforge-core/src/model/wordpiece/trainer.rs`
lays out the words and calls the BPE loop of `model/bpe/trainer.rs`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tokenforge import _core
from tokenforge.errors import ConfigError
from tokenforge.models import WordPieceModel
from tokenforge.models.wordpiece import BERT_SPECIALS, bert_extras
from tokenforge.progress import Progress
from tokenforge.tokenizer import Tokenizer

if TYPE_CHECKING:
    from tokenforge.training.options import TrainOptions

#: What `algorithm="wordpiece"` uses unless told otherwise (Hugging Face's `BertWordPieceTokenizer`).
DEFAULTS = {
    "pretokenizer": "bert",
    "normalizer": "bert",
    "min_frequency": 2,
    "special_tokens": BERT_SPECIALS,
    "limit_alphabet": 1000,
    "unk_token": "[UNK]",
}


def patterns(opts: TrainOptions, vocab_size: int) -> list[str]:
    """The pre-tokenizer to count with; the unknown token must be a special token."""
    if opts.unk_token not in opts.specials:
        raise ConfigError(f"the unknown token {opts.unk_token!r} must be one of the special tokens")
    return [opts.pretokenizer or "bert"]


def learn(counters: Sequence[_core.WordCounter], vocab_size: int, opts: TrainOptions, bar: Progress) -> Tokenizer:
    """The WordPiece vocabulary of the counted words: special tokens, alphabet, `##` continuations, merges."""
    bar.start("merging", total=vocab_size, unit="tokens")
    vocab = _core.train_wordpiece(
        counters[0],
        vocab_size,
        opts.specials,
        min_frequency=opts.min_frequency,
        limit_alphabet=opts.limit_alphabet,
        progress=bar.update,
    )
    return Tokenizer(
        vocab,
        pretokenizer=patterns(opts, vocab_size)[0],
        special_tokens={s: i for i, s in enumerate(opts.specials)},
        normalizer=opts.normalizer,
        model=WordPieceModel(unk_token=opts.unk_token),
        **bert_extras(opts.specials),
    )
