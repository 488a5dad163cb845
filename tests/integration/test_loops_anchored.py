"""The feedback loops are relative to the start: whatever their strengths, the shipped
Manchester 2016 config starts where M16 says Manchester was (turnover 12%, 4.3; 4,953 open
children, table 3), and a loop moves leaving only as caseloads move from there.

Without the anchoring, a caseload strength of 1 at Manchester's start (24 children against
targets of 15-20) raises first-year leaving by about a third, and drift of 0.3 lengthens
every stage by about a tenth from the first month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.checks.published import MANCHESTER
from sim.config.loader import load_config
from sim.model.simulation import CouncilModel

SEEDS = range(12)
STATUS_QUO = {"schedule": [], "team_manager_schedule": []}
"""M16's position held: the 2016 plan's new posts switched off."""


def _runs(drift: float, caseload: float, months: int, **over: object) -> list[pd.DataFrame]:
    """Manchester 2016 held at M16's posts, with the loops' strengths and ``over``."""
    cfg = load_config(
        MANCHESTER,
        {
            "horizon_months": months,
            "establishment": STATUS_QUO,
            "pathway": {"drift_strength": drift},
            "leaving": {"caseload_strength": caseload, "supervision_strength": 0.0},
            **over,
        },
    )
    return [CouncilModel(cfg, seed).run() for seed in SEEDS]


def test_a_strong_caseload_loop_leaves_the_start_turnover_as_published():
    """M16 4.3 (turnover 12%): first-year leavers with caseload_strength 1 are within 12%
    of those with the loop off (common seeds); unanchored they would be about a third
    more."""
    off = sum(f["leavers"].iloc[1:13].sum() for f in _runs(0.0, 0.0, 12))
    on = sum(f["leavers"].iloc[1:13].sum() for f in _runs(0.0, 1.0, 12))
    assert abs(on / off - 1) < 0.12, f"first-year leavers: loop off {off}, strength 1 {on}"


def test_strong_drift_leaves_the_start_open_children_as_published():
    """M16 table 3 (4,953 open children): with drift_strength 0.3 the open children over
    the first year stay within 1.5% of drift off's; unanchored, stages a tenth longer keep
    about 4% more open by then."""
    off = np.mean([f["open_cases"].iloc[6:13].mean() for f in _runs(0.0, 0.0, 12)])
    on = np.mean([f["open_cases"].iloc[6:13].mean() for f in _runs(0.3, 0.0, 12)])
    assert abs(on / off - 1) < 0.015, f"open children: drift off {off:.0f}, 0.3 {on:.0f}"


def test_the_caseload_loop_rewards_falling_caseloads():
    """With referrals cut from M16's 5,700 a year to 3,000 (assumption: a demand fall large
    enough to be decisive in a test), qualified caseloads fall from the start's 24 to
    about 16 in the second year; with caseload_strength 1, second-year leavers fall below
    the loop-off ones (about a fifth fewer; unanchored, they would be more)."""
    fewer = {"demand": {"referrals_per_year": 3000}}
    off = sum(f["leavers"].iloc[13:25].sum() for f in _runs(0.0, 0.0, 24, **fewer))
    on = sum(f["leavers"].iloc[13:25].sum() for f in _runs(0.0, 1.0, 24, **fewer))
    assert on < 0.9 * off, f"second-year leavers: loop off {off}, strength 1 {on}"
