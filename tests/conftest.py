"""Shared test setup: a derandomized hypothesis profile for CI, and small corpora made on the spot."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _pydoc_docs() -> list[str]:
    import pydoc_data.topics

    return [pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics)]


@pytest.fixture(scope="session")
def english_docs() -> list[str]:
    """English prose that ships with Python: the pydoc topic texts (about 0.8 MB)."""
    return _pydoc_docs()


@pytest.fixture(scope="session")
def small_tokenizer(english_docs):
    """A 2,000-token gpt4-pattern tokenizer trained on the pydoc topics."""
    import tokenforge as tf

    return tf.train_from_iterator(english_docs, vocab_size=2000, pretokenizer="gpt4")
