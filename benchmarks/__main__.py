"""Time single replications of the shipped configs: ``python -m benchmarks [--reps N]``.

Each figure is the median wall time of N replications on one core (after one warm-up),
with SimPy's own count of processed events so that the per-event cost can be compared.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from sim.loading import load_config
from sim.model import CouncilModel

ROOT = Path(__file__).resolve().parents[1]


class CountingModel(CouncilModel):
    """The model with SimPy's event loop counting the events it processes."""

    def run(self):
        env = self.env
        step = env.step
        self.events = 0

        def counting_step() -> None:
            self.events += 1
            step()

        env.step = counting_step  # type: ignore[method-assign]
        return super().run()


def time_config(name: str, reps: int, horizon: int | None = None) -> tuple[float, int]:
    """Median seconds per replication and events per replication."""
    overrides = {"horizon_months": horizon} if horizon else None
    cfg = load_config(ROOT / "configs" / f"{name}.yaml", overrides)
    CouncilModel(cfg, 0).run()  # warm-up: imports, caches
    times, events = [], 0
    for seed in range(1, reps + 1):
        model = CountingModel(cfg, seed)
        t0 = time.perf_counter()
        model.run()
        times.append(time.perf_counter() - t0)
        events = model.events
    return statistics.median(times), events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--configs", nargs="*", default=["manchester_2016"])
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.reps} reps each")
    print(f"{'config':<24}{'s / replication':>16}{'events':>10}{'events / s':>12}")
    for name in args.configs:
        sec, events = time_config(name, args.reps)
        print(f"{name:<24}{sec:>16.3f}{events:>10,}{events / sec:>12,.0f}")


if __name__ == "__main__":
    main()
