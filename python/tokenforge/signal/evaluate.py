"""`tokenforge signal eval`: every tokenizer on every data folder of its kind (images or audio).

Result (JSON-ready): {"tokenforge_version", "seconds", "data": {NAME: {"path", "modality", "items"}},
"tokenizers": {NAME: {"path", "kind", "quantizer", "codebook_size", "tokens", "bits_per_token", "data": {DATA:
{metric: value, ..., "rate_distortion": [{"tokens" or "layers": k, rate, quality...}]}}}}}."""

from __future__ import annotations

import time

import torch
from rich.console import Console
from rich.table import Table

from tokenforge import __version__
from tokenforge.errors import ConfigError
from tokenforge.report.summary import HIGHER, LOWER, Column, best, fmt
from tokenforge.signal.data import AudioFolder, ImageFolder, modality_of
from tokenforge.signal.metrics import log_spectral_distance, psnr, si_snr, ssim
from tokenforge.signal.models import SignalTokenizer, load
from tokenforge.signal.quantizers.base import usage_stats

COLUMNS = {
    "image": (
        Column("psnr", "PSNR dB", HIGHER, "10 log10(1 / MSE) of the reconstruction, pixels in [0, 1], per image."),
        Column("ssim", "SSIM", HIGHER, "Structural similarity, Gaussian window 11, sigma 1.5 (Wang et al. 2004)."),
        Column("bits_per_pixel", "bits/pixel", LOWER, "tokens x bits per token / pixels (fixed-length codes)."),
        Column("tokens_per_item", "tokens", None, "Tokens per image."),
    ),
    "audio": (
        Column("si_snr", "SI-SNR dB", HIGHER, "Scale-invariant signal-to-noise ratio (Le Roux et al. 2019)."),
        Column("lsd", "LSD dB", LOWER, "Log-spectral distance: RMS over bins of the log power ratio, per frame."),
        Column("bits_per_second", "bits/s", LOWER, "tokens per second x bits per token (fixed-length codes)."),
        Column("tokens_per_item", "tokens", None, "Tokens per audio file (mean)."),
    ),
}
SHARED = (
    Column("code_usage", "code usage", HIGHER, "Share of the codebook's codes used on the data (mean over layers)."),
    Column("perplexity", "perplexity", HIGHER, "exp(entropy) of the code frequencies on the data."),
)


def columns(modality: str) -> tuple[Column, ...]:
    """The summary columns of a modality."""
    return COLUMNS[modality] + SHARED


QUALITY = {"image": {"psnr": psnr, "ssim": ssim}, "audio": {"si_snr": si_snr, "lsd": log_spectral_distance}}


def _counts(ids: torch.Tensor, layers: int, size: int) -> torch.Tensor:
    flat = ids.reshape(-1, layers)
    return torch.stack([torch.bincount(flat[:, i], minlength=size) for i in range(layers)])


def _truncate(ids: torch.Tensor, axis: str, k: int) -> torch.Tensor:
    return ids[:, :k] if axis == "tokens" else ids[..., :k]


def _bits(model: SignalTokenizer, axis: str | None = None, k: int = 0) -> float:
    """Bits per item (image) or per second (audio) at fixed-length codes, keeping k tokens or layers."""
    tokens = k if axis == "tokens" else model.config["tokens"]
    layers = k if axis == "layers" else model.codes_per_token
    return tokens * layers * model.bits_per_token / model.codes_per_token


def _measure(model: SignalTokenizer, batches, device) -> dict:
    """Mean quality of the reconstructions (and of those from fewer tokens or layers), code usage, tokens."""
    fns = QUALITY[model.modality]
    levels = model.rate_levels(model.config["tokens"])
    keep = levels[1] if levels else []
    sums = {k: dict.fromkeys(fns, 0.0) for k in [None, *keep]}
    counts = torch.zeros(model.codes_per_token, model.quantizer.codebook_size, dtype=torch.long)
    items = tokens = 0
    for x in batches:
        x = x.to(device)
        ids = model.encode(x)
        counts += _counts(ids.cpu(), model.codes_per_token, model.quantizer.codebook_size)
        tokens += ids.shape[0] * ids.shape[1]
        items += x.shape[0]
        for k, acc in sums.items():
            y = model.decode(ids if k is None else _truncate(ids, levels[0], k), x.shape[-1])
            for name, fn in fns.items():
                acc[name] += fn(y, x).sum().item()
    used, ppl = usage_stats(counts)
    out = {"items": items, **{m: v / items for m, v in sums[None].items()}, "code_usage": used, "perplexity": ppl}
    out["tokens_per_item"] = tokens / items
    if model.modality == "image":
        out["bits_per_pixel"] = _bits(model) / model.config["size"] ** 2
        rate, scale = "bits_per_pixel", model.config["size"] ** 2
    else:
        out["bits_per_second"] = _bits(model)
        out["tokens_per_second"] = model.config["tokens"]
        rate, scale = "bits_per_second", 1
    if levels:
        out["rate_distortion"] = [
            {levels[0]: k, rate: _bits(model, levels[0], k) / scale, **{m: v / items for m, v in sums[k].items()}}
            for k in keep
        ]
    return out


def describe(model: SignalTokenizer, path: str) -> dict:
    """What a tokenizer is, for the result."""
    return {
        "path": path,
        "kind": model.kind,
        "modality": model.modality,
        "quantizer": model.config["quantizer"]["name"],
        "codebook_size": model.quantizer.codebook_size,
        "layers": model.codes_per_token,
        "tokens": model.config["tokens"],
        "bits_per_token": model.bits_per_token,
    }


def evaluate(
    tokenizers: dict[str, str], data: dict[str, str], limit: int | None = None, device: torch.device | str = "cpu"
) -> dict:
    """Measures every tokenizer on every data folder of its modality."""
    t0 = time.perf_counter()
    kinds = {name: modality_of(path) for name, path in data.items()}
    result: dict = {"tokenforge_version": __version__, "data": {}, "tokenizers": {}}
    for name, path in data.items():
        result["data"][name] = {"path": path, "modality": kinds[name]}
    for tname, tpath in tokenizers.items():
        model = load(tpath, device=str(device))
        entry = describe(model, tpath)
        entry["data"] = {}
        for dname, dpath in data.items():
            if kinds[dname] != model.modality:
                continue
            c = model.config
            if model.modality == "image":
                batches = ImageFolder(dpath, c["size"], c["channels"]).items(limit)
            else:
                batches = AudioFolder(dpath, c["sample_rate"], 1).items(limit)
            entry["data"][dname] = _measure(model, batches, device)
            result["data"][dname]["items"] = entry["data"][dname]["items"]
        if not entry["data"]:
            raise ConfigError(f"{tname}: no --data folder of {model.modality} to measure this tokenizer on")
        result["tokenizers"][tname] = entry
    result["seconds"] = time.perf_counter() - t0
    return result


def by_data(result: dict) -> list[tuple[str, str, dict[str, dict]]]:
    """(data name, modality, {tokenizer: metrics}) for each data folder some tokenizer was measured on."""
    out = []
    for dname, facts in result["data"].items():
        per_tok = {t: e["data"][dname] for t, e in result["tokenizers"].items() if dname in e["data"]}
        if per_tok:
            out.append((dname, facts["modality"], per_tok))
    return out


def print_summary(result: dict) -> None:
    """One rich table per data folder, the best value of each column in bold green."""
    console = Console()
    for dname, modality, per_tok in by_data(result):
        cols = columns(modality)
        table = Table(title=f"{dname} ({modality}; bold green: best in its column)", title_justify="left")
        table.add_column("tokenizer")
        for c in cols:
            table.add_column(c.label + {None: "", HIGHER: " ↑", LOWER: " ↓"}[c.better], justify="right")
        marked = {c.key: best({t: m.get(c.key) for t, m in per_tok.items()}, c.better) for c in cols}
        for tok, m in per_tok.items():
            cells = [f"[bold green]{fmt(m.get(c.key))}[/]" if tok in marked[c.key] else fmt(m.get(c.key)) for c in cols]
            table.add_row(tok, *cells)
        console.print(table)
