"""Residual vector quantization (Zeghidour et al. 2021, SoundStream, Algorithm 1): each layer quantizes what
the layers before left over; training may stop at a random layer (quantizer dropout) so that any prefix of the
layers decodes. Grouped: the features split into groups, one residual quantizer each.

Same arguments, parameter names and results as `vector_quantize_pytorch.ResidualVQ` / `GroupedResidualVQ` for
what both have: `forward` returns (quantized, indices (..., layers) with -1 for dropped layers, losses
(layers,))."""

from __future__ import annotations

import random

import torch
from torch import Tensor, nn

from tokenforge.signal.quantizers.base import Quantized, projections, usage_stats
from tokenforge.signal.quantizers.vq import VectorQuantize


class ResidualVQ(nn.Module):
    """`ResidualVQ(dim=, num_quantizers=, codebook_size=, quantize_dropout=False, **VectorQuantize kwargs)`."""

    def __init__(
        self,
        *,
        dim: int,
        num_quantizers: int,
        codebook_size: int,
        codebook_dim: int | None = None,
        quantize_dropout: bool = False,
        quantize_dropout_cutoff_index: int = 0,
        accept_image_fmap: bool = False,
        **vq_kwargs,
    ) -> None:
        super().__init__()
        codebook_dim = dim if codebook_dim is None else codebook_dim
        self.codebook_dim = codebook_dim
        self.has_projections = codebook_dim != dim
        self.project_in, self.project_out = projections(dim, codebook_dim)
        self.num_quantizers = num_quantizers
        self.codebook_size = codebook_size
        self.accept_image_fmap = accept_image_fmap
        self.quantize_dropout = quantize_dropout and num_quantizers > 1
        self.quantize_dropout_cutoff_index = quantize_dropout_cutoff_index
        vq_kwargs.update(dim=codebook_dim, codebook_size=codebook_size, accept_image_fmap=accept_image_fmap)
        self.layers = nn.ModuleList(VectorQuantize(**vq_kwargs) for _ in range(num_quantizers))

    @property
    def usage(self) -> Tensor:
        """Code counts per layer (layers, codebook_size)."""
        return torch.cat([layer.usage for layer in self.layers])

    def reset_usage(self) -> None:
        """Forgets the counts of every layer."""
        for layer in self.layers:
            layer.reset_usage()

    def code_usage(self) -> float:
        """Share of codes used, mean over layers."""
        return usage_stats(self.usage)[0]

    def perplexity(self) -> float:
        """Perplexity of the code frequencies, mean over layers."""
        return usage_stats(self.usage)[1]

    def get_codes_from_indices(self, indices: Tensor) -> Tensor:
        """Codes of every layer (layers, ..., codebook_dim) of indices (..., layers); -1 gives zeros."""
        return torch.stack([layer.get_codes_from_indices(indices[..., i]) for i, layer in enumerate(self.layers)])

    def get_output_from_indices(self, indices: Tensor) -> Tensor:
        """Quantized values `(..., dim)` (features last) of indices (..., layers), fewer layers allowed."""
        layers = indices.shape[-1]
        codes = torch.stack([self.layers[i].get_codes_from_indices(indices[..., i]) for i in range(layers)])
        return self.project_out(codes.sum(dim=0))

    def forward(self, x: Tensor, rand_quantize_dropout_fixed_seed: int | None = None) -> Quantized:
        """Quantizes `x` layer by layer on the residual."""
        if self.accept_image_fmap:
            x = x.movedim(1, -1)
        x = self.project_in(x)
        if self.accept_image_fmap:
            x = x.movedim(-1, 1)
        last = self.num_quantizers - 1
        if self.training and self.quantize_dropout:
            if rand_quantize_dropout_fixed_seed is None:
                rand_quantize_dropout_fixed_seed = int(torch.randint(0, 10_000, ()).item())
            last = random.Random(rand_quantize_dropout_fixed_seed).randrange(
                self.quantize_dropout_cutoff_index, self.num_quantizers
            )
        out = torch.zeros_like(x)
        residual = x
        all_indices, losses = [], []
        for i, layer in enumerate(self.layers):
            if i > last:
                all_indices.append(torch.full_like(all_indices[0], -1))
                losses.append(x.new_zeros(()))
                continue
            quantized, indices, loss = layer(residual)
            residual = residual - quantized.detach()
            out = out + quantized
            all_indices.append(indices)
            losses.append(loss)
        if self.accept_image_fmap:
            out = self.project_out(out.movedim(1, -1)).movedim(-1, 1)
        else:
            out = self.project_out(out)
        return Quantized(out, torch.stack(all_indices, dim=-1), torch.stack(losses))


class GroupedResidualVQ(nn.Module):
    """`groups` residual quantizers, each on dim/groups features; indices (groups, ..., layers), losses
    (groups, layers)."""

    def __init__(self, *, dim: int, groups: int = 1, accept_image_fmap: bool = False, **kwargs) -> None:
        super().__init__()
        if dim % groups:
            raise ValueError(f"dim {dim} is not a multiple of groups {groups}")
        self.dim = dim
        self.groups = groups
        self.accept_image_fmap = accept_image_fmap
        self.rvqs = nn.ModuleList(
            ResidualVQ(dim=dim // groups, accept_image_fmap=accept_image_fmap, **kwargs) for _ in range(groups)
        )
        self.codebook_size = self.rvqs[0].codebook_size

    @property
    def usage(self) -> Tensor:
        """Code counts per group and layer (groups * layers, codebook_size)."""
        return torch.cat([rvq.usage for rvq in self.rvqs])

    def reset_usage(self) -> None:
        """Forgets the counts."""
        for rvq in self.rvqs:
            rvq.reset_usage()

    def code_usage(self) -> float:
        """Share of codes used, mean over groups and layers."""
        return usage_stats(self.usage)[0]

    def perplexity(self) -> float:
        """Perplexity of the code frequencies, mean over groups and layers."""
        return usage_stats(self.usage)[1]

    def get_output_from_indices(self, indices: Tensor) -> Tensor:
        """Quantized values `(..., dim)` of indices (groups, ..., layers)."""
        return torch.cat([rvq.get_output_from_indices(i) for rvq, i in zip(self.rvqs, indices)], dim=-1)

    def forward(self, x: Tensor) -> Quantized:
        """Splits the features into groups and quantizes each."""
        axis = 1 if self.accept_image_fmap else -1
        outs = [rvq(part) for rvq, part in zip(self.rvqs, x.chunk(self.groups, dim=axis))]
        return Quantized(
            torch.cat([o.quantized for o in outs], dim=axis),
            torch.stack([o.indices for o in outs]),
            torch.stack([o.loss for o in outs]),
        )
