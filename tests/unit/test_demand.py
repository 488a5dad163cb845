"""The referral rate over time and the Poisson arrivals it drives."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.model.demand import ReferralRate
from sim.model.simulation import CouncilModel
from sim.model.timeline import Calendar
from tests.conftest import council


def rate_for(**demand):
    cfg = council(demand={"referrals_per_year": 3652.5, **demand}, horizon_months=48)
    cal = Calendar(cfg.start_date, cfg.horizon_months)
    return ReferralRate(cfg.demand, cal), cal


def test_trend_steps_reduction_and_seasonality_shape_the_rate():
    r, cal = rate_for()
    assert r.per_day(100) == pytest.approx(10.0)
    r, cal = rate_for(trend_per_year=0.1)
    assert r.per_day(cal.day(dt.date(2022, 1, 1))) == pytest.approx(10 * 1.1**2, rel=1e-3)
    r, cal = rate_for(steps=[{"date": "2021-01-01", "factor": 1.5}])
    assert r.per_day(cal.day(dt.date(2020, 12, 31))) == pytest.approx(10.0)
    assert r.per_day(cal.day(dt.date(2021, 1, 1))) == pytest.approx(15.0)
    r, cal = rate_for(reduction={"share": 0.2, "start": "2021-01-01", "phase_in_months": 18})
    assert r.per_day(cal.day(dt.date(2020, 6, 1))) == pytest.approx(10.0)
    halfway = cal.day(dt.date(2021, 1, 1)) + 9 * 365.25 / 12
    assert r.per_day(halfway) == pytest.approx(9.0, rel=1e-6)
    assert r.per_day(cal.day(dt.date(2023, 1, 1))) == pytest.approx(8.0)
    season = [2.0] + [1.0] * 11
    r, cal = rate_for(seasonality=season)
    jan, feb = r.per_day(cal.day(dt.date(2020, 1, 15))), r.per_day(cal.day(dt.date(2020, 2, 15)))
    assert jan == pytest.approx(2 * feb)
    assert np.mean(season) * 12 / sum(season) == pytest.approx(1.0)


def test_referrals_are_poisson_at_the_configured_rate():
    """Monthly counts: mean = rate x days, variance = mean (Poisson)."""
    cfg = council(
        demand={"referrals_per_year": 1200},
        horizon_months=120,
        pathway={"assessment": {"outcomes": {"nfa": 1.0}}},
    )
    f = CouncilModel(cfg, 4).run()
    days = np.diff([0.0] + [(d - f["date"].iloc[0]).days for d in f["date"].iloc[1:]])
    counts = f["referrals"].iloc[1:].to_numpy()
    expected = 1200 / 365.25 * days
    z = (counts.sum() - expected.sum()) / np.sqrt(expected.sum())
    assert abs(z) < 4, f"total referrals {counts.sum()} vs {expected.sum():.0f}"
    dispersion = np.var(counts - expected, ddof=1) / expected.mean()
    assert 0.6 < dispersion < 1.5, f"variance/mean {dispersion:.2f}, Poisson gives 1"
