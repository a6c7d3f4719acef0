"""The report's plots, drawn with matplotlib (Agg backend, no display) as inline SVG with text kept as text."""

from __future__ import annotations

import io

from tokenforge.errors import ConfigError
from tokenforge.metrics.composition import CATEGORIES
from tokenforge.metrics.distribution import LONGEST_BIN

WIDTH, HEIGHT = 7.5, 3.4
#: More x labels than this are slanted so that they do not overlap.
ROTATE_ABOVE = 6


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ConfigError("the HTML report needs matplotlib: pip install matplotlib") from None
    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "tokenforge"})
    import matplotlib.pyplot as plt

    return plt


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    _pyplot().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def grouped_bars(groups: list[str], series: dict[str, list[float | None]], ylabel: str, line: float | None = None):
    """A grouped bar chart (one group per x label, one bar per series) as SVG; None values are left out."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    n = max(len(series), 1)
    width = 0.8 / n
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (n - 1) / 2) * width for i, v in enumerate(values) if v is not None]
        ax.bar(xs, [v for v in values if v is not None], width, label=name)
    if line is not None:
        ax.axhline(line, color="black", linewidth=0.8, linestyle="--")
    ax.set_xticks(
        range(len(groups)),
        groups,
        rotation=30 if len(groups) > ROTATE_ABOVE else 0,
        ha="right" if len(groups) > ROTATE_ABOVE else "center",
    )
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def length_lines(histograms: dict[str, dict[str, float]], xlabel: str) -> str:
    """Share of tokens by length, one line per tokenizer, as SVG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    labels = [str(n) for n in range(1, LONGEST_BIN + 1)] + [f"{LONGEST_BIN + 1}+"]
    for name, hist in histograms.items():
        ax.plot(range(len(labels)), [hist.get(label, 0.0) for label in labels], marker="o", markersize=3, label=name)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("share of tokens")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def composition_bars(compositions: dict[str, dict[str, int]]) -> str:
    """Share of each vocabulary category, one stacked horizontal bar per tokenizer, as SVG."""
    plt = _pyplot()
    names = list(compositions)
    fig, ax = plt.subplots(figsize=(WIDTH, 0.6 + 0.45 * len(names)))
    left = [0.0] * len(names)
    for category in CATEGORIES:
        shares = [compositions[n][category] / max(sum(compositions[n].values()), 1) for n in names]
        ax.barh(names, shares, left=left, label=category.replace("_", " "))
        left = [a + b for a, b in zip(left, shares)]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the vocabulary")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def curves(series: dict[str, tuple[list[float], list[float]]], xlabel: str, ylabel: str, log_x: bool = False) -> str:
    """One line with markers per series of (x values, y values), as SVG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    for name, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o", markersize=3, label=name)
    if log_x:
        ax.set_xscale("log", base=2)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
