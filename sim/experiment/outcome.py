"""How an experiment ends: the result frames, or the replications that failed, and the final
files assembled from the finished parts."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.experiment import ResolvedExperiment
from sim.experiment.errors import ExperimentError as ExperimentError  # re-exported
from sim.experiment.results_folder import FAILURES_LOG, ResultsFolder, failure_label, now_utc
from sim.experiment.scenario_table import scenario_table


class ExperimentIncomplete(Exception):
    """Some replications raised; the others are kept in ``parts/``."""

    def __init__(
        self, exp: ResolvedExperiment, failures: list[dict[str, Any]], folder: Path | None
    ) -> None:
        self.failures = failures
        lines = [
            f"{len(failures)} replication(s) failed; the others are kept"
            + (f" in {folder} (parts/)" if folder else "")
            + ". To reproduce one alone:"
        ]
        for f in failures[:5]:
            # In a run by councils, the seed to give is the file's: each council's own
            # root seed derives from it and the council's name.
            council = f.get("council")
            seed = f["root_seed"] if council is None else exp.spec.root_seed
            flag = "" if council is None else f" --council {shlex.quote(council)}"
            error = str(f["error"]).splitlines()[0][:200] if f["error"] else "(no message)"
            lines.append(
                f"  {failure_label(f)}: {error}\n    csc-sim run {exp.source}{flag} --scenario "
                f"{shlex.quote(f['scenario'])} --replication {f['replication']} --seed {seed} "
                "--out /tmp/replication"
            )
        if len(failures) > 5:
            lines.append(f"  ... and {len(failures) - 5} more (failures.csv)")
        if folder:
            lines.append(
                f"Full tracebacks: {folder / FAILURES_LOG}. After a fix in the code, rerun "
                f"the failed ones with: csc-sim experiment {exp.source} --resume --out {folder} "
                "(a change to the experiment file or its configs is a new experiment: run it "
                "with --force or into another --out)"
            )
        super().__init__("\n".join(lines))


@dataclass
class ExperimentResult:
    """The frames an experiment produces (``timeseries`` is None when written to disk
    only: read it with ``pandas.read_parquet(folder / 'timeseries.parquet')``)."""

    replications: pd.DataFrame
    scenarios: pd.DataFrame
    manifest: dict[str, Any]
    timeseries: pd.DataFrame | None = None
    folder: Path | None = None
    log: list[str] = field(default_factory=list)


def rows_of(folder: ResultsFolder | None, memory: dict, names: list[str]) -> pd.DataFrame:
    """The replication rows of parts ``names``, from the folder or from memory."""
    if folder is not None:
        return folder.read_rows(names)
    return pd.concat([memory[n].rows for n in names], ignore_index=True)


def _ordered(names: list[str]) -> list[str]:
    """Parts in scenario order, then replication order."""
    return sorted(names)


def finish(
    exp: ResolvedExperiment,
    folder: ResultsFolder | None,
    memory: dict,
    names: list[str],
    manifest: dict[str, Any],
    n: int,
) -> ExperimentResult:
    """Assemble the experiment's result from its finished parts ``names`` (in ``folder``, or
    in ``memory`` when nothing is written): the final files and the manifest marked
    complete, or :class:`ExperimentIncomplete` if any replication failed."""
    names = _ordered(names)
    failures = (
        folder.read_failures(names)
        if folder is not None
        else [f for nm in names for f in memory[nm].failures]
    )
    finished = now_utc()
    if failures:
        manifest.update(replications=n, finished=finished, status="incomplete", failures=failures)
        if folder is not None:
            manifest["failures"] = folder.write_failures(failures)
            folder.write_manifest(manifest)
        raise ExperimentIncomplete(exp, failures, folder.root if folder else None)
    reps = rows_of(folder, memory, names)
    table = scenario_table(exp, reps)
    manifest.update(replications=n, finished=finished, status="complete")
    if folder is None:
        series = pd.concat([memory[nm].series for nm in names], ignore_index=True)
        return ExperimentResult(reps, table, manifest, timeseries=series)
    folder.write_replications(reps)
    folder.write_timeseries(names)
    folder.write_scenarios(table)
    folder.write_manifest(manifest)
    return ExperimentResult(reps, table, manifest, folder=folder.root)
