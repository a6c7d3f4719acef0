"""The self-contained HTML report of `tokenforge signal eval`, built with the text report's pieces (style,
tables, best-value marking, matplotlib SVG plots)."""

from __future__ import annotations

import os
from pathlib import Path

from tokenforge.report import plots
from tokenforge.report.html import cell, document, esc, figure, table, write_page
from tokenforge.report.summary import HIGHER, LOWER, best, fmt
from tokenforge.signal.evaluate import by_data, columns

ARROWS = {None: "", HIGHER: " ↑", LOWER: " ↓"}
#: Rate and quality axes of the rate–distortion plots per modality.
CURVES = {
    "image": ("bits_per_pixel", [("psnr", "PSNR (dB)"), ("ssim", "SSIM")]),
    "audio": ("bits_per_second", [("si_snr", "SI-SNR (dB)"), ("lsd", "log-spectral distance (dB)")]),
}


def summary_section(name: str, modality: str, per_tok: dict[str, dict]) -> str:
    """The table of one data folder, best values marked."""
    cols = columns(modality)
    head = "".join(f"<th>{esc(h)}</th>" for h in ["tokenizer"] + [c.label + ARROWS[c.better] for c in cols])
    marked = {c.key: best({t: m.get(c.key) for t, m in per_tok.items()}, c.better) for c in cols}
    rows = "".join(
        f'<tr><td class="name">{esc(t)}</td>' + "".join(cell(m.get(c.key), t in marked[c.key]) for c in cols) + "</tr>"
        for t, m in per_tok.items()
    )
    return (
        f"<h3>{esc(name)} ({esc(modality)})</h3>"
        f'<table class="summary"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    )


def curve_section(name: str, modality: str, per_tok: dict[str, dict]) -> str:
    """Rate–distortion plots and tables of the tokenizers that have a curve on this data."""
    with_curve = {t: m["rate_distortion"] for t, m in per_tok.items() if m.get("rate_distortion")}
    if not with_curve:
        return ""
    rate, qualities = CURVES[modality]
    out = [f"<h3>{esc(name)}</h3>"]
    for key, label in qualities:
        series = {t: ([p[rate] for p in pts], [p[key] for p in pts]) for t, pts in with_curve.items()}
        svg = plots.curves(series, rate.replace("_", " "), label, log_x=True)
        out.append(figure(svg, f"{label} against the rate on {name}, keeping the first k tokens or layers."))
    for t, pts in with_curve.items():
        axis = "tokens" if "tokens" in pts[0] else "layers"
        keys = [axis, rate] + [k for k, _ in qualities]
        out.append(f"<p>{esc(t)}</p>" + table(keys, [[fmt(p[k]) for k in keys] for p in pts]))
    return "\n".join(out)


def render(result: dict) -> str:
    """The whole report as one HTML document."""
    toks = result["tokenizers"]
    header = ["tokenizer", "kind", "quantizer", "codebook", "layers", "tokens", "bits/token", "path"]
    rows = [
        [t, e["kind"], e["quantizer"], fmt(e["codebook_size"]), fmt(e["layers"]), fmt(e["tokens"]),
         fmt(e["bits_per_token"], 1), e["path"]]
        for t, e in toks.items()
    ]  # fmt: skip
    data_rows = [[d, f["modality"], f["path"], fmt(f.get("items"))] for d, f in result["data"].items()]
    groups = by_data(result)
    curves = [curve_section(*g) for g in groups]
    method = "".join(
        f"<dt>{esc(c.label)} ({esc(c.key)})</dt><dd>{esc(c.definition)}</dd>"
        for modality in sorted({m for _, m, _ in groups})
        for c in columns(modality)
    )
    sections = [
        "<h1>Signal tokenizer evaluation</h1>",
        f'<p class="note">tokenforge {esc(result["tokenforge_version"])} · {len(toks)} tokenizers · measured in '
        f"{result['seconds']:.1f} s</p>",
        "<h2>Tokenizers</h2>",
        table(header, rows),
        "<h2>Data</h2>",
        table(["data", "modality", "path", "items"], data_rows),
        "<h2>Summary</h2>",
        '<p class="note">★ marks the best value of a column within each data folder; ↑ higher is better, ↓ lower '
        "is better.</p>",
        *(summary_section(*g) for g in groups),
        *(["<h2>Rate–distortion</h2>", *curves] if any(curves) else []),
        "<h2>How each number was computed</h2>",
        f"<dl>{method}</dl>",
    ]
    return document("Signal tokenizer evaluation", "\n".join(s for s in sections if s))


def write_report(result: dict, path: str | os.PathLike) -> Path:
    """Writes the report to `path`."""
    return write_page(render(result), path)
