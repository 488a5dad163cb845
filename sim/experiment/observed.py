"""Observed points for a backtest (``csc-sim backtest --observed FILE.csv``): dated values of
the model's monthly columns, each citing its source, read and checked against the run's
reporting dates before anything runs.

The file is a CSV with a header: ``date`` (ISO, ``2019-03-31``), ``metric`` (a monthly
column, ``sim.metrics``), ``value`` (in the column's own unit: shares from 0 to 1, flows a
month), ``source`` (required: where the figure comes from), and optionally ``low`` and
``high`` (the figure's own uncertainty, same unit), ``window_months`` (default 1: the model's
value is the column's mean over the ``window_months`` reporting dates up to the date, e.g.
12 for a yearly flow given as a monthly mean) and ``note`` (how the figure was converted).

A point is compared with the model at the reporting date (the last day of a simulated
month; row 0 is the day before the start, the starting position) nearest its date, ties
going to the earlier one. A date before the first or after the last reporting date is an
error, as is a window reaching back before the start (for a flow: before the first month).
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.config.loader import ConfigError
from sim.metrics import BY_COLUMN

REQUIRED = ("date", "metric", "value", "source")
OPTIONAL = ("low", "high", "window_months", "note")
MAX_BYTES = 10_000_000  # an observed file is a few hundred rows; refuse anything huge


class ObservedError(ConfigError):
    """A problem in the observed file: one line per problem naming the file, the line, the
    column, the value and the rule (exit code 2, nothing written)."""


def nearest_row(date: dt.date, dates: Sequence[dt.date]) -> int:
    """Index of the reporting date nearest ``date`` (ties: the earlier)."""
    gaps = [abs((d - date).days) for d in dates]
    return gaps.index(min(gaps))


def _number(text: str) -> float | None:
    """``text`` as a finite number (thousands commas allowed), or None."""
    try:
        x = float(text.replace(",", ""))
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _check_row(row: dict[str, str], dates: Sequence[dt.date] | None) -> tuple[dict, list]:
    """One row as a point (``date``, ``metric``, ``value``, ...) and its problems as
    (column, value, rule) triples."""
    problems: list[tuple[str, str, str]] = []
    point: dict[str, object] = {"source": row.get("source", "").strip()}
    point["note"] = (row.get("note") or "").strip()
    if not point["source"]:
        problems.append(("source", "", "every point must cite its source"))
    metric = row.get("metric", "").strip()
    point["metric"] = metric
    m = BY_COLUMN.get(metric)
    if m is None:
        close = difflib.get_close_matches(metric, list(BY_COLUMN), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else " (python -m sim.metrics)"
        problems.append(("metric", metric, f"not a monthly column of the model{hint}"))
    numbers: dict[str, float] = {}
    for col in ("value", "low", "high"):
        text = (row.get(col) or "").strip()
        x = _number(text) if text else math.nan
        if x is None or (col == "value" and not text):
            problems.append((col, text, "must be a finite number"))
            x = math.nan
        elif m is not None and m.share and not math.isnan(x) and not 0 <= x <= 1:
            problems.append((col, text, f"{metric} is a share from 0 to 1 (15% is 0.15)"))
        numbers[col] = point[col] = x
    low, value, high = numbers["low"], numbers["value"], numbers["high"]
    if low > value:  # False whenever either is NaN
        problems.append(("low", f"{low:g}", f"must be at most the value {value:g}"))
    if high < value:
        problems.append(("high", f"{high:g}", f"must be at least the value {value:g}"))
    text = (row.get("window_months") or "").strip() or "1"
    window = int(text) if text.isdigit() else 0
    point["window_months"] = window
    if window < 1:
        problems.append(("window_months", text, "must be a whole number of months, 1 or more"))
    text = row.get("date", "").strip()
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        problems.append(("date", text, "must be a date written YYYY-MM-DD"))
        return point, problems
    point["date"] = date
    if dates is None:
        return point, problems
    if not dates[0] <= date <= dates[-1]:
        hint = "; --horizon-months runs further" if date > dates[-1] else ""
        problems.append(("date", text, f"outside the run ({dates[0]} to {dates[-1]}){hint}"))
        return point, problems
    i = nearest_row(date, dates)
    point["row"] = i
    first = 1 if m is not None and m.timing == "flow" else 0
    if window == 1 and i < first:
        rule = f"{metric} is counted over each month; the first month ends {dates[first]}"
        problems.append(("date", text, rule))
    elif window > 1 and i - window + 1 < first:
        earliest = dates[min(first + window - 1, len(dates) - 1)]
        rule = f"the {window} months to {dates[i]} begin before the run; the first ends {earliest}"
        problems.append(("window_months", str(window), rule))
    return point, problems


def read_observed(path: str | Path, dates: Sequence[dt.date] | None = None) -> pd.DataFrame:
    """The observed points of ``path``, one row each (``line``, ``date``, ``metric``,
    ``value``, ``low``, ``high``, ``window_months``, ``source``, ``note`` and, given the run's
    reporting ``dates``, ``row``: the index of the nearest). Raises :class:`ObservedError`
    listing every problem."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ObservedError(f"{path}: larger than {MAX_BYTES:,} bytes; not an observed file")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ObservedError(f"{path}: cannot read it ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown:
        lines = [f"{path}: line 1 (header): missing column '{c}'" for c in missing]
        lines += [
            f"{path}: line 1 (header): unknown column '{c}'; columns are "
            f"{', '.join(REQUIRED + OPTIONAL)}"
            for c in unknown
        ]
        raise ObservedError("\n".join(lines))
    points, errors = [], []
    for row in reader:
        if None in row:
            errors.append(f"{path}: line {reader.line_num}: more cells than header columns")
            continue
        point, problems = _check_row(row, dates)
        point["line"] = reader.line_num
        points.append(point)
        errors += [
            f"{path}: line {reader.line_num}, column '{col}': {value!r}: {rule}"
            for col, value, rule in problems
        ]
    if not points and not errors:
        errors.append(f"{path}: no observed points below the header")
    if errors:
        raise ObservedError("\n".join(errors))
    cols = ["line", "date", "metric", "value", "low", "high", "window_months", "source", "note"]
    frame = pd.DataFrame(points)
    return frame[cols + (["row"] if dates is not None else [])]
