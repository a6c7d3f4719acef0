"""Measuring tokenizers: compression, fertility, vocabulary use, parity, composition, integrity, CharBench.

Every metric is defined in its module and in docs/metrics.md; `evaluate` runs them all over corpora.
"""

from tokenforge.metrics.adapters import Adapter, VocabEntry, load_adapter
from tokenforge.metrics.evaluate import Lexicon, evaluate

__all__ = ["Adapter", "Lexicon", "VocabEntry", "evaluate", "load_adapter"]
