"""`tokenforge eval -t A -t B --corpus NAME=PATH ... [--parallel DIR]`: every metric, as a terminal table, JSON
and an HTML report."""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tokenforge.cli.common import add_corpus_args, check_writable, corpus_options, split_name_path
from tokenforge.errors import ConfigError, InputFileError
from tokenforge.metrics import Lexicon, evaluate, load_adapter
from tokenforge.metrics.distribution import DEFAULT_ALPHA
from tokenforge.metrics.evaluate import DEFAULT_PIVOT
from tokenforge.metrics.integrity import read_list
from tokenforge.progress import Progress
from tokenforge.report import write_html
from tokenforge.report.summary import (
    HIGHER,
    best,
    best_parity,
    columns,
    fmt,
    groups,
    parallel_corpora,
    plain_corpora,
    shown,
)


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `eval` subcommand."""
    p = sub.add_parser(
        "eval",
        help="measure and compare tokenizers on corpora",
        description="Measure tokenizers (ours, any Hugging Face tokenizer.json, .tiktoken files, sentencepiece "
        ".model files, tiktoken encoding names) on corpora: compression, fertility, vocabulary use, Rényi "
        "efficiency, parity on a parallel corpus, vocabulary composition. See docs/metrics.md.",
    )
    p.add_argument(
        "-t",
        "--tokenizer",
        action="append",
        required=True,
        metavar="[NAME=]PATH",
        help="a tokenizer (repeat for several): tokenforge directory or json, tokenizer.json, .tiktoken (with "
        "--pattern), sentencepiece .model, or a tiktoken encoding name available locally",
    )
    p.add_argument(
        "--pretokenizer",
        "--pattern",
        dest="pattern",
        metavar="P",
        help="pre-tokenizer of the .tiktoken files: gpt2, gpt4, o200k or a regex",
    )
    p.add_argument(
        "--corpus", action="append", default=[], metavar="NAME=PATH", help="a corpus to measure on (repeatable)"
    )
    p.add_argument("--parallel", metavar="DIR", help="a parallel corpus: one file per language (en.txt, de.txt, ...)")
    p.add_argument(
        "--pivot",
        default=DEFAULT_PIVOT,
        help=f"pivot language of the parallel corpus (default {DEFAULT_PIVOT}; English, en, eng, eng_Latn and en-US "
        "all match the file en.txt or eng.txt)",
    )
    p.add_argument("--alpha", type=float, default=DEFAULT_ALPHA, help=f"Rényi order (default {DEFAULT_ALPHA})")
    p.add_argument("--words", metavar="FILE", help="word list (or hunspell .dic) for the integrity metrics")
    p.add_argument("--roots", metavar="FILE", help="root list for %%pure (default: the word list)")
    p.add_argument("--affixes", metavar="FILE", help="affix list for %%pure")
    p.add_argument("--words-lang", metavar="CODE", help="language of the word list, for case folding (e.g. tr)")
    p.add_argument("--json", metavar="PATH", help="write every number as JSON")
    p.add_argument("--csv", metavar="PATH", help="write the numbers as CSV rows: tokenizer, corpus, metric, value")
    p.add_argument("--report", metavar="PATH", help="write a self-contained HTML report")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars and no table")
    add_corpus_args(p, split_lines=True)
    p.set_defaults(run=run)


def parse_corpus(spec: str) -> tuple[str, str]:
    """`NAME=PATH` → (NAME, PATH)."""
    pair = split_name_path(spec)
    if pair is None:
        raise ConfigError(f"--corpus {spec!r}: expected NAME=PATH")
    name, path = pair
    if not Path(path).exists():
        raise InputFileError(f"{path}: no such file or directory (corpus {name})")
    return name, path


def lexicon(args: argparse.Namespace) -> Lexicon | None:
    """The word lists for the integrity metrics, if given."""
    if args.words is None:
        if args.roots or args.affixes:
            raise ConfigError("--roots and --affixes need --words")
        return None
    lang = args.words_lang
    return Lexicon(
        words=read_list(args.words, lang),
        affixes=read_list(args.affixes, lang, strip="-") if args.affixes else set(),
        roots=read_list(args.roots, lang) if args.roots else None,
        language=lang,
    )


#: The figures shown in the terminal (all of them are in the JSON and the HTML report).
TERMINAL = (
    "bytes_per_token",
    "chars_per_token",
    "fertility",
    "continued_words",
    "vocab_utilization",
    "renyi_efficiency",
    "unknown_tokens",
    "valid_word_tokens",
    "pure_tokens",
)


def summary_table(result: dict) -> Table:
    """The main figures on the plain corpora as a rich table, the best value per column and corpus in bold
    green (per-language figures of a parallel corpus are in the JSON and the report)."""
    cols = [c for c in columns(result) if c.key in TERMINAL]
    table = Table(title="summary (bold green: best in its column for the corpus)", title_justify="left")
    table.add_column("corpus")
    table.add_column("tokenizer")
    for c in cols:
        table.add_column(c.label + ("" if c.better is None else " ↑" if c.better == HIGHER else " ↓"), justify="right")
    for label, per_tok in groups(result):
        if label not in plain_corpora(result):
            continue
        marked = {c.key: best({t: m.get(c.key) for t, m in per_tok.items()}, c.better) for c in cols}
        for k, (tok, metrics) in enumerate(per_tok.items()):
            cells = [
                f"[bold green]{fmt(metrics.get(c.key))}[/]" if tok in marked[c.key] else fmt(metrics.get(c.key))
                for c in cols
            ]
            table.add_row(label if k == 0 else "", shown(result, tok), *cells, end_section=k == len(per_tok) - 1)
    return table


def parity_tables(result: dict) -> list[Table]:
    """The token premium per language and tokenizer, for every parallel corpus."""
    out = []
    for name in parallel_corpora(result):
        langs = list(result["corpora"][name]["languages"])
        by_line = result["corpora"][name]["alignment"] == "lines"
        how = "line by line" if by_line else "by document (line counts differ): whole files only"
        table = Table(
            title=f"parity on {name} (tokens relative to {result['pivot']}; aligned {how})", title_justify="left"
        )
        table.add_column("tokenizer")
        for lang in langs:
            table.add_column(lang, justify="right")
        premiums = {t: e["corpora"][name]["parity"] for t, e in result["tokenizers"].items()}
        marked = {lang: best_parity({t: p[lang] for t, p in premiums.items()}) for lang in langs}
        for tok, p in premiums.items():
            table.add_row(tok, *(f"[bold green]{fmt(p[g])}[/]" if tok in marked[g] else fmt(p[g]) for g in langs))
        out.append(table)
        if by_line:
            out.append(line_parity_table(result, name, langs))
    return out


def line_parity_table(result: dict, name: str, langs: list[str]) -> Table:
    """The premium line by line: median and 10th–90th percentile over the aligned lines, per tokenizer."""
    table = Table(
        title=f"parity per line on {name} (median [10th–90th percentile] of each line's tokens relative to "
        f"{result['pivot']}'s line)",
        title_justify="left",
    )
    table.add_column("tokenizer")
    for lang in langs:
        table.add_column(lang, justify="right")
    for tok, entry in result["tokenizers"].items():
        spread = entry["corpora"][name]["line_parity"]
        cells = [
            f"{fmt(spread[g]['median'])} [{fmt(spread[g]['p10'])}–{fmt(spread[g]['p90'])}]"
            if spread[g]["lines"]
            else "–"
            for g in langs
        ]
        table.add_row(tok, *cells)
    return table


def write_json(result: dict, path: str) -> None:
    """Writes the result as indented JSON."""
    try:
        Path(path).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise InputFileError(f"{path}: cannot write: {e.strerror}") from None


def csv_rows(result: dict) -> Iterator[tuple[str, str, str, object]]:
    """`(tokenizer, corpus, metric, value)` for every number of the result; nested numbers (parity per
    language, histograms) get dotted metric names (`parity.de`)."""

    def leaves(prefix: str, value: object) -> Iterator[tuple[str, object]]:
        if isinstance(value, dict):
            for k, v in value.items():
                yield from leaves(f"{prefix}.{k}" if prefix else str(k), v)
        elif value is None or isinstance(value, (int, float, str)):
            yield prefix, value

    for name, tok in result["tokenizers"].items():
        for corpus, metrics in tok.get("corpora", {}).items():
            for metric, value in leaves("", metrics):
                yield name, corpus, metric, value


def write_csv(result: dict, path: str) -> None:
    """Writes the result as CSV (one number per row)."""
    try:
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["tokenizer", "corpus", "metric", "value"])
            writer.writerows(csv_rows(result))
    except OSError as e:
        raise InputFileError(f"{path}: cannot write: {e.strerror}") from None


def run(args: argparse.Namespace) -> int:
    """Loads the tokenizers, measures, prints the tables and writes the files asked for."""
    check_writable(args.json, args.csv, args.report)
    corpora = [parse_corpus(spec) for spec in args.corpus]
    adapters = [load_adapter(spec, args.pattern) for spec in args.tokenizer]
    with Progress(enabled=not args.quiet) as progress:
        result = evaluate(
            adapters, corpora, args.parallel, args.pivot, args.alpha, lexicon(args), progress, corpus_options(args)
        )
    if args.json:
        write_json(result, args.json)
    if args.csv:
        write_csv(result, args.csv)
    if args.report:
        write_html(result, args.report)
    if not args.quiet:
        console = Console()
        if plain_corpora(result):
            console.print(summary_table(result))
        for table in parity_tables(result):
            console.print(table)
    return 0
