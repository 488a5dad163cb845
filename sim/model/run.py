"""One replication end to end, without touching disk: build the model, run it to the
horizon and summarise it."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.config.council import CouncilConfig
from sim.config.policies import Policy
from sim.model.simulation import CouncilModel
from sim.model.summary import summarise

log = logging.getLogger(__name__)


def run_one(
    cfg: CouncilConfig,
    seed: int | np.random.SeedSequence,
    policies: Sequence[Policy] = (),
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run one replication without touching disk: the monthly frame and the summary."""
    t0 = time.perf_counter()
    model = CouncilModel(cfg, seed, policies)
    frame = model.run()
    wall = time.perf_counter() - t0
    log.info("replication done in %.2f s", wall)
    summary = summarise(cfg, frame, model, seed, wall)
    return frame, summary
