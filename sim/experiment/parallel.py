"""Running an experiment's tasks (chunks of replications of one scenario) on local cores
with joblib, or on a Dask cluster, handing each finished chunk to a sink as it comes."""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from sim.config.experiment import ResolvedExperiment
from sim.experiment.outcome import ExperimentError
from sim.experiment.replication import ChunkResult, run_chunk

log = logging.getLogger(__name__)

PARENT_CHECK_S = 0.5
"""How often a local worker checks that the process that started it is still alive."""


class WorkerLost(Exception):
    """A worker process died part way (killed, or out of memory); the finished chunks are
    kept. ``str()`` says how it ended."""


def progress_bar(total: int, desc: str, enabled: bool) -> tqdm:
    """A bar of replications done, on stderr or in a notebook. Written to a log file (a CI
    job's, a cluster's) it is redrawn at most every 30 s rather than many times a second,
    so that the log stays readable."""
    to_log = not sys.stderr.isatty() and "ipykernel" not in sys.modules
    redraw_s = 30.0 if to_log else 0.1
    return tqdm(total=total, unit="rep", desc=desc, disable=not enabled, mininterval=redraw_s)


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
    main = os.getpid() if backend == "loky" else None
    with _backend(backend, jobs, scheduler):
        parallel = Parallel(n_jobs=jobs, return_as="generator_unordered")
        try:
            for i, chunk in parallel(
                delayed(_task)(i, exp, t, main) for i, (exp, t) in enumerate(tasks)
            ):
                sink(i, chunk)
                t = tasks[i][1]
                progress.update(t[2] - t[1])
        except BrokenProcessPool as exc:
            codes = re.search(r"exit codes of the workers are (\{.*?\})", str(exc))
            how = f"exit codes {codes.group(1)}; " if codes else ""
            raise WorkerLost(
                f"a worker process stopped part way ({how}killed, or out of memory)"
            ) from None


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


def _task(
    i: int, exp: ResolvedExperiment, task: tuple, main: int | None
) -> tuple[int, ChunkResult]:
    """Run one chunk; in a local worker process (not ``main``, the run's own process),
    first make sure the worker exits with its parent."""
    if main is not None and os.getpid() != main:
        _exit_with_parent()
    return i, run_chunk(exp, *task)


_watching = threading.Event()


def _exit_with_parent() -> None:
    """In a local worker process: exit at once when the process that started it dies (a
    parent killed with ``kill -9`` cannot stop its workers, which would otherwise finish
    their chunks for nobody). Not on a Dask cluster, whose workers outlive their
    launcher."""
    if _watching.is_set():
        return
    _watching.set()
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
