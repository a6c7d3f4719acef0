"""Quantizer speed: tokenforge.signal against vector-quantize-pytorch, forward + backward in training mode, the
same configuration and the same weights, on the CPU, runs alternating between the two.

    python benches/signal_quantizers.py [--runs 15] [--threads 1] [--tokens 2048]

Prints a markdown table: median milliseconds per forward + backward (min–max) and the speed ratio.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from importlib.metadata import version

import torch
import vector_quantize_pytorch as vqp
from benchlib import Spread, alternate, table

import tokenforge.signal.quantizers as tq

DIM = 64
CONFIGS = {
    "FSQ levels 8,5,5,5 (dim 64)": ("FSQ", dict(levels=[8, 5, 5, 5], dim=DIM)),
    "LFQ 2^10 codes (dim 64)": ("LFQ", dict(dim=DIM, codebook_size=1024)),
    "BSQ 2^10 codes (dim 64)": ("BSQ", dict(dim=DIM, codebook_size=1024)),
    "VectorQuantize 1024 codes, EMA, rotation trick": ("VectorQuantize", dict(dim=DIM, codebook_size=1024)),
    "VectorQuantize 1024 codes, cosine": ("VectorQuantize", dict(dim=DIM, codebook_size=1024, use_cosine_sim=True)),
    "ResidualVQ 4 x 1024 codes": ("ResidualVQ", dict(dim=DIM, num_quantizers=4, codebook_size=1024)),
}


def theirs(name: str, kwargs: dict) -> torch.nn.Module:
    """vector-quantize-pytorch's module of that name (BSQ is its LFQ with spherical=True)."""
    if name == "BSQ":
        return vqp.LFQ(spherical=True, **kwargs)
    return getattr(vqp, name)(**kwargs)


def step(module: torch.nn.Module, x: torch.Tensor) -> None:
    """One forward + backward through the quantizer (quantized values and auxiliary loss)."""
    out = module(x)
    q, loss = out[0], (out[2] if len(out) > 2 else 0.0)
    (q.square().mean() + (loss.sum() if torch.is_tensor(loss) else loss)).backward()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tokens", type=int, default=2048, help="vectors per batch (batch 8 x tokens/8)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {args.threads} torch thread(s), Python "
        f"{platform.python_version()}, torch {torch.__version__}, "
        f"vector-quantize-pytorch {version('vector-quantize-pytorch')}"
        f", load average {os.getloadavg()[0]:.2f} at start\n"
    )
    rows = []
    for label, (name, kwargs) in CONFIGS.items():
        torch.manual_seed(0)
        ref = theirs(name, kwargs).train()
        ours = getattr(tq, name)(**kwargs).train()
        ours.load_state_dict(ref.state_dict())
        x = torch.randn(8, args.tokens // 8, DIM, requires_grad=True)
        runners = {
            "tokenforge": lambda m=ours, x=x: step(m, x),
            "vector-quantize-pytorch": lambda m=ref, x=x: step(m, x),
        }
        alternate(runners, 2)  # warm up
        t = alternate(runners, args.runs)
        a, b = (
            Spread([w * 1e3 for w in t.wall["tokenforge"]]),
            Spread([w * 1e3 for w in t.wall["vector-quantize-pytorch"]]),
        )
        rows.append([label, a.fmt(1), b.fmt(1), f"{b.median / a.median:.2f}×"])
    print(table(["forward + backward, ms", "tokenforge", "vector-quantize-pytorch", "speed-up"], rows))
    print(f"\nload average {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
