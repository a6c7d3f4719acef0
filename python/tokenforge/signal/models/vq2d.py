"""A 2D convolutional VQ autoencoder (VQGAN-style, Esser et al. 2021, without the adversarial and perceptual
losses): residual conv blocks, stride-2 downsampling to a grid of tokens, the quantizer on each grid cell, and
the mirror image upsampling back."""

from __future__ import annotations

import math

from torch import Tensor, nn

from tokenforge.errors import ConfigError
from tokenforge.signal.models.base import SignalTokenizer


class ResBlock2d(nn.Module):
    """x + conv(act(norm(conv(act(norm(x))))))."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1), nn.GroupNorm(8, ch), nn.SiLU(),
            nn.Conv2d(ch, ch, 3, padding=1),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def grid_downsamples(size: int, tokens: int) -> int:
    """How many stride-2 steps turn a size x size image into `tokens` cells (a square of side size / 2^k)."""
    side = math.isqrt(tokens)
    if side * side != tokens or size % side or not math.log2(size // side).is_integer():
        raise ConfigError(f"vq2d: {tokens} tokens is not a square grid of side {size}/2^k for {size}-pixel images")
    return int(math.log2(size // side))


class VQ2D(SignalTokenizer):
    """config: channels, size, tokens (a square grid), width, latent_dim, quantizer."""

    kind = "vq2d"
    modality = "image"

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        c, w, dim = config["channels"], config["width"], config["latent_dim"]
        downs = grid_downsamples(config["size"], config["tokens"])
        enc: list[nn.Module] = [nn.Conv2d(c, w, 3, padding=1)]
        for _ in range(downs):
            enc += [ResBlock2d(w), nn.Conv2d(w, w, 4, stride=2, padding=1)]
        enc += [ResBlock2d(w), nn.GroupNorm(8, w), nn.SiLU(), nn.Conv2d(w, dim, 1)]
        self.encoder = nn.Sequential(*enc)
        dec: list[nn.Module] = [nn.Conv2d(dim, w, 3, padding=1), ResBlock2d(w)]
        for _ in range(downs):
            dec += [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(w, w, 3, padding=1), ResBlock2d(w)]
        dec += [nn.GroupNorm(8, w), nn.SiLU(), nn.Conv2d(w, c, 3, padding=1)]
        self.decoder = nn.Sequential(*dec)

    def encode_latents(self, x: Tensor) -> Tensor:
        """Images (b, c, s, s) in [0, 1] -> (b, tokens, latent_dim), row-major."""
        return self.encoder(x * 2 - 1).flatten(2).transpose(1, 2)

    def decode_latents(self, z: Tensor, length: int | None = None) -> Tensor:
        b, n, d = z.shape
        side = math.isqrt(n)
        return (self.decoder(z.transpose(1, 2).reshape(b, d, side, side)) + 1) / 2

    def reconstruction_loss(self, out: Tensor, x: Tensor) -> Tensor:
        return nn.functional.mse_loss(out, x)
