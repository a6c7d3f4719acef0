"""Vector quantization (van den Oord et al. 2017) with the codebook learned by exponential moving averages
(Razavi et al. 2019), optional k-means initialisation and dead-code replacement (Dhariwal et al. 2020), cosine
similarity codebooks (Yu et al. 2021), several heads (product quantization) and gradients passed by the
straight-through estimator or the rotation trick (Fifty et al. 2024).

Same arguments, parameter and buffer names and results as `vector_quantize_pytorch.VectorQuantize` for what
both have (a codebook saved by one loads in the other)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tokenforge.signal.quantizers.base import Quantized, UsageMixin, l2norm, projections


def sample_vectors(samples: Tensor, num: int) -> Tensor:
    """`num` rows of `samples` (n, d): without replacement when there are enough, else with."""
    n = samples.shape[0]
    if n >= num:
        return samples[torch.randperm(n, device=samples.device)[:num]]
    return samples[torch.randint(0, n, (num,), device=samples.device)]


def kmeans(samples: Tensor, num_clusters: int, iters: int, cosine: bool) -> tuple[Tensor, Tensor]:
    """Lloyd's k-means of `samples` (h, n, d) per head: (means (h, k, d), cluster sizes (h, k))."""
    means = torch.stack([sample_vectors(s, num_clusters) for s in samples])
    bins = torch.zeros(samples.shape[0], num_clusters, device=samples.device)
    for _ in range(iters):
        if cosine:
            buckets = (samples @ means.transpose(1, 2)).argmax(dim=-1)
        else:
            buckets = torch.cdist(samples, means).argmin(dim=-1)
        bins = torch.zeros_like(bins).scatter_add_(1, buckets, torch.ones_like(buckets, dtype=bins.dtype))
        sums = torch.zeros_like(means).scatter_add_(1, buckets[..., None].expand_as(samples), samples)
        new = sums / bins.clamp(min=1)[..., None]
        if cosine:
            new = l2norm(new)
        means = torch.where((bins == 0)[..., None], means, new)
    return means, bins


def rotate_to(src: Tensor, tgt: Tensor, eps: float = 1e-6) -> Tensor:
    """`tgt` in the forward pass; in the backward pass the gradient reaches `src` through the rotation and
    rescaling that maps `src` onto `tgt` (the rotation trick, Fifty et al. 2024, section 4.2)."""
    norm_src = src.norm(dim=-1, keepdim=True)
    norm_tgt = tgt.norm(dim=-1, keepdim=True)
    u = (src / norm_src.clamp(min=eps)).detach()
    q = (tgt / norm_tgt.clamp(min=eps)).detach()
    w = nn.functional.normalize(u + q, dim=-1, eps=eps)
    rotated = src - 2 * (src * w).sum(-1, keepdim=True) * w + 2 * (src * u).sum(-1, keepdim=True) * q
    return rotated * (norm_tgt / norm_src.clamp(min=eps)).detach()


def straight_through(src: Tensor, tgt: Tensor) -> Tensor:
    """`tgt` in the forward pass, the identity to `src` in the backward pass."""
    return src + (tgt - src).detach()


class Codebook(nn.Module):
    """`num_codebooks` codebooks of `codebook_size` vectors, updated by EMA of the assigned inputs."""

    def __init__(
        self,
        dim: int,
        codebook_size: int,
        num_codebooks: int = 1,
        kmeans_init: bool = False,
        kmeans_iters: int = 10,
        decay: float = 0.8,
        eps: float = 1e-5,
        threshold_ema_dead_code: float = 0,
        ema_update: bool = True,
        learnable_codebook: bool = False,
        use_cosine_sim: bool = False,
    ) -> None:
        super().__init__()
        if kmeans_init:
            embed = torch.zeros(num_codebooks, codebook_size, dim)
        else:
            embed = nn.init.kaiming_uniform_(torch.empty(num_codebooks, codebook_size, dim))
            if use_cosine_sim:
                embed = l2norm(embed)
        self.codebook_size = codebook_size
        self.num_codebooks = num_codebooks
        self.kmeans_iters = kmeans_iters
        self.decay = decay
        self.eps = eps
        self.threshold_ema_dead_code = threshold_ema_dead_code
        self.ema_update = ema_update
        self.use_cosine_sim = use_cosine_sim
        self.learnable_codebook = learnable_codebook
        self.register_buffer("initted", torch.tensor(not kmeans_init))
        self.register_buffer("cluster_size", torch.ones(num_codebooks, codebook_size))
        self.register_buffer("embed_avg", embed.clone())
        if learnable_codebook:
            self.embed = nn.Parameter(embed)
        else:
            self.register_buffer("embed", embed)

    @torch.no_grad()
    def init_embed_(self, data: Tensor) -> None:
        """k-means of the first batch (h, n, d) as the codebook."""
        if self.initted:
            return
        embed, cluster_size = kmeans(data, self.codebook_size, self.kmeans_iters, self.use_cosine_sim)
        self.embed_avg.copy_(embed * cluster_size[..., None])
        self.cluster_size.copy_(cluster_size)
        self.update_ema()
        self.initted.fill_(True)

    @torch.no_grad()
    def update_ema(self) -> None:
        """The codebook from the running sums (Laplace-smoothed cluster sizes)."""
        total = self.cluster_size.sum(dim=-1, keepdim=True)
        smoothed = (self.cluster_size + self.eps) / (total + self.codebook_size * self.eps) * total
        embed = self.embed_avg / smoothed[..., None]
        self.embed.data.copy_(l2norm(embed) if self.use_cosine_sim else embed)

    @torch.no_grad()
    def update(self, flat: Tensor, ind: Tensor) -> None:
        """EMA of the assignment counts and sums of `flat` (h, n, d) given its codes `ind` (h, n), then
        replacement of codes whose EMA count fell below the threshold by random inputs of the batch."""
        h, _, d = flat.shape
        counts = torch.zeros_like(self.cluster_size).scatter_add_(1, ind, torch.ones_like(ind, dtype=flat.dtype))
        sums = torch.zeros_like(self.embed_avg).scatter_add_(1, ind[..., None].expand(-1, -1, d), flat)
        self.cluster_size.lerp_(counts, 1 - self.decay)
        self.embed_avg.lerp_(sums, 1 - self.decay)
        if self.ema_update:
            self.update_ema()
        if self.threshold_ema_dead_code > 0:
            self.expire_codes_(flat)

    @torch.no_grad()
    def expire_codes_(self, flat: Tensor) -> None:
        """Codes used less than `threshold_ema_dead_code` (EMA count) become random inputs of the batch."""
        expired = self.cluster_size < self.threshold_ema_dead_code
        if not expired.any():
            return
        samples = l2norm(flat) if self.use_cosine_sim else flat
        for head in range(self.num_codebooks):
            mask = expired[head]
            if not mask.any():
                continue
            sampled = sample_vectors(samples[head], int(mask.sum())).to(self.embed.dtype)
            self.embed.data[head][mask] = sampled
            self.cluster_size[head][mask] = self.threshold_ema_dead_code
            self.embed_avg[head][mask] = sampled * self.threshold_ema_dead_code

    def forward(self, x: Tensor, freeze_codebook: bool = False) -> tuple[Tensor, Tensor]:
        """Nearest codes of `x` (h, n, d): (quantized (h, n, d), indices (h, n))."""
        x = x.float()
        if not self.initted:
            self.init_embed_(x.detach())
        embed = self.embed if self.learnable_codebook else self.embed.detach()
        if self.use_cosine_sim:
            ind = torch.bmm(x, embed.transpose(1, 2)).argmax(dim=-1)
        else:
            # argmin of |x - e|^2 = |e|^2 - 2 x.e (+ |x|^2, the same for every code)
            sq = (embed * embed).sum(-1)[:, None, :]
            ind = torch.baddbmm(sq, x, embed.transpose(1, 2), alpha=-2).argmin(dim=-1)
        quantize = torch.gather(embed, 1, ind[..., None].expand(-1, -1, embed.shape[-1]))
        if self.training and not freeze_codebook and (self.ema_update or self.threshold_ema_dead_code > 0):
            self.update(x.detach(), ind)
        return quantize, ind


class VectorQuantize(nn.Module, UsageMixin):
    """`VectorQuantize(dim, codebook_size)`: inputs (b, n, dim) (or (b, dim, n) with `channel_last=False`,
    (b, dim, h, w) with `accept_image_fmap=True`, (b, dim) for one token); `heads` splits each vector into that
    many parts, each quantized (in one shared codebook, or one per head with `separate_codebook_per_head`)."""

    def __init__(
        self,
        dim: int,
        codebook_size: int,
        codebook_dim: int | None = None,
        heads: int = 1,
        separate_codebook_per_head: bool = False,
        decay: float = 0.8,
        eps: float = 1e-5,
        freeze_codebook: bool = False,
        kmeans_init: bool = False,
        kmeans_iters: int = 10,
        use_cosine_sim: bool = False,
        threshold_ema_dead_code: float = 0,
        channel_last: bool = True,
        accept_image_fmap: bool = False,
        commitment_weight: float = 1.0,
        rotation_trick: bool | None = None,
        ema_update: bool = True,
        learnable_codebook: bool = False,
        track_usage: bool = True,
    ) -> None:
        super().__init__()
        if learnable_codebook and ema_update:
            raise ValueError("a learnable codebook needs ema_update=False")
        self.dim = dim
        self.heads = heads
        self.separate_codebook_per_head = separate_codebook_per_head
        codebook_dim = dim if codebook_dim is None else codebook_dim
        self.codebook_dim = codebook_dim
        inner = codebook_dim * heads
        self.has_projections = inner != dim
        self.project_in, self.project_out = projections(dim, inner)
        self.commitment_weight = commitment_weight
        self.rotation_trick = dim > 1 if rotation_trick is None else rotation_trick
        self.use_cosine_sim = use_cosine_sim
        self.learnable_codebook = learnable_codebook
        self.freeze_codebook = freeze_codebook
        self.codebook_size = codebook_size
        self.channel_last = channel_last
        self.accept_image_fmap = accept_image_fmap
        codebooks = heads if separate_codebook_per_head else 1
        self._codebook = Codebook(
            codebook_dim,
            codebook_size,
            num_codebooks=codebooks,
            kmeans_init=kmeans_init,
            kmeans_iters=kmeans_iters,
            decay=decay,
            eps=eps,
            threshold_ema_dead_code=threshold_ema_dead_code,
            ema_update=ema_update,
            learnable_codebook=learnable_codebook,
            use_cosine_sim=use_cosine_sim,
        )
        self._init_usage(codebooks, codebook_size, track_usage)

    @property
    def codebook(self) -> Tensor:
        """The codebook (codebook_size, codebook_dim), or (heads, ...) with separate codebooks."""
        embed = self._codebook.embed
        return embed if self.separate_codebook_per_head else embed[0]

    def _split_heads(self, x: Tensor) -> Tensor:
        b, n, _ = x.shape
        x = x.view(b, n, self.heads, self.codebook_dim)
        if self.separate_codebook_per_head:
            return x.permute(2, 0, 1, 3).reshape(self.heads, b * n, self.codebook_dim)
        return x.reshape(1, b * n * self.heads, self.codebook_dim)

    def _merge_heads(self, t: Tensor, b: int, n: int) -> Tensor:
        """(h, b*n[*heads], ...) back to (b, n, heads, ...)."""
        if self.separate_codebook_per_head:
            return t.reshape(self.heads, b, n, *t.shape[2:]).movedim(0, 2)
        return t.reshape(b, n, self.heads, *t.shape[2:])

    def get_codes_from_indices(self, indices: Tensor) -> Tensor:
        """Codes (..., heads * codebook_dim) of indices (...) or (..., heads), before `project_out`."""
        embed = self._codebook.embed
        idx = indices.reshape(*indices.shape[: indices.ndim - (self.heads > 1)], self.heads)
        if self.separate_codebook_per_head:
            codes = torch.stack([embed[h][idx[..., h].clamp(min=0)] for h in range(self.heads)], dim=-2)
        else:
            codes = embed[0][idx.clamp(min=0)]
        codes = codes.masked_fill((idx < 0)[..., None], 0.0)
        return codes.flatten(-2)

    def get_output_from_indices(self, indices: Tensor) -> Tensor:
        """Quantized values `(..., dim)` (features last) of `indices`."""
        return self.project_out(self.get_codes_from_indices(indices))

    def forward(self, x: Tensor, freeze_codebook: bool | None = None) -> Quantized:
        """Quantizes `x`; returns (quantized like `x`, indices, commitment loss times its weight)."""
        freeze = self.freeze_codebook if freeze_codebook is None else freeze_codebook
        only_one = x.ndim == 2
        if only_one:
            x = x[:, None, :]
        needs_grad = x.requires_grad
        transpose = not self.channel_last and not self.accept_image_fmap
        if self.accept_image_fmap:
            height, width = x.shape[-2:]
            x = x.flatten(2).transpose(1, 2)
        elif transpose:
            x = x.transpose(1, 2)
        dtype = x.dtype
        x = self.project_in(x)
        b, n, _ = x.shape
        x = self._split_heads(x)
        if self.use_cosine_sim:
            x = l2norm(x)
        quantize, ind = self._codebook(x, freeze_codebook=freeze)
        quantize = quantize.to(dtype)
        loss = x.new_zeros(())
        if self.training:
            commit_quantize = quantize if self.learnable_codebook and not freeze else quantize.detach()
            if needs_grad:
                quantize = rotate_to(x, quantize) if self.rotation_trick else straight_through(x, quantize)
            if self.commitment_weight > 0:
                loss = loss + nn.functional.mse_loss(commit_quantize, x) * self.commitment_weight
        quantize = self.project_out(self._merge_heads(quantize, b, n).reshape(b, n, -1))
        ind = self._merge_heads(ind, b, n)
        self._count(ind)
        ind = ind.squeeze(-1) if self.heads == 1 else ind
        if self.accept_image_fmap:
            quantize = quantize.transpose(1, 2).reshape(b, -1, height, width)
            ind = ind.reshape(b, height, width, *ind.shape[2:])
        elif transpose:
            quantize = quantize.transpose(1, 2)
        if only_one:
            quantize, ind = quantize[:, 0], ind[:, 0]
        return Quantized(quantize, ind, loss)
