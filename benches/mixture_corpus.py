"""A multilingual prose corpus for mixture inference, built offline from Debian packages (docs/mixture.md).

Sources (`--sources`, all three by default): the LibreOffice help (`libreoffice-help-<locale>`, HTML, the same
pages translated into each language), the Debian Administrator's Handbook (`debian-handbook`, HTML, 26 locales)
and the translated manual pages (`manpages-<lang>`, rendered with `man -l`; for English the Linux man-pages
project's `manpages`, mostly system calls and C library functions, a different set of pages). The
packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x` under bench-data/mixture-corpus/
(git-ignored; nothing is installed system-wide). Cleaning, per language:

- only the page body: navigation (header, aside, nav, footer), hidden variants (`hidden` attribute: the macOS
  wording of menus), scripts and program listings (`pre`, `code`) are left out;
- whitespace squeezed, one paragraph per line, one page per document (documents separated by a blank line);
- a paragraph is kept once (the help embeds the same notes on many pages), and in a language other than English
  a paragraph identical to an English one (an untranslated string, a bare name or number) is dropped.

`--code` also writes two code categories (for published tokenizers, whose training data holds much code): `py`,
the Python standard library's `.py` files, and `c`, the C headers under /usr/include (one file per document).

Output: bench-data/mixture-corpus/<lang>.txt, ready for `python benches/mixture_curve.py --corpus
bench-data/mixture-corpus`. Idempotent: existing text files are kept (`--force` rebuilds them).

    python benches/mixture_corpus.py                        # en de fr es it ja, all sources
    python benches/mixture_corpus.py --langs en de ru --sources libreoffice
    python benches/mixture_corpus.py --code                 # and py.txt, c.txt
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchlib import DATA

from tokenforge.corpus.htmltext import html_paragraphs, squeezed_lines

OUT = DATA / "mixture-corpus"
#: Language code -> (LibreOffice help locale, handbook locale, manual pages package); None: not in that source.
LANGUAGES: dict[str, tuple[str | None, str | None, str | None]] = {
    "en": ("en-US", "en-US", "manpages"),
    "de": ("de", "de-DE", "manpages-de"),
    "fr": ("fr", "fr-FR", "manpages-fr"),
    "es": ("es", "es-ES", "manpages-es"),
    "it": ("it", "it-IT", "manpages-it"),
    "ja": ("ja", "ja-JP", "manpages-ja"),
    "pt": ("pt-BR", "pt-BR", "manpages-pt-br"),
    "ru": ("ru", "ru-RU", "manpages-ru"),
    "pl": ("pl", "pl-PL", "manpages-pl"),
    "nl": ("nl", "nl-NL", "manpages-nl"),
    "cs": ("cs", "cs-CZ", "manpages-cs"),
    "el": ("el", "el-GR", "manpages-el"),
    "vi": ("vi", "vi-VN", "manpages-vi"),
    "zh": ("zh-CN", "zh-CN", "manpages-zh"),
    "ko": ("ko", "ko-KR", None),
    "hi": ("hi", None, None),
}


def fetch(package: str) -> Path:
    """The unpacked tree of a Debian package under OUT/pkgs/ (`apt-get download` + `dpkg-deb -x`, once)."""
    tree = OUT / "pkgs" / package
    if tree.is_dir():
        return tree
    debs = OUT / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    if not list(debs.glob(f"{package}_*.deb")):
        subprocess.run(["apt-get", "download", "-q", package], cwd=debs, check=True)
    (deb,) = debs.glob(f"{package}_*.deb")
    partial = tree.with_suffix(".partial")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(partial)], check=True)
    partial.rename(tree)
    return tree


def _page_text(path: Path) -> list[str]:
    """Paragraphs of one HTML file."""
    return html_paragraphs(path.read_text(encoding="utf-8", errors="replace"))


def html_pages(folder: Path) -> Iterator[list[str]]:
    """The paragraphs of every HTML page under `folder`, pages in path order."""
    pages = sorted(folder.rglob("*.html"))
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        yield from pool.map(_page_text, pages, chunksize=64)


def libreoffice_pages(locale: str) -> Iterator[list[str]]:
    """The paragraphs of every LibreOffice help page of a locale."""
    return html_pages(fetch(f"libreoffice-help-{locale.lower()}") / "usr/share/libreoffice/help" / locale / "text")


def handbook_pages(locale: str) -> Iterator[list[str]]:
    """The paragraphs of every page of the Debian Administrator's Handbook in a locale."""
    return html_pages(fetch("debian-handbook") / "usr/share/doc/debian-handbook/html" / locale)


def _render_manpage(path: Path) -> list[str]:
    """Paragraphs of one manual page as `man` renders it for a very wide terminal (no hyphenation, no
    justification), the page's running header and footer left out."""
    env = dict(os.environ, MANWIDTH="10000", MAN_KEEP_FORMATTING="", LC_ALL="C.UTF-8")
    out = subprocess.run(
        ["man", "-l", "-E", "UTF-8", "--nh", "--nj", str(path)], env=env, capture_output=True, check=False
    )
    lines = squeezed_lines(out.stdout.decode("utf-8", errors="replace"))
    return lines[1:-1]


def manpage_pages(package: str) -> Iterator[list[str]]:
    """The paragraphs of every manual page of a package, pages in path order."""
    tree = fetch(package)
    pages = sorted(p for p in (tree / "usr/share/man").rglob("*.gz") if p.is_file() and not p.is_symlink())
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        yield from pool.map(_render_manpage, pages, chunksize=16)


def clean(pages: Iterable[list[str]], seen: set[str], foreign: set[str] = frozenset()) -> list[str]:
    """Pages as documents (paragraph per line): each paragraph kept once across all pages (`seen` is updated),
    paragraphs in `foreign` dropped, pages left empty dropped."""
    docs = []
    for paragraphs in pages:
        kept = []
        for p in paragraphs:
            if p not in seen and p not in foreign:
                seen.add(p)
                kept.append(p)
        if kept:
            docs.append("\n".join(kept))
    return docs


SOURCES = {"libreoffice": libreoffice_pages, "handbook": handbook_pages, "manpages": manpage_pages}


def build(lang: str, sources: list[str], english: set[str]) -> tuple[list[str], set[str]]:
    """The documents of one language from `sources` (names in SOURCES) and the set of its paragraphs."""
    seen: set[str] = set()
    foreign = set() if lang == "en" else english
    docs = []
    for name, arg in zip(SOURCES, LANGUAGES[lang]):
        if name in sources and arg is not None:
            docs += clean(SOURCES[name](arg), seen, foreign)
    return docs, seen


#: Code category -> (folder, file name pattern).
CODE = {"py": (Path(sysconfig.get_paths()["stdlib"]), "*.py"), "c": (Path("/usr/include"), "*.h")}


def write_code(name: str, path: Path) -> None:
    """`path`: the files of a code category (CODE) in path order, separated by blank lines; installed packages
    (site-packages) left out."""
    folder, pattern = CODE[name]
    files = sorted(f for f in folder.rglob(pattern) if f.is_file() and "site-packages" not in f.parts)
    texts = (f.read_text(encoding="utf-8", errors="replace").strip("\n") for f in files)
    path.write_text("\n\n".join(t for t in texts if t) + "\n", encoding="utf-8")
    print(f"{path}: {len(files):,} files of {folder}, {path.stat().st_size:,} B", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--langs", nargs="+", default=["en", "de", "fr", "es", "it", "ja"], choices=sorted(LANGUAGES))
    ap.add_argument("--sources", nargs="+", default=list(SOURCES), choices=list(SOURCES))
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--force", action="store_true", help="rebuild existing text files")
    ap.add_argument("--code", action="store_true", help="also write the code categories py.txt and c.txt")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    todo = [x for x in args.langs if args.force or not (args.out / f"{x}.txt").exists()]
    # English first, if anything is to be built: its paragraphs are what an untranslated string looks like.
    english: set[str] = set()
    for lang in ["en"] + [x for x in todo if x != "en"] if todo else []:
        docs, paragraphs = build(lang, args.sources, english)
        if lang == "en":
            english = paragraphs
        if lang in todo:
            path = args.out / f"{lang}.txt"
            path.write_text("\n\n".join(docs) + "\n", encoding="utf-8")
            print(f"{path}: {len(docs):,} documents, {path.stat().st_size:,} B", file=sys.stderr)
    for name in CODE if args.code else []:
        path = args.out / f"{name}.txt"
        if args.force or not path.exists():
            write_code(name, path)


if __name__ == "__main__":
    main()
