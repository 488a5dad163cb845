"""Functional checks of one replication of the synthetic council: conservation, no
workers, drift and caseload-driven leaving. (Calibration and reproducibility of the shipped
Manchester config: tests/e2e/test_manchester_2016.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from sim.checks.theory import busy_council
from sim.model.simulation import CouncilModel
from tests.conftest import council


def test_children_are_conserved_every_month():
    """Children in (at start + referred) = open + closed at every month end; the audit
    checks each open child is held by one worker or waiting, never both."""
    cfg = busy_council()
    f = CouncilModel(cfg, 3, audit=True).run()
    initial = 50 + 100 + 30 + 40
    balance = initial + f["referrals"].cumsum() - f["closures"].cumsum() - f["open_cases"]
    assert (balance == 0).all(), f"children lost or created: {balance[balance != 0].head()}"
    stages = f[["open_assessment", "open_cin", "open_cp", "open_lac"]].sum(axis=1)
    assert (stages == f["open_cases"]).all()
    counts = f.drop(columns=["date"])
    assert (counts.fillna(0) >= 0).all().all(), "a negative count"
    assert f["unallocated_cases"].max() > 0, "nobody waited: the audit saw only one branch"


def test_no_workers_gives_undefined_caseload_not_infinite():
    cfg = council(
        initial_workforce={"permanent_fte": 0}, establishment={"fte": 0}, horizon_months=3
    )
    f = CouncilModel(cfg, 0, audit=True).run()
    assert f["avg_caseload"].isna().all()
    assert f["unallocated_cases"].iloc[-1] == f["open_cases"].iloc[-1] > 0


@pytest.mark.parametrize("strength", [0.0, 1.0])
def test_drift_lengthens_stages_only_when_switched_on(strength):
    """Overloaded workers (caseload twice the target): drift keeps more children open."""
    kw = dict(
        demand={"referrals_per_year": 3000},
        horizon_months=24,
        initial_workforce={"permanent_fte": 5},
        establishment={"fte": 5},
    )
    plain = CouncilModel(council(**kw), 2).run()["open_cases"].iloc[12:].mean()
    drift = CouncilModel(council(pathway={"drift_strength": strength}, **kw), 2).run()
    ratio = drift["open_cases"].iloc[12:].mean() / plain
    if strength == 0:
        assert ratio == 1.0
    else:
        assert ratio > 1.3, f"drift on but open cases only x{ratio:.2f}"


def test_caseload_driven_leaving_raises_turnover():
    kw = dict(
        demand={"referrals_per_year": 4000},
        horizon_months=36,
        initial_workforce={"permanent_fte": 10},
        establishment={"fte": 10},
        recruitment={"appointable_per_advert": 3},
    )
    base = {"permanent": [{"from_years": 0, "per_year": 0.15}]}
    off = [CouncilModel(council(leaving=base, **kw), s).run()["leavers"].sum() for s in range(8)]
    on = [
        CouncilModel(council(leaving={**base, "caseload_strength": 1.0}, **kw), s)
        .run()["leavers"]
        .sum()
        for s in range(8)
    ]
    assert np.mean(on) > 1.5 * np.mean(off), f"leavers off {np.mean(off)}, on {np.mean(on)}"
