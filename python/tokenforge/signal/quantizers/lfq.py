"""Lookup-free quantization (Yu et al. 2023, MAGVIT-2) and binary spherical quantization (Zhao et al. 2024):
each of d = log2(codebook_size) channels becomes its sign (±scale); the code is the binary number of the signs,
most significant channel first. Training adds the entropy loss: low entropy of each token's soft assignment,
high entropy of the batch's average assignment. BSQ first projects onto the unit sphere.

Same arguments, parameter names and results as `vector_quantize_pytorch.LFQ` (BSQ = its `spherical=True`)."""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from tokenforge.signal.quantizers.base import Quantized, UsageMixin, from_tokens, l2norm, projections, to_tokens


class LossBreakdown(NamedTuple):
    """The parts of LFQ's loss, unweighted."""

    per_sample_entropy: Tensor
    batch_entropy: Tensor
    commitment: Tensor


def entropy(prob: Tensor, eps: float = 1e-5) -> Tensor:
    """Entropy (nats) of distributions along the last axis, with log clamped at `eps`."""
    return (-prob * prob.clamp(min=eps).log()).sum(dim=-1)


class LFQ(nn.Module, UsageMixin):
    """`LFQ(codebook_size=2**d, dim=...)`: projections in and out when `dim` differs from d * num_codebooks."""

    def __init__(
        self,
        *,
        dim: int | None = None,
        codebook_size: int | None = None,
        entropy_loss_weight: float = 0.1,
        commitment_loss_weight: float = 0.0,
        diversity_gamma: float = 1.0,
        num_codebooks: int = 1,
        keep_num_codebooks_dim: bool | None = None,
        codebook_scale: float = 1.0,
        projection_has_bias: bool = True,
        channel_first: bool | None = None,
        spherical: bool = False,
        track_usage: bool = True,
    ) -> None:
        super().__init__()
        if dim is None and codebook_size is None:
            raise ValueError("LFQ needs dim or codebook_size")
        codebook_size = 2**dim if codebook_size is None else codebook_size
        if codebook_size < 2 or not math.log2(codebook_size).is_integer():
            raise ValueError(f"LFQ's codebook size must be a power of 2, got {codebook_size}")
        self.codebook_size = codebook_size
        self.codebook_dim = int(math.log2(codebook_size))
        codebook_dims = self.codebook_dim * num_codebooks
        self.dim = codebook_dims if dim is None else dim
        self.has_projections = self.dim != codebook_dims
        self.project_in, self.project_out = projections(self.dim, codebook_dims, projection_has_bias)
        self.num_codebooks = num_codebooks
        self.keep_num_codebooks_dim = num_codebooks > 1 if keep_num_codebooks_dim is None else keep_num_codebooks_dim
        if num_codebooks > 1 and not self.keep_num_codebooks_dim:
            raise ValueError("several codebooks need keep_num_codebooks_dim=True")
        self.channel_first = channel_first
        self.spherical = spherical
        self.codebook_scale = codebook_scale
        self.entropy_loss_weight = entropy_loss_weight
        self.commitment_loss_weight = commitment_loss_weight
        self.diversity_gamma = diversity_gamma
        self.register_buffer("mask", 2 ** torch.arange(self.codebook_dim - 1, -1, -1))
        bits = ((torch.arange(codebook_size)[:, None].int() & self.mask) != 0).float()
        self.register_buffer("codebook", self.bits_to_codes(bits), persistent=False)
        self._init_usage(num_codebooks, codebook_size, track_usage)

    def bits_to_codes(self, bits: Tensor) -> Tensor:
        """±codebook_scale for bits 1/0."""
        return bits * self.codebook_scale * 2 - self.codebook_scale

    def _sphere(self, t: Tensor) -> Tensor:
        return l2norm(t) * self.codebook_scale if self.spherical else t

    def _codes(self, indices: Tensor) -> Tensor:
        if not self.keep_num_codebooks_dim:
            indices = indices.unsqueeze(-1)
        bits = ((indices.unsqueeze(-1).int() & self.mask) != 0).to(self.codebook.dtype)
        return self._sphere(self.bits_to_codes(bits)).flatten(-2)

    def get_output_from_indices(self, indices: Tensor) -> Tensor:
        """Quantized values `(..., dim)` (features last) of `indices`."""
        return self.project_out(self._codes(indices))

    def indices_to_codes(self, indices: Tensor, project_out: bool = True) -> Tensor:
        """Quantized values of `indices`, laid out as `forward` returns them."""
        spatial = indices.ndim >= 3 + int(self.keep_num_codebooks_dim)
        codes = self._codes(indices)
        if project_out:
            codes = self.project_out(codes)
        channel_first = spatial if self.channel_first is None else self.channel_first
        return codes.movedim(-1, 1) if channel_first else codes

    def _entropy_loss(self, x: Tensor, inv_temperature: float) -> tuple[Tensor, Tensor]:
        """(per-sample entropy, batch entropy) of the soft assignments of `x` (tokens, codebooks, d)."""
        logits = (x @ self._sphere(self.codebook).t()) * (2 * inv_temperature)
        prob = logits.softmax(dim=-1)
        return entropy(prob).mean(), entropy(prob.mean(dim=0)).mean()

    def forward(
        self, x: Tensor, inv_temperature: float = 100.0, return_loss_breakdown: bool = False
    ) -> Quantized | tuple[Quantized, LossBreakdown]:
        """Quantizes `x`; returns (quantized like `x`, indices, weighted entropy + commitment loss)."""
        channel_first = x.ndim >= 4 if self.channel_first is None else self.channel_first
        x, lead = to_tokens(x, channel_first)
        if x.shape[-1] != self.dim:
            raise ValueError(f"expected {self.dim} features, got {x.shape[-1]}")
        x = self.project_in(x)
        b, n, _ = x.shape
        x = self._sphere(x.view(b, n, self.num_codebooks, self.codebook_dim))
        dtype = x.dtype
        x = x.float()
        original = x
        scale = torch.full_like(x, self.codebook_scale)
        quantized = torch.where(x > 0, scale, -scale)
        indices = ((quantized > 0).int() * self.mask.int()).sum(dim=-1)
        quantized = self._sphere(quantized)
        zero = x.new_zeros(())
        per_sample = batch = commit = zero
        if self.training:
            x = x + (quantized - x).detach()
            per_sample, batch = self._entropy_loss(original.reshape(b * n, self.num_codebooks, -1), inv_temperature)
            if self.commitment_loss_weight > 0:
                commit = nn.functional.mse_loss(original, quantized.detach())
        else:
            x = quantized
        loss = (per_sample - self.diversity_gamma * batch) * self.entropy_loss_weight
        loss = loss + commit * self.commitment_loss_weight
        out = self.project_out(x.to(dtype).reshape(b, n, -1))
        self._count(indices)
        indices = indices.reshape(*lead, self.num_codebooks)
        if not self.keep_num_codebooks_dim:
            indices = indices.squeeze(-1)
        result = Quantized(from_tokens(out, lead, channel_first), indices, loss)
        return (result, LossBreakdown(per_sample, batch, commit)) if return_loss_breakdown else result


class BSQ(LFQ):
    """Binary spherical quantization: LFQ on the unit sphere (codes ±1/sqrt(d) times `codebook_scale`)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(spherical=True, **kwargs)
