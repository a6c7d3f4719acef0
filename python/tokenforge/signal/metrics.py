"""Reconstruction metrics, each per item (a batch gives one value per item):

- PSNR = 10 log10(1 / MSE) for images in [0, 1] (all channels and pixels).
- SSIM (Wang et al. 2004): Gaussian window 11 x 11, sigma 1.5, K1 = 0.01, K2 = 0.03, data range 1, valid
  positions only, averaged over positions and channels (scikit-image's `structural_similarity` with
  `gaussian_weights=True, use_sample_covariance=False, data_range=1`).
- SI-SNR (scale-invariant signal-to-noise ratio, Le Roux et al. 2019), in dB, both signals made zero-mean.
- Log-spectral distance: the root mean square over frequency bins of 10 log10 of the power spectra ratio
  (STFT, Hann window of 512, hop 128, power floored at 1e-10), averaged over frames, in dB.
"""

from __future__ import annotations

import torch
from torch import Tensor

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03
LSD_FFT, LSD_HOP = 512, 128


def psnr(x: Tensor, y: Tensor) -> Tensor:
    """PSNR (dB) per item of images in [0, 1], (b, ...)."""
    mse = (x - y).double().square().flatten(1).mean(dim=1)
    return 10 * torch.log10(1.0 / mse.clamp(min=1e-12))


def _gaussian(size: int, sigma: float) -> Tensor:
    t = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(t**2) / (2 * sigma**2))
    return g / g.sum()


def ssim(x: Tensor, y: Tensor) -> Tensor:
    """SSIM per item of images (b, c, h, w) in [0, 1]; h and w at least the window size."""
    x, y = x.double(), y.double()
    c = x.shape[1]
    g = _gaussian(SSIM_WINDOW, SSIM_SIGMA).to(x.device)
    kernel = (g[:, None] * g[None, :]).expand(c, 1, SSIM_WINDOW, SSIM_WINDOW)

    def blur(t: Tensor) -> Tensor:
        return torch.nn.functional.conv2d(t, kernel, groups=c)

    mx, my = blur(x), blur(y)
    vx, vy, cov = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    s = ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return s.flatten(1).mean(dim=1)


def si_snr(estimate: Tensor, reference: Tensor, eps: float = 1e-8) -> Tensor:
    """SI-SNR (dB) per item of waveforms (b, ..., samples)."""
    est = estimate.double().flatten(1)
    ref = reference.double().flatten(1)
    est = est - est.mean(dim=1, keepdim=True)
    ref = ref - ref.mean(dim=1, keepdim=True)
    target = (est * ref).sum(1, keepdim=True) / (ref.square().sum(1, keepdim=True) + eps) * ref
    noise = est - target
    return 10 * torch.log10((target.square().sum(1) + eps) / (noise.square().sum(1) + eps))


def log_spectral_distance(estimate: Tensor, reference: Tensor) -> Tensor:
    """Log-spectral distance (dB) per item of waveforms (b, ..., samples)."""
    window = torch.hann_window(LSD_FFT, dtype=torch.float64, device=estimate.device)

    def power(t: Tensor) -> Tensor:
        spec = torch.stft(
            t.double().flatten(1), LSD_FFT, LSD_HOP, window=window, pad_mode="constant", return_complex=True
        )
        return spec.abs().square().clamp(min=1e-10)

    diff = 10 * torch.log10(power(estimate) / power(reference))
    return diff.square().mean(dim=1).sqrt().mean(dim=1)
