"""tokenforge: train, apply, measure and compare byte-level BPE tokenizers.

import tokenforge as tf
tok = tf.train(["corpus.txt"], vocab_size=32000, pretokenizer="gpt4")
ids = tok.encode("Hello wörld")
"""

from tokenforge.errors import (
    ConfigError,
    CorpusError,
    InputFileError,
    PretokenizerError,
    TokenforgeError,
    TokenizerFileError,
    UnsupportedError,
)
from tokenforge.tokenizer import Tokenizer
from tokenforge.training.api import train, train_from_iterator

__all__ = [
    "ConfigError",
    "CorpusError",
    "InputFileError",
    "PretokenizerError",
    "TokenforgeError",
    "Tokenizer",
    "TokenizerFileError",
    "UnsupportedError",
    "train",
    "train_from_iterator",
]
__version__ = "0.1.0"
