"""Discrete tokenizers for images and audio (PyTorch; the optional extra `tokenforge[signal]`): quantizers with
vector-quantize-pytorch's call conventions, image and audio tokenizers built on them, their training and their
measurement. The core package never imports this one (docs/signal.md)."""

try:
    import torch  # noqa: F401
except ImportError as e:  # pragma: no cover - depends on the installation
    raise ImportError("tokenforge.signal needs PyTorch: pip install 'tokenforge[signal]'") from e

from tokenforge.signal.quantizers import BSQ, FSQ, LFQ, GroupedResidualVQ, Quantized, ResidualVQ, VectorQuantize

__all__ = ["BSQ", "FSQ", "LFQ", "GroupedResidualVQ", "Quantized", "ResidualVQ", "VectorQuantize"]
