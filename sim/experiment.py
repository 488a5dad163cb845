"""Monte Carlo experiments: every scenario x replication, in parallel with joblib,
streamed to a results folder, summarised as probabilities of meeting each target."""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from sim import __version__, core
from sim.experiment_config import ResolvedExperiment, load_experiment
from sim.io import write_csv
from sim.loading import config_hash
from sim.replication import ChunkResult, run_chunk
from sim.results import scenario_table, worst_half_width
from sim.store import ResultsFolder

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 10  # replications per task: seconds of work each, so overheads stay small


class ExperimentError(Exception):
    """A problem with the results folder or an experiment that cannot go on."""


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
            where = "" if council is None else f"council {council}, "
            seed = f["root_seed"] if council is None else exp.spec.root_seed
            flag = "" if council is None else f" --council {shlex.quote(council)}"
            lines.append(
                f"  {where}scenario {f['scenario']}, replication {f['replication']}, root seed "
                f"{f['root_seed']}: {f['error']}\n    csc-sim run {exp.source}{flag} --scenario "
                f"{shlex.quote(f['scenario'])} --replication {f['replication']} --seed {seed} "
                "--out /tmp/replication"
            )
        if len(failures) > 5:
            lines.append(f"  ... and {len(failures) - 5} more (failures.csv)")
        if folder:
            lines.append(
                f"After a fix, rerun them with: csc-sim experiment {exp.source} "
                f"--resume --out {folder}"
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


def progress_bar(total: int, desc: str, enabled: bool) -> tqdm:
    """A bar of replications done, on stderr or in a notebook. Written to a log file (a CI
    job's, a cluster's) it is redrawn at most every 30 s rather than many times a second,
    so that the log stays readable."""
    to_log = not sys.stderr.isatty() and "ipykernel" not in sys.modules
    redraw_s = 30.0 if to_log else 0.1
    return tqdm(total=total, unit="rep", desc=desc, disable=not enabled, mininterval=redraw_s)


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "csc-sim": __version__, "core": core.MODE}
    for pkg in ("simpy", "numpy", "pandas", "pyarrow", "joblib", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[pkg] = "missing"
    return out


def chunks(exp: ResolvedExperiment, start: int, stop: int, size: int) -> Iterator[tuple]:
    for s in range(len(exp.scenarios)):
        for a in range(start, stop, size):
            yield s, a, min(a + size, stop)


def run_tasks(
    tasks: list[tuple[ResolvedExperiment, tuple]],
    jobs: int,
    backend: str,
    scheduler: str | None,
    sink: Any,
    progress: Any,
) -> None:
    """Run chunk tasks ``(experiment, (scenario, start, stop))``, handing each result to
    ``sink(index_in_tasks, chunk)`` as soon as it finishes."""
    if not tasks:
        return
    if jobs == 1 and backend == "loky":
        for i, (exp, t) in enumerate(tasks):
            sink(i, run_chunk(exp, *t))
            progress.update(t[2] - t[1])
        return
    with _backend(backend, jobs, scheduler):
        parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
        for i, chunk in parallel(delayed(_task)(i, exp, t) for i, (exp, t) in enumerate(tasks)):
            sink(i, chunk)
            t = tasks[i][1]
            progress.update(t[2] - t[1])


@contextmanager
def _backend(backend: str, jobs: int, scheduler: str | None) -> Iterator[None]:
    """joblib's local process pool, or a Dask cluster: the one at ``scheduler``
    (tcp://host:8786) or a local one on loopback with ``jobs`` workers."""
    if backend == "loky":
        with parallel_config(backend="loky"):
            yield
        return
    if backend != "dask":
        raise ExperimentError(f"--backend {backend!r}: choose loky or dask")
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ExperimentError(
            "--backend dask needs dask.distributed: pip install 'csc-sim[dask]'"
        ) from None
    if scheduler:
        with Client(scheduler) as client, parallel_config(backend="dask"):
            log.info("running on the Dask cluster at %s", client.scheduler.address)
            yield
        return
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
        parallel_config(backend="dask"),
    ):
        yield


def _task(i: int, exp: ResolvedExperiment, task: tuple) -> tuple[int, ChunkResult]:
    return i, run_chunk(exp, *task)


def make_manifest(exp: ResolvedExperiment, command: str) -> dict[str, Any]:
    """What a results folder records about its run (updated as the run goes)."""
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
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "status": "running",
        "resolved": exp.to_plain(),
    }


def run_experiment(
    experiment: str | Path | ResolvedExperiment,
    jobs: int = 1,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    replications: int | None = None,
    root_seed: int | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    backend: str = "loky",
    scheduler: str | None = None,
    progress: bool = False,
    command: str | None = None,
) -> ExperimentResult:
    """Run an experiment. With ``out``, results stream to that folder and the final files
    are written there; without it everything stays in memory.

    The results are the same for any ``jobs``, ``chunk_size`` or backend (``loky``: local
    processes; ``dask``: a Dask cluster at ``scheduler``, or a local one): replication k
    of every scenario uses seed sequence k of the root seed."""
    exp = (
        experiment
        if isinstance(experiment, ResolvedExperiment)
        else load_experiment(experiment, replications, root_seed)
    )
    manifest = make_manifest(exp, command or " ".join(sys.argv))
    if exp.spec.councils is not None and out is None:
        raise ExperimentError(f"{exp.source}: a run by councils writes to a folder: give --out")
    if exp.spec.councils is not None:
        from sim.region import council_experiments, run_region

        councils = council_experiments(exp)  # every council validated before any writing
        folder = _prepare_folder(out, exp, resume, force, manifest)
        return run_region(
            exp, councils, folder, manifest, jobs, chunk_size, backend, scheduler, progress
        )
    folder = _prepare_folder(out, exp, resume, force, manifest) if out is not None else None
    memory: dict[str, ChunkResult] = {}

    def sink(task: tuple, chunk: ChunkResult) -> None:
        name = ResultsFolder.part_name(*task)
        if folder is not None:
            folder.write_part(name, chunk.rows, chunk.series, chunk.failures)
        else:
            memory[name] = chunk

    done_names: list[str] = []
    total = exp.spec.max_replications * len(exp.scenarios)
    bar = progress_bar(total, exp.spec.name, progress)
    batch = exp.spec.precision.batch if exp.spec.precision else exp.spec.max_replications
    n = 0
    try:
        while n < exp.spec.max_replications:
            stop = min(n + batch, exp.spec.max_replications)
            tasks = list(chunks(exp, n, stop, chunk_size))
            names = [ResultsFolder.part_name(*t) for t in tasks]
            todo = [
                t
                for t, nm in zip(tasks, names, strict=True)
                if folder is None or not folder.has_part(nm)
            ]
            bar.update(sum(t[2] - t[1] for t in tasks) - sum(t[2] - t[1] for t in todo))
            run_tasks(
                [(exp, t) for t in todo],
                jobs,
                backend,
                scheduler,
                lambda i, chunk, todo=todo: sink(todo[i], chunk),
                bar,
            )
            done_names.extend(names)
            n = stop
            if exp.spec.precision is not None:
                reps = _rows(folder, memory, done_names)
                worst = worst_half_width(exp, reps)
                log.info("%d replications: widest half-width %.4f", n, worst)
                if worst < exp.spec.precision.half_width:
                    break
    finally:
        bar.close()
    return finish(exp, folder, memory, done_names, manifest, n)


def _rows(folder: ResultsFolder | None, memory: dict, names: list[str]) -> pd.DataFrame:
    if folder is not None:
        return folder.read_rows(names)
    return pd.concat([memory[n].rows for n in names], ignore_index=True)


def _ordered(names: list[str]) -> list[str]:
    """Parts in scenario order, then replication order."""
    return sorted(names)


def _prepare_folder(
    out: str | Path, exp: ResolvedExperiment, resume: bool, force: bool, manifest: dict[str, Any]
) -> ResultsFolder:
    folder = ResultsFolder(Path(out))
    old = folder.read_manifest() if folder.root.exists() else None
    if resume:
        if old is None:
            raise ExperimentError(f"--resume: {folder.root} holds no experiment to resume")
        if old.get("experiment_hash") != exp.hash():
            raise ExperimentError(
                f"--resume: {folder.root} was run from a different experiment "
                f"(hash {old.get('experiment_hash')}, now {exp.hash()}): the experiment "
                "file, its base config or --replications/--seed changed; use a new --out "
                "or --force to start again"
            )
        manifest["started"] = old.get("started", manifest["started"])
    elif not folder.is_empty():
        if not force:
            raise ExperimentError(
                f"--out {folder.root}: folder exists and is not empty; "
                "use --resume to continue it or --force to overwrite"
            )
        folder.clear()
    folder.root.mkdir(parents=True, exist_ok=True)
    folder.write_manifest(manifest)
    return folder


def finish(
    exp: ResolvedExperiment,
    folder: ResultsFolder | None,
    memory: dict,
    names: list[str],
    manifest: dict[str, Any],
    n: int,
) -> ExperimentResult:
    names = _ordered(names)
    failures = (
        folder.read_failures(names)
        if folder is not None
        else [f for nm in names for f in memory[nm].failures]
    )
    finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if failures:
        manifest.update(replications=n, finished=finished, status="incomplete", failures=failures)
        if folder is not None:
            write_csv(folder.root / "failures.csv", pd.DataFrame(failures))
            folder.write_manifest(manifest)
        raise ExperimentIncomplete(exp, failures, folder.root if folder else None)
    reps = _rows(folder, memory, names)
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
