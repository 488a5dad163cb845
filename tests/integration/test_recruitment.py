"""Recruitment to vacancies (issue 12, item 1): each vacant post is advertised, rounds end in
an offer when they draw an appointable applicant, appointments grow with the vacancies with
diminishing returns, newly qualified applicants come mostly after graduation, and a
council's rate is derived from its own starters and vacancies (DfE workforce census)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from sim.config.council import Recruitment
from sim.config.loader import load_config
from sim.config.recruitment_rates import offers_per_year, rate_from_census, round_days
from sim.model.simulation import CouncilModel
from tests.conftest import CONFIGS, council

IN_POST = 100


def _council(vacancies: int, pool: float | None, **kw):
    """No demand, no leaving, no agency: only adverts and offers. Appointees never start
    within the run (a start delay of two years), so each post is offered at most once."""
    recruitment = {
        "appointable_per_advert": 0.4,
        "pool_adverts": pool,
        "advert_to_offer": {"dist": "fixed", "days": 28},
        "panel_interval_days": 7,
        "start_delay": {"dist": "fixed", "days": 730},
    } | kw.pop("recruitment", {})
    return council(
        demand={"referrals_per_year": 0},
        horizon_months=kw.pop("horizon_months", 2),
        initial_workforce={"permanent_fte": IN_POST, "asye_fte": 0},
        establishment={"fte": IN_POST + vacancies},
        recruitment=recruitment,
        **kw,
    )


def _offers(cfg, seeds: int) -> float:
    """Mean offers (appointments) made over the run."""
    return float(np.mean([CouncilModel(cfg, s).run()["hires"].sum() for s in range(seeds)]))


@pytest.mark.parametrize(("pool", "low", "high"), [(None, 3.6, 4.4), (20.0, 1.4, 2.0)])
def test_appointments_grow_with_vacancies_with_diminishing_returns(pool, low, high):
    """Four times the vacancies: about four times the offers without a pool limit, and
    (1 + 20/20) / (1 + 80/20) x 4 = 1.6 times with the pool halving each advert's applicants
    at 20 open adverts. One round (28 days + the panel) in two months."""
    ratio = _offers(_council(80, pool), 40) / _offers(_council(20, pool), 40)
    assert low <= ratio <= high, f"pool {pool}: offers x {ratio:.2f} for 4 x the vacancies"


def test_offers_a_year_match_the_formula_in_a_steady_state():
    """With leaving and appointees starting, a council settles where offers replace
    leavers; the offers counted equal ``offers_per_year`` at the adverts left open."""
    cfg = council(
        demand={"referrals_per_year": 0},
        horizon_months=72,
        initial_workforce={"permanent_fte": 150},
        establishment={"fte": 200},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.2}]},
        recruitment={
            "appointable_per_advert": 0.3,
            "pool_adverts": 40,
            "panel_interval_days": 14,
            "start_delay": {"dist": "fixed", "days": 60},
        },
    )
    offered, predicted = [], []
    for seed in range(6):
        model = CouncilModel(cfg, seed)
        f = model.run().iloc[24:]  # after two years' settling
        rc = model.cfg.recruitment
        open_adverts = (f["vacancy_fte"] - f["hires"].mean() * 12 * 60 / 365.25).mean()
        offered.append(f["hires"].sum() / (len(f) / 12))
        predicted.append(offers_per_year(rc, float(open_adverts)))
    assert np.mean(offered) == pytest.approx(np.mean(predicted), rel=0.08)


def test_newly_qualified_appointments_follow_graduation():
    """All newly qualified applicants in September: NQSWs start only after September panels
    (start delay 0), experienced workers all year."""
    september = [0.0] * 8 + [1.0] + [0.0] * 3
    cfg = _council(
        60,
        None,
        horizon_months=12,
        recruitment={
            "start_delay": {"dist": "fixed", "days": 0},
            "experienced_share": 0.5,
            "newly_qualified_by_month": september,
        },
    )
    f = CouncilModel(cfg, 3).run()
    asye_starts = f["asye_fte"].diff().fillna(f["asye_fte"].iloc[0]).clip(lower=0)
    by_month = dict(zip(pd.to_datetime(f["date"]).dt.month, asye_starts, strict=True))
    assert by_month[9] > 0, "no NQSW appointed after graduation"
    assert sum(v for m, v in by_month.items() if m != 9) == 0, by_month
    assert f["qualified_fte"].diff().iloc[1:6].sum() > 0, "experienced appointments stopped"


def test_a_campaign_raises_each_advert_s_applicants():
    """An applicant multiplier of 3 (a campaign) at few vacancies: about three times the
    offers (1 - exp(-3a)) / (1 - exp(-a)) with a = 0.1."""
    base = _council(30, None, recruitment={"appointable_per_advert": 0.1})
    three = _council(30, None, recruitment={"appointable_per_advert": 0.3})
    ratio = _offers(three, 40) / _offers(base, 40)
    expected = -math.expm1(-0.3) / -math.expm1(-0.1)
    assert ratio == pytest.approx(expected, rel=0.15)


def test_a_rate_derived_from_the_census_gives_back_its_starters():
    """England 2023 (DfE SWW 2023: 6,028 starters, 7,723 vacancies): the rate derived by
    ``rate_from_census`` makes the census's offers at its open adverts, exactly."""
    cfg = load_config(CONFIGS / "england_2023.yaml")
    rc = cfg.recruitment
    conversions = rc.agency.conversion_per_year * cfg.initial_workforce.agency_fte
    derived = rate_from_census(
        starters_per_year=6028,
        vacancies_fte=7723,
        agency_conversions_per_year=conversions,
        start_delay_days=rc.start_delay.mean(),
        round_days=round_days(rc),
        pool_adverts=rc.pool_adverts,
    )
    rebuilt = rc.model_copy(update={"appointable_per_advert": derived.appointable_per_advert})
    assert offers_per_year(rebuilt, derived.open_adverts) == pytest.approx(6028 - conversions)
    # and the shipped config carries that rate, to the precision its comment gives
    assert rc.appointable_per_advert == pytest.approx(derived.appointable_per_advert, abs=5e-4)


def test_the_old_applicant_stream_is_refused_with_its_replacement_named():
    with pytest.raises(
        ValidationError, match=r"applicants_per_month is no longer used.*appointable_per_advert"
    ):
        Recruitment.model_validate(
            {"applicants_per_month": 3, "panel_interval_days": 30, "experienced_share": 0.5,
             "agency": {"cover_delay_days": 7, "max_share": 0.2, "conversion_per_year": 0}}
        )  # fmt: skip
