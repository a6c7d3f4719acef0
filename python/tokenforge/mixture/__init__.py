"""Data mixture inference (Hayase, Liu et al. 2024): what a BPE merge list reveals about its training data.

`infer(tokenizer, categories)` estimates the byte share of each category in the tokenizer's training text from
one sample per category (`category_from_paths` / `category_from_texts`); `run_experiment` is the paper's
controlled protocol. See docs/mixture.md.
"""

from tokenforge.mixture.history import Category, build_history, category_from_paths, category_from_texts
from tokenforge.mixture.infer import Estimate, infer

__all__ = ["Category", "Estimate", "build_history", "category_from_paths", "category_from_texts", "infer"]
