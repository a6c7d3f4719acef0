"""Finite scalar quantization (Mentzer et al. 2023, "FSQ: VQ-VAE made simple"): each of d channels is bounded
and rounded to one of L_i levels; the code is the mixed-radix number of the levels. No codebook, no loss.

Same arguments, parameter names and results as `vector_quantize_pytorch.FSQ` for what both have, except that
`forward` also returns a (zero) loss so that every quantizer here returns `(quantized, indices, loss)`, and
indices are int64."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from tokenforge.signal.quantizers.base import Quantized, UsageMixin, from_tokens, projections, to_tokens


def round_ste(z: Tensor) -> Tensor:
    """Rounding with the identity as gradient (straight-through)."""
    return z + (z.round() - z).detach()


def floor_ste(z: Tensor) -> Tensor:
    """Floor with the identity as gradient."""
    return z + (z.floor() - z).detach()


class FSQ(nn.Module, UsageMixin):
    """`FSQ(levels=[8, 5, 5, 5])`: codebook size prod(levels); `dim` other than len(levels) * num_codebooks adds
    linear projections in and out. Inputs with 4 or more axes (images, video) or `channel_first=True` have the
    features on axis 1, others on the last axis."""

    def __init__(
        self,
        levels: list[int] | tuple[int, ...],
        dim: int | None = None,
        num_codebooks: int = 1,
        keep_num_codebooks_dim: bool | None = None,
        channel_first: bool = False,
        projection_has_bias: bool = True,
        preserve_symmetry: bool = False,
        track_usage: bool = True,
    ) -> None:
        super().__init__()
        levels = list(levels)
        if not levels or min(levels) < 2:
            raise ValueError(f"FSQ levels must each be at least 2, got {levels}")
        if 2 in levels and not preserve_symmetry:
            raise ValueError("FSQ levels of 2 need preserve_symmetry=True")
        self.register_buffer("_levels", torch.tensor(levels, dtype=torch.int32), persistent=False)
        basis = torch.cumprod(torch.tensor([1] + levels[:-1]), dim=0, dtype=torch.int32)
        self.register_buffer("_basis", basis, persistent=False)
        self.preserve_symmetry = preserve_symmetry
        self.codebook_dim = len(levels)
        self.num_codebooks = num_codebooks
        self.effective_codebook_dim = self.codebook_dim * num_codebooks
        self.keep_num_codebooks_dim = num_codebooks > 1 if keep_num_codebooks_dim is None else keep_num_codebooks_dim
        if num_codebooks > 1 and not self.keep_num_codebooks_dim:
            raise ValueError("several codebooks need keep_num_codebooks_dim=True")
        self.dim = self.effective_codebook_dim if dim is None else dim
        self.channel_first = channel_first
        self.has_projections = self.dim != self.effective_codebook_dim
        self.project_in, self.project_out = projections(self.dim, self.effective_codebook_dim, projection_has_bias)
        for name, value in zip(("_half_l", "_offset", "_shift", "_half_width"), self._bound_terms(self._levels)):
            self.register_buffer(name, value, persistent=False)
        self.codebook_size = math.prod(levels)
        self.register_buffer(
            "implicit_codebook", self._indices_to_codes(torch.arange(self.codebook_size)), persistent=False
        )
        self._init_usage(num_codebooks, self.codebook_size, track_usage)

    def bound(self, z: Tensor) -> Tensor:
        """Levels of `z` (..., d) in [-1, 1]: tanh-bounded, shifted for even level counts, rounded."""
        if self.preserve_symmetry:
            lm1 = self._levels - 1
            return 2.0 / lm1 * floor_ste(lm1 * (torch.tanh(z) + 1) / 2.0 + 0.5) - 1.0
        return round_ste(self._bounded(z)) / self._half_width

    def _bounded(self, z: Tensor) -> Tensor:
        """tanh(z + shift) * (L - 1)(1 + eps) / 2 - offset: in (-L/2, L/2), centred on the levels."""
        return torch.tanh(z + self._shift) * self._half_l - self._offset

    @staticmethod
    def _bound_terms(levels: Tensor, eps: float = 1e-3) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        half_l = (levels - 1) * (1 + eps) / 2
        offset = torch.where(levels % 2 == 0, 0.5, 0.0)
        return half_l, offset, torch.atanh(offset / half_l), levels // 2

    quantize = bound

    def _scale_and_shift(self, zhat: Tensor) -> Tensor:
        if self.preserve_symmetry:
            return (zhat + 1.0) / (2.0 / (self._levels - 1))
        half_width = self._levels // 2
        return zhat * half_width + half_width

    def _scale_and_shift_inverse(self, level_indices: Tensor) -> Tensor:
        if self.preserve_symmetry:
            return level_indices * (2.0 / (self._levels - 1)) - 1.0
        half_width = self._levels // 2
        return (level_indices - half_width) / half_width

    def indices_to_level_indices(self, indices: Tensor) -> Tensor:
        """The level of each channel (..., d) of codes `indices` (...)."""
        return (indices.unsqueeze(-1) // self._basis) % self._levels

    def _indices_to_codes(self, indices: Tensor) -> Tensor:
        return self._scale_and_shift_inverse(self.indices_to_level_indices(indices))

    def codes_to_indices(self, zhat: Tensor) -> Tensor:
        """The index of each code `zhat` (..., d)."""
        return (self._scale_and_shift(zhat) * self._basis).sum(dim=-1).round().long()

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        """Quantized values (after `project_out`) of `indices`, laid out as `forward` returns them."""
        spatial = indices.ndim >= 3 + int(self.keep_num_codebooks_dim)
        codes = self._indices_to_codes(indices)
        if self.keep_num_codebooks_dim:
            codes = codes.flatten(-2)
        codes = self.project_out(codes)
        return codes.movedim(-1, 1) if spatial or self.channel_first else codes

    def get_output_from_indices(self, indices: Tensor) -> Tensor:
        """Quantized values `(..., dim)` (features last) of `indices` `(...)` or `(..., codebooks)`."""
        codes = self._indices_to_codes(indices)
        return self.project_out(codes.flatten(-2) if self.keep_num_codebooks_dim else codes)

    def forward(self, z: Tensor) -> Quantized:
        """Quantizes `z`; returns (quantized like `z`, indices (..., [codebooks]), a zero loss)."""
        channel_first = z.ndim >= 4 or self.channel_first
        z, lead = to_tokens(z, channel_first)
        if z.shape[-1] != self.dim:
            raise ValueError(f"expected {self.dim} features, got {z.shape[-1]}")
        z = self.project_in(z)
        b, n, _ = z.shape
        z = z.view(b, n, self.num_codebooks, self.codebook_dim)
        dtype = z.dtype
        if dtype not in (torch.float32, torch.float64):
            z = z.float()
        if self.preserve_symmetry:
            codes = self.bound(z)
            indices = self.codes_to_indices(codes)
        else:  # as bound(), keeping the rounded levels for the indices
            bounded = self._bounded(z)
            rounded = bounded.round()
            codes = (bounded + (rounded - bounded).detach()) / self._half_width
            indices = ((rounded + self._half_width) * self._basis).sum(dim=-1).long()
        out = self.project_out(codes.reshape(b, n, self.effective_codebook_dim).to(dtype))
        self._count(indices)
        indices = indices.reshape(*lead, self.num_codebooks)
        if not self.keep_num_codebooks_dim:
            indices = indices.squeeze(-1)
        return Quantized(from_tokens(out, lead, channel_first), indices, out.new_zeros(()))
