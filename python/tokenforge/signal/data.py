"""Image folders (Pillow) and audio folders (soundfile), read lazily: training draws random crops or segments
from a seeded generator, evaluation reads each item once. Unreadable files are one-line errors naming them."""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from tokenforge.errors import CorpusError, InputFileError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".aiff", ".aif")
#: Decoded images kept in memory (bytes), the least recently used dropped first.
IMAGE_CACHE_BYTES = 256 << 20
#: Longest audio item read for evaluation, in seconds.
MAX_EVAL_SECONDS = 10.0


def list_files(root: str | os.PathLike, suffixes: tuple[str, ...], what: str) -> list[Path]:
    """The files under `root` (recursively, sorted) with one of `suffixes`."""
    r = Path(root)
    if not r.is_dir():
        raise InputFileError(f"{r}: no such directory")
    files = sorted(p for p in r.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
    if not files:
        raise CorpusError(f"{r}: no {what} files ({', '.join(suffixes)})")
    return files


def modality_of(root: str | os.PathLike) -> str:
    """ "image" or "audio": what the folder holds (the more numerous kind)."""
    files = [p.suffix.lower() for p in Path(root).rglob("*") if p.is_file()]
    images = sum(s in IMAGE_SUFFIXES for s in files)
    audio = sum(s in AUDIO_SUFFIXES for s in files)
    if not images and not audio:
        raise CorpusError(f"{root}: no image or audio files")
    return "image" if images >= audio else "audio"


class ImageFolder:
    """Square images of `size` pixels with `channels` (1 grey, 3 RGB) as float tensors in [0, 1]."""

    def __init__(self, root: str | os.PathLike, size: int, channels: int) -> None:
        self.files = list_files(root, IMAGE_SUFFIXES, "image")
        self.size = size
        self.mode = "L" if channels == 1 else "RGB"
        self._cache: OrderedDict[Path, np.ndarray] = OrderedDict()
        self._cached_bytes = 0

    def _read(self, path: Path) -> np.ndarray:
        """The image at most 2*size on its short side (at least size), uint8 (h, w, c); cached."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        try:
            with Image.open(path) as im:
                im.draft(self.mode, (2 * self.size, 2 * self.size))
                im = im.convert(self.mode)
                short = min(im.size)
                target = min(max(short, self.size), 2 * self.size)
                if short != target:
                    scale = target / short
                    new = (max(self.size, round(im.width * scale)), max(self.size, round(im.height * scale)))
                    im = im.resize(new, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
                arr = np.asarray(im, dtype=np.uint8).reshape(im.height, im.width, -1)
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as e:
            raise CorpusError(f"{path}: not a readable image ({e})") from None
        self._cache[path] = arr
        self._cached_bytes += arr.nbytes
        while self._cached_bytes > IMAGE_CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= old.nbytes
        return arr

    @staticmethod
    def _tensor(crops: list[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255.0

    def batch(self, rng: np.random.Generator, n: int) -> torch.Tensor:
        """`n` random crops (random file, position, horizontal flip): (n, c, size, size)."""
        crops = []
        s = self.size
        for i in rng.integers(0, len(self.files), n):
            arr = self._read(self.files[i])
            y = rng.integers(0, arr.shape[0] - s + 1)
            x = rng.integers(0, arr.shape[1] - s + 1)
            crop = arr[y : y + s, x : x + s]
            crops.append(crop[:, ::-1] if rng.random() < 0.5 else crop)
        return self._tensor(crops)

    def items(self, limit: int | None = None, batch_size: int = 64) -> Iterator[torch.Tensor]:
        """Every image (up to `limit`) centre-cropped, in batches (b, c, size, size)."""
        files = self.files[:limit] if limit else self.files
        s = self.size
        for start in range(0, len(files), batch_size):
            crops = []
            for path in files[start : start + batch_size]:
                arr = self._read(path)
                y, x = (arr.shape[0] - s) // 2, (arr.shape[1] - s) // 2
                crops.append(arr[y : y + s, x : x + s])
            yield self._tensor(crops)


def resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    """`wave` (float32) from `rate` to `target` Hz (polyphase filtering, scipy)."""
    if rate == target:
        return wave
    from scipy.signal import resample_poly

    g = math.gcd(rate, target)
    return resample_poly(wave, target // g, rate // g).astype(np.float32)


class AudioFolder:
    """Mono waveforms at `sample_rate` as float tensors (1, samples) in [-1, 1]."""

    def __init__(self, root: str | os.PathLike, sample_rate: int, segment: int) -> None:
        import soundfile

        self._sf = soundfile
        self.files = list_files(root, AUDIO_SUFFIXES, "audio")
        self.sample_rate = sample_rate
        self.segment = segment
        self._info: dict[Path, tuple[int, int]] = {}

    def _frames_and_rate(self, path: Path) -> tuple[int, int]:
        if path not in self._info:
            try:
                info = self._sf.info(str(path))
            except (RuntimeError, OSError, self._sf.LibsndfileError) as e:
                raise CorpusError(f"{path}: not a readable audio file ({e})") from None
            self._info[path] = (info.frames, info.samplerate)
        return self._info[path]

    def _read(self, path: Path, start: int, frames: int) -> np.ndarray:
        """`frames` frames from `start` (in the file's rate), mono, resampled to `sample_rate`."""
        try:
            data, rate = self._sf.read(str(path), start=start, frames=frames, dtype="float32", always_2d=True)
        except (RuntimeError, OSError, self._sf.LibsndfileError) as e:
            raise CorpusError(f"{path}: not a readable audio file ({e})") from None
        return np.clip(resample(data.mean(axis=1), rate, self.sample_rate), -1.0, 1.0)

    def batch(self, rng: np.random.Generator, n: int) -> torch.Tensor:
        """`n` random segments of `segment` samples (zero-padded when a file is shorter): (n, 1, segment)."""
        out = np.zeros((n, 1, self.segment), dtype=np.float32)
        for row, i in enumerate(rng.integers(0, len(self.files), n)):
            path = self.files[i]
            frames, rate = self._frames_and_rate(path)
            need = int(np.ceil(self.segment * rate / self.sample_rate))
            start = int(rng.integers(0, max(frames - need, 0) + 1))
            wave = self._read(path, start, need)[: self.segment]
            out[row, 0, : len(wave)] = wave
        return torch.from_numpy(out)

    def items(self, limit: int | None = None) -> Iterator[torch.Tensor]:
        """Every file (up to `limit`, each at most MAX_EVAL_SECONDS) as (1, 1, samples)."""
        for path in self.files[:limit] if limit else self.files:
            _, rate = self._frames_and_rate(path)
            wave = self._read(path, 0, int(MAX_EVAL_SECONDS * rate))
            yield torch.from_numpy(wave)[None, None]
