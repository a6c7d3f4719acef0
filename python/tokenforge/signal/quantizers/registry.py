"""The quantizers a tokenizer can be built with, by name, and the settings each gets from a codebook size."""

from __future__ import annotations

import math

from torch import nn

from tokenforge.errors import ConfigError
from tokenforge.signal.quantizers.fsq import FSQ
from tokenforge.signal.quantizers.lfq import BSQ, LFQ
from tokenforge.signal.quantizers.residual import ResidualVQ
from tokenforge.signal.quantizers.vq import VectorQuantize

CLASSES: dict[str, type[nn.Module]] = {"fsq": FSQ, "vq": VectorQuantize, "lfq": LFQ, "bsq": BSQ, "rvq": ResidualVQ}

#: FSQ levels for a target codebook size (Mentzer et al. 2023, table 1; 64 added).
FSQ_LEVELS = {
    64: [4, 4, 4],
    256: [8, 6, 5],
    1024: [8, 5, 5, 5],
    4096: [7, 5, 5, 5, 5],
    16384: [8, 8, 8, 6, 5],
    65536: [8, 8, 8, 5, 5, 5],
}
#: Residual layers of `rvq` unless told.
DEFAULT_LAYERS = 4


def quantizer_spec(
    name: str, dim: int, codebook_size: int, layers: int | None = None, levels: list[int] | None = None
) -> dict:
    """`{"name", "kwargs"}` of a quantizer on `dim`-wide latents: what a tokenizer's config stores."""
    if name not in CLASSES:
        raise ConfigError(f"unknown quantizer {name!r}: choose one of {', '.join(CLASSES)}")
    if levels is not None and name != "fsq":
        raise ConfigError("--levels applies to the fsq quantizer only")
    if layers is not None and name != "rvq":
        raise ConfigError("--layers applies to the rvq quantizer only")
    if name == "fsq":
        if levels is None and codebook_size not in FSQ_LEVELS:
            sizes = ", ".join(str(s) for s in FSQ_LEVELS)
            raise ConfigError(f"fsq: no preset levels for codebook {codebook_size} (presets: {sizes}; or --levels)")
        return {"name": name, "kwargs": {"levels": levels or FSQ_LEVELS[codebook_size], "dim": dim}}
    if name in ("lfq", "bsq"):
        if codebook_size < 2 or not math.log2(codebook_size).is_integer():
            raise ConfigError(f"{name}: the codebook size must be a power of 2, got {codebook_size}")
        return {"name": name, "kwargs": {"dim": dim, "codebook_size": codebook_size, "commitment_loss_weight": 0.25}}
    common = {
        "dim": dim,
        "codebook_size": codebook_size,
        "codebook_dim": min(dim, 8),
        "kmeans_init": True,
        "threshold_ema_dead_code": 2,
        "decay": 0.95,
        "commitment_weight": 0.25,
    }
    if name == "vq":
        return {"name": name, "kwargs": common}
    common.pop("codebook_dim")
    return {"name": name, "kwargs": {**common, "num_quantizers": layers or DEFAULT_LAYERS, "quantize_dropout": True}}


def build_quantizer(spec: dict) -> nn.Module:
    """The quantizer a spec from `quantizer_spec` describes."""
    return CLASSES[spec["name"]](**spec["kwargs"])


def index_bits(quantizer: nn.Module) -> float:
    """Bits of one index of the quantizer at a fixed-length code: log2 of its codebook size."""
    return math.log2(quantizer.codebook_size)
