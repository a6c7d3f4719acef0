"""Quantizers as `torch.nn.Module`s with the call conventions of `vector-quantize-pytorch`: each returns
`(quantized, indices, loss)` and counts code usage (`code_usage()`, `perplexity()`, `reset_usage()`)."""

from tokenforge.signal.quantizers.base import Quantized
from tokenforge.signal.quantizers.fsq import FSQ
from tokenforge.signal.quantizers.lfq import BSQ, LFQ
from tokenforge.signal.quantizers.residual import GroupedResidualVQ, ResidualVQ
from tokenforge.signal.quantizers.vq import VectorQuantize

__all__ = ["BSQ", "FSQ", "LFQ", "GroupedResidualVQ", "Quantized", "ResidualVQ", "VectorQuantize"]
