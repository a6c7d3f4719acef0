"""`tokenforge charbench WORDLIST -t TOK ... -o OUTDIR`: CharBench task sets with gold answers and the
tokenization features of each tokenizer (see tokenforge.metrics.charbench)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tokenforge.cli.common import check_writable
from tokenforge.errors import CorpusError, InputFileError
from tokenforge.metrics import load_adapter
from tokenforge.metrics.charbench import DEFAULT_SEED, TASKS, features, make_tasks, summary
from tokenforge.report.summary import fmt


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `charbench` subcommand."""
    p = sub.add_parser(
        "charbench",
        help="write CharBench character tasks and tokenization features",
        description="From a word list (one word per line), write four task sets with gold answers (count a "
        "character, count distinct characters, first index, last index) as OUTDIR/tasks/TASK.jsonl, and for each "
        "tokenizer the features of every item (tokens, characters per token, characters of the token holding the "
        "queried character) as OUTDIR/features/NAME.jsonl, with means in OUTDIR/summary.json.",
    )
    p.add_argument("wordlist", metavar="WORDLIST", help="words, one per line (a hunspell .dic works: /FLAGS dropped)")
    p.add_argument("-t", "--tokenizer", action="append", required=True, metavar="[NAME=]PATH", help="repeatable")
    p.add_argument("--pattern", metavar="P", help="pre-tokenizer of .tiktoken files")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="directory to write into")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed of the queried characters ({DEFAULT_SEED})")
    p.add_argument("--limit", type=int, metavar="N", help="use only the first N words")
    p.set_defaults(run=run)


def read_words(path: str, limit: int | None) -> list[str]:
    """The words of a list: first field of each line, `/FLAGS` dropped, a leading entry count skipped."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise CorpusError(f"{path}: not UTF-8 (invalid byte at offset {e.start})") from None
    except OSError as e:
        raise InputFileError(f"{path}: cannot read: {e.strerror}") from None
    if lines and lines[0].strip().isdigit():
        lines = lines[1:]
    words = [fields[0] for fields in (line.split("/")[0].split() for line in lines) if fields]
    if not words:
        raise CorpusError(f"{path}: no words in the list")
    return words[:limit] if limit else words


def write_jsonl(path: Path, rows: list[dict]) -> None:
    """One JSON object per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """Writes the task sets, the features per tokenizer and their means, and prints the means."""
    check_writable(args.output)
    tasks = make_tasks(read_words(args.wordlist, args.limit), args.seed)
    adapters = [load_adapter(spec, args.pattern) for spec in args.tokenizer]
    out = Path(args.output)
    try:
        for task, items in tasks.items():
            write_jsonl(out / "tasks" / f"{task}.jsonl", [item.to_json() for item in items])
        means = {}
        for adapter in adapters:
            rows = features(adapter, tasks)
            write_jsonl(out / "features" / f"{adapter.name}.jsonl", rows)
            means[adapter.name] = summary(rows)
        (out / "summary.json").write_text(json.dumps(means, indent=1) + "\n", encoding="utf-8")
    except OSError as e:
        raise InputFileError(f"{out}: cannot write: {e.strerror}") from None
    table = Table(title=f"CharBench features (means over {len(tasks[TASKS[0]]):,} words)", title_justify="left")
    for heading in ("tokenizer", "task", "tokens/word", "chars/token", "target token chars"):
        table.add_column(heading, justify="left" if heading in ("tokenizer", "task") else "right")
    for name, per_task in means.items():
        for task, m in per_task.items():
            table.add_row(name, task, fmt(m["n_tokens"]), fmt(m["chars_per_token"]), fmt(m["target_token_chars"]))
    Console().print(table)
    return 0
