"""Progress bars for long work (rich), silent when disabled or when nobody is watching."""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second, with the unit of the bar ("merges/s")."""

    def __init__(self, unit: str) -> None:
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        """The current rate."""
        return Text(f"{task.speed:,.0f} {self.unit}/s" if task.speed else "", style="progress.data.speed")


class Progress:
    """One bar at a time: `start(description, total, unit)`, then `advance(n)` or `update(done, total)`."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._rich: RichProgress | None = None
        self._task: TaskID | None = None
        self._position: Callable[[], float] | None = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._rich is not None:
            self._rich.stop()

    def start(
        self, description: str, total: float | None = None, unit: str = "", position: Callable[[], float] | None = None
    ) -> None:
        """Begins a new bar (the previous one stays on screen, finished). With `position`, the bar shows what it
        returns (e.g. input bytes read, whose total is known) instead of the sum of `advance` calls."""
        self._position = position
        if not self.enabled:
            return
        if self._rich is not None:
            self._rich.stop()
        speed = [TransferSpeedColumn()] if unit == "bytes" else [MofNCompleteColumn(), RateColumn(unit)]
        self._rich = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            *speed,
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            transient=False,
        )
        self._rich.start()
        self._task = self._rich.add_task(description, total=total)

    def advance(self, n: float) -> None:
        """Adds `n` to the current bar (or moves it to its `position`)."""
        if self._rich is not None and self._task is not None:
            if self._position is None:
                self._rich.advance(self._task, n)
            else:
                self._rich.update(self._task, completed=self._position())

    def describe(self, description: str) -> None:
        """Changes the current bar's description (e.g. the state of a solver)."""
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, description=description)

    def update(self, done: float, total: float | None = None) -> None:
        """Sets the current bar to `done` of `total`."""
        if self._rich is not None and self._task is not None:
            self._rich.update(self._task, completed=done, total=total)
