"""The reconstruction metrics against scikit-image's and against their definitions."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
skimage_metrics = pytest.importorskip("skimage.metrics")

from tokenforge.signal.metrics import log_spectral_distance, psnr, si_snr, ssim  # noqa: E402


def test_psnr_and_ssim_match_scikit_image():
    x = torch.rand(3, 3, 24, 20, dtype=torch.float64)
    y = (x + 0.1 * torch.randn_like(x)).clamp(0, 1)
    for a, b, p, s in zip(x, y, psnr(y, x), ssim(y, x)):
        an, bn = a.permute(1, 2, 0).numpy(), b.permute(1, 2, 0).numpy()
        assert p.item() == pytest.approx(skimage_metrics.peak_signal_noise_ratio(an, bn, data_range=1.0), rel=1e-9)
        want = skimage_metrics.structural_similarity(
            an, bn, data_range=1.0, channel_axis=2, gaussian_weights=True, sigma=1.5, use_sample_covariance=False
        )
        assert s.item() == pytest.approx(want, rel=1e-6)


def test_identical_images_score_perfectly():
    x = torch.rand(2, 1, 16, 16)
    assert torch.allclose(ssim(x, x), torch.ones(2, dtype=torch.float64))
    assert (psnr(x, x) > 100).all()


def test_si_snr_by_hand():
    t = torch.linspace(0, 1, 8000, dtype=torch.float64)
    ref = torch.sin(2 * math.pi * 50 * t)[None]
    noise = torch.sin(2 * math.pi * 173 * t)[None]  # orthogonal to ref over whole periods
    # any scaling of the reference is forgiven; the noise costs 10 log10(|ref|^2 / |0.1 noise|^2) = 20 dB
    assert si_snr(3 * ref + 0.1 * noise, ref).item() == pytest.approx(20.0 + 20 * math.log10(3), abs=0.05)


def test_log_spectral_distance_by_hand():
    x = torch.randn(2, 1, 4000)
    assert log_spectral_distance(x, x).abs().max().item() < 1e-9
    # twice the amplitude is four times the power in every bin: 10 log10(4) dB everywhere
    torch.testing.assert_close(
        log_spectral_distance(2 * x, x), torch.full((2,), 10 * math.log10(4), dtype=torch.float64)
    )
