"""One CSV file of a return, read as text and checked column by column: each check notes
every row that breaks its rule (file, row, column, value, rule) and :meth:`Table.check`
raises them together as one :class:`ReturnsError`.

Tolerant of what councils' own files differ in: column order, the case of column names,
extra columns, a byte-order mark, spaces around values, and dates as dd/mm/YYYY or
YYYY-MM-DD (with or without a midnight time)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.returns.common import DATE_903, DATE_ISO
from sim.returns.errors import Problem, ReturnsError

_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")


class Table:
    """A return file's rows as stripped text (blank cells ``""``), with its columns renamed
    to the specification's spelling where only their case differs.

    A table read from an XML return (``sim.returns.cin_xml``) has ``lines``: for each
    column (and ``""``, the row's own element) the line of each row's element, None where
    it is absent; its problems name the line and the child (``LAchildID``), not a row."""

    def __init__(
        self, frame: pd.DataFrame, name: str, lines: dict[str, list[int | None]] | None = None
    ) -> None:
        self.frame = frame
        self.name = name
        """The file as the errors name it (relative to the returns folder)."""
        self.lines = lines
        self.problems: list[Problem] = []

    @classmethod
    def read(cls, path: Path, name: str, spec_columns: Iterable[str]) -> Table:
        """Read ``path`` as text; ``spec_columns`` are the names to restore the case of."""
        try:
            frame = pd.read_csv(
                path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
            )
        except pd.errors.EmptyDataError:
            raise ReturnsError(
                [Problem(name, None, None, None, "is empty (no header row)")]
            ) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise ReturnsError(
                [Problem(name, None, None, None, f"is not a CSV file: {exc}")]
            ) from None
        canonical = {c.lower(): c for c in spec_columns}
        renamed = [canonical.get(str(c).strip().lower(), str(c).strip()) for c in frame.columns]
        seen: set[str] = set()
        for c in renamed:
            if c.lower() in seen:
                raise ReturnsError(
                    [Problem(name, None, c, None, "appears twice in the header row")]
                )
            seen.add(c.lower())
        frame.columns = pd.Index(renamed)
        frame = frame.apply(lambda s: s.str.strip()).reset_index(drop=True)
        return cls(frame, name)

    def __len__(self) -> int:
        return len(self.frame)

    def has(self, column: str) -> bool:
        return column in self.frame.columns

    # -- checks: each notes its problems and returns the column's values ------------------
    def require(self, columns: Iterable[str]) -> None:
        """Every one of ``columns`` is in the header row; raises at once if not (no other
        check can run on the file)."""
        missing = [c for c in columns if c not in self.frame.columns]
        if missing:
            raise ReturnsError(
                [Problem(self.name, None, c, None, "required column is missing") for c in missing]
            )

    def text(self, column: str, required: bool = False) -> pd.Series:
        """The column's values (``""`` for blank, or for a missing optional column)."""
        if column not in self.frame.columns:
            return pd.Series("", index=self.frame.index, dtype=object)
        values = self.frame[column].astype(object)
        if required:
            self._note(values == "", column, values, "is blank; it must be given")
        return values

    def dates(self, column: str, required: bool = False) -> pd.Series:
        """The column as dates (NaT for blank): dd/mm/YYYY as SSDA903 writes them, or
        YYYY-MM-DD."""
        raw = self.text(column, required)
        bare = raw.str.replace(_TIME, "", regex=True) if raw.str.contains(":").any() else raw
        given = bare[bare != ""]
        # the file's own format first (the first date's), then the other for any left
        first, second = (
            (DATE_ISO, DATE_903)
            if len(given) and given.iloc[0][4:5] == "-"
            else (DATE_903, DATE_ISO)
        )
        parsed = pd.to_datetime(bare, format=first, errors="coerce").astype("datetime64[ns]")
        other = parsed.isna() & (bare != "")
        if other.any():
            again = pd.to_datetime(bare[other], format=second, errors="coerce")
            parsed[other] = again.astype("datetime64[ns]")
        shown = "YYYY-MM-DD" if first == DATE_ISO else "dd/mm/YYYY"  # the file's own format
        self._note((raw != "") & parsed.isna(), column, raw, f"is not a date ({shown})")
        return parsed

    def codes(self, column: str, allowed: Collection[str], required: bool = False) -> pd.Series:
        """The column's codes; any other value is a problem (blank only if not required)."""
        values = self.text(column, required)
        shown = ", ".join(sorted(allowed))
        self._note(
            (values != "") & ~values.isin(list(allowed)),
            column,
            values,
            f"is not a code of this item (allowed: {shown})",
        )
        return values

    def numbers(
        self, column: str, low: float, high: float = np.inf, required: bool = False
    ) -> pd.Series:
        """The column as numbers from ``low`` to ``high`` (NaN for blank)."""
        raw = self.text(column, required)
        values = pd.to_numeric(raw.where(raw != ""), errors="coerce")
        self._note((raw != "") & values.isna(), column, raw, "is not a number")
        outside = values.notna() & ((values < low) | (values > high))
        self._note(outside, column, raw, f"is outside {low:g} to {high:g}")
        return values

    def not_before(
        self, later: str, later_values: pd.Series, earlier: str, earlier_values: pd.Series
    ) -> None:
        """``later`` is not before ``earlier`` on any row where both are given."""
        bad = later_values.notna() & earlier_values.notna() & (later_values < earlier_values)
        self._note(bad, later, self.text(later), f"is before {earlier} on the same row")

    def note(self, bad: pd.Series, column: str | None, rule: str) -> None:
        """A problem on every row where ``bad`` is true (a rule across rows or files)."""
        values = self.text(column) if column is not None else None
        self._note(bad, column, values, rule)

    def check(self) -> None:
        """Raise every problem noted so far as one error."""
        if self.problems:
            raise ReturnsError(sorted(self.problems, key=lambda p: (p.row or 0, p.line or 0)))

    def where(self) -> dict[str, object]:
        """Where each row is, as the readers keep it beside their rows for rules across
        rows or years (:func:`rows_problems`): ``file``, ``row`` and, from XML, ``line``."""
        if self.lines is None:
            return {"file": self.name, "row": np.arange(1, len(self) + 1), "line": None}
        return {"file": self.name, "row": None, "line": self.lines[""]}

    def problem(self, i: int, column: str | None, value: str | None, rule: str) -> Problem:
        """The problem of row ``i`` (from 0) in ``column``."""
        if self.lines is None:
            return Problem(self.name, i + 1, column, value, rule)
        own = self.lines.get(column or "")
        line = own[i] if own is not None and own[i] is not None else self.lines[""][i]
        child = str(self.frame["LAchildID"].iloc[i]) if "LAchildID" in self.frame else None
        return Problem(self.name, None, column, value, rule, child=child or None, line=line)

    def _note(
        self, bad: pd.Series, column: str | None, values: pd.Series | None, rule: str
    ) -> None:
        for i in np.flatnonzero(bad.to_numpy(dtype=bool)).tolist():
            value = None if values is None else str(values.iloc[i])
            self.problems.append(self.problem(i, column, value, rule))


def rows_problems(
    rows: pd.DataFrame, column: str, values: Iterable[str], rule: str
) -> list[Problem]:
    """A problem for each of ``rows`` (frames carrying ``file`` and ``row``, and ``line``
    and ``child`` for rows from XML, as the readers keep them for rules across rows or
    years: :meth:`Table.where`), with its ``values``."""
    n = len(rows)
    lines = rows["line"].tolist() if "line" in rows else [None] * n
    children = rows["child"].tolist() if "child" in rows else [None] * n
    out = []
    for f, r, line, child, v in zip(
        rows["file"].tolist(), rows["row"].tolist(), lines, children, values, strict=True
    ):
        if pd.notna(line):  # from an XML return: its line and child, no row
            out.append(Problem(str(f), None, column, v, rule, child=str(child), line=int(line)))
        else:
            out.append(Problem(str(f), int(r), column, v, rule))
    return out


def date_texts(values: pd.Series, pattern: str) -> list[str]:
    """Dates as text for an error message."""
    return [str(v) for v in values.dt.strftime(pattern).fillna("").tolist()]
