"""Signal tokenizers by kind, and `load` for a saved one."""

from __future__ import annotations

import os
from pathlib import Path

from tokenforge.errors import TokenizerFileError
from tokenforge.signal.models.audio import AudioCodec
from tokenforge.signal.models.base import WEIGHTS_FILE, SignalTokenizer, load_weights, read_config
from tokenforge.signal.models.titok import TiTok
from tokenforge.signal.models.vq2d import VQ2D

MODELS: dict[str, type[SignalTokenizer]] = {m.kind: m for m in (VQ2D, TiTok, AudioCodec)}


def load(directory: str | os.PathLike, device: str = "cpu") -> SignalTokenizer:
    """A tokenizer saved with `save(directory)`, in evaluation mode."""
    doc = read_config(directory)
    kind = doc.pop("kind", None)
    if kind not in MODELS:
        raise TokenizerFileError(f"{Path(directory)}: unknown tokenizer kind {kind!r}")
    config = {k: v for k, v in doc.items() if k not in ("format", "version")}
    try:
        model = MODELS[kind](config)
    except (KeyError, TypeError, ValueError) as e:
        raise TokenizerFileError(f"{Path(directory)}: config.json does not describe a {kind} tokenizer ({e})") from None
    load_weights(model, Path(directory) / WEIGHTS_FILE)
    return model.to(device).eval()


__all__ = ["MODELS", "AudioCodec", "SignalTokenizer", "TiTok", "VQ2D", "load"]
