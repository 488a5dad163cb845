"""The benchmark suite: ``python -m benchmarks [--quick] [--england-months N]``.

Prints one table. Each figure is measured in the same run as its reference, so a noisy
machine does not mislead: the model's cost per SimPy event against a bare ``env.timeout``
loop; seconds per replication (median); one England replication's wall time and peak
memory (in a child process); replications per second with one process and all cores; and
the peak memory of a long experiment against a short one (streaming to disk keeps it
flat). Figures are measured, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import simpy

from sim.config.loader import load_config
from sim.model import core
from sim.model.core import PURE_ENV
from sim.model.simulation import CouncilModel

ROOT = Path(__file__).resolve().parents[1]


class CountingModel(CouncilModel):
    """The model with SimPy's event loop counting the events it processes."""

    def run(self):
        env, step = self.env, self.env.step
        self.events = 0

        def counting_step() -> None:
            self.events += 1
            step()

        env.step = counting_step  # type: ignore[method-assign]
        return super().run()


def bare_simpy_events_per_second(n: int = 300_000) -> float:
    """A process doing nothing but ``yield env.timeout(1)``: SimPy's own ceiling."""
    env = simpy.Environment()

    def loop():
        for _ in range(n):
            yield env.timeout(1)

    env.process(loop())
    t0 = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - t0)


def simpy_queue_events_per_second(pending: int = 1_000, n: int = 300_000) -> float:
    """SimPy alone as the model uses it: timeouts with a callback that books the next,
    ``pending`` of them in the queue at once (the model holds about a week of events;
    Manchester about 1,000). Shows how much of the model's cost per event is SimPy's."""
    env = simpy.Environment()
    delays = np.random.default_rng(1).exponential(100.0, n + pending).tolist()
    left = [n]

    def fire(_event: simpy.Event) -> None:
        if left[0]:
            left[0] -= 1
            env.timeout(delays[left[0]]).callbacks.append(fire)

    for d in delays[n:]:
        env.timeout(d).callbacks.append(fire)
    t0 = time.perf_counter()
    env.run()
    return (n + pending) / (time.perf_counter() - t0)


def replication_seconds(name: str, reps: int) -> tuple[float, float, float]:
    """Median seconds per replication of a shipped config, its SimPy events per second,
    and its cost per event relative to the bare SimPy loop.

    Each replication is timed right after a run of the bare loop, and the cost ratio is the
    median over these pairs: this virtual machine's speed drifts by tens of per cent over
    minutes, and a pair sees the same machine. The timed runs are plain models; the events
    of each seed are counted in a separate, untimed run of the same seed (a run is
    deterministic), so counting adds no overhead to the time."""
    cfg = load_config(ROOT / "configs" / f"{name}.yaml")
    CouncilModel(cfg, 0).run()  # warm-up
    times, events, ratios = [], [], []
    for seed in range(1, reps + 1):
        bare = bare_simpy_events_per_second(100_000)
        model = CouncilModel(cfg, seed)
        t0 = time.perf_counter()
        model.run()
        times.append(time.perf_counter() - t0)
        counted = CountingModel(cfg, seed)
        counted.run()
        events.append(counted.events)
        ratios.append(bare * times[-1] / events[-1])
    return statistics.median(times), sum(events) / sum(times), statistics.median(ratios)


PEAK = (
    "import resource\n"
    "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,\n"
    "           resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024\n"
)


def _child(code: str, env: dict[str, str] | None = None) -> dict:
    """Run ``code`` in a fresh interpreter (with ``env`` added to the environment); the
    JSON it prints, with ``peak_mb``: the peak resident memory of that interpreter or of
    any worker process it started."""
    out = subprocess.run(
        [sys.executable, "-c", code + PEAK + "print(json.dumps({**r, 'peak_mb': peak}))\n"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def england(months: int) -> dict:
    return _child(
        "import json, time\n"
        "from sim.config.loader import load_config\nfrom sim.model.simulation import CouncilModel\n"
        f"c = load_config('configs/england_2023.yaml', {{'horizon_months': {months}}})\n"
        "t = time.perf_counter(); CouncilModel(c, 1).run()\n"
        "r = {'seconds': time.perf_counter() - t}\n"
    )


def england_by_council(months: int, jobs: int) -> dict:
    """One replication of England as 150 councils side by side (one task per council)."""
    return _child(
        "import json, tempfile, time\n"
        "from sim.experiment.runner import run_experiment\n"
        "from sim.config.experiment import load_experiment, validate_experiment\n"
        "from sim.config.loader import read_yaml\n"
        "from pathlib import Path\n"
        "p = Path('experiments/england_2023_councils.yaml')\n"
        "d = read_yaml(p)\n"
        f"d['replications'] = 1; d['scenarios'][0]['overrides'] = {{'horizon_months': {months}}}\n"
        "d['targets'][0]['date'] = '2023-12-31'; d['targets'][0]['sustain_months'] = 0\n"
        "exp = validate_experiment(d, str(p), p.resolve().parent)\n"
        "t = time.perf_counter()\n"
        "with tempfile.TemporaryDirectory() as tmp:\n"
        f"    run_experiment(exp, jobs={jobs}, out=tmp + '/e', chunk_size=1)\n"
        "r = {'seconds': time.perf_counter() - t}\n"
    )


def manchester_from_source(reps: int) -> dict:
    """Manchester's seconds per replication and cost per event (against the bare loop)
    with the core run from its Python source instead of compiled (sim/model/core.py)."""
    return _child(
        "import json\nfrom benchmarks.__main__ import replication_seconds\n"
        f"sec, rate, ratio = replication_seconds('manchester_2016', {reps})\n"
        "r = {'seconds': sec, 'ratio': ratio}\n",
        env={PURE_ENV: "1"},
    )


def experiment(reps: int, jobs: int, config: str, out: str | None = None) -> dict:
    """Time an experiment of one scenario (a shipped config) with ``reps`` replications."""
    return _child(
        "import json, time\n"
        "from sim.experiment.runner import run_experiment\n"
        "from sim.config.experiment import (Experiment, ResolvedExperiment,\n"
        "    ResolvedScenario)\n"
        "from sim.config.loader import load_config\n"
        f"cfg = load_config('configs/{config}.yaml')\n"
        "spec = Experiment.model_validate({'name': 'bench', 'base': 'x', "
        f"'replications': {reps}, 'root_seed': 1, 'targets': [{{'name': 't', "
        "'metric': 'avg_caseload', 'max': 18, 'date': str(cfg.target.date)}], "
        "'scenarios': [{'name': 'only', 'description': 'bench'}]})\n"
        "exp = ResolvedExperiment(spec, 'bench', (ResolvedScenario('only', 'x', cfg, ()),))\n"
        "t = time.perf_counter()\n"
        f"run_experiment(exp, jobs={jobs}, out={out!r})\n"
        "r = {'seconds': time.perf_counter() - t}\n"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="smaller runs (about 2 minutes)")
    p.add_argument("--england-months", type=int, default=60, help="0 skips England")
    args = p.parse_args()
    reps = 3 if args.quick else 9
    exp_reps = 40 if args.quick else 200
    cores = os.cpu_count() or 1
    rows: list[tuple[str, str]] = []

    queued = simpy_queue_events_per_second()
    bare = bare_simpy_events_per_second()
    sec, rate, ratio = replication_seconds("manchester_2016", reps)
    source = manchester_from_source(reps)
    rows += [
        ("bare SimPy env.timeout loop", f"{bare:,.0f} events/s"),
        ("SimPy alone, callbacks, 1,000 events queued", f"{queued:,.0f} events/s"),
        ("Manchester 2016, 5 years: s / replication (median)", f"{sec:.3f} s"),
        ("Manchester: SimPy events / replication", f"{rate * sec:,.0f}"),
        ("Manchester: events / s", f"{rate:,.0f}"),
        ("model cost per event / bare SimPy event (median of pairs)", f"{ratio:.1f} x"),
        ("  of which SimPy's own at that queue length", f"{bare / queued:.1f} x"),
        (
            "Manchester with the core as Python source (CSC_SIM_PURE=1)",
            f"{source['seconds']:.3f} s, {source['ratio']:.1f} x",
        ),
    ]
    sec, _, _ = replication_seconds("cheshire_east_2017", reps)
    rows.append(("Cheshire East 2017, 5 years: s / replication", f"{sec:.3f} s"))
    if args.england_months:
        e = england(args.england_months)
        rows.append(
            (
                f"England 2023, {args.england_months} months: one replication",
                f"{e['seconds']:.0f} s, peak {e['peak_mb']:.0f} MB",
            )
        )
        for jobs in (1, -1):
            c = england_by_council(args.england_months, jobs)
            rows.append(
                (
                    f"England as 150 councils, {args.england_months} months, --jobs {jobs}",
                    f"{c['seconds']:.0f} s, peak {c['peak_mb']:.0f} MB",
                )
            )
    one = experiment(exp_reps, 1, "cheshire_east_2017")
    allc = experiment(exp_reps, -1, "cheshire_east_2017")
    speedup = one["seconds"] / allc["seconds"]
    rows += [
        (
            f"{exp_reps} replications (Cheshire East), --jobs 1",
            f"{exp_reps / one['seconds']:.2f} rep/s",
        ),
        (
            f"{exp_reps} replications, --jobs -1 ({cores} cores)",
            f"{exp_reps / allc['seconds']:.2f} rep/s",
        ),
        ("parallel efficiency (speed-up / cores)", f"{100 * speedup / cores:.0f}%"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        small = experiment(exp_reps, -1, "cheshire_east_2017", f"{tmp}/small")
        big = experiment(10 * exp_reps, -1, "cheshire_east_2017", f"{tmp}/big")
    rows += [
        (f"peak memory, {exp_reps} replications to disk", f"{small['peak_mb']:.0f} MB"),
        (f"peak memory, {10 * exp_reps} replications to disk", f"{big['peak_mb']:.0f} MB"),
    ]
    print_rows(rows, cores, time.strftime("%Y-%m-%d"))


def print_rows(rows: list[tuple[str, str]], cores: int, when: str, extra: str = "") -> None:
    """The machine (Python, cores, ``when``, whether the core is compiled, ``extra``), then
    one line per (name, value) row, the values aligned."""
    print(
        f"python {platform.python_version()} on {platform.machine()}, {cores} cores, "
        f"{when}, core {core.MODE}{extra}"
    )
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
