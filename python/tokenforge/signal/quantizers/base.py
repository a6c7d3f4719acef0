"""What every quantizer shares: the `(quantized, indices, loss)` result, moving channels to the last axis and
back, and the running count of code usage (from which code usage and perplexity are reported)."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn


class Quantized(NamedTuple):
    """What a quantizer returns: the quantized values (shape of the input), the code indices and the auxiliary
    loss to add to the training loss (a scalar; per layer for residual quantizers)."""

    quantized: Tensor
    indices: Tensor
    loss: Tensor


def to_tokens(x: Tensor, channel_first: bool) -> tuple[Tensor, torch.Size]:
    """`x` as `(batch, tokens, features)` and the leading shape to restore it with `from_tokens`."""
    if channel_first:
        x = x.movedim(1, -1)
    lead = x.shape[:-1]
    return x.reshape(lead[0], -1, x.shape[-1]) if len(lead) != 2 else x, lead


def from_tokens(x: Tensor, lead: torch.Size, channel_first: bool) -> Tensor:
    """Inverse of `to_tokens` for values `(batch, tokens, features)`."""
    x = x.reshape(*lead, x.shape[-1])
    return x.movedim(-1, 1) if channel_first else x


def l2norm(t: Tensor, eps: float = 1e-12) -> Tensor:
    """`t` scaled to unit length along its last axis."""
    return nn.functional.normalize(t, dim=-1, eps=eps)


class UsageMixin:
    """A `usage` buffer `(codebooks, codebook_size)` counting how often each code was chosen (in training and in
    evaluation) since the last `reset_usage()`; not saved with the weights."""

    usage: Tensor
    track_usage: bool

    def _init_usage(self, codebooks: int, codebook_size: int, track: bool) -> None:
        self.track_usage = track
        self.register_buffer("usage", torch.zeros(codebooks, codebook_size, dtype=torch.long), persistent=False)
        self.register_buffer("_offsets", torch.arange(codebooks) * codebook_size, persistent=False)

    @torch.no_grad()
    def _count(self, indices: Tensor) -> None:
        """Adds `indices` (..., codebooks) (or (...) for one codebook), all in [0, codebook_size)."""
        if not self.track_usage:
            return
        groups, size = self.usage.shape
        flat = indices.reshape(-1) if groups == 1 else (indices.reshape(-1, groups) + self._offsets).reshape(-1)
        self.usage.view(-1).add_(torch.bincount(flat, minlength=groups * size))

    def reset_usage(self) -> None:
        """Forgets the counts."""
        self.usage.zero_()

    def code_usage(self) -> float:
        """Share of the codes chosen at least once (mean over codebooks)."""
        return usage_stats(self.usage)[0]

    def perplexity(self) -> float:
        """exp(entropy) of the code frequencies (mean over codebooks): the number of equally used codes that
        would give the same entropy."""
        return usage_stats(self.usage)[1]


def usage_stats(counts: Tensor) -> tuple[float, float]:
    """(code usage, perplexity) of counts `(codebooks, codebook_size)`, both averaged over codebooks."""
    counts = counts.double()
    used = (counts > 0).double().mean().item()
    total = counts.sum(-1, keepdim=True)
    p = counts / total.clamp(min=1)
    entropy = -(p * torch.where(p > 0, p, torch.ones_like(p)).log()).sum(-1)
    perplexity = entropy.exp().mean().item() if total.sum() > 0 else 0.0
    return used, perplexity


def bits_per_index(codebook_size: int) -> float:
    """log2 of the codebook size: the bits one index takes at a fixed-length code."""
    return math.log2(codebook_size)


def projections(dim: int, inner: int, bias: bool = True) -> tuple[nn.Module, nn.Module]:
    """Linear maps dim -> inner and back, or identities when the sizes agree."""
    if dim == inner:
        return nn.Identity(), nn.Identity()
    return nn.Linear(dim, inner, bias=bias), nn.Linear(inner, dim, bias=bias)
