"""Setup of the signal tests. They need PyTorch (the `signal` extra): each module starts with
`pytest.importorskip("torch")`, so without it they are skipped and the core suite still runs."""

from __future__ import annotations

import importlib.util

import pytest


@pytest.fixture(autouse=True)
def _deterministic():
    """Every test starts from the same seed, single-threaded, with deterministic kernels."""
    if importlib.util.find_spec("torch") is None:
        yield
        return
    import torch

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
