"""Leavers by destination (issue 12, item 5; DfE Children's social work workforce 2021:
of 15.4% leaving in 2020-21, 4.2% went to another council, 2.6% to agency work and 8.6%
out): each permanent or ASYE leaver is counted by where they go, and a leaver to agency
work can fill the council's next agency order at once."""

from __future__ import annotations

import numpy as np

from sim.model.simulation import CouncilModel
from tests.conftest import council

SHARES = {"other_council": 0.273, "agency": 0.169, "out": 0.558}


def _council(destinations: dict | None, cover_delay_days: float = 60.0):
    return council(
        demand={"referrals_per_year": 0},
        horizon_months=36,
        initial_workforce={"permanent_fte": 200, "agency_fte": 0},
        establishment={"fte": 200},
        leaving={
            "permanent": [{"from_years": 0, "per_year": 0.3}],
            "notice_days_permanent": 28,
            "destinations": destinations,
        },
        recruitment={
            "appointable_per_advert": 0.2,
            "agency": {"cover_delay_days": cover_delay_days, "max_share": 1.0,
                       "conversion_per_year": 0},
        },
    )  # fmt: skip


def _runs(cfg, n=4):
    return [CouncilModel(cfg, s, audit=True).run() for s in range(n)]


def test_every_leaver_has_one_destination_in_the_configured_shares():
    frames = _runs(_council({**SHARES}))
    leavers = sum(f["leavers"].sum() for f in frames)
    by = {
        "other_council": sum(f["leavers_to_council"].sum() for f in frames),
        "agency": sum(f["leavers_to_agency"].sum() for f in frames),
        "out": sum(f["leavers_out"].sum() for f in frames),
    }
    assert sum(by.values()) == leavers > 500
    for k, share in SHARES.items():
        se = np.sqrt(share * (1 - share) / leavers)
        assert abs(by[k] / leavers - share) < 4 * se, (k, by[k] / leavers)


def test_without_destinations_nothing_is_recorded_and_nobody_returns():
    f = _runs(_council(None), 1)[0]
    assert f[["leavers_to_council", "leavers_to_agency", "leavers_out", "agency_returners"]
             ].to_numpy().sum() == 0  # fmt: skip
    assert f["leavers"].sum() > 0


def test_leavers_to_agency_fill_agency_orders_at_once():
    """Agency takes 60 days to fill an order; with every leaver going to agency work and
    available for 28 days, the orders for their own posts are filled at once, so more of
    the vacancies are covered."""
    everyone = {"other_council": 0.0, "agency": 1.0, "out": 0.0}
    back = _runs(_council(everyone))
    none = _runs(_council({**everyone, "agency_available_days": 0}))
    returned = sum(f["agency_returners"].sum() for f in back)
    assert returned > 0.5 * sum(f["leavers_to_agency"].sum() for f in back)
    assert sum(f["agency_returners"].sum() for f in none) == 0
    cover = np.mean([f["agency_fte"].iloc[6:].mean() for f in back])
    slower = np.mean([f["agency_fte"].iloc[6:].mean() for f in none])
    assert cover > slower + 2, (cover, slower)
