"""A 1D image tokenizer (TiTok, Yu et al. 2024): a small ViT reads the image patches together with K learned
latent tokens; the latent tokens' outputs are quantized. The decoder ViT reads the K tokens with one mask token
per patch and writes the patches. Nested token dropout (FlexTok, One-D-Piece): in training only the first k
tokens (k random) reach the decoder, the rest replaced by a learned token, so a prefix of any length decodes,
coarse to fine."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tokenforge.errors import ConfigError
from tokenforge.signal.models.base import SignalTokenizer

#: Share of training batches whose tokens are cut at a random length.
NESTED_DROPOUT = 0.5


def transformer(width: int, depth: int, heads: int) -> nn.TransformerEncoder:
    """A pre-norm transformer encoder."""
    layer = nn.TransformerEncoderLayer(
        width, heads, dim_feedforward=4 * width, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
    )
    return nn.TransformerEncoder(layer, depth, enable_nested_tensor=False)


class TiTok(SignalTokenizer):
    """config: channels, size, patch, tokens (K), width, depth, heads, latent_dim, quantizer."""

    kind = "titok"
    modality = "image"
    nested_tokens = True

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        c, size, p = config["channels"], config["size"], config["patch"]
        w, k, dim = config["width"], config["tokens"], config["latent_dim"]
        if size % p:
            raise ConfigError(f"titok: image size {size} is not a multiple of the patch size {p}")
        self.patches = (size // p) ** 2
        self.patch_embed = nn.Conv2d(c, w, p, stride=p)
        self.enc_pos = nn.Parameter(torch.randn(1, self.patches + k, w) * 0.02)
        self.latents = nn.Parameter(torch.randn(1, k, w) * 0.02)
        self.encoder = transformer(w, config["depth"], config["heads"])
        self.enc_out = nn.Sequential(nn.LayerNorm(w), nn.Linear(w, dim))
        self.dec_in = nn.Linear(dim, w)
        self.dec_pos = nn.Parameter(torch.randn(1, self.patches + k, w) * 0.02)
        self.mask_token = nn.Parameter(torch.randn(1, 1, w) * 0.02)
        self.dropped_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.decoder = transformer(w, config["depth"], config["heads"])
        self.dec_out = nn.Sequential(nn.LayerNorm(w), nn.Linear(w, c * p * p))
        self.to_image = nn.Fold(size, p, stride=p)

    def encode_latents(self, x: Tensor) -> Tensor:
        """Images (b, c, s, s) in [0, 1] -> (b, K, latent_dim)."""
        patches = self.patch_embed(x * 2 - 1).flatten(2).transpose(1, 2)
        h = torch.cat([patches, self.latents.expand(x.shape[0], -1, -1)], dim=1) + self.enc_pos
        return self.enc_out(self.encoder(h)[:, self.patches :])

    def prepare(self, z: Tensor) -> Tensor:
        """In training, a random share of the batches keeps a random prefix of the tokens (per image)."""
        if not self.training or torch.rand(()) >= NESTED_DROPOUT:
            return z
        b, k, _ = z.shape
        keep = torch.randint(1, k + 1, (b, 1), device=z.device)
        mask = (torch.arange(k, device=z.device)[None] < keep)[..., None]
        return torch.where(mask, z, self.dropped_token.to(z.dtype))

    def fill(self, z: Tensor) -> Tensor:
        """Pads a prefix of the tokens with the dropped-token latent."""
        b, n, d = z.shape
        k = self.config["tokens"]
        if n > k:
            raise ConfigError(f"titok: {n} tokens given, the tokenizer has {k}")
        return torch.cat([z, self.dropped_token.expand(b, k - n, d).to(z.dtype)], dim=1)

    def decode_latents(self, z: Tensor, length: int | None = None) -> Tensor:
        b = z.shape[0]
        h = torch.cat([self.mask_token.expand(b, self.patches, -1), self.dec_in(z)], dim=1) + self.dec_pos
        out = self.dec_out(self.decoder(h)[:, : self.patches])
        return (self.to_image(out.transpose(1, 2)) + 1) / 2

    def reconstruction_loss(self, out: Tensor, x: Tensor) -> Tensor:
        return nn.functional.mse_loss(out, x)
