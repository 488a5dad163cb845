"""The model's own checks against theory: ``csc-sim validate`` prints them as a table, and
the tests assert them. Each check measures a figure from simulated runs of the synthetic
council and compares it with the value theory gives, within a tolerance derived from the
statistics (standard errors over independent replications)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.checks.synthetic import exp, synthetic_council
from sim.model.simulation import CouncilModel
from sim.model.steady_state import expected_open_cases

STAGE_COLUMNS = {
    "assessment": "open_assessment",
    "cin": "open_cin",
    "cp": "open_cp",
    "lac": "open_lac",
}


@dataclass(frozen=True)
class Check:
    """One row of the validation report."""

    name: str
    measured: float
    expected: float
    tolerance: float
    """Largest acceptable |measured - expected|."""
    detail: str = ""

    @property
    def passed(self) -> bool:
        return abs(self.measured - self.expected) <= self.tolerance

    def __str__(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{verdict}  {self.name}: measured {self.measured:.4g}, expected "
            f"{self.expected:.4g} +/- {self.tolerance:.3g}  {self.detail}"
        )


def _run(cfg, seed: int) -> pd.DataFrame:
    return CouncilModel(cfg, seed, audit=True).run()


def _se(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1) / math.sqrt(len(x)))


def mg_infinity(quick: bool = False) -> list[Check]:
    """Capacity never binds: each stage's open cases have mean rate x mean duration and
    are Poisson (variance = mean), with fixed and lognormal stage durations."""
    rate, seeds = 2000.0, range(20 if quick else 60)
    pathway = {
        "assessment": {"duration": {"dist": "fixed", "days": 35}},
        "cin": {"duration": {"dist": "lognormal", "mean_days": 60, "sd_days": 90}},
    }
    base = synthetic_council(demand={"referrals_per_year": rate}, pathway=pathway)
    expected = expected_open_cases(base.pathway, rate)
    init = {s: round(v) for s, v in expected.items()}
    cfg = synthetic_council(
        demand={"referrals_per_year": rate},
        pathway=pathway,
        horizon_months=36,
        initial_cases={**init, "time_in_stage": "equilibrium"},
    )
    frames = [_run(cfg, s) for s in seeds]
    checks, dispersions = [], []
    for stage, col in STAGE_COLUMNS.items():
        mu = expected[stage]
        per_seed = np.array([f[col].iloc[[12, 18, 24, 30, 36]].mean() for f in frames])
        checks.append(
            Check(
                f"M/G/inf mean open, {stage}",
                float(per_seed.mean()),
                mu,
                4 * _se(per_seed) + 0.005 * mu,
                f"{len(frames)} replications",
            )
        )
        for m in (24, 36):
            x = np.array([f[col].iloc[m] for f in frames])
            dispersions.append(x.var(ddof=1) / mu)
    # variance/mean of a Poisson sample: standard error about sqrt(2/(n-1)) per estimate
    se = math.sqrt(2 / (len(frames) - 1) / len(dispersions))
    checks.append(
        Check(
            "M/G/inf variance/mean (Poisson)",
            float(np.mean(dispersions)),
            1.0,
            max(0.15, 4 * se),
            f"{len(dispersions)} estimates",
        )
    )
    return checks


def littles_law(quick: bool = False) -> list[Check]:
    """Time-average open cases = arrival rate x mean time in system, re-referrals included."""
    cfg = synthetic_council(
        horizon_months=60 if quick else 120,
        demand={"referrals_per_year": 1500, "rereferral": {"probability": 0.2, "delay": exp(60)}},
    )
    model = CouncilModel(cfg, 11, audit=True)
    frame = model.run()
    days = model.calendar.horizon_days
    lengths = np.diff([0.0, *model.calendar.period_end_days])
    L = float((frame["mean_open_cases"].iloc[1:] * lengths).sum() / days)
    lam = frame["referrals"].sum() / days
    W = model.cases.closed_time_in_system_days / model.cases.children_closed
    return [
        Check(
            "Little's law L = lambda W",
            L,
            lam * W,
            0.03 * lam * W,
            f"lambda {lam:.2f}/day, W {W:.0f} days",
        )
    ]


def erlang_c_probability(c: int, a: float) -> float:
    """Probability an arrival waits in an M/M/c queue with offered load ``a`` (< c)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def erlang_c(quick: bool = False) -> list[Check]:
    """Fixed workforce, one child per worker, exponential assessments, children waiting
    when all are full: an M/M/c queue, so time-average children = a + Lq."""
    c, mean_days, rho = 10, 30.0, 0.8
    lam = rho * c / mean_days
    cfg = synthetic_council(
        horizon_months=300 if quick else 600,
        demand={"referrals_per_year": lam * 365.25},
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
    a = lam * mean_days
    lq = erlang_c_probability(c, a) * rho / (1 - rho)
    means = np.array([_run(cfg, s)["mean_open_cases"].iloc[13:].mean() for s in range(6)])
    return [
        Check(
            "Erlang C: time-average children (M/M/10, rho 0.8)",
            float(means.mean()),
            a + lq,
            max(4 * _se(means), 0.03 * (a + lq)),
            f"a {a:.1f} + Lq {lq:.2f}; without waiting it would be {a:.1f}",
        )
    ]


def workforce_decay(quick: bool = False) -> list[Check]:
    """Constant hazard h, no recruitment: E[headcount at t] = N0 exp(-h t)."""
    h, n0 = 0.2, 200
    cfg = synthetic_council(
        demand={"referrals_per_year": 0},
        horizon_months=36,
        leaving={"permanent": [{"from_years": 0, "per_year": h}]},
        initial_workforce={"permanent_fte": n0},
        establishment={"fte": n0},
    )
    frames = [_run(cfg, s) for s in range(15 if quick else 30)]
    checks = []
    for m in (12, 36):
        x = np.array([f["qualified_fte"].iloc[m] for f in frames])
        years = (frames[0]["date"].iloc[m] - frames[0]["date"].iloc[0]).days / 365.25
        p = math.exp(-h * years)
        se = math.sqrt(n0 * p * (1 - p) / len(x))
        checks.append(
            Check(
                f"workforce stock N0 exp(-h t), month {m}",
                float(x.mean()),
                n0 * p,
                4 * se,
                f"h={h}/year, {len(x)} replications",
            )
        )
    return checks


def turnover_with_replacement(quick: bool = False) -> list[Check]:
    """Every leaver replaced at once: leavers a year / FTE in post = h."""
    h = 0.2
    cfg = synthetic_council(
        demand={"referrals_per_year": 0},
        horizon_months=60,
        leaving={"permanent": [{"from_years": 0, "per_year": h}]},
        initial_workforce={"permanent_fte": 100},
        establishment={"fte": 100},
        recruitment={
            "appointable_per_advert": 60,  # every round ends in an offer
            "advert_to_offer": {"dist": "fixed", "days": 0},
            "panel_interval_days": 1,
            "start_delay": {"dist": "fixed", "days": 0},
        },
    )
    vals = np.array(
        [_run(cfg, s)["turnover_12m"].iloc[12::12].mean() for s in range(5 if quick else 10)]
    )
    return [
        Check(
            "turnover with instant replacement = h",
            float(vals.mean()),
            h,
            max(4 * _se(vals), 0.01),
            f"{len(vals)} replications",
        )
    ]


def asye_timing(quick: bool = False) -> list[Check]:
    """NQSWs starting on 1 January 2020 qualify after exactly 12 (and 24) months."""
    checks = []
    for months in (12, 24):
        cfg = synthetic_council(
            demand={"referrals_per_year": 0},
            horizon_months=months + 2,
            asye={"duration_months": months},
            initial_workforce={"permanent_fte": 0, "asye_fte": 5},
        )
        f = _run(cfg, 0)
        qualified_month = int(np.argmax(f["asye_fte"].to_numpy() == 0))
        checks.append(
            Check(
                f"ASYE of {months} months: month all qualified",
                qualified_month,
                months,
                0,
                "5 NQSWs",
            )
        )
    return checks


def busy_council():
    """A council where everything happens at once: re-referrals, waiting lists, leaving,
    absence and recruitment (220 children open at the start)."""
    return synthetic_council(
        demand={"referrals_per_year": 3000, "rereferral": {"probability": 0.3}},
        initial_cases={
            "assessment": 50,
            "cin": 100,
            "cp": 30,
            "lac": 40,
            "time_in_stage": "equilibrium",
        },
        allocation={"when_full": "wait"},
        teams={t: {"caseload_cap": 25} for t in ("assessment", "cin_cp", "lac")},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.4}]},
        absence={"episodes_per_year": 3},
        recruitment={"appointable_per_advert": 0.3},
    )


def conservation(quick: bool = False) -> list[Check]:
    """Children in = open + closed every month; each child held once or waiting (the
    model audits this at every month end and raises if it fails). Workers too: each month
    the permanent FTE (qualified and ASYE) changes by its joiners less its leavers, and
    the agency FTE by its joiners less its leavers less the agency workers who took a
    permanent post (counted among the permanent joiners)."""
    cfg = busy_council()
    f = _run(cfg, 3)
    balance = 220 + f["referrals"].cumsum() - f["closures"].cumsum() - f["open_cases"]
    w = _run(staffing_council(), 4)
    permanent = (w["qualified_fte"] + w["asye_fte"]).diff() - (w["joiners"] - w["leavers"])
    agency = w["agency_fte"].diff() - (
        w["agency_joiners"] - w["agency_leavers"] - w["agency_conversions"]
    )
    moves = f"{int(w['joiners'].sum())} permanent joiners, {int(w['leavers'].sum())} leavers, "
    moves += f"{int(w['agency_conversions'].sum())} agency conversions"
    return [
        Check(
            "conservation: largest monthly imbalance",
            float(balance.abs().max()),
            0,
            0,
            f"{len(f)} month ends audited",
        ),
        Check(
            "workforce stock-flow: permanent, largest monthly imbalance (FTE)",
            float(permanent.iloc[1:].abs().max()),
            0,
            0,
            moves,
        ),
        Check(
            "workforce stock-flow: agency, largest monthly imbalance (FTE)",
            float(agency.iloc[1:].abs().max()),
            0,
            0,
            f"{int(w['agency_joiners'].sum())} agency joiners",
        ),
    ]


def staffing_council():
    """A council whose workforce moves every way: leavers, permanent starters (experienced
    and newly qualified through the ASYE), agency cover and agency workers taking permanent
    posts."""
    return synthetic_council(
        horizon_months=36,
        demand={"referrals_per_year": 2000},
        initial_workforce={"permanent_fte": 20, "asye_fte": 4, "agency_fte": 6},
        establishment={"fte": 36},
        leaving={
            "permanent": [{"from_years": 0, "per_year": 0.3}],
            "agency": [{"from_years": 0, "per_year": 0.6}],
        },
        recruitment={
            "appointable_per_advert": 0.5,
            "experienced_share": 0.5,
            "agency": {"max_share": 0.4, "conversion_per_year": 0.3},
        },
    )


def reproducibility(quick: bool = False) -> list[Check]:
    """The same seed gives the same run; another seed a different one."""
    cfg = synthetic_council(
        demand={"referrals_per_year": 2000},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.3}]},
        recruitment={"appointable_per_advert": 0.2},
    )
    a, b, c = _run(cfg, 5), _run(cfg, 5), _run(cfg, 6)
    same = float(a.equals(b))
    differ = float(not a.equals(c))
    return [
        Check("same seed, same run", same, 1, 0),
        Check("different seed, different run", differ, 1, 0),
    ]


def serial_equals_parallel(quick: bool = False) -> list[Check]:
    """An experiment run with one process and with all cores gives identical frames."""
    from sim.config.experiment import (
        Experiment,
        ResolvedExperiment,
        ResolvedScenario,
    )
    from sim.experiment.runner import run_experiment

    cfg = synthetic_council(demand={"referrals_per_year": 2000}, horizon_months=12)
    spec = Experiment.model_validate(
        {
            "name": "serial vs parallel",
            "base": "synthetic",
            "replications": 6,
            "root_seed": 1,
            "targets": [{"name": "t", "metric": "avg_caseload", "max": 30, "date": "2020-12-31"}],
            "scenarios": [{"name": "only", "description": "synthetic council"}],
        }
    )
    exp = ResolvedExperiment(spec, "synthetic", (ResolvedScenario("only", "x", cfg, ()),))
    one = run_experiment(exp, jobs=1, chunk_size=2)
    many = run_experiment(exp, jobs=-1, chunk_size=3)
    assert one.timeseries is not None and many.timeseries is not None  # no folder: in memory
    same = one.replications.equals(many.replications) and one.timeseries.equals(many.timeseries)
    return [Check("serial == parallel (jobs 1 vs all cores)", float(same), 1, 0)]


CHECKS: tuple[Callable[[bool], list[Check]], ...] = (
    mg_infinity,
    littles_law,
    erlang_c,
    workforce_decay,
    turnover_with_replacement,
    asye_timing,
    conservation,
    reproducibility,
    serial_equals_parallel,
)


def run_checks(quick: bool = False) -> list[Check]:
    """Every check, in the order of the report."""
    return [c for check in CHECKS for c in check(quick)]
