"""The actions of `tokenforge signal` (parsed in tokenforge.cli.signal, which needs no torch)."""

from __future__ import annotations

import argparse
import sys
import time

import torch

from tokenforge.cli.common import check_writable, plural, split_name_path

#: train options that override the kind's model settings (argument name -> config key)
MODEL_ARGS = {"size": "size", "channels": "channels", "patch": "patch", "width": "width", "sample_rate": "sample_rate"}


def _threads(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)


def run_train(args: argparse.Namespace) -> int:
    """`tokenforge signal train`."""
    from tokenforge.signal.train import TrainOptions, train

    check_writable(args.out)
    _threads(args)
    opts = TrainOptions(
        kind=args.kind,
        data=args.data,
        out=args.out,
        quantizer=args.quantizer,
        codebook=args.codebook,
        tokens=args.tokens,
        layers=args.layers,
        levels=args.levels,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
        device=args.device,
        model={key: getattr(args, arg) for arg, key in MODEL_ARGS.items() if getattr(args, arg) is not None},
    )
    t0 = time.perf_counter()
    model, stats = train(opts, progress=not args.quiet)
    metric = "psnr" if model.modality == "image" else "si_snr"
    summary = (
        f"trained {model.kind} ({model.config['quantizer']['name']}, {model.config['tokens']} tokens, "
        f"{model.bits_per_token:.1f} bits per token) to step {stats.get('step', opts.steps)} in "
        f"{time.perf_counter() - t0:.0f} s"
    )
    if stats:
        summary += f": {metric.upper().replace('_', '-')} {stats[metric]:.2f} dB, code usage {stats['code_usage']:.2f}"
    print(f"{summary} -> {args.out}")
    return 0


def _named(specs: list[str]) -> dict[str, str]:
    """`NAME=PATH` or `PATH` (named by its last component) specs as {name: path}."""
    out = {}
    for spec in specs:
        pair = split_name_path(spec)
        name, path = pair if pair else (spec.rstrip("/").rsplit("/", 1)[-1] or spec, spec)
        out[name] = path
    return out


def run_eval(args: argparse.Namespace) -> int:
    """`tokenforge signal eval`."""
    from tokenforge.cli.eval import write_json
    from tokenforge.signal.evaluate import evaluate, print_summary
    from tokenforge.signal.report import write_report
    from tokenforge.signal.train import pick_device

    check_writable(args.json, args.report)
    _threads(args)
    result = evaluate(_named(args.tokenizer), _named(args.data), limit=args.limit, device=pick_device(args.device))
    if args.json:
        write_json(result, args.json)
    if args.report:
        write_report(result, args.report)
    if not args.quiet:
        print_summary(result)
    return 0


def run_samples(args: argparse.Namespace) -> int:
    """`tokenforge signal samples`."""
    from tokenforge.signal.samples import write_samples

    n = write_samples(args.name, args.out, args.count, args.seed, args.holdout)
    print(f"wrote {plural(n, 'file')} of {args.name} to {args.out}", file=sys.stderr)
    return 0
