"""`tokenforge signal train|eval|samples`: image and audio tokenizers (docs/signal.md). Only parses arguments
here: PyTorch is imported when the subcommand runs, and its absence is a one-line error saying what to install."""

from __future__ import annotations

import argparse
import importlib.util

from tokenforge.errors import ConfigError

#: Kept in step with tokenforge.signal's registries (tested), so that parsing needs no torch.
KINDS = ("vq2d", "titok", "audio")
QUANTIZERS = ("fsq", "vq", "lfq", "bsq", "rvq")
SAMPLE_SETS = ("digits", "photos", "shapes", "tones", "speech")
INSTALL = "tokenforge signal needs PyTorch: pip install 'tokenforge[signal]'"


def _levels(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _lazy(action: str):
    """The run function of an action, importing torch and tokenforge.signal only when called."""

    def run(args: argparse.Namespace) -> int:
        try:
            if importlib.util.find_spec("torch") is None:
                raise ImportError
            import torch  # noqa: F401
        except ImportError:
            raise ConfigError(INSTALL) from None
        from tokenforge.signal import cli

        return getattr(cli, action)(args)

    return run


def _add_runtime_args(p: argparse.ArgumentParser, quiet: str) -> None:
    """--device, --threads and -q/--quiet (saying what `quiet` leaves out)."""
    p.add_argument("--device", default="auto", help="auto (GPU if any), cpu, cuda, cuda:1 ...")
    p.add_argument("--threads", type=int, metavar="T", help="CPU threads for torch (default: torch's)")
    p.add_argument("-q", "--quiet", action="store_true", help=quiet)


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `signal` subcommand and its actions."""
    p = sub.add_parser(
        "signal",
        help="train, apply and measure image and audio tokenizers (needs tokenforge[signal])",
        description="Discrete tokenizers for images and audio (PyTorch): a 2D VQ autoencoder, a 1D TiTok-style "
        "image tokenizer with nested tokens, an audio codec; FSQ, VQ, LFQ, BSQ or residual VQ quantizers.",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    tr = actions.add_parser(
        "train",
        help="train a tokenizer on a folder of images or audio",
        description="Train a tokenizer (CPU or GPU, chosen automatically); OUT gets config.json + "
        "model.safetensors, OUT/checkpoint the latest checkpoint, OUT/train_log.jsonl the statistics.",
    )
    tr.add_argument("--kind", choices=KINDS, required=True, help="vq2d (2D grid), titok (1D tokens), audio (codec)")
    tr.add_argument("--data", required=True, metavar="DIR", help="folder of images (png, jpg, ...) or audio (wav, ...)")
    tr.add_argument("-o", "--out", required=True, metavar="OUT", help="output directory")
    tr.add_argument("--quantizer", choices=QUANTIZERS, default="fsq", help="default: fsq")
    tr.add_argument("--codebook", type=int, default=1024, metavar="N", help="codebook size (default: 1024)")
    tr.add_argument(
        "--tokens",
        type=int,
        metavar="K",
        help="titok: latent tokens (default 32); vq2d: grid cells, a square (default 64); audio: tokens per second "
        "(default 100)",
    )
    tr.add_argument("--layers", type=int, metavar="Q", help="rvq: residual layers per token (default 4)")
    tr.add_argument("--levels", type=_levels, metavar="L,L,...", help="fsq: levels per channel (overrides --codebook)")
    tr.add_argument("--size", type=int, metavar="PX", help="image side in pixels (default 32)")
    tr.add_argument("--channels", type=int, choices=(1, 3), help="1 grey or 3 RGB (default 3)")
    tr.add_argument("--patch", type=int, metavar="PX", help="titok: patch side (default 4)")
    tr.add_argument("--width", type=int, metavar="W", help="model width (channels; default per kind)")
    tr.add_argument("--sample-rate", type=int, metavar="HZ", help="audio: sample rate (default 16000)")
    tr.add_argument("--steps", type=int, default=2000, metavar="N", help="training steps (default 2000)")
    tr.add_argument("--batch-size", type=int, default=32, metavar="B", help="default 32")
    tr.add_argument("--lr", type=float, help="peak learning rate (default per kind)")
    tr.add_argument("--seed", type=int, default=0, help="default 0")
    tr.add_argument("--checkpoint-every", type=int, default=250, metavar="N", help="default 250 steps")
    tr.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint (same options)")
    _add_runtime_args(tr, "no progress bar")
    tr.set_defaults(run=_lazy("run_train"))
    ev = actions.add_parser(
        "eval",
        help="measure tokenizers on folders of images or audio",
        description="Reconstruction quality, code usage, rate and, for nested or residual tokenizers, the "
        "rate–distortion curve, of each tokenizer on each data folder of its kind.",
    )
    ev.add_argument("-t", "--tokenizer", action="append", required=True, metavar="[NAME=]DIR", help="repeatable")
    ev.add_argument("--data", action="append", required=True, metavar="[NAME=]DIR", help="repeatable")
    ev.add_argument("--limit", type=int, metavar="N", help="at most N items per folder")
    ev.add_argument("--json", metavar="PATH", help="write every number as JSON")
    ev.add_argument("--report", metavar="PATH", help="write a self-contained HTML report")
    _add_runtime_args(ev, "no table")
    ev.set_defaults(run=_lazy("run_eval"))
    sa = actions.add_parser(
        "samples",
        help="write a sample data folder from installed packages",
        description="digits, photos (scikit-learn, scikit-image), shapes and tones (generated), speech (espeak-ng).",
    )
    sa.add_argument("name", choices=SAMPLE_SETS)
    sa.add_argument("-o", "--out", required=True, metavar="DIR")
    sa.add_argument("--count", type=int, metavar="N", help="at most N items")
    sa.add_argument("--seed", type=int, default=0)
    sa.add_argument(
        "--holdout", type=float, default=0.0, metavar="F", help="put share F in OUT/test, the rest in OUT/train"
    )
    sa.set_defaults(run=_lazy("run_samples"))
