"""What every reproduction returns and how it is printed: a `Report` of rows (paper's number, ours), with the
data and the scale it ran at; `DataMissing` when the data it needs is not installed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from rich.console import Console
from rich.table import Table

from tokenforge.errors import TokenforgeError


class DataMissing(TokenforgeError, LookupError):
    """The data a reproduction reads is not installed (the message says how to install it)."""


@dataclass
class Row:
    """One result: what is measured, the paper's figure, ours, and a note (why they differ)."""

    label: str
    paper: str
    ours: str
    note: str = ""


@dataclass
class Report:
    """The rows of one reproduction, with the data and scale they were measured on."""

    name: str
    title: str
    data: str
    scale: str
    rows: list[Row] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, label: str, paper: str, ours: str, note: str = "") -> None:
        """Appends a row."""
        self.rows.append(Row(label, paper, ours, note))

    def to_json(self) -> dict:
        """The report as a JSON-ready dict."""
        return asdict(self)

    def print(self, console: Console | None = None) -> None:
        """Prints the table, then the data and the scale."""
        console = console or Console()
        table = Table(title=f"{self.name}: {self.title}", title_justify="left")
        for heading in ("result", "paper", "ours", "note"):
            table.add_column(heading, overflow="fold")
        for r in self.rows:
            table.add_row(r.label, r.paper, r.ours, r.note)
        console.print(table)
        console.print(f"data: {self.data}")
        console.print(f"scale: {self.scale} ({self.seconds:.1f} s)")


@dataclass(frozen=True)
class Repro:
    """A registered reproduction: its paper, what to install, and the function that runs it."""

    name: str
    title: str
    paper: str
    install: str
    run: Callable[[], Report]


def pct(x: float) -> str:
    """`-0.123` → `-12.3%`."""
    return f"{100 * x:+.1f}%"
