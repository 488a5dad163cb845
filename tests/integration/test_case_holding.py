"""Caseload as DfE counts it (issue 12, item 3): social workers in posts without cases are in
post, leave and are replaced like the others but never hold a child, and children held by
others than case-holding social workers are open but never allocated nor waiting. The
audit checks every month that each open child is held by one case-holder, waiting, or
held by others."""

from __future__ import annotations

import numpy as np

from sim.model.simulation import CouncilModel
from tests.conftest import council

WORKERS = 40


def _run(seed: int, **overrides):
    cfg = council(
        demand={"referrals_per_year": 3000},
        initial_workforce={"permanent_fte": WORKERS},
        establishment={"fte": WORKERS, "team_managers_fte": 5, **overrides.pop("est", {})},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.3}]},
        recruitment={"appointable_per_advert": 2},
        horizon_months=24,
        **overrides,
    )
    model = CouncilModel(cfg, seed, audit=True)
    return model, model.run()


def test_posts_without_cases_are_staffed_but_hold_no_children():
    model, f = _run(1, est={"case_holding_share": 0.6})
    in_post = f["qualified_fte"] + f["asye_fte"] + f["agency_fte"]
    share = (f["case_holder_fte"] / in_post).iloc[1:]
    assert np.allclose(share, 0.6, atol=0.06), share.describe()
    # everyone open is held by a case-holder (over cap when full): none by the others
    assert (f["cases_held"] + f["unallocated_cases"] == f["open_cases"]).all()
    assert f["leavers"].sum() > 10 and f["joiners"].sum() > 10, "posts of both kinds turn over"
    others = [w for w in model.workforce.workers if w.team == "non_case_holding"]
    assert len(others) >= 0.3 * WORKERS and not any(w.children for w in others)


def test_children_held_by_others_are_open_but_never_allocated():
    _, f = _run(2, allocation={"when_full": "over_cap", "held_share": 0.75})
    held = (f["cases_held"] / f["open_cases"]).iloc[6:]
    assert np.allclose(held.mean(), 0.75, atol=0.03), held.describe()
    assert (f["unallocated_cases"] == 0).all(), "held by others is not unallocated"
    assert (f["avg_caseload"] == f["cases_held"] / f["case_holder_fte"]).all()


def test_who_holds_a_child_has_its_own_random_stream():
    """Choosing who holds each child draws from a stream of its own: the referrals, which
    come from another, are the same draw for draw whatever the share held."""
    _, all_held = _run(3)
    _, some_held = _run(3, allocation={"when_full": "over_cap", "held_share": 0.5})
    assert all_held["referrals"].equals(some_held["referrals"])
    assert not all_held["cases_held"].equals(some_held["cases_held"])
