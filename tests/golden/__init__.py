"""Golden outputs: the whole outputs of a small council run and a small experiment, stored
under ``expected/`` and compared exactly (as text) by ``tests/integration/test_golden.py``.

- ``council.yaml``: a small council (Cheshire East 2017 at a fifth of its size, two years,
  every part of the model switched on), run as ``csc-sim run council.yaml --seed 7``:
  ``expected/run/`` holds its ``timeseries.csv``, ``config.resolved.yaml`` and
  ``summary.json``.
- ``experiment.yaml``: two scenarios on it, one with policies whose effects are uncertain,
  4 replications, one target, run as ``csc-sim experiment experiment.yaml --jobs 1``:
  ``expected/experiment/`` holds its ``replications.csv``, ``scenarios.csv``,
  ``timeseries.csv`` (``timeseries.parquet`` as CSV: parquet bytes embed library versions)
  and ``manifest.json``.

Fields that depend on the time, the machine, the versions or where the files were run are
left out of the JSON files (``VOLATILE``); everything else must match to the last digit.
Any change to the draws, to the order of events or to a number written moves them.

When a change is *meant* to move them (a new random stream, a model change, a new column),
regenerate them on purpose, from the repository root:

    python -m tests.golden

then read ``git diff tests/golden/expected`` and commit the new files with the change,
saying why they moved.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"
COUNCIL = "council.yaml"
EXPERIMENT = "experiment.yaml"
SEED = 7
REGENERATE = "python -m tests.golden"

VOLATILE = {
    "run/summary.json": ("wall_seconds", "version"),
    "experiment/manifest.json": (
        "experiment_file",
        "command",
        "versions",
        "started",
        "finished",
    ),
}
"""Keys dropped from each stored JSON file: the wall time, the run's command line and the
path it was given, start and end times, and library versions."""

FILES = (
    "run/timeseries.csv",
    "run/summary.json",
    "run/config.resolved.yaml",
    "experiment/replications.csv",
    "experiment/scenarios.csv",
    "experiment/timeseries.csv",
    "experiment/manifest.json",
)
"""The stored files, relative to ``expected/``."""


@contextmanager
def _working_dir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _text(path: Path) -> str:
    """A file's text exactly as written (line endings untranslated)."""
    return path.read_bytes().decode("utf-8")


def _json_without(path: Path, keys: tuple[str, ...]) -> str:
    data = json.loads(_text(path))
    for key in keys:
        data.pop(key, None)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def produce(work: Path) -> dict[str, str]:
    """Run the golden council and experiment with the ``sim`` that is imported, writing into
    ``work``; return each stored file's text by its name under ``expected/``.

    Runs from this folder with the files named relative to it, as a planner would type
    them, so nothing depends on where the repository is."""
    from sim.cli import main

    work = Path(work).resolve()
    run, experiment = work / "run", work / "experiment"
    with _working_dir(HERE):
        code = main(["run", COUNCIL, "--seed", str(SEED), "--out", str(run)])
        if code != 0:
            raise RuntimeError(f"csc-sim run {COUNCIL} exited {code}")
        code = main(["experiment", EXPERIMENT, "--jobs", "1", "--quiet", "--out", str(experiment)])
        if code != 0:
            raise RuntimeError(f"csc-sim experiment {EXPERIMENT} exited {code}")
    texts = {
        "run/timeseries.csv": _text(run / "timeseries.csv"),
        "run/summary.json": _json_without(run / "summary.json", VOLATILE["run/summary.json"]),
        "run/config.resolved.yaml": _text(run / "config.resolved.yaml"),
        "experiment/replications.csv": _text(experiment / "replications.csv"),
        "experiment/scenarios.csv": _text(experiment / "scenarios.csv"),
        "experiment/timeseries.csv": pd.read_parquet(experiment / "timeseries.parquet").to_csv(
            index=False
        ),
        "experiment/manifest.json": _json_without(
            experiment / "manifest.json", VOLATILE["experiment/manifest.json"]
        ),
    }
    assert tuple(texts) == FILES
    return texts


def stored() -> dict[str, str]:
    """The stored texts, by name under ``expected/``."""
    return {name: _text(EXPECTED / name) for name in FILES}


def _changed_columns(header: str, a: str, b: str) -> list[str]:
    """In two CSV lines under ``header``, each column that differs (none if not CSV)."""
    names, x, y = (next(csv.reader([line]), []) for line in (header, a, b))
    if len(names) < 2 or not len(names) == len(x) == len(y):
        return []
    return [f"{n}: {u} -> {v}" for n, u, v in zip(names, x, y, strict=True) if u != v]


def first_difference(expected: str, actual: str) -> str:
    """Where two texts first differ, line by line (and in a CSV line, the columns), for a
    failure message."""
    old, new = expected.splitlines(), actual.splitlines()
    for i, (a, b) in enumerate(zip(old, new, strict=False), start=1):
        if a != b:
            where = f"line {i}:\n  stored:   {a[:300]}\n  produced: {b[:300]}"
            if i > 1 and (columns := _changed_columns(old[0], a, b)):
                where += "\n  columns (stored -> produced): " + "; ".join(columns[:8])
            return where
    if len(old) != len(new):
        return f"stored has {len(old)} lines, produced {len(new)}"
    return "the line endings or the final newline differ"


def regenerate() -> list[str]:
    """Rewrite ``expected/`` from the current code; return the names of the files that
    changed."""
    with tempfile.TemporaryDirectory(prefix="csc-sim-golden-") as tmp:
        texts = produce(Path(tmp))
    changed = []
    for name, text in texts.items():
        path = EXPECTED / name
        if not path.exists() or _text(path) != text:
            changed.append(name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
    return changed
