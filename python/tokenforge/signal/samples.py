"""Sample data sets written to a folder, from what installed packages ship (no download): scikit-learn's digits
and photos, scikit-image's bundled images, speech synthesized with espeak-ng, and generated shapes and tones
(for tests)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from tokenforge.errors import ConfigError

#: scikit-image images that ship with the package (others need a download).
SKIMAGE_IMAGES = (
    "astronaut", "brick", "camera", "cat", "chelsea", "clock", "coffee", "coins", "colorwheel", "grass", "gravel",
    "horse", "hubble_deep_field", "immunohistochemistry", "logo", "moon", "page", "retina", "rocket", "text",
)  # fmt: skip
SAMPLE_RATE = 16000


def digits(out: Path, count: int | None, seed: int) -> int:
    """scikit-learn's 1,797 handwritten digits (8x8, 17 grey levels) as grey PNGs."""
    from sklearn.datasets import load_digits

    images = load_digits().images[:count]
    for i, img in enumerate(images):
        Image.fromarray((img * (255 / 16)).round().astype(np.uint8), "L").save(out / f"digit_{i:04d}.png")
    return len(images)


def photos(out: Path, count: int | None, seed: int) -> int:
    """scikit-learn's two sample photos and scikit-image's bundled test images as PNGs."""
    import skimage.data
    from sklearn.datasets import load_sample_images

    arrays = dict(zip(("china", "flower"), load_sample_images().images))
    for name in SKIMAGE_IMAGES:
        try:
            arrays[name] = getattr(skimage.data, name)()
        except Exception:  # noqa: BLE001 - an image that would need a download is skipped
            continue
    written = 0
    for name, arr in list(arrays.items())[:count]:
        arr = np.asarray(arr, dtype=np.float64 if np.asarray(arr).dtype == bool else None)
        if arr.dtype != np.uint8:
            arr = (255 * (arr - arr.min()) / max(float(np.ptp(arr)), 1e-9)).astype(np.uint8)
        Image.fromarray(arr[..., :3] if arr.ndim == 3 else arr).save(out / f"{name}.png")
        written += 1
    return written


def shapes(out: Path, count: int | None, seed: int) -> int:
    """Generated 32x32 RGB images: a gradient background with a few rectangles and discs."""
    rng = np.random.default_rng(seed)
    n = count or 64
    yy, xx = np.mgrid[0:32, 0:32] / 31.0
    for i in range(n):
        c0, c1 = rng.random(3), rng.random(3)
        img = c0 + (c1 - c0) * (xx if i % 2 else yy)[..., None]
        for _ in range(rng.integers(1, 4)):
            colour = rng.random(3)
            cy, cx, r = rng.integers(4, 28, 2).tolist() + [int(rng.integers(3, 9))]
            mask = (
                (yy * 31 - cy) ** 2 + (xx * 31 - cx) ** 2 < r * r
                if rng.random() < 0.5
                else ((abs(yy * 31 - cy) < r) & (abs(xx * 31 - cx) < r))
            )
            img[mask] = colour
        Image.fromarray((img * 255).round().astype(np.uint8), "RGB").save(out / f"shape_{i:03d}.png")
    return n


def tones(out: Path, count: int | None, seed: int) -> int:
    """Generated one-second 16 kHz sounds: chords of harmonics with a glide and an envelope, some noise."""
    import soundfile

    rng = np.random.default_rng(seed)
    n = count or 16
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    for i in range(n):
        f0 = rng.uniform(110, 440)
        glide = f0 * (1 + rng.uniform(-0.3, 0.3) * t)
        wave = sum(np.sin(2 * np.pi * np.cumsum(glide * h) / SAMPLE_RATE) / h for h in range(1, 5))
        wave = wave * np.minimum(1, 10 * t) * np.exp(-rng.uniform(0.5, 3) * t) + 0.01 * rng.standard_normal(t.size)
        soundfile.write(out / f"tone_{i:03d}.wav", (0.3 * wave / np.abs(wave).max()).astype(np.float32), SAMPLE_RATE)
    return n


def speech(out: Path, count: int | None, seed: int) -> int:
    """English sentences (from Python's own documentation) spoken by espeak-ng with varied voices, speeds and
    pitches, resampled to 16 kHz WAV."""
    import pydoc_data.topics

    import soundfile

    from tokenforge.signal.data import resample

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ConfigError("speech samples need espeak-ng (Debian: apt-get install espeak-ng)")
    text = " ".join(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if 40 <= len(s.strip()) <= 160]
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(sentences), size=min(count or 200, len(sentences)), replace=False)
    voices = ("en", "en-us", "en-gb-x-rp", "en+f3", "en+m3", "en-us+f2")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp)
        for i, s in enumerate(picked):
            speed, pitch = int(rng.integers(140, 190)), int(rng.integers(30, 70))
            args = [
                exe,
                "-v",
                voices[i % len(voices)],
                "-s",
                str(speed),
                "-p",
                str(pitch),
                "-w",
                str(raw / f"s{i:04d}.wav"),
            ]
            subprocess.run([*args, sentences[s]], check=True, capture_output=True)
        for path in sorted(raw.iterdir()):
            wave, rate = soundfile.read(str(path), dtype="float32")
            soundfile.write(out / f"speech_{path.stem[1:]}.wav", resample(wave, rate, SAMPLE_RATE), SAMPLE_RATE)
    return len(picked)


SAMPLES: dict[str, Callable[[Path, int | None, int], int]] = {
    "digits": digits,
    "photos": photos,
    "shapes": shapes,
    "tones": tones,
    "speech": speech,
}


def write_samples(name: str, out: str, count: int | None = None, seed: int = 0, holdout: float = 0.0) -> int:
    """Writes sample set `name` into folder `out` (created); returns the number of files. With `holdout`, that
    share of the files (every n-th) goes to `out/test`, the rest to `out/train`."""
    if name not in SAMPLES:
        raise ConfigError(f"unknown sample set {name!r}: choose one of {', '.join(SAMPLES)}")
    if not 0.0 <= holdout < 1.0:
        raise ConfigError(f"--holdout must be in [0, 1), got {holdout}")
    path = Path(out)
    target = path / "train" if holdout else path
    target.mkdir(parents=True, exist_ok=True)
    n = SAMPLES[name](target, count, seed)
    if holdout:
        (path / "test").mkdir(exist_ok=True)
        every = max(2, round(1 / holdout))
        for f in sorted(target.iterdir())[every - 1 :: every]:
            f.rename(path / "test" / f.name)
    return n
