"""The model against queueing and stock-flow theory (sim/checks/theory.py: the same checks
``csc-sim validate`` reports). Each check uses enough replications to be decisive, and its
tolerance comes from the statistics, not from the model's own output."""

from __future__ import annotations

import pytest

from sim.checks import theory
from sim.model.simulation import CouncilModel
from tests.conftest import council, exp


@pytest.mark.parametrize("check", theory.CHECKS, ids=lambda c: c.__name__)
def test_model_matches_theory(check):
    results = check(False)
    assert results, "a check measured nothing"
    failed = [str(c) for c in results if not c.passed]
    assert not failed, "\n".join(failed)


def test_erlang_c_formula():
    """The reference itself: M/M/1 waits with probability rho; a textbook M/M/2 value."""
    assert theory.erlang_c_probability(1, 0.5) == pytest.approx(0.5)
    assert theory.erlang_c_probability(2, 1.0) == pytest.approx(1 / 3)


def run(cfg, seed: int):
    return CouncilModel(cfg, seed, audit=True).run()


def test_no_worker_exceeds_cap_when_children_wait():
    """Demand far above capacity with over-cap allocation off: caps hold, children wait."""
    cfg = council(
        demand={"referrals_per_year": 6000},
        teams={t: {"caseload_cap": 20} for t in ("assessment", "cin_cp", "lac")},
        allocation={"when_full": "wait"},
        initial_workforce={"permanent_fte": 8, "asye_fte": 3},
        asye={"caseload_cap": 5},
        absence={"episodes_per_year": 4, "duration": exp(30), "reallocate_after_days": 14},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.3}]},
        recruitment={"appointable_per_advert": 1, "experienced_share": 0.5},
    )
    f = run(cfg, 5)
    assert f["unallocated_cases"].iloc[-1] > 100, "caps never bound: the test proves nothing"
    assert f["max_worker_load"].max() <= 1.0, (
        f"a worker held {f['max_worker_load'].max():.2f} x cap"
    )
    assert f["avg_caseload_asye"].max() <= 5.0
