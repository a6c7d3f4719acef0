"""`tokenforge serve -t NAME=PATH ... [--corpus NAME=PATH ...]`: the local playground and vocabulary browser
(see docs/serve.md). Starlette and uvicorn are imported only here, when the command runs."""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

from tokenforge.cli.common import add_corpus_args, corpus_options, split_name_path
from tokenforge.cli.eval import parse_corpus
from tokenforge.errors import ConfigError, UnsupportedError
from tokenforge.loading import load_any
from tokenforge.metrics.adapters import _may_be_tiktoken, default_name
from tokenforge.serve.adapter import TokenizerView
from tokenforge.serve.hosts import is_loopback

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Characters a tokenizer name may not hold: it is a path segment and an item of the page's `t=a,b`.
NAME_FORBIDDEN = ",/?#&="


def register(sub: argparse._SubParsersAction) -> None:
    """Adds the `serve` subcommand."""
    p = sub.add_parser(
        "serve",
        help="a local web page to compare tokenizers and browse their vocabularies",
        description="Serve a local web page: compare the loaded tokenizers on a text, browse a vocabulary (merge "
        "trees, the tokens a token builds, usage counts on --corpus), and compute the eval report in the "
        "background. Only the files given here are ever read. Needs the serve extra (pip install "
        "'tokenforge[serve]').",
    )
    p.add_argument(
        "-t",
        "--tokenizer",
        action="append",
        required=True,
        metavar="[NAME=]PATH",
        help="a tokenizer (repeat for several): tokenforge directory or json, tokenizer.json, GPT-2's files, "
        ".tiktoken (with --pattern)",
    )
    p.add_argument("--pattern", metavar="P", help="pre-tokenizer of the .tiktoken files: gpt2, gpt4, o200k or a regex")
    p.add_argument(
        "--corpus", action="append", default=[], metavar="NAME=PATH", help="a corpus for usage counts and reports"
    )
    add_corpus_args(p, split_lines=True)
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST}: this machine)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.add_argument("--max-text", type=float, default=1.0, metavar="MB", help="largest text to encode (default 1 MB)")
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="longest encoding of a request (10 s)")
    p.set_defaults(run=run)


def load_views(specs: list[str], pattern: str | None = None) -> list[TokenizerView]:
    """The tokenizers of `-t [NAME=]PATH` arguments, named and checked for clashes."""
    views: list[TokenizerView] = []
    for spec in specs:
        name, path = split_name_path(spec) or (None, spec)
        name = name or default_name(path)
        if any(c in name for c in NAME_FORBIDDEN) or not name.strip():
            raise ConfigError(f"-t {spec!r}: a tokenizer name may not be empty or hold any of {NAME_FORBIDDEN}")
        if any(v.name == name for v in views):
            raise ConfigError(f"-t {spec!r}: two tokenizers are named {name!r}: name them with NAME=PATH")
        tok = load_any(path, pattern if _may_be_tiktoken(Path(path)) else None)
        views.append(TokenizerView(name, tok, path))
    return views


def run(args: argparse.Namespace) -> int:
    """Loads the tokenizers and serves the page until Ctrl-C."""
    try:
        from tokenforge.serve.app import MB, Limits, create_app, listen, serve
    except ImportError as e:
        raise UnsupportedError(
            f"tokenforge serve needs the serve extra ({e.name} is missing): pip install 'tokenforge[serve]'"
        ) from None
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port}: a port is from 1 to 65535")
    if args.max_text <= 0 or args.timeout <= 0:
        raise ConfigError("--max-text and --timeout must be positive")
    corpora = [parse_corpus(spec) for spec in args.corpus]
    views = load_views(args.tokenizer, args.pattern)
    limits = Limits(max_text=int(args.max_text * MB), timeout=args.timeout)
    app = create_app(views, corpora, limits, host=args.host, reading=corpus_options(args))
    sock = listen(args.host, args.port)
    if not is_loopback(args.host):
        print(
            f"tokenforge: warning: listening on {args.host}: other machines can reach this page and its API "
            "(use the default 127.0.0.1 to keep it local)",
            file=sys.stderr,
        )
    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"tokenforge serve: {', '.join(v.name for v in views)} on {url} (Ctrl-C to stop)", file=sys.stderr)
    if args.open:
        webbrowser.open(url)
    serve(app, sock)
    return 0
