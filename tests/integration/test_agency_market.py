"""Agency cover as a market (issue 12, item 2): orders for a share of the vacancies, a time
to fill, a cap on the agency share of those in post, and no dismissals: when the cap falls
or the vacancies fill, agency assignments end only as permanent starters arrive to take
the children, one for each starter."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.config.policies import Policy
from sim.model.simulation import CouncilModel
from tests.conftest import council

POLICY = TypeAdapter(Policy)
PHASE_DOWN = {"type": "agency_policy", "max_share": 0.2, "by": "2021-06-01"}


def _council(agency: dict, appointable: float = 0, agency_fte: int = 40, **kw):
    return council(
        demand={"referrals_per_year": 0},
        horizon_months=30,
        initial_workforce={"permanent_fte": 60, "agency_fte": agency_fte},
        establishment={"fte": 100},
        recruitment={
            "appointable_per_advert": appointable,
            "start_delay": {"dist": "fixed", "days": 30},
            "agency": {"cover_delay_days": 7, "max_share": 0.45, "conversion_per_year": 0} | agency,
        },
        **kw,
    )


def _run(cfg, *policies):
    return CouncilModel(cfg, 0, [POLICY.validate_python(p) for p in policies], audit=True).run()


def test_a_lower_cap_stops_orders_and_dismisses_nobody():
    """No permanent starter arrives and agency workers do not leave: the agency in post
    stays whatever the phase-down (it used to be cut to the cap)."""
    f = _run(_council({}), PHASE_DOWN)
    assert (f["agency_fte"] == 40).all(), f["agency_fte"].tolist()
    assert f["agency_leavers"].sum() == 0 and f["agency_joiners"].sum() == 0


def test_agency_hands_over_to_permanent_starters_one_for_one():
    f = _run(_council({}, appointable=2), PHASE_DOWN)
    assert f["joiners"].sum() == 40, "the 40 vacancies fill"
    assert (f["agency_leavers"] <= f["joiners"]).all(), "an agency worker left unreplaced"
    assert f["agency_leavers"].sum() == 40 and f["agency_fte"].iloc[-1] == 0
    assert f["agency_fte"].iloc[1] > 30, "cut before any starter arrived"


def test_cover_is_ordered_for_a_share_of_the_vacancies():
    f = _run(_council({"cover_share": 0.5, "max_share": 1.0}, agency_fte=0))
    assert f["agency_fte"].iloc[3:].eq(20).all(), f["agency_fte"].tolist()  # half of 40


def test_the_cap_is_a_share_of_those_in_post_as_the_agency_share_metric():
    f = _run(_council({"max_share": 0.2}, agency_fte=0))
    assert f["agency_fte"].iloc[3:].eq(15).all()  # 15 of 75 in post: 20%
    assert f["agency_share"].iloc[3:].to_numpy() == pytest.approx(0.2)


def test_time_to_fill_has_the_stated_mean_and_spread():
    cfg = _council({"cover_delay_days": 14, "time_to_fill_sd_days": 7})
    recruitment = CouncilModel(cfg, 1).recruitment
    days = np.array([recruitment._time_to_fill() for _ in range(4000)])
    assert days.mean() == pytest.approx(14, rel=0.03) and days.std() == pytest.approx(7, rel=0.1)
    fixed = CouncilModel(_council({"cover_delay_days": 14}), 1).recruitment
    assert {fixed._time_to_fill() for _ in range(10)} == {14.0}


@pytest.mark.parametrize("seed", range(3))
def test_agency_stock_moves_by_its_flows_conversions_included(seed):
    """Issue 14, item 5: each month the agency FTE changes by exactly the assignments
    started less those ended less the agency workers who took a permanent post (before
    ``agency_conversions`` existed, conversions left the stock unexplained)."""
    cfg = council(
        horizon_months=36,
        initial_workforce={"permanent_fte": 20, "agency_fte": 10},
        establishment={"fte": 40},
        recruitment={"agency": {"conversion_per_year": 0.3, "max_share": 0.5}},
    )
    f = CouncilModel(cfg, seed).run()
    change = f["agency_fte"].diff().iloc[1:]
    flows = (f["agency_joiners"] - f["agency_leavers"] - f["agency_conversions"]).iloc[1:]
    assert (change == flows).all(), f"months off: {(change - flows)[change != flows].head()}"
    assert f["agency_conversions"].sum() > 0, "no conversion happened: the test saw nothing"
