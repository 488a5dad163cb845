"""The search benchmark: ``python -m benchmarks.optimise [--quick] [--jobs N]``.

``csc-sim optimise`` on Manchester 2016's 24 candidate mixes
(experiments/manchester_2016_what_it_takes.yaml: 259, 288 or 320 posts from October 2016
or April 2017, with or without the recruitment drive and demand management), target
caseload_20 with a probability of at least 80%, finalists resolved to +-5 points. Prints
one table: the wall time, the replications run against a full grid at the same cap, and
the wall time against the bare SimPy loop measured in the same run (before and after the
search, so a busy machine moves both): the search took the time of so many million bare
``env.timeout`` events, a figure that a quiet machine and a busy one share. Measured, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.__main__ import ROOT, bare_simpy_events_per_second, print_rows
from sim.experiment.optimise import build_search, run_optimise
from sim.experiment.optimise_table import candidates_table
from sim.experiment.racing import RaceSettings

EXPERIMENT = ROOT / "experiments" / "manchester_2016_what_it_takes.yaml"
GOAL_S = 600.0
"""Issue 15: 24 candidate mixes on Manchester, finalists to +-5 points, within 10 minutes
on 2 cores."""


def bare_rate(times: int = 3) -> float:
    """Median events per second of the bare SimPy loop over ``times`` runs."""
    return statistics.median(bare_simpy_events_per_second() for _ in range(times))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="finalists to +-10 points, cap 80")
    p.add_argument("--jobs", type=int, default=-1, help="processes (default -1: all cores)")
    p.add_argument("--target", default="caseload_20")
    args = p.parse_args()
    settings = (
        RaceSettings(0.8, resolution=0.10, max_replications=80)
        if args.quick
        else RaceSettings(0.8, resolution=0.05)
    )
    cores = os.cpu_count() or 1
    search = build_search(EXPERIMENT, args.target, settings.max_replications)
    before = bare_rate()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        outcome = run_optimise(search, settings, jobs=args.jobs, out=Path(tmp) / "search")
        wall = time.perf_counter() - t0
    after = bare_rate()
    bare = statistics.median([before, after])
    table = candidates_table(outcome)
    answer = table[table["answer"]]
    found = (
        f"{answer.iloc[0]['label']}: {100 * answer.iloc[0]['p_met']:.0f}% of "
        f"{answer.iloc[0]['replications']}"
        if len(answer)
        else "none meets with 95% confidence; most likely "
        + str(table.sort_values("p_met", ascending=False).iloc[0]["label"])
    )
    finalists = table[table["verdict"] != "fails"]
    reps = table["replications"]
    k = len(search.candidates)
    rows = [
        ("candidates", f"{k}"),
        ("looks (replications)", ", ".join(map(str, settings.looks()))),
        ("replications run", f"{outcome.race.total:,} in {outcome.race.rounds} rounds"),
        ("a full grid at the cap", f"{k * settings.max_replications:,}"),
        (
            "replications a candidate: min / median / max",
            f"{reps.min()} / {reps.median():.0f} / {reps.max()}",
        ),
        (
            "finalists (not failing): replications, 95% half-width",
            "; ".join(
                f"{r['replications']}, +-{50 * (r['p_high'] - r['p_low']):.1f} pts"
                for _, r in finalists.iterrows()
            ),
        ),
        ("answer", found),
        ("wall time", f"{wall:.0f} s ({wall / 60:.1f} min; goal {GOAL_S / 60:.0f} min on 2 cores)"),
        (
            "wall time per replication x processes",
            f"{wall * (cores if args.jobs == -1 else args.jobs) / outcome.race.total:.2f} s",
        ),
        ("bare SimPy env.timeout loop, before / after", f"{before:,.0f} / {after:,.0f} events/s"),
        (
            "wall time / time of 1 million bare SimPy events",
            f"{wall * bare / 1e6:,.0f} x (the goal, 600 s, is {GOAL_S * bare / 1e6:,.0f} x here)",
        ),
    ]
    print_rows(rows, cores, time.strftime("%Y-%m-%d %H:%M"), f", load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
