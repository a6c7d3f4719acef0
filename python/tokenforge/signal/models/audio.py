"""An audio codec (SoundStream / EnCodec-style, Zeghidour et al. 2021, Défossez et al. 2022, small): a 1D conv
encoder strides the waveform down to `tokens_per_second` frames, the quantizer (residual VQ by default, one
codebook as in WavTokenizer with any other) codes each frame, and a transposed-conv decoder writes the
waveform back. Trained on waveform L1 (weighted 10) plus a multi-resolution log-STFT loss."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tokenforge.errors import ConfigError
from tokenforge.signal.models.base import SignalTokenizer

#: Stride factors the hop is built from, largest first.
STRIDES = (8, 5, 4, 3, 2)
STFT_SIZES = (256, 512, 1024)
#: Weight of the waveform L1 against the mean log-magnitude L1 of the STFTs (the waveform term carries the phase).
WAVEFORM_WEIGHT = 10.0


def strides_for(hop: int) -> list[int]:
    """`hop` as a product of strides from STRIDES (largest first)."""
    out, rest = [], hop
    for s in STRIDES:
        while rest % s == 0 and rest > 1:
            out.append(s)
            rest //= s
    if rest != 1 or not out:
        raise ConfigError(f"audio: hop {hop} is not a product of {', '.join(map(str, STRIDES))}")
    return out


class ResUnit1d(nn.Module):
    """x + conv1(elu(conv7_dilated(elu(x))))."""

    def __init__(self, ch: int, dilation: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.ELU(), nn.Conv1d(ch, ch, 7, padding=3 * dilation, dilation=dilation), nn.ELU(), nn.Conv1d(ch, ch, 1)
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


def res_stack(ch: int) -> nn.Sequential:
    return nn.Sequential(*(ResUnit1d(ch, d) for d in (1, 3)))


class AudioCodec(SignalTokenizer):
    """config: sample_rate, tokens (frames per second), width, latent_dim, quantizer."""

    kind = "audio"
    modality = "audio"

    def __init__(self, config: dict) -> None:
        super().__init__(config)
        sr, tps, w, dim = config["sample_rate"], config["tokens"], config["width"], config["latent_dim"]
        if tps < 1 or sr % tps:
            raise ConfigError(f"audio: {tps} tokens per second does not divide the sample rate {sr}")
        self.hop = sr // tps
        strides = strides_for(self.hop)
        enc: list[nn.Module] = [nn.Conv1d(1, w, 7, padding=3)]
        ch = w
        for s in strides:
            enc += [res_stack(ch), nn.ELU(), nn.Conv1d(ch, 2 * ch, 2 * s, stride=s, padding=(s + 1) // 2)]
            ch *= 2
        enc += [nn.ELU(), nn.Conv1d(ch, dim, 3, padding=1)]
        self.encoder = nn.Sequential(*enc)
        dec: list[nn.Module] = [nn.Conv1d(dim, ch, 7, padding=3)]
        for s in reversed(strides):
            dec += [
                nn.ELU(),
                nn.ConvTranspose1d(ch, ch // 2, 2 * s, stride=s, padding=(s + 1) // 2, output_padding=s % 2),
            ]
            ch //= 2
            dec += [res_stack(ch)]
        dec += [nn.ELU(), nn.Conv1d(ch, 1, 7, padding=3)]
        self.decoder = nn.Sequential(*dec)

    def encode_latents(self, x: Tensor) -> Tensor:
        """Waveforms (b, 1, samples) in [-1, 1] -> (b, frames, latent_dim), padded to whole frames."""
        pad = -x.shape[-1] % self.hop
        z = self.encoder(nn.functional.pad(x, (0, pad)))
        return z.transpose(1, 2)

    def decode_latents(self, z: Tensor, length: int | None = None) -> Tensor:
        out = self.decoder(z.transpose(1, 2))
        return out[..., :length] if length is not None else out

    def reconstruction_loss(self, out: Tensor, x: Tensor) -> Tensor:
        loss = WAVEFORM_WEIGHT * nn.functional.l1_loss(out, x)
        for n in STFT_SIZES:
            window = torch.hann_window(n, device=x.device)
            spec = [
                torch.stft(s.squeeze(1), n, n // 4, window=window, pad_mode="constant", return_complex=True).abs()
                for s in (out, x)
            ]
            loss = loss + nn.functional.l1_loss(torch.log(spec[0] + 1e-5), torch.log(spec[1] + 1e-5)) / len(STFT_SIZES)
        return loss
