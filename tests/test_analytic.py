"""The model against queueing and stock-flow theory. Each check uses enough replications
to be decisive; tolerances come from the statistics, not from the model's own output."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.model import CouncilModel
from sim.steady_state import expected_open_cases
from tests.conftest import council, exp

STAGE_COLS = {
    "assessment": "open_assessment",
    "cin": "open_cin",
    "cp": "open_cp",
    "lac": "open_lac",
}


def run(cfg, seed: int) -> pd.DataFrame:
    return CouncilModel(cfg, seed, audit=True).run()


def test_open_cases_match_mg_infinity_mean_and_poisson_variance():
    """Capacity never binds: each stage's open cases are Poisson with mean rate x mean
    duration (an M/G/inf network). Lognormal and fixed durations check the 'G'."""
    rate = 2000.0
    pathway = {
        "assessment": {"duration": {"dist": "fixed", "days": 35}},
        "cin": {"duration": {"dist": "lognormal", "mean_days": 60, "sd_days": 90}},
    }
    base = council(demand={"referrals_per_year": rate}, pathway=pathway)
    expected = expected_open_cases(base.pathway, rate)
    init = {s: round(v) for s, v in expected.items()}
    cfg = council(
        demand={"referrals_per_year": rate},
        pathway=pathway,
        horizon_months=36,
        initial_cases={**init, "time_in_stage": "equilibrium"},
    )
    seeds = range(60)
    frames = [run(cfg, s) for s in seeds]
    months = [12, 18, 24, 30, 36]
    dispersions = []
    for stage, col in STAGE_COLS.items():
        mu = expected[stage]
        per_seed = np.array([f[col].iloc[months].mean() for f in frames])
        se = per_seed.std(ddof=1) / math.sqrt(len(per_seed))
        assert abs(per_seed.mean() - mu) < 4 * se + 0.005 * mu, (
            f"{stage}: mean open {per_seed.mean():.1f}, M/G/inf expects {mu:.1f} (se {se:.2f})"
        )
        for m in (24, 36):
            x = np.array([f[col].iloc[m] for f in frames])
            dispersions.append(x.var(ddof=1) / mu)
    d = float(np.mean(dispersions))
    assert 0.75 < d < 1.25, f"variance/mean of open cases {d:.2f}; Poisson gives 1"


def test_littles_law_on_model_outputs():
    """Time-average open cases = arrival rate x mean time in system (re-referrals included)."""
    cfg = council(
        horizon_months=120,
        demand={"referrals_per_year": 1500, "rereferral": {"probability": 0.2, "delay": exp(60)}},
    )
    model = CouncilModel(cfg, 11, audit=True)
    frame = model.run()
    days = model.calendar.horizon_days
    L = (
        frame["mean_open_cases"].iloc[1:] * np.diff([0.0, *model.calendar.period_end_days])
    ).sum() / days
    lam = frame["referrals"].sum() / days
    W = model.cases.closed_time_in_system_days / model.cases.children_closed
    assert pytest.approx(lam * W, rel=0.03) == L, f"L={L:.1f}, lambda*W={lam * W:.1f}"


def erlang_c(c: int, a: float) -> float:
    """Probability an arrival waits in an M/M/c queue with offered load ``a``."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def test_waiting_for_a_caseload_place_matches_erlang_c():
    """Fixed workforce, one child per worker (cap 1), exponential assessments, children wait
    when all are full: an M/M/c queue; time-average children = a + Lq."""
    c, mean_days, rho = 10, 30.0, 0.8
    lam_per_day = rho * c / mean_days
    cfg = council(
        horizon_months=600,
        demand={"referrals_per_year": lam_per_day * 365.25},
        pathway={"assessment": {"duration": exp(mean_days), "outcomes": {"nfa": 1.0}}},
        teams={
            "assessment": {"caseload_target": 1, "caseload_cap": 1, "establishment_share": 1.0},
            "cin_cp": {"establishment_share": 0.0},
            "lac": {"establishment_share": 0.0},
        },
        allocation={"when_full": "wait"},
        initial_workforce={"permanent_fte": c},
        establishment={"fte": c},
    )
    a = lam_per_day * mean_days
    lq = erlang_c(c, a) * rho / (1 - rho)
    means = []
    for seed in range(6):
        f = run(cfg, seed)
        means.append(f["mean_open_cases"].iloc[13:].mean())
        assert f["max_worker_load"].max() <= 1.0
    got = float(np.mean(means))
    se = np.std(means, ddof=1) / math.sqrt(len(means))
    assert abs(got - (a + lq)) < max(4 * se, 0.03 * (a + lq)), (
        f"time-average children {got:.2f} (se {se:.2f}); M/M/c gives {a + lq:.2f} (Lq {lq:.2f})"
    )
    # Without waiting (infinite servers) the mean would be a alone: the test can tell.
    assert got - a > lq / 2


def test_workforce_decays_exponentially_without_recruitment():
    """Constant hazard h, no recruitment: E[headcount at t] = N0 exp(-h t), and the share of
    the cohort leaving in the first year is 1 - exp(-h)."""
    h, n0 = 0.2, 200
    cfg = council(
        demand={"referrals_per_year": 0},
        horizon_months=36,
        leaving={"permanent": [{"from_years": 0, "per_year": h}]},
        initial_workforce={"permanent_fte": n0},
        establishment={"fte": n0},
    )
    frames = [run(cfg, s) for s in range(30)]
    for m in (12, 24, 36):
        x = np.array([f["qualified_fte"].iloc[m] for f in frames])
        t = frames[0]["date"].iloc[m] - frames[0]["date"].iloc[0]
        expected = n0 * math.exp(-h * t.days / 365.25)
        se = math.sqrt(n0 * (expected / n0) * (1 - expected / n0) / len(x))
        assert abs(x.mean() - expected) < 4 * se, (
            f"month {m}: mean headcount {x.mean():.1f}, expected {expected:.1f} (se {se:.2f})"
        )


def test_turnover_with_instant_replacement_equals_hazard():
    """Every leaver replaced at once: leavers per year / FTE in post = h."""
    h = 0.2
    cfg = council(
        demand={"referrals_per_year": 0},
        horizon_months=60,
        leaving={"permanent": [{"from_years": 0, "per_year": h}]},
        initial_workforce={"permanent_fte": 100},
        establishment={"fte": 100},
        recruitment={
            "applicants_per_month": 60,
            "panel_interval_days": 1,
            "start_delay": {"dist": "fixed", "days": 0},
        },
    )
    vals = [run(cfg, s)["turnover_12m"].iloc[12::12].mean() for s in range(10)]
    assert np.mean(vals) == pytest.approx(h, rel=0.1), f"turnover {np.mean(vals):.3f}, h={h}"


@pytest.mark.parametrize("months", [12, 24])
def test_asye_workers_qualify_at_the_configured_time(months):
    """Five NQSWs start on 2020-01-01; they qualify after exactly ``months`` months."""
    cfg = council(
        demand={"referrals_per_year": 0},
        horizon_months=months + 2,
        asye={"duration_months": months},
        initial_workforce={"permanent_fte": 0, "asye_fte": 5},
    )
    f = run(cfg, 0)
    assert f["asye_fte"].iloc[months - 1] == 5, "qualified too early"
    assert f["asye_fte"].iloc[months] == 0, "did not qualify on time"
    assert f["qualified_fte"].iloc[months] == 5
    assert f["asye_qualified"].sum() == 5


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
        recruitment={"applicants_per_month": 2, "experienced_share": 0.5},
    )
    f = run(cfg, 5)
    assert f["unallocated_cases"].iloc[-1] > 100, "caps never bound: the test proves nothing"
    assert f["max_worker_load"].max() <= 1.0, (
        f"a worker held {f['max_worker_load'].max():.2f} x cap"
    )
    assert f["avg_caseload_asye"].max() <= 5.0
