"""An experiment's results folder, written and read here only: its file names, its manifest's
fields and its parts.

Finished chunks stream to ``parts/`` as they finish (so a stopped run keeps them and memory
stays bounded), and the final files are assembled from the parts in a fixed order, so they
are the same whatever order the chunks finished in. A run by councils adds ``councils.csv``
and one results folder per council under ``councils/``. :func:`load_results` reads a
finished folder back for analysts, charts and the report.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import platform
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.config.councils import slug
from sim.config.experiment import ResolvedExperiment
from sim.config.loader import config_hash
from sim.config.provenance import config_layers
from sim.config.uncertain import PREFIX as UNCERTAIN_PREFIX
from sim.experiment.atomic import (
    is_temporary,
    remove_temporaries,
    write_atomic,
    write_csv,
    write_json,
    write_text,
)
from sim.experiment.errors import ExperimentError
from sim.experiment.lock import LOCK
from sim.model import core
from sim.version import __version__

log = logging.getLogger(__name__)

PARTS = "parts"
MANIFEST = "manifest.json"
REPLICATIONS = "replications.parquet"
REPLICATIONS_CSV = "replications.csv"
TIMESERIES = "timeseries.parquet"
SCENARIOS = "scenarios.csv"
FAILURES = "failures.csv"
FAILURES_LOG = "failures.log"  # each failed replication's traceback
COUNCILS_CSV = "councils.csv"
OUTPUTS = (
    REPLICATIONS,
    REPLICATIONS_CSV,
    TIMESERIES,
    SCENARIOS,
    MANIFEST,
    FAILURES,
    FAILURES_LOG,
    COUNCILS_CSV,
)
COUNCILS = "councils"  # a run by councils: one results folder per council in here
ROW_GROUP_ROWS = 65_536  # rows per parquet row group in timeseries.parquet


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "csc-sim": __version__, "core": core.MODE}
    for pkg in ("simpy", "numpy", "pandas", "pyarrow", "joblib", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "missing"
    return out


def make_manifest(exp: ResolvedExperiment, command: str) -> dict[str, Any]:
    """What a results folder records about its run (updated as the run goes: ``status``,
    ``replications``, ``finished``, ``failures`` and, for a run by councils, ``councils``)."""
    return {
        "experiment": exp.spec.name,
        "experiment_file": exp.source,
        "experiment_hash": exp.hash(),
        "config_hashes": {s.name: config_hash(s.config) for s in exp.scenarios},
        "root_seed": exp.spec.root_seed,
        "scenarios": [s.name for s in exp.scenarios],
        "baseline": exp.baseline.name,
        "versions": _versions(),
        "command": command,
        "started": now_utc(),
        "status": "running",
        "resolved": exp.to_plain(),
        "sources": source_texts(exp),
    }


def source_texts(exp: ResolvedExperiment) -> dict[str, Any]:
    """The texts the experiment was read from, so that a report reads its assumptions (the
    config files' comments) from the folder, whatever folder it is run from: the experiment
    file, then its base config and each config that one extends (``path`` as read, relative
    to where the run was started). Files that cannot be read (an experiment built in code)
    are left out."""
    out: dict[str, Any] = {"experiment": None, "configs": []}
    source = Path(exp.source)
    try:
        out["experiment"] = {"path": str(source), "text": source.read_text(encoding="utf-8")}
        for layer in config_layers(source.parent / exp.spec.base):
            text = Path(layer.label).read_text(encoding="utf-8")
            out["configs"].append({"path": layer.label, "text": text})
    except (OSError, ValueError) as exc:  # ConfigError is a ValueError
        log.info("manifest: the experiment's files are not all kept (%s)", exc)
    return out


def now_utc() -> str:
    """The time now, as the manifest records it (UTC, to the second)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


class ResultsFolder:
    """Paths and atomic writes for one experiment's output folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.parts = self.root / PARTS

    # -- lifecycle ------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """Whether the folder holds nothing but a lock and the temporary files of a run
        killed before it wrote anything (see :func:`holds_nothing`)."""
        return holds_nothing(self.root)

    def clear(self) -> None:
        """Remove what an earlier run of csc-sim wrote here (nothing else)."""
        shutil.rmtree(self.parts, ignore_errors=True)
        shutil.rmtree(self.root / COUNCILS, ignore_errors=True)
        for name in OUTPUTS:
            (self.root / name).unlink(missing_ok=True)
        remove_temporaries(self.root)

    def read_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None if there is none; :class:`ExperimentError` naming the
        file if it is damaged."""
        path = self.root / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ExperimentError(
                f"{path}: damaged, not a manifest ({exc}); without it nobody can tell which "
                "experiment made this folder, so --resume cannot use it: run the experiment "
                "again with --force (or into another --out), or restore the file"
            ) from None
        if not isinstance(data, dict):
            raise ExperimentError(f"{path}: damaged: holds {type(data).__name__}, not a mapping")
        return data

    def drop_damaged_parts(self) -> None:
        """Delete the parts whose files cannot be read, so that they are run again."""
        for path in sorted(self.parts.glob("*.parquet")):
            try:
                pq.read_metadata(path)
            except (OSError, pa.ArrowException) as exc:
                name = path.name.split(".")[0]
                log.warning("%s: damaged (%s); its replications will be run again", path, exc)
                (self.parts / f"{name}.rows.parquet").unlink(missing_ok=True)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        write_json(self.root / MANIFEST, manifest)

    def council(self, name: str) -> ResultsFolder:
        """The results folder of council ``name`` in a run by councils."""
        return ResultsFolder(self.root / COUNCILS / slug(name))

    # -- parts ----------------------------------------------------------------------------
    @staticmethod
    def part_name(scenario_index: int, start: int, stop: int) -> str:
        return f"{scenario_index:03d}-{start:07d}-{stop:07d}"

    def has_part(self, name: str) -> bool:
        """A chunk is done when its rows are written (last) and none of it failed."""
        rows = self.parts / f"{name}.rows.parquet"
        return rows.exists() and not self.failures_path(name).exists()

    def failures_path(self, name: str) -> Path:
        return self.parts / f"{name}.failures.json"

    def write_part(
        self, name: str, rows: pd.DataFrame, series: pd.DataFrame, failures: list[dict[str, Any]]
    ) -> None:
        """Write a finished chunk; a chunk with failures keeps what finished and is rerun
        whole by ``--resume``."""
        if failures:
            write_json(self.failures_path(name), failures)
        else:
            self.failures_path(name).unlink(missing_ok=True)
        blob = parquet_bytes(series)
        write_atomic(self.parts / f"{name}.series.parquet", lambda fh: fh.write(blob))
        blob = parquet_bytes(rows)
        write_atomic(self.parts / f"{name}.rows.parquet", lambda fh: fh.write(blob))

    def read_failures(self, names: Iterable[str]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for n in names:
            path = self.failures_path(n)
            if path.exists():
                try:
                    out.extend(json.loads(path.read_text(encoding="utf-8")))
                except ValueError as exc:
                    raise _damaged(path, exc) from None
        return out

    def read_series_part(self, name: str) -> pa.Table:
        """One part's monthly series; :class:`ExperimentError` naming the file if it is
        damaged."""
        path = self.parts / f"{name}.series.parquet"
        try:
            return pq.read_table(path)
        except (OSError, pa.ArrowException) as exc:
            raise _damaged(path, exc) from None

    def read_rows(self, names: Iterable[str]) -> pd.DataFrame:
        """The replication rows of parts ``names``; :class:`ExperimentError` naming a
        damaged file."""
        frames = []
        for n in names:
            path = self.parts / f"{n}.rows.parquet"
            try:
                frames.append(pd.read_parquet(path))
            except (OSError, pa.ArrowException) as exc:
                raise _damaged(path, exc) from None
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    # -- final files ----------------------------------------------------------------------
    def write_replications(self, reps: pd.DataFrame) -> None:
        blob = parquet_bytes(reps)
        write_atomic(self.root / REPLICATIONS, lambda fh: fh.write(blob))
        write_csv(self.root / REPLICATIONS_CSV, reps)

    def write_scenarios(self, table: pd.DataFrame) -> None:
        write_csv(self.root / SCENARIOS, table)

    def write_failures(self, failures: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Write ``failures.csv`` (a line each) and ``failures.log`` (their tracebacks);
        returns the records as the CSV has them, for the manifest."""
        brief = [{k: v for k, v in f.items() if k != "traceback"} for f in failures]
        write_csv(self.root / FAILURES, pd.DataFrame(brief))
        write_text(
            self.root / FAILURES_LOG,
            "".join(
                f"{failure_label(f)}\n{f.get('traceback') or f['error']}\n\n" for f in failures
            ),
        )
        return brief

    def write_councils(self, table: pd.DataFrame) -> None:
        """Every council's scenario table, ``council`` and ``share`` first."""
        front = ["council", "share"]
        write_csv(self.root / COUNCILS_CSV, table[front + [c for c in table if c not in front]])

    @property
    def timeseries_path(self) -> Path:
        return self.root / TIMESERIES

    def write_series(self, series: pd.DataFrame) -> None:
        """The monthly series from one frame (a region's, added up from its councils')."""
        blob = parquet_bytes(series)
        write_atomic(self.timeseries_path, lambda fh: fh.write(blob))

    def write_timeseries(self, names: Iterable[str]) -> None:
        """Concatenate the parts' monthly series into one parquet file, a few parts in
        memory at a time. Row groups have a fixed size, so the file's bytes do not depend
        on how the replications were chunked into tasks."""

        def write(fh: Any) -> None:
            writer, schema, buffer, held = None, None, [], 0
            for n in names:
                table = self.read_series_part(n)
                if writer is None:
                    schema = table.schema.remove_metadata()
                    writer = pq.ParquetWriter(fh, schema)
                buffer.append(table.cast(schema))
                held += table.num_rows
                if held >= ROW_GROUP_ROWS:
                    whole = pa.concat_tables(buffer)
                    cut = (held // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
                    writer.write_table(whole.slice(0, cut), row_group_size=ROW_GROUP_ROWS)
                    buffer, held = [whole.slice(cut)], held - cut
            if writer is not None:
                if held:
                    writer.write_table(pa.concat_tables(buffer), row_group_size=ROW_GROUP_ROWS)
                writer.close()

        write_atomic(self.timeseries_path, write)


def holds_nothing(root: Path) -> bool:
    """Whether ``root`` is missing or holds nothing but a lock and temporary files (of a run
    killed before it wrote anything)."""
    if not root.is_dir():
        return not root.exists()
    return all(p.name == LOCK or is_temporary(p) for p in root.iterdir())


def failure_label(failure: dict[str, Any]) -> str:
    """``council X, scenario S, replication K, root seed R``: which replication failed."""
    council = failure.get("council")
    where = "" if council is None else f"council {council}, "
    return (
        f"{where}scenario {failure['scenario']}, replication {failure['replication']}, "
        f"root seed {failure['root_seed']}"
    )


def _damaged(path: Path, exc: Exception) -> ExperimentError:
    return ExperimentError(
        f"{path}: damaged, cannot be read ({exc}); run the same command with --resume, "
        "which runs damaged parts again"
    )


@dataclass
class SavedResults:
    """A finished experiment's results, read from its folder (``timeseries`` on first
    use)."""

    folder: Path
    replications: pd.DataFrame
    scenarios: pd.DataFrame
    manifest: dict[str, Any]

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Monthly series of every replication: scenario, replication, date, KPIs."""
        return pd.read_parquet(self.folder / TIMESERIES)

    @property
    def baseline(self) -> str:
        return self.manifest["baseline"]

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in the experiment file's order (the baseline first)."""
        return list(self.manifest["scenarios"])

    @property
    def spec(self) -> dict[str, Any]:
        """The experiment as resolved when it ran (the file's content, ``base`` included)."""
        return self.manifest["resolved"]["experiment"]

    @property
    def targets(self) -> list[dict[str, Any]]:
        """Target definitions as in the experiment file (the first is the headline)."""
        return self.spec["targets"]

    @property
    def headline(self) -> dict[str, Any]:
        return self.targets[0]

    @property
    def descriptions(self) -> dict[str, str]:
        return {s["name"]: s["description"] for s in self.spec["scenarios"]}

    @property
    def assumptions(self) -> list[str]:
        return list(self.spec.get("assumptions", []))

    @property
    def config_texts(self) -> list[tuple[str, str]] | None:
        """``(path, YAML text)`` of the base config and each config it extends, as the run
        read them; None for a folder from before the manifest kept them."""
        sources = self.manifest.get("sources")
        if not isinstance(sources, dict) or not sources.get("configs"):
            return None
        return [(c["path"], c["text"]) for c in sources["configs"]]

    def config(self, scenario: str) -> dict[str, Any]:
        """Scenario ``scenario``'s council config as it ran (every field, after the
        scenario's overrides)."""
        return dict(self.manifest["resolved"]["scenarios"][scenario])

    @property
    def uncertain(self) -> dict[str, dict[str, Any]]:
        """The experiment's uncertain config values: dotted path -> its prior as in the
        file (e.g. ``{"dist": "uniform", "low": 0.0, "high": 0.3}``); empty if none."""
        return dict(self.spec.get("uncertain", {}))

    def uncertain_draws(self) -> pd.DataFrame:
        """The uncertain values each replication drew, one row per replication (the same
        in every scenario), one column per path: for a sensitivity analysis, join it to
        ``replications`` on ``replication``."""
        cols = [str(c) for c in self.replications.columns if str(c).startswith(UNCERTAIN_PREFIX)]
        base = self.replications[self.replications["scenario"] == self.baseline]
        out = base[["replication", *cols]].set_index("replication").sort_index()
        return out.rename(columns=lambda c: c.removeprefix(UNCERTAIN_PREFIX))


TEXT_COLUMNS = ("description", "target_description")
"""Columns of ``scenarios.csv`` that are text: an empty one is read as "", not NaN."""


def load_results(folder: str | Path) -> SavedResults:
    """Load ``replications.parquet``, ``scenarios.csv`` and ``manifest.json`` from an
    experiment's output folder (``timeseries.parquet`` lazily). A missing or damaged file
    is named, with the command that rebuilds it."""
    folder = Path(folder)
    manifest = ResultsFolder(folder).read_manifest()
    if manifest is None:
        raise FileNotFoundError(
            f"{folder}: no manifest.json; is this an experiment's --out folder?"
        )
    again = f"csc-sim experiment {manifest.get('experiment_file')} --resume --out {folder}"
    if manifest.get("status") != "complete":
        raise ValueError(
            f"{folder}: the experiment did not finish (status "
            f"{manifest.get('status')!r}); finish it with: {again}"
        )

    def read(name: str, reader: Any) -> pd.DataFrame:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; rebuild it with: {again}")
        try:
            return reader(path)
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise ValueError(f"{path}: damaged ({exc}); rebuild it with: {again}") from None

    read(TIMESERIES, pq.read_metadata)  # read in full on first use; here only checked
    scenarios = read(SCENARIOS, pd.read_csv)
    for col in TEXT_COLUMNS:
        if col in scenarios:
            scenarios[col] = scenarios[col].astype(object).fillna("").astype(str)
    return SavedResults(
        folder=folder,
        replications=read(REPLICATIONS, pd.read_parquet),
        scenarios=scenarios,
        manifest=manifest,
    )
