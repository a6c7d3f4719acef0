"""What every signal tokenizer shares: a quantizer between an encoder and a decoder, `encode`/`decode`, and
`save`/`load` as a directory with `config.json` and `model.safetensors` (loadable without the training code)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar, NamedTuple

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from tokenforge.errors import InputFileError, TokenizerFileError
from tokenforge.signal.quantizers.registry import build_quantizer, index_bits
from tokenforge.signal.quantizers.residual import ResidualVQ

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT = "tokenforge-signal"
VERSION = 1


class Output(NamedTuple):
    """A forward pass: the reconstruction, the ids and the quantizer's auxiliary loss (a scalar)."""

    reconstruction: Tensor
    ids: Tensor
    aux_loss: Tensor


class SignalTokenizer(nn.Module):
    """Base class: subclasses set `kind` and `modality` and define `encode_latents` (input -> (b, n, dim)),
    `decode_latents` ((b, n, dim) -> output) and `reconstruction_loss`."""

    kind: ClassVar[str]
    modality: ClassVar[str]  # "image" or "audio"
    #: whether a prefix of the tokens decodes (tokens ordered coarse to fine)
    nested_tokens: ClassVar[bool] = False

    def __init__(self, config: dict) -> None:
        super().__init__()
        self.config = config
        self.quantizer = build_quantizer(config["quantizer"])

    # subclasses
    def encode_latents(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def decode_latents(self, z: Tensor, length: int | None = None) -> Tensor:
        raise NotImplementedError

    def reconstruction_loss(self, out: Tensor, x: Tensor) -> Tensor:
        raise NotImplementedError

    @property
    def residual(self) -> bool:
        """Whether each token has several residual codes (ids (..., tokens, layers))."""
        return isinstance(self.quantizer, ResidualVQ)

    @property
    def codes_per_token(self) -> int:
        """Indices per token: the residual layers, else 1."""
        return self.quantizer.num_quantizers if self.residual else 1

    @property
    def bits_per_token(self) -> float:
        """Bits of one token's indices at a fixed-length code."""
        return self.codes_per_token * index_bits(self.quantizer)

    def prepare(self, z: Tensor) -> Tensor:
        """Hook between the quantizer and the decoder (nested dropout in training)."""
        return z

    def forward(self, x: Tensor) -> Output:
        """Encode, quantize, decode."""
        quantized, ids, loss = self.quantizer(self.encode_latents(x))
        out = self.decode_latents(self.prepare(quantized), x.shape[-1])
        return Output(out, ids, loss.sum())

    @torch.no_grad()
    def encode(self, x: Tensor) -> Tensor:
        """Token ids of a batch: (batch, tokens) LongTensor, or (batch, tokens, layers) for residual codes."""
        was = self.training
        self.eval()
        try:
            return self.quantizer(self.encode_latents(x)).indices.long()
        finally:
            self.train(was)

    @torch.no_grad()
    def decode(self, ids: Tensor, length: int | None = None) -> Tensor:
        """The signal of `ids` from `encode`, clamped to its range. Fewer tokens than encoded decode when the
        tokens are nested, fewer residual layers when the codes are residual."""
        z = self.quantizer.get_output_from_indices(ids)
        return self.decode_latents(self.fill(z), length).clamp(-1.0 if self.modality == "audio" else 0.0, 1.0)

    def fill(self, z: Tensor) -> Tensor:
        """Latents of a prefix of the tokens completed for the decoder (only nested tokenizers allow one)."""
        return z

    def rate_levels(self, tokens: int) -> tuple[str, list[int]] | None:
        """What a rate–distortion curve varies ("tokens" kept or residual "layers" kept) and its points."""
        if self.nested_tokens:
            return "tokens", powers_up_to(tokens)
        if self.residual:
            return "layers", list(range(1, self.codes_per_token + 1))
        return None

    def save(self, directory: str | os.PathLike) -> Path:
        """Writes `config.json` and `model.safetensors` into `directory` (created), each file atomically."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        weights = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
        tmp = d / f".{WEIGHTS_FILE}.tmp"
        save_file(weights, str(tmp), metadata={"format": FORMAT})
        os.replace(tmp, d / WEIGHTS_FILE)
        doc = {"format": FORMAT, "version": VERSION, "kind": self.kind, **self.config}
        tmp = d / f".{CONFIG_FILE}.tmp"
        tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, d / CONFIG_FILE)
        return d


def powers_up_to(n: int) -> list[int]:
    """1, 2, 4, ... below `n`, then `n`."""
    out = [1]
    while out[-1] * 2 < n:
        out.append(out[-1] * 2)
    return out + [n] if out[-1] != n else out


def read_config(directory: str | os.PathLike) -> dict:
    """The config of a saved tokenizer; one-line errors for a missing or foreign directory."""
    d = Path(directory)
    path = d / CONFIG_FILE
    if not d.is_dir():
        raise InputFileError(f"{d}: no such directory (expected a saved signal tokenizer)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TokenizerFileError(f"{d}: no {CONFIG_FILE}: not a saved signal tokenizer") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise TokenizerFileError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TokenizerFileError(f"{path}: not a {FORMAT} config")
    if doc.get("version") != VERSION:
        raise TokenizerFileError(f"{path}: version {doc.get('version')!r} is not supported (expected {VERSION})")
    return doc


def load_weights(module: nn.Module, path: Path) -> None:
    """Loads `path` (safetensors) into `module`; a missing, corrupt or mismatched file is a one-line error."""
    try:
        state = load_file(str(path))
    except FileNotFoundError:
        raise TokenizerFileError(f"{path}: missing") from None
    except (SafetensorError, OSError, ValueError) as e:
        raise TokenizerFileError(f"{path}: not a readable safetensors file ({e})") from None
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise TokenizerFileError(f"{path}: weights do not match {CONFIG_FILE} ({first})") from None
