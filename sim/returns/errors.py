"""The reader's error: what is wrong with a return, where (file, row, column) and by which
rule, so that a planner can open the file and fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MAX_SHOWN = 20
"""Problems listed in one error's message (all are kept in ``ReturnsError.problems``)."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a return file."""

    file: str
    """The file, as found under the returns folder (e.g. ``ssda903/2018/episodes.csv``)."""
    row: int | None
    """Data row, 1 for the first row after the header (line ``row + 1`` of the file); None
    for the file as a whole."""
    column: str | None
    value: str | None
    rule: str
    """What the value breaks, e.g. ``is not a date (dd/mm/YYYY)``."""
    child: str | None = None
    """In an XML return (the CIN census), the child (``LAchildID``) the element belongs to."""
    line: int | None = None
    """In an XML return, the line of the element (``row`` is None and ``column`` is the
    element's name, the data item)."""
    worker: str | None = None
    """In an XML workforce census, the worker (``SWENo``, else ``CSWWWorker`` and its number)
    the element belongs to."""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row} (line {self.row + 1})"
        elif self.line is not None:
            where += f", line {self.line}"
        if self.child is not None:
            where += f", child {self.child}"
        if self.worker is not None:
            where += f", worker {self.worker}"
        if self.column is not None:
            where += f", {'column' if self.line is None else 'element'} {self.column}"
        value = "" if self.value is None else f"{self.value!r}: "
        return f"{where}: {value}{self.rule}"


class ReturnsError(ValueError):
    """A return file that cannot be read as its specification says. ``problems`` holds
    every problem found in the file (or files) named; the message lists the first
    ``MAX_SHOWN``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ReturnsError needs at least one problem")
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [str(p) for p in self.problems[:MAX_SHOWN]]
        more = len(self.problems) - MAX_SHOWN
        if more > 0:
            lines.append(f"... and {more} more")
        super().__init__("\n".join(lines))

    @property
    def first(self) -> Problem:
        """The first problem found (files are read in order, rows top to bottom)."""
        return self.problems[0]
