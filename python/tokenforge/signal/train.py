"""Training a signal tokenizer: streamed batches from a folder, Adam, seeded per step (so a resumed run
continues exactly as an uninterrupted one would), checkpoints written atomically, progress with loss, PSNR
(images) or SI-SNR (audio) and code usage."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal as os_signal
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from tokenforge.errors import ConfigError, InputFileError
from tokenforge.signal.data import AudioFolder, ImageFolder
from tokenforge.signal.metrics import psnr, si_snr
from tokenforge.signal.models import MODELS, SignalTokenizer, load
from tokenforge.signal.models.base import WEIGHTS_FILE
from tokenforge.signal.quantizers.registry import quantizer_spec

CHECKPOINT = "checkpoint"
LOG_FILE = "train_log.jsonl"
#: Model settings per kind (small: they learn something in minutes on two CPU cores).
MODEL_DEFAULTS: dict[str, dict] = {
    "vq2d": {"channels": 3, "size": 32, "tokens": 64, "width": 64, "latent_dim": 16},
    "titok": {
        "channels": 3,
        "size": 32,
        "patch": 4,
        "tokens": 32,
        "width": 128,
        "depth": 2,
        "heads": 4,
        "latent_dim": 16,
    },  # fmt: skip
    "audio": {"sample_rate": 16000, "tokens": 100, "width": 16, "latent_dim": 32},
}
LEARNING_RATES = {"vq2d": 1e-3, "titok": 5e-4, "audio": 1e-3}
#: Audio per training segment, in seconds.
SEGMENT_SECONDS = 0.5
WARMUP = 100


@dataclass
class TrainOptions:
    """What `tokenforge signal train` sets; None means the kind's default."""

    kind: str
    data: str
    out: str
    quantizer: str = "fsq"
    codebook: int = 1024
    tokens: int | None = None
    layers: int | None = None
    levels: list[int] | None = None
    steps: int = 2000
    batch_size: int = 32
    lr: float | None = None
    seed: int = 0
    checkpoint_every: int = 250
    resume: bool = False
    device: str = "auto"
    model: dict = field(default_factory=dict)  # overrides of MODEL_DEFAULTS (size, width, channels, ...)


def model_config(opts: TrainOptions) -> dict:
    """The tokenizer's config from the options."""
    if opts.kind not in MODELS:
        raise ConfigError(f"unknown kind {opts.kind!r}: choose one of {', '.join(MODELS)}")
    config = {**MODEL_DEFAULTS[opts.kind], **opts.model}
    if opts.tokens is not None:
        config["tokens"] = opts.tokens
    config["quantizer"] = quantizer_spec(opts.quantizer, config["latent_dim"], opts.codebook, opts.layers, opts.levels)
    return config


def learning_rate(peak: float, step: int, steps: int) -> float:
    """Linear warm-up over the first WARMUP steps (at most a tenth of the run), then a cosine decay to 0."""
    warmup = min(WARMUP, max(1, steps // 10))
    return peak * min(1.0, (step + 1) / warmup) * (0.5 + 0.5 * math.cos(math.pi * step / steps))


def pick_device(name: str) -> torch.device:
    """ "auto": the GPU when there is one, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def open_data(model: SignalTokenizer, path: str) -> ImageFolder | AudioFolder:
    """The folder reader matching the tokenizer."""
    c = model.config
    if model.modality == "image":
        return ImageFolder(path, c["size"], c["channels"])
    return AudioFolder(path, c["sample_rate"], int(c["sample_rate"] * SEGMENT_SECONDS))


def step_seed(seed: int, step: int) -> int:
    """The torch seed of one step."""
    return (seed * 1_000_003 + step) % (1 << 63)


def quality(model: SignalTokenizer, out: torch.Tensor, x: torch.Tensor) -> float:
    """PSNR (images) or SI-SNR (audio) of a batch, in dB."""
    with torch.no_grad():
        return (psnr(out.clamp(0, 1), x) if model.modality == "image" else si_snr(out, x)).mean().item()


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Ctrl-C waits until the block (writing a checkpoint) is done, then interrupts."""
    hit: list[int] = []
    try:
        previous = os_signal.signal(os_signal.SIGINT, lambda *_: hit.append(1))
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        os_signal.signal(os_signal.SIGINT, previous)
    if hit:
        raise KeyboardInterrupt


def save_checkpoint(
    out: Path, model: SignalTokenizer, opt: torch.optim.Optimizer, step: int, opts: TrainOptions, log: list[str]
) -> None:
    """OUT/checkpoint: the tokenizer, the optimizer and the step, replaced as a whole; the statistics logged
    since the last checkpoint are appended to OUT/train_log.jsonl (and `log` emptied)."""
    final = out / CHECKPOINT
    tmp = out / f".{CHECKPOINT}.tmp"
    old = out / f".{CHECKPOINT}.old"
    with deferred_interrupt():
        out.mkdir(parents=True, exist_ok=True)
        with open(out / LOG_FILE, "a", encoding="utf-8") as f:
            f.writelines(log)
        log.clear()
        shutil.rmtree(tmp, ignore_errors=True)
        model.save(tmp)
        torch.save(opt.state_dict(), tmp / "optimizer.pt")
        (tmp / "state.json").write_text(json.dumps({"step": step, "options": asdict(opts)}), encoding="utf-8")
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)


def resume_from(opts: TrainOptions, device: torch.device) -> tuple[SignalTokenizer, dict, int, TrainOptions]:
    """(model, optimizer state, step, options) of OUT/checkpoint: the options of the interrupted run, with the
    steps, data and device asked for now."""
    ck = Path(opts.out) / CHECKPOINT
    if not (ck / WEIGHTS_FILE).is_file():
        raise InputFileError(f"{ck}: no checkpoint to resume from")
    model = load(ck, device=str(device)).train()
    state = json.loads((ck / "state.json").read_text(encoding="utf-8"))
    now = {"steps": opts.steps, "data": opts.data, "device": opts.device, "out": opts.out, "resume": True}
    saved = TrainOptions(**{**state["options"], **now})
    opt_state = torch.load(ck / "optimizer.pt", map_location=device, weights_only=True)
    return model, opt_state, int(state["step"]), saved


class TrainProgress:
    """A rich progress bar with the latest loss, quality and code usage (only on a terminal)."""

    def __init__(self, total: int, start: int, enabled: bool, metric: str) -> None:
        self.metric = metric
        self._bar = None
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("training"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[stats]}"),
                TimeRemainingColumn(), transient=False,
            )  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("train", total=total, completed=start, stats="")

    def update(self, step: int, stats: dict) -> None:
        if self._bar is not None:
            text = (
                f"loss {stats['loss']:.4f}  {self.metric} {stats[self.metric]:.2f} dB  usage {stats['code_usage']:.2f}"
            )
            self._bar.update(self._task, completed=step, stats=text)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def train(opts: TrainOptions, progress: bool = True) -> tuple[SignalTokenizer, dict]:
    """Trains (or resumes) a tokenizer and saves it into `opts.out`; returns it and the last statistics."""
    device = pick_device(opts.device)
    out = Path(opts.out)
    if opts.resume:
        model, opt_state, start, opts = resume_from(opts, device)
    else:
        torch.manual_seed(opts.seed)
        model = MODELS[opts.kind](model_config(opts)).to(device)
        opt_state, start = None, 0
    data = open_data(model, opts.data)
    lr = opts.lr or LEARNING_RATES[model.kind]
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=1e-4)
    if opt_state is not None:
        opt.load_state_dict(opt_state)
    metric = "psnr" if model.modality == "image" else "si_snr"
    bar = TrainProgress(opts.steps, start, progress, metric)
    stats: dict = {}
    model.train()
    model.quantizer.reset_usage()
    t0 = time.perf_counter()
    log: list[str] = []
    try:
        for step in range(start, opts.steps):
            rng = np.random.default_rng([opts.seed, step])
            torch.manual_seed(step_seed(opts.seed, step))
            x = data.batch(rng, opts.batch_size).to(device)
            for group in opt.param_groups:
                group["lr"] = learning_rate(lr, step, opts.steps)
            res = model(x)
            loss = model.reconstruction_loss(res.reconstruction, x) + res.aux_loss
            if not torch.isfinite(loss):
                raise ConfigError(f"training diverged at step {step} (loss {loss.item()}); try a lower --lr")
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            done = step + 1
            if done % 25 == 0 or done == opts.steps:
                stats = {
                    "step": done,
                    "loss": loss.item(),
                    metric: quality(model, res.reconstruction, x),
                    "code_usage": model.quantizer.code_usage(),
                    "perplexity": model.quantizer.perplexity(),
                    "seconds": round(time.perf_counter() - t0, 2),
                }
                model.quantizer.reset_usage()
                log.append(json.dumps(stats) + "\n")
                bar.update(done, stats)
            if done % opts.checkpoint_every == 0 or done == opts.steps:
                save_checkpoint(out, model, opt, done, opts, log)
    finally:
        bar.close()
    model.eval()
    with deferred_interrupt():
        model.save(out)
    return model, stats
