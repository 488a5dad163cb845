"""Capacities (``sim.model.capacity``): the table of part and full caseloads on the grid,
scaled to mean 1; NQSWs starting the ASYE hold full ones; a starter builds up in monthly
steps; off, everyone is full and nothing is drawn."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.council import Allocation
from sim.model.capacity import FULL, MOST, STEP, Capacity, capacity_table

SPREAD = Allocation(part_caseload_share=0.25, part_caseload_max=0.6, capacity_sd=0.3)


def _draws(alloc: Allocation, n: int, asye: bool = False) -> np.ndarray:
    """Current capacities (share of a full caseload) of ``n`` new case-holders."""
    rng = np.random.default_rng(1)
    cap = Capacity(alloc, lambda: float(rng.random()))
    return np.array([cap.level(cap.draw(asye), 1.0, asye) for _ in range(n)])


def test_off_everyone_holds_a_full_caseload_and_nothing_is_drawn():
    def never() -> float:
        raise AssertionError("drew a random number with the spread off")

    cap = Capacity(Allocation(), never)
    assert not cap.spread
    assert cap.draw(False) == cap.draw(True) == FULL
    assert cap.level(FULL, 1.0, False) == cap.level(FULL, 1.0, True) == 1.0
    assert capacity_table(Allocation(), 0.0) == {FULL: 1.0}


def test_the_table_is_a_distribution_on_the_grid():
    table = capacity_table(SPREAD, SPREAD.part_caseload_share)
    assert min(table) >= 1 and max(table) <= MOST
    assert sum(table.values()) == pytest.approx(1.0)
    # part caseloads are uniform up to 0.6: a quarter of 0.25 lies under 0.15 of a full one
    under = sum(p for k, p in table.items() if k * STEP < 0.15)
    assert under == pytest.approx(0.25 * 0.15 / 0.6, abs=0.01)


def test_capacities_are_scaled_to_mean_one_and_spread_as_configured():
    raw_mean = 0.25 * 0.3 + 0.75  # a quarter part caseloads of 0.3 on average, the rest 1
    c = _draws(SPREAD, 40_000)
    assert c.mean() == pytest.approx(1.0, abs=0.01)
    # a quarter of the part caseloads (uniform up to 0.6) are under 0.15 of a full one
    assert (c < 0.15 / raw_mean).mean() == pytest.approx(0.25 * 0.25, abs=0.01)
    asye = _draws(SPREAD, 40_000, asye=True)  # NQSWs: full caseloads only, scaled apart
    assert asye.mean() == pytest.approx(1.0, abs=0.01)
    assert np.log(asye).std() == pytest.approx(0.3, abs=0.01)
    # a part caseload would put a sixth under 0.4 (0.25 x 0.4 / 0.6); the lognormal 0.2%
    assert (asye < 0.4).mean() < 0.01, "no part caseloads in the ASYE"
    # the same full caseload is above the qualified workers' average, which parts pull down
    rng = np.random.default_rng(2)
    cap = Capacity(SPREAD, lambda: float(rng.random()))
    units = cap.draw(True)
    as_nqsw, as_qualified = cap.level(units, 1.0, True), cap.level(units, 1.0, False)
    assert as_qualified == pytest.approx(as_nqsw / raw_mean, rel=0.01)


def test_a_starter_builds_up_in_monthly_steps():
    cap = Capacity(Allocation(build_up_months=3), lambda: 0.5)
    assert [cap.built_up(m) for m in range(5)] == pytest.approx([1 / 6, 1 / 2, 5 / 6, 1, 1])
    assert cap.level(FULL, 1 / 6, False) == pytest.approx(round(FULL / 6) / FULL)
    assert cap.level(1, 0.01, False) > 0, "a starter holds at least one step"
    assert Capacity(Allocation(), lambda: 0.5).built_up(0) == 1.0
