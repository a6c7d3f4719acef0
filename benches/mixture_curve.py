"""Data mixture inference, controlled protocol: log10 MSE against data per category (docs/mixture.md).

Data: the Debian Administrator's Handbook in several languages (Debian package `debian-handbook`, installed with
`apt-get install debian-handbook` when missing, as root), tags stripped, one text file per language in
bench-data/mixture/. Each language's text is cut into ~4 KB documents and split by document hash into a
training side and an inference side (tokenforge.mixture.experiment).

    python benches/mixture_curve.py                      # the curve: 5 languages, sizes 64 KB .. all
    python benches/mixture_curve.py --sizes 200000 --trials 3 --merges 1000
    python benches/mixture_curve.py --real               # published tokenizers in tests/data/fetched/
"""

from __future__ import annotations

import argparse
import html.parser
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from benchlib import DATA, ROOT

from tokenforge.loading import load_any
from tokenforge.mixture import category_from_texts, infer
from tokenforge.mixture.experiment import chunk_documents, run_experiment, split_by_hash

HANDBOOK = Path("/usr/share/doc/debian-handbook/html")
LANGUAGES = {"en": "en-US", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "ja": "ja-JP"}
SKIPPED_TAGS = {"script", "style", "pre", "code"}
FETCHED = ROOT / "tests" / "data" / "fetched"


class _Text(html.parser.HTMLParser):
    """Visible prose of an HTML page (program listings left out: they are the same in every language)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED_TAGS:
            self.skip += 1
        elif tag in ("p", "div", "li", "h1", "h2", "h3", "tr", "br"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def handbook_text(locale: str) -> str:
    """The handbook's prose in one locale, blank runs squeezed."""
    folder = HANDBOOK / locale
    if not folder.is_dir():
        subprocess.run(["apt-get", "install", "-y", "-q", "debian-handbook"], check=True)
    out = []
    for page in sorted(folder.glob("*.html")):
        p = _Text()
        p.feed(page.read_text(encoding="utf-8"))
        lines = (" ".join(line.split()) for line in "".join(p.parts).splitlines())
        out.append("\n".join(line for line in lines if line) + "\n")
    return "".join(out)


def language_texts() -> dict[str, str]:
    """The text of every language, extracted once into bench-data/mixture/."""
    folder = DATA / "mixture"
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for name, locale in LANGUAGES.items():
        path = folder / f"{name}.txt"
        if not path.exists():
            path.write_text(handbook_text(locale), encoding="utf-8")
        texts[name] = path.read_text(encoding="utf-8")
    return texts


def curve(args: argparse.Namespace) -> None:
    """One row per inference sample size: log10 MSE of the estimate and the baselines, mean ± sd."""
    docs = {name: chunk_documents([text]) for name, text in language_texts().items()}
    for name, d in docs.items():
        train, held = split_by_hash(d)
        print(
            f"{name}: {len(d)} documents, training side {sum(len(x.encode()) for x in train):,} B, "
            f"inference side {sum(len(x.encode()) for x in held):,} B",
            file=sys.stderr,
        )
    print(
        f"\n{len(docs)} languages, {args.trials} trials per row, {args.merges} merges, training text "
        f"{args.train_bytes:,} B per trial, pre-tokenizer {args.pretokenizer}\n"
    )
    print("| sample per category | log10 MSE | uniform guess | random simplex point | converged | s/trial |")
    print("|---|---|---|---|---|---|")
    for size in args.sizes:
        start = time.perf_counter()
        exp = run_experiment(
            docs,
            trials=args.trials,
            merges=args.merges,
            train_bytes=args.train_bytes,
            sample_bytes=size or None,
            pretokenizer=args.pretokenizer,
            seed=args.seed,
        )
        s = exp.summary()
        fmt = "{:.2f} ± {:.2f}".format
        conv = sum(t.converged for t in exp.trials)
        label = f"{min(exp.sample_bytes):,}–{max(exp.sample_bytes):,} B"
        print(
            f"| {label} | {fmt(*s['log_mse'])} | {fmt(*s['uniform_log_mse'])} | {fmt(*s['random_log_mse'])} "
            f"| {conv}/{args.trials} | {(time.perf_counter() - start) / args.trials:.1f} |",
            flush=True,
        )


def real(args: argparse.Namespace) -> None:
    """Infers the language mix of published tokenizers from the handbook's inference sides."""
    texts = language_texts()
    targets = [
        ("cl100k_base", FETCHED / "tiktoken" / "cl100k_base.tiktoken.gz", "gpt4"),
        ("o200k_base", FETCHED / "tiktoken" / "o200k_base.tiktoken.gz", "o200k"),
    ]
    print(f"| tokenizer | merges used | {' | '.join(texts)} |")
    print(f"|---|---|{'---|' * len(texts)}")
    for label, path, pattern in targets:
        if not path.exists():
            print(f"{path}: missing; run scripts/fetch_test_data.sh", file=sys.stderr)
            continue
        tok = load_any(path, pattern)
        merges = min(args.merges, len(tok.merge_ids))
        cats = [category_from_texts(n, split_by_hash(chunk_documents([t]))[1], tok) for n, t in texts.items()]
        est = infer(tok, cats, merges=merges, source=label)
        shares = " | ".join(f"{est.weights[n]:.3f}" for n in texts)
        print(f"| {label} | {merges} | {shares} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[64_000, 160_000, 400_000, 0],
        help="inference sample bytes per category (0: the whole inference side)",
    )
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--merges", type=int, default=3000)
    parser.add_argument("--train-bytes", type=int, default=4_000_000)
    parser.add_argument("--pretokenizer", default="gpt4")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real", action="store_true", help="run on the published tokenizers instead")
    args = parser.parse_args()
    np.set_printoptions(precision=4)
    (real if args.real else curve)(args)


if __name__ == "__main__":
    main()
