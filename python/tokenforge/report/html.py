"""A self-contained HTML report of an evaluation: inline CSS and SVG plots, no script, nothing fetched."""

from __future__ import annotations

import html
import os
from pathlib import Path

from tokenforge.errors import InputFileError
from tokenforge.metrics.composition import CATEGORIES
from tokenforge.report import plots
from tokenforge.report.summary import (
    HIGHER,
    LOWER,
    best,
    best_parity,
    columns,
    fmt,
    groups,
    parallel_corpora,
    plain_corpora,
    shown,
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto; max-width: 75em;
       padding: 0 1em; color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #e2e2e2; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; } td:first-child, th:first-child, td.name { text-align: left; }
tr.group td { background: #fafafa; font-weight: 600; text-align: left; border-top: 2px solid #bbb; }
td.best { font-weight: 700; background: #e3f4e1; }
.note { color: #555; font-size: 0.9em; } figure { margin: 1em 0; } figcaption { color: #555; font-size: 0.9em; }
dt { font-weight: 600; margin-top: 0.6em; } dd { margin-left: 1.5em; }
svg { max-width: 100%; height: auto; }
#summary { font-size: 0.85em; } #summary th { white-space: normal; min-width: 4em; }
.scroll { overflow-x: auto; }
"""
STAR = " ★"


def esc(value: object) -> str:
    """HTML-escaped text."""
    return html.escape(str(value))


def table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """A table; cells are escaped unless `raw` (then they are trusted `<td>` elements)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + ("".join(r) if raw else "".join(f"<td>{esc(c)}</td>" for c in r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def cell(value: object, is_best: bool) -> str:
    """A figure's cell, marked when it is the best of its column."""
    if is_best:
        return f'<td class="best" title="best in this column for this corpus">{esc(fmt(value))}{STAR}</td>'
    return f"<td>{esc(fmt(value))}</td>"


def summary_table(result: dict) -> str:
    """One table: per corpus a group row, then one row per tokenizer; the best value per column marked."""
    cols = columns(result)
    arrows = {None: "", HIGHER: " ↑", LOWER: " ↓"}
    head = "".join(f"<th>{esc(h)}</th>" for h in ["tokenizer"] + [c.label + arrows[c.better] for c in cols])
    body = []
    for label, per_tok in groups(result):
        body.append(f'<tr class="group"><td colspan="{len(cols) + 1}">corpus: {esc(label)}</td></tr>')
        marked = {c.key: best({t: m.get(c.key) for t, m in per_tok.items()}, c.better) for c in cols}
        for tok, metrics in per_tok.items():
            cells = "".join(cell(metrics.get(c.key), tok in marked[c.key]) for c in cols)
            body.append(f'<tr><td class="name">{esc(shown(result, tok))}</td>{cells}</tr>')
    rows = "".join(body)
    return f'<div class="scroll"><table id="summary"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def parity_section(result: dict) -> str:
    """Per parallel corpus: the premium of every language per tokenizer (closest to 1 marked) and its plot."""
    out = []
    for name in parallel_corpora(result):
        facts = result["corpora"][name]
        langs = list(facts["languages"])
        premiums = {t: e["corpora"][name]["parity"] for t, e in result["tokenizers"].items()}
        marked = {lang: best_parity({t: p[lang] for t, p in premiums.items()}) for lang in langs}
        rows = [
            [f'<td class="name">{esc(t)}</td>'] + [cell(p[lang], t in marked[lang]) for lang in langs]
            for t, p in premiums.items()
        ]
        how = "aligned line by line" if facts.get("alignment") == "lines" else "aligned by document: whole files only"
        out.append(f"<h3>{esc(name)} (pivot: {esc(facts['pivot'])}; {how})</h3>")
        out.append(table(["tokenizer"] + langs, rows, raw=True).replace("<table>", '<table class="parity">', 1))
        series = {t: [p[lang] for lang in langs] for t, p in premiums.items()}
        svg = plots.grouped_bars(langs, series, f"tokens relative to {facts['pivot']}", line=1.0)
        out.append(
            figure(
                svg,
                f"Token premium per language on {name}: tokens for the same content relative to the "
                f"pivot {facts['pivot']} (dashed line = parity).",
            )
        )
    return "\n".join(out)


def figure(svg: str, caption: str) -> str:
    """An inline SVG figure with its caption."""
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def plots_section(result: dict) -> str:
    """Compression per corpus, token length distribution and vocabulary composition plots."""
    out = []
    labelled = groups(result)
    if labelled:
        labels = [label for label, _ in labelled]
        series = {t: [per_tok[t].get("bytes_per_token") for _, per_tok in labelled] for t in result["tokenizers"]}
        out.append(
            figure(
                plots.grouped_bars(labels, series, "bytes per token"),
                "Compression per corpus: UTF-8 bytes of raw text per token (higher is better).",
            )
        )
        label, per_tok = labelled[0]
        hists = {t: m.get("token_length_bytes", {}) for t, m in per_tok.items()}
        out.append(
            figure(
                plots.length_lines(hists, "token length in bytes"),
                f"Token length distribution on {label}: share of the produced tokens of each length in bytes.",
            )
        )
    comps = {t: e["composition"]["categories"] for t, e in result["tokenizers"].items()}
    out.append(
        figure(plots.composition_bars(comps), "Vocabulary composition: share of the vocabulary in each category.")
    )
    return "\n".join(out)


def composition_section(result: dict) -> str:
    """Vocabulary categories and scripts per tokenizer, and the Jaccard overlap of the vocabularies."""
    tokenizers = result["tokenizers"]
    rows = [
        [t, f"{e['vocab_size']:,}"] + [f"{e['composition']['categories'][c]:,}" for c in CATEGORIES]
        for t, e in tokenizers.items()
    ]
    cats = table(["tokenizer", "vocab size"] + [c.replace("_", " ") for c in CATEGORIES], rows)
    script_rows = [
        [t, ", ".join(f"{s} {n:,}" for s, n in list(e["composition"]["scripts"].items())[:8])]
        for t, e in tokenizers.items()
    ]
    scripts = table(["tokenizer", "most frequent scripts of the entries"], script_rows)
    names = list(tokenizers)
    jac = table([""] + names, [[a] + [fmt(result["jaccard"][a][b]) for b in names] for a in names])
    return f"{cats}\n{scripts}\n<h3>Vocabulary overlap (Jaccard)</h3>\n{jac}"


def corpora_section(result: dict) -> str:
    """What each corpus holds."""
    rows = []
    for name in plain_corpora(result):
        f = result["corpora"][name]
        rows.append(
            [
                name,
                f["path"],
                fmt(f["documents"]),
                fmt(f["bytes"]),
                fmt(f["chars"]),
                fmt(f["words"]),
                "yes" if f["written_without_spaces"] else "no",
            ]
        )
    for name in parallel_corpora(result):
        for lang, f in result["corpora"][name]["languages"].items():
            rows.append(
                [
                    f"{name}/{lang}",
                    result["corpora"][name]["path"],
                    fmt(f["documents"]),
                    fmt(f["bytes"]),
                    fmt(f["chars"]),
                    fmt(f["words"]),
                    "yes" if f["written_without_spaces"] else "no",
                ]
            )
    return table(["corpus", "path", "documents", "bytes", "characters", "words", "written without spaces"], rows)


METHOD = [
    (
        "Counting",
        "Bytes (UTF-8) and characters (Unicode code points) are counted on the raw input, before any "
        "normaliser a tokenizer applies. Every line of a text file is a document, its newline included. Tokens are "
        "ordinary-text encodings: no special tokens are matched or added.",
    ),
    (
        "Words",
        "A word is a maximal run of non-white-space characters (Unicode White_Space, as Python's "
        "str.split()). Fertility is n/a for languages written without spaces: language codes zh, ja, th, lo, km, my, "
        "bo, dz, yue, wuu, cmn, lzh, and text of unknown language with at least half of its letters in Han, Kana, "
        "Thai, Lao, Khmer, Myanmar or Tibetan script.",
    ),
    (
        "Token spans",
        "Continued words and whole-word tokens need each token's place in the raw text: from the token "
        "byte lengths when the tokens decode to exactly the raw bytes, from the library's offsets for tokenizers and "
        "sentencepiece; n/a otherwise.",
    ),
    (
        "Parity",
        "Token premium of a language = total tokens of its file / total tokens of the pivot's file in a "
        "parallel corpus (Petrov et al. 2023). 1.0 is parity; the value closest to 1 is marked.",
    ),
    (
        "Token lengths",
        "Share of the produced tokens of each surface length in bytes (a word-initial mark counts as "
        "the space it stands for).",
    ),
    (
        "Vocabulary composition",
        "Each entry in the first category that applies: control (special, unknown), byte "
        "(byte fallback or a lone non-ASCII byte), partial UTF-8 (a piece of a character), single character (after "
        "an optional leading space), word-initial (leading space, ▁, or a WordPiece piece without ##), word-internal "
        "(the rest). Scripts from the Unicode names of the letters. Jaccard = |A ∩ B| / |A ∪ B| over the entries' "
        "surfaces, word-initial ones with a leading space, control entries left out (after Qtok, 2024).",
    ),
]


def method_section(result: dict) -> str:
    """How each number was computed."""
    items = [(f"{c.label} ({c.key})", c.definition) for c in columns(result)] + METHOD
    defs = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in items)
    return (
        f'<dl>{defs}</dl><p class="note">Rényi order α = {esc(result["alpha"])}. Full definitions with their '
        "sources: docs/metrics.md of tokenforge.</p>"
    )


def render_html(result: dict) -> str:
    """The whole report as one HTML document."""
    tokenizers = table(
        ["tokenizer", "read with", "vocab size"],
        [[t, e["kind"], f"{e['vocab_size']:,}"] for t, e in result["tokenizers"].items()],
    )
    parity = parity_section(result)
    sections = [
        "<h1>Tokenizer evaluation</h1>",
        f'<p class="note">tokenforge {esc(result["tokenforge_version"])} · {len(result["tokenizers"])} tokenizers · '
        f"measured in {result['seconds']:.1f} s</p>",
        "<h2>Tokenizers</h2>",
        tokenizers,
        "<h2>Corpora</h2>",
        corpora_section(result),
        "<h2>Summary</h2>",
        '<p class="note">★ marks the best value of a column within each corpus; ↑ higher is better, ↓ lower is '
        "better.</p>",
        summary_table(result),
        *(["<h2>Parity</h2>", parity] if parity else []),
        "<h2>Plots</h2>",
        plots_section(result),
        "<h2>Vocabulary composition</h2>",
        composition_section(result),
        "<h2>How each number was computed</h2>",
        method_section(result),
    ]
    return document("Tokenizer evaluation", "\n".join(sections))


def document(title: str, body: str) -> str:
    """A whole HTML document with the report style around `body`."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def write_page(page: str, path: str | os.PathLike) -> Path:
    """Writes an HTML page to `path`; a failure is a one-line error naming it."""
    p = Path(path)
    try:
        p.write_text(page, encoding="utf-8")
    except OSError as e:
        raise InputFileError(f"{p}: cannot write the report: {e.strerror}") from None
    return p


def write_html(result: dict, path: str | os.PathLike) -> Path:
    """Writes the report to `path`."""
    return write_page(render_html(result), path)
