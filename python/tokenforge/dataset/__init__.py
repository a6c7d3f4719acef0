"""Tokenizing datasets into training shards: `tokenize_dataset` writes them, `Dataset` reads them back.

See `tokenforge.dataset.shards` for the layout on disk and `tokenforge.dataset.packing` for packing.
"""

from tokenforge.dataset.shards import Dataset, ShardData
from tokenforge.dataset.tokenize import TokenizeOptions, TokenizeReport, Totals, tokenize_dataset

__all__ = ["Dataset", "ShardData", "TokenizeOptions", "TokenizeReport", "Totals", "tokenize_dataset"]
