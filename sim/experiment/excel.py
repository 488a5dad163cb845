"""A saved experiment as an Excel workbook (``csc-sim experiment --excel``), for colleagues
who open results in Excel rather than Python: what the file holds, the scenario table, the
monthly series summarised per scenario (median and 5th-95th percentile of every
replication), every replication's monthly series where it fits on a sheet, and what each
column means. Written with openpyxl through pandas, atomically."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pandas as pd

from sim.experiment.atomic import write_bytes
from sim.experiment.results_folder import TIMESERIES, SavedResults, load_results
from sim.metrics import BY_COLUMN

log = logging.getLogger(__name__)

WORKBOOK = "results.xlsx"
MAX_SERIES_CELLS = 2_000_000
"""The sheet of every replication's series is left out above this many cells (openpyxl
writes 50,000-100,000 cells a second; Manchester 2016's 5 x 100 replications are 1.8
million), and the monthly medians and percentiles stand for it; ``timeseries.parquet``
keeps every replication."""
KEYS = ("scenario", "replication", "date")


def write_workbook(folder: str | Path) -> Path:
    """Write ``results.xlsx`` into the results folder ``folder`` (a finished experiment's);
    return its path."""
    results = load_results(folder)
    series = results.timeseries
    numeric = [c for c in series.columns if c not in KEYS and c in BY_COLUMN]
    grouped = series.groupby(["scenario", "date"], sort=False)[numeric]
    quantiles = {
        "Monthly median": grouped.median(),
        "Monthly 5th percentile": grouped.quantile(0.05),
        "Monthly 95th percentile": grouped.quantile(0.95),
    }
    cells = len(series) * len(series.columns)
    whole = cells <= MAX_SERIES_CELLS
    if not whole:
        log.warning(
            "%s: every replication's series (%s cells) is too large for a sheet; the "
            "workbook has the monthly medians and percentiles",
            folder,
            f"{cells:,}",
        )
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        _sheet(xw, "About", _about(results, whole))
        _sheet(xw, "Scenarios", results.scenarios)
        for name, frame in quantiles.items():
            _sheet(xw, name, _in_file_order(frame.reset_index(), results))
        if whole:
            _sheet(xw, "Monthly, every replication", series)
        _sheet(xw, "Columns", _columns(numeric))
    path = Path(folder) / WORKBOOK
    write_bytes(path, buf.getvalue())
    return path


def _sheet(xw: pd.ExcelWriter, name: str, frame: pd.DataFrame) -> None:
    """``frame`` on sheet ``name``: header frozen, columns wide enough for their names."""
    frame.to_excel(xw, sheet_name=name, index=False)
    ws = xw.sheets[name]
    ws.freeze_panes = "A2"
    for i, col in enumerate(frame.columns, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = min(
            60, max(10, len(str(col)) + 2)
        )


def _in_file_order(frame: pd.DataFrame, results: SavedResults) -> pd.DataFrame:
    """Scenarios in the experiment file's order (the baseline first), then by date."""
    order = {name: i for i, name in enumerate(results.scenario_names)}
    rank = frame["scenario"].map(order)
    return frame.assign(_rank=rank).sort_values(["_rank", "date"]).drop(columns="_rank")


def _about(results: SavedResults, whole: bool) -> pd.DataFrame:
    m = results.manifest
    rows = [
        ("experiment", m["experiment"]),
        ("experiment file", m.get("experiment_file", "")),
        ("scenarios", ", ".join(results.scenario_names) + " (the first is the baseline)"),
        ("replications per scenario", m.get("replications", "")),
        ("root seed", m["root_seed"]),
        ("finished", m.get("finished", "")),
        ("csc-sim", m.get("versions", {}).get("csc-sim", "")),
        ("Scenarios", "each scenario's chance of meeting each target (scenarios.csv)"),
        (
            "Monthly median, 5th and 95th percentile",
            "per scenario and month end, the median (and 5th and 95th percentile) over the "
            "replications of each monthly figure",
        ),
        (
            "Monthly, every replication",
            "every replication's monthly series"
            if whole
            else f"left out: too large for a sheet; see {TIMESERIES} in the results folder",
        ),
        ("Columns", "what each monthly figure means, and its unit"),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def _columns(numeric: list[str]) -> pd.DataFrame:
    rows = [
        (c, BY_COLUMN[c].meaning.replace("**", "").replace("`", ""), BY_COLUMN[c].unit)
        for c in numeric
    ]
    return pd.DataFrame(rows, columns=["column", "meaning", "unit"])
