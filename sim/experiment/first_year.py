"""The baseline's first year, run briefly for ``csc-sim check``: where the run starts (the
model's own reading of the start), how far the baseline moves over its first year before
any policy could matter, and how fast this machine runs the model, for the time estimate.

Replication k runs with seed sequence k of the root seed, as the experiment's would, and
with the uncertain values replication k draws (``sim.experiment.uncertain``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.council import CouncilConfig
from sim.config.experiment import ResolvedExperiment
from sim.config.policies import Policy
from sim.experiment.uncertain import replication_config
from sim.model.rng import replication_seed
from sim.model.run import run_one

log = logging.getLogger(__name__)

BRIEF_MONTHS = 12
"""The first year: month 1 against month 12."""
BRIEF_REPLICATIONS = 5
BUDGET_SECONDS = 15.0
"""Wall time after which no further replication is started (the first always runs): a
check of a large region stays within a minute."""


@dataclass(frozen=True)
class FirstYear:
    """The baseline's first months, replication by replication (frames of the monthly
    series, row 0 the start), and the wall time each replication took."""

    config: CouncilConfig
    """The baseline config as run (its horizon cut to the brief run's months)."""
    frames: tuple[pd.DataFrame, ...]
    seconds: tuple[float, ...]

    @property
    def months(self) -> int:
        return self.config.horizon_months

    @property
    def replications(self) -> int:
        return len(self.frames)

    @property
    def seconds_per_replication(self) -> float:
        """Median wall seconds of one brief replication on this machine, one core."""
        return float(np.median(self.seconds))

    def values(self, column: str, month: int) -> np.ndarray:
        """``column`` at month ``month`` (0: the start) in each replication."""
        return np.array([float(f[column].iloc[month]) for f in self.frames])

    def median(self, column: str, month: int) -> float:
        return float(np.nanmedian(self.values(column, month)))

    def spread(self, column: str, month: int) -> tuple[float, float]:
        """Lowest and highest of ``column`` at ``month`` over the replications."""
        v = self.values(column, month)
        return float(np.nanmin(v)), float(np.nanmax(v))


def run_first_year(
    cfg: CouncilConfig,
    seeds: Sequence[np.random.SeedSequence],
    policies: Sequence[Policy] = (),
    configs: Sequence[CouncilConfig] | None = None,
    budget_seconds: float = BUDGET_SECONDS,
) -> FirstYear:
    """Run ``cfg`` (or ``configs[k]`` for replication k) for its first
    :data:`BRIEF_MONTHS` months (or its whole horizon if shorter) with ``seeds``, stopping
    early once ``budget_seconds`` of wall time are spent."""
    months = min(BRIEF_MONTHS, cfg.horizon_months)
    frames, seconds = [], []
    spent = 0.0
    for k, seed in enumerate(seeds):
        if k and spent >= budget_seconds:
            log.info("first year: %d replications in %.1f s; no more", k, spent)
            break
        base = configs[k] if configs is not None else cfg
        brief = base.model_copy(update={"horizon_months": months})
        t0 = time.perf_counter()
        frame, _ = run_one(brief, seed, policies)
        took = time.perf_counter() - t0
        spent += took
        frames.append(frame)
        seconds.append(took)
    short = cfg.model_copy(update={"horizon_months": months})
    return FirstYear(short, tuple(frames), tuple(seconds))


def experiment_first_year(exp: ResolvedExperiment, replications: int) -> FirstYear:
    """The experiment's baseline scenario, replications 0 to ``replications`` - 1."""
    n = max(1, replications)
    configs = [replication_config(exp, 0, k)[0] for k in range(n)]
    seeds = [replication_seed(exp.spec.root_seed, k) for k in range(n)]
    return run_first_year(exp.baseline.config, seeds, exp.baseline.policies, configs)


def scenario_seconds(
    exp: ResolvedExperiment, budget_seconds: float = BUDGET_SECONDS
) -> dict[int, FirstYear]:
    """One brief replication (replication 0) of each scenario after the baseline, for the
    time estimate (policies change the model's speed), while ``budget_seconds`` last (none
    if it is 0); the scenarios not reached are left out."""
    out: dict[int, FirstYear] = {}
    spent = 0.0
    seed = replication_seed(exp.spec.root_seed, 0)
    for i, sc in enumerate(exp.scenarios[1:], start=1):
        if spent >= budget_seconds:
            break
        cfg = replication_config(exp, i, 0)[0]
        out[i] = run_first_year(cfg, [seed], sc.policies)
        spent += out[i].seconds[0]
    return out


def config_first_year(cfg: CouncilConfig, replications: int, seed: int = 0) -> FirstYear:
    """A council config, replications 0 to ``replications`` - 1 of root seed ``seed``."""
    seeds = [replication_seed(seed, k) for k in range(max(1, replications))]
    return run_first_year(cfg, seeds)
