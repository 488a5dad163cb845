"""Write one run as the three returns under a folder: ``ssda903/<year>/`` (CSV files) and
``cin_census/<year>/`` (one XML file), each collection year's folder named by the year it
ends (``2018`` for 2017-18), ``workforce_census/<census year>/`` and ``returns_about.md``.

Everything is built in memory first, then written into a temporary folder inside the output
folder and moved into place, so an error leaves no half-written return behind; with
``--force`` the three return folders and ``returns_about.md`` replace those already there
(other files in the folder are left alone)."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from pathlib import Path

import pandas as pd

from sim.experiment.atomic import write_bytes, write_csv, write_text
from sim.returns import cin_census, cin_xml, ssda903, workforce_census, workforce_xml
from sim.returns.about import about, file_counts
from sim.returns.common import april_years, census_years
from sim.returns.people import children, spells
from sim.returns.simulate import Run

log = logging.getLogger(__name__)

ABOUT = "returns_about.md"
TOP = (ssda903.FOLDER, cin_census.FOLDER, workforce_census.FOLDER, ABOUT)
"""What a returns folder holds; only these are replaced."""
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def returns_files(run: Run) -> dict[str, pd.DataFrame | bytes]:
    """Every file of the three returns of ``run``, by path under the returns folder: a
    table (written as CSV) or an XML file's bytes."""
    kids = children(run)
    sp = spells(run)
    files: dict[str, pd.DataFrame | bytes] = {}
    lac = sp[sp["stage"] == "lac"]
    eps, linked = cin_census.episodes(run.start, run.tables["referrals"], sp)
    last = pd.Timestamp(run.last_day)
    for year in april_years(run.start, run.last_day):  # each in the folder of the year it ends
        for name, table in ssda903.build(lac, kids, year, last).items():
            files[f"{ssda903.FOLDER}/{year.folder}/{name}"] = table
        tables = cin_census.build(eps, linked, kids, year)
        files[f"{cin_census.FOLDER}/{year.folder}/{cin_xml.FILE}"] = cin_xml.to_xml(
            tables, year, last
        )
    w = workforce_census.workers(run.start, run.tables["workers"])
    for census in census_years(run.start, run.last_day):
        tables = workforce_census.build(w, run.frame, census)
        name = workforce_xml.file_name(census.label)
        files[f"{workforce_census.FOLDER}/{census.label}/{name}"] = workforce_census.census_xml(
            tables, census
        )
    return files


def records(path: str, content: pd.DataFrame | bytes) -> int:
    """How many rows a file of ``returns_files`` holds (in an XML file, its elements but
    the header: :func:`sim.returns.about.file_counts`)."""
    return sum(file_counts(path, content).values())


def write_returns(run: Run, out: Path) -> dict[str, pd.DataFrame | bytes]:
    """Write the returns of ``run`` under ``out`` (replacing the returns already there);
    the files written, by path under ``out``."""
    files = returns_files(run)
    text = about(run, files)
    out.mkdir(parents=True, exist_ok=True)
    staging = _staging(out)
    try:
        for rel, table in files.items():
            if isinstance(table, bytes):
                write_bytes(staging / rel, table)
            else:
                write_csv(staging / rel, table)
        write_text(staging / ABOUT, text)
        for name in TOP:
            target, new = out / name, staging / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if new.exists():
                os.replace(new, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("wrote %d files under %s", len(files) + 1, out)
    return files


def _staging(out: Path) -> Path:
    """A new temporary folder inside ``out``, named as the results folder's temporary files
    are (``sim.experiment.atomic``), so that a killed run's leftovers count as nothing."""
    for _ in range(100):
        path = out / f".returns.{''.join(secrets.choice(_LETTERS) for _ in range(8))}.tmp"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"no free temporary name in {out}")


def remove_staging(out: Path) -> None:
    """Delete temporary folders that a killed ``csc-sim returns`` left in ``out``."""
    for path in out.glob(".returns.*.tmp"):
        if path.is_dir():
            log.info("removing %s, left by a run that was stopped while writing", path)
            shutil.rmtree(path, ignore_errors=True)
