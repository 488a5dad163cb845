"""One replication run with everything the returns need recorded (``sim.model.record``)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.config.council import CouncilConfig
from sim.model.simulation import CouncilModel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """A finished replication: its config and seed, the monthly KPIs (``CouncilModel.run``)
    and the recorded tables (``Recorder.tables``: days from ``start``)."""

    cfg: CouncilConfig
    seed: int | np.random.SeedSequence
    frame: pd.DataFrame
    tables: dict[str, pd.DataFrame]

    @property
    def start(self) -> dt.date:
        """The config's start date: day 0."""
        return self.cfg.start_date

    @property
    def last_day(self) -> dt.date:
        """The last day simulated (the day before the horizon's end)."""
        return self.frame["date"].iloc[-1].date()


def simulate(cfg: CouncilConfig, seed: int | np.random.SeedSequence) -> Run:
    """Run ``cfg`` once with ``seed`` (as ``csc-sim run`` does: an int, or a replication's
    ``SeedSequence``), recording every referral, spell and worker. Recording draws nothing,
    so the monthly KPIs are those of the same seed's ``csc-sim run``."""
    t0 = time.perf_counter()
    model = CouncilModel(cfg, seed, record=True)
    frame = model.run()
    assert model.recorder is not None
    log.info("replication run in %.2f s", time.perf_counter() - t0)
    return Run(cfg, seed, frame, model.recorder.tables())
