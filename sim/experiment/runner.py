"""Monte Carlo experiments: every scenario x replication, in parallel with joblib,
streamed to a results folder, summarised as probabilities of meeting each target."""

from __future__ import annotations

import logging
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sim.config.experiment import ResolvedExperiment, load_experiment
from sim.experiment.atomic import is_temporary, remove_temporaries
from sim.experiment.lock import locked
from sim.experiment.outcome import ExperimentError, ExperimentResult, finish, rows_of
from sim.experiment.parallel import chunks, progress_bar, run_tasks
from sim.experiment.region import council_experiments, run_region
from sim.experiment.replication import ChunkResult
from sim.experiment.results_folder import MANIFEST, ResultsFolder, make_manifest
from sim.experiment.scenario_table import worst_half_width

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 10  # replications per task: seconds of work each, so overheads stay small


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
    of every scenario uses seed sequence k of the root seed.

    While it writes, ``out`` is locked (``sim.experiment.lock``): another run on the same
    folder is refused."""
    exp = (
        experiment
        if isinstance(experiment, ResolvedExperiment)
        else load_experiment(experiment, replications, root_seed)
    )
    manifest = make_manifest(exp, command or " ".join(sys.argv))
    if exp.spec.councils is not None:
        if out is None:
            raise ExperimentError(f"{exp.source}: a run by councils writes to a folder: give --out")
        councils = council_experiments(exp)  # every council validated before any writing
        with locked(out, manifest["command"]):
            region_folder = _prepare_folder(out, exp, resume, force, manifest)
            return run_region(
                exp,
                councils,
                region_folder,
                manifest,
                jobs,
                chunk_size,
                backend,
                scheduler,
                progress,
            )
    with ExitStack() as stack:
        folder = None
        if out is not None:
            stack.enter_context(locked(out, manifest["command"]))
            folder = _prepare_folder(out, exp, resume, force, manifest)
        return _run_in(exp, folder, manifest, jobs, chunk_size, backend, scheduler, progress)


def _run_in(
    exp: ResolvedExperiment,
    folder: ResultsFolder | None,
    manifest: dict[str, Any],
    jobs: int,
    chunk_size: int,
    backend: str,
    scheduler: str | None,
    progress: bool,
) -> ExperimentResult:
    """Run the experiment's chunks into ``folder`` (prepared and locked), or in memory."""
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
                reps = rows_of(folder, memory, done_names)
                worst = worst_half_width(exp, reps)
                log.info("%d replications: widest half-width %.4f", n, worst)
                if worst < exp.spec.precision.half_width:
                    break
    finally:
        bar.close()
    return finish(exp, folder, memory, done_names, manifest, n)


def _prepare_folder(
    out: str | Path, exp: ResolvedExperiment, resume: bool, force: bool, manifest: dict[str, Any]
) -> ResultsFolder:
    """Make ``out`` ready to write: checked against the experiment (``resume``), cleared
    (``force``) or empty; temporary files left by a killed run removed."""
    folder = ResultsFolder(Path(out))
    if resume:
        old = folder.read_manifest()
        if old is None and not folder.is_empty():
            raise ExperimentError(
                f"--resume: {folder.root} has no {MANIFEST}, so nothing tells which "
                "experiment made what is there; use --force to start again, or another --out"
            )
        if old is None and not any(map(is_temporary, folder.root.iterdir())):
            raise ExperimentError(f"--resume: {folder.root} holds no experiment to resume")
        if old is None:
            log.warning(
                "--resume: %s holds no finished replications (the run that made it was "
                "stopped before it wrote %s); starting from the beginning",
                folder.root,
                MANIFEST,
            )
        elif old.get("experiment_hash") != exp.hash():
            raise ExperimentError(
                f"--resume: {folder.root} was run from a different experiment "
                f"(hash {old.get('experiment_hash')}, now {exp.hash()}): the experiment "
                "file, its base config or --replications/--seed changed; use a new --out "
                "or --force to start again"
            )
        else:
            manifest["started"] = old.get("started", manifest["started"])
        remove_temporaries(folder.root)
        folder.drop_damaged_parts()
    elif force:
        folder.clear()
    elif not folder.is_empty():
        raise ExperimentError(
            f"--out {folder.root}: folder exists and is not empty; {_advice(folder, exp)}"
        )
    else:
        remove_temporaries(folder.root)
    folder.root.mkdir(parents=True, exist_ok=True)
    folder.write_manifest(manifest)
    return folder


def _advice(folder: ResultsFolder, exp: ResolvedExperiment) -> str:
    """What to do with a folder that is not empty: --resume only if it would work."""
    try:
        old = folder.read_manifest()
    except ExperimentError as exc:
        return f"its {exc}"
    if old is None:
        return "it is not a csc-sim results folder: use another --out"
    if old.get("experiment_hash") != exp.hash():
        return (
            f"it holds a run of another experiment ({old.get('experiment_file')}, or other "
            "--replications/--seed): use another --out, or --force to overwrite it"
        )
    return "use --resume to continue it or --force to overwrite"
