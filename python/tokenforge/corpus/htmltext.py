"""The visible prose of HTML pages, one paragraph per line: navigation, hidden variants, scripts and program
listings left out (used by the reproductions and the mixture corpus bench)."""

from __future__ import annotations

import html.parser

SKIPPED_TAGS = {"script", "style", "pre", "code", "header", "aside", "nav", "footer"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BREAK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "br", "dt", "dd"}


class _Prose(html.parser.HTMLParser):
    """The visible prose of an HTML page, a line break at every block; skipped elements (SKIPPED_TAGS and any
    element with a `hidden` attribute) are left out with everything inside them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.depth = 0  # open elements inside a skipped one (0: not skipping)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            if tag == "br" and not self.depth:
                self.parts.append("\n")
            return
        if self.depth:
            self.depth += 1
        elif tag in SKIPPED_TAGS or any(name == "hidden" for name, _ in attrs):
            self.depth = 1
        elif tag in BREAK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS:
            return
        if self.depth:
            self.depth -= 1
        elif tag in BREAK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.depth:
            self.parts.append(data)


def squeezed_lines(text: str) -> list[str]:
    """The non-blank lines of `text`, each with its whitespace runs squeezed to one space."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def html_paragraphs(page: str) -> list[str]:
    """The prose paragraphs of an HTML page (see `_Prose`)."""
    parser = _Prose()
    parser.feed(page)
    parser.close()
    return squeezed_lines("".join(parser.parts))
