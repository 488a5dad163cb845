"""Demand from the CIN census: referrals a year with their trend and seasonality, the share
closed with no further action at referral, re-referral, children's ages, and arrivals of
unaccompanied asylum-seeking children."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM

from sim.calibrate.estimate import Estimate, Window, normal, rate, share
from sim.calibrate.inputs import ReturnsTables
from sim.calibrate.survival import CureFit, Spells, fit_cure
from sim.config.council import AGE_BANDS_YEARS
from sim.experiment.stats import Z95
from sim.model.timeline import DAYS_PER_YEAR

REFERRALS = "CIN census referrals"
MIN_MONTHS_TREND = 12
MIN_MONTHS_SEASONALITY = 24
"""Months of referrals needed for a trend, and for seasonality (with fewer, a month's
effect cannot be told from the trend)."""
MIN_KNOWN_AGES = 0.5
"""Share of referred children with a date of birth below which ages are not estimated."""


@dataclass(frozen=True)
class ReferralFit:
    """All referrals a year (first and repeat, not UASC arrivals) at the window's end,
    their trend, and the seasonal multipliers (January first; None when the window is too
    short)."""

    per_year: Estimate
    trend: Estimate | None
    seasonality: list[Estimate] | None
    months: int


def in_window(dates: pd.Series, w: Window) -> pd.Series:
    return (dates >= w.start) & (dates <= w.end)


def referrals_in_window(t: ReturnsTables, w: Window) -> pd.DataFrame:
    """Referrals in the window with the child's UASC flag and date of birth."""
    ref = t.referrals[in_window(t.referrals["date"], w)]
    return ref.merge(t.children[["child", "uasc", "dob"]], on="child", how="left")


def _months(w: Window) -> pd.DataFrame:
    """The calendar months the window touches, with the days of each inside it and its
    midpoint in years before the window's end (negative)."""
    first = w.start.to_period("M")
    last = w.end.to_period("M")
    rows = []
    for p in pd.period_range(first, last, freq="M"):
        a = max(p.start_time.normalize(), w.start)
        b = min(p.end_time.normalize(), w.end)
        days = (b - a).days + 1
        mid = a + (b - a) / 2
        rows.append((p, p.month, days, (mid - w.stop).days / DAYS_PER_YEAR))
    return pd.DataFrame(rows, columns=["period", "month", "days", "t"])


def referral_rate(refs: pd.DataFrame, w: Window) -> ReferralFit:
    """A Poisson log-linear fit to the monthly counts of ``refs`` (dated referrals): a
    rate per month of the year and a trend, with the days each month has in the window as
    exposure. The rate a year is the fit's at the window's end, averaged over the year."""
    months = _months(w)
    counts = refs["date"].dt.to_period("M").value_counts()
    y = months["period"].map(counts).fillna(0).to_numpy(dtype=float)
    n = int(y.sum())
    offset = np.log(months["days"].to_numpy(dtype=float))
    full = months[months["days"] >= 28]
    seasonal = len(full) >= MIN_MONTHS_SEASONALITY and full["month"].nunique() == 12 and n > 0
    trend = len(full) >= MIN_MONTHS_TREND and n > 0
    if not trend:
        per_year = rate(
            n, w.years, REFERRALS, w, "referrals", "constant rate (window too short for a trend)"
        )
        return ReferralFit(per_year, None, None, len(months))
    t = months["t"].to_numpy(dtype=float)
    if seasonal:
        dummies = np.eye(12)[months["month"].to_numpy() - 1]
        x = np.column_stack([dummies, t])
    else:
        x = np.column_stack([np.ones(len(t)), t])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = GLM(y, x, family=families.Poisson(), offset=offset).fit()
    params = np.asarray(res.params, dtype=float)
    cov = np.asarray(res.cov_params(), dtype=float)
    how = "Poisson log-linear fit of monthly counts, at the window's end"
    b, se_b = params[-1], math.sqrt(cov[-1, -1])
    trend_est = Estimate(
        math.expm1(b),
        math.expm1(b - Z95 * se_b),
        math.expm1(b + Z95 * se_b),
        n,
        "referrals",
        REFERRALS,
        w,
        "log-linear over the window",
    )
    if seasonal:
        s = params[:12]
        cs = cov[:12, :12]
        weights = np.exp(s) / np.exp(s).sum()
        log_base = math.log(np.exp(s).mean())
        se_base = math.sqrt(float(weights @ cs @ weights))
        per_year = normal(
            DAYS_PER_YEAR * math.exp(log_base), se_base, n, "referrals", REFERRALS, w, how, log=True
        )
        season = []
        for k in range(12):
            g = -weights.copy()
            g[k] += 1.0
            se = math.sqrt(max(float(g @ cs @ g), 0.0))
            season.append(
                normal(
                    math.exp(s[k] - log_base),
                    se,
                    int(y[months["month"].to_numpy() == k + 1].sum()),
                    "referrals",
                    REFERRALS,
                    w,
                    "multiplier of the mean month",
                    log=True,
                )
            )
        return ReferralFit(per_year, trend_est, season, len(months))
    per_year = normal(
        DAYS_PER_YEAR * math.exp(params[0]),
        math.sqrt(cov[0, 0]),
        n,
        "referrals",
        REFERRALS,
        w,
        how + " (window too short for seasonality)",
        log=True,
    )
    return ReferralFit(per_year, trend_est, None, len(months))


def nfa_share(refs: pd.DataFrame, w: Window) -> Estimate:
    """Share of referrals closed with no further action before an assessment."""
    return share(int(refs["nfa"].sum()), len(refs), REFERRALS, w, "referrals")


def closures(t: ReturnsTables, w: Window) -> pd.DataFrame:
    """Each closure in the window (child, date, nfa): a referral closed at the front door,
    or a spell after which the child has no other spell starting the same day."""
    sp = t.spells
    ended = sp[sp["end"].notna() & in_window(sp["end"], w)][["child", "end"]]
    starts = sp[["child", "start"]].rename(columns={"start": "end"}).drop_duplicates()
    ended = ended.merge(starts, on=["child", "end"], how="left", indicator=True)
    spell_closed = ended[ended["_merge"] == "left_only"][["child", "end"]]
    spell_closed = spell_closed.rename(columns={"end": "date"}).assign(nfa=False)
    ref = t.referrals
    nfa = ref[ref["nfa"] & in_window(ref["date"], w)][["child", "date"]].assign(nfa=True)
    return pd.concat([spell_closed, nfa], ignore_index=True)


def _next_referral(closed: pd.DataFrame, t: ReturnsTables, w: Window, strict: bool) -> pd.Series:
    """For each closure, the date of the child's next referral in the window (NaT if none);
    ``strict``: a referral the same day does not count (it is the closure itself)."""
    ref = t.referrals[in_window(t.referrals["date"], w)][["child", "date"]]
    ref = ref.rename(columns={"date": "next"}).sort_values("next")
    left = closed.reset_index().sort_values("date")
    got = pd.merge_asof(
        left,
        ref,
        left_on="date",
        right_on="next",
        by="child",
        direction="forward",
        allow_exact_matches=not strict,
    )
    return got.set_index("index")["next"].reindex(closed.index)


@dataclass(frozen=True)
class Rereferral:
    """Closed children referred again: the fit, the closures it rests on, and the share of
    closures that come back before the child is 18 (the returns a year are this share of
    the closures)."""

    fit: CureFit | None
    closures: int
    realised: float


def rereferral(t: ReturnsTables, w: Window) -> Rereferral:
    """Closed children referred again: a mixture cure model of the days from each closure in
    the window to the child's next referral, censored at the window's end and at the
    child's 18th birthday (children's services take no referral of an adult, so a child
    near 18 comes back less often whatever the chance of coming back)."""
    closed = closures(t, w)
    dob = closed["child"].map(t.children.set_index("child")["dob"])
    to_18 = (dob + pd.DateOffset(years=18) - closed["date"]).dt.days.to_numpy(dtype=float)
    to_18 = np.where(np.isnan(to_18), np.inf, to_18)
    keep = to_18 > 0
    closed, to_18 = closed[keep], to_18[keep]
    nxt = pd.concat(
        [
            _next_referral(closed[~closed["nfa"]], t, w, strict=False),
            _next_referral(closed[closed["nfa"]], t, w, strict=True),
        ]
    ).reindex(closed.index)
    back = (nxt - closed["date"]).dt.days.to_numpy(dtype=float)
    limit = np.minimum((w.stop - closed["date"]).dt.days.to_numpy(dtype=float), to_18)
    came_back = ~np.isnan(back) & (back <= limit)
    days = np.where(came_back, back, limit)
    spells = Spells(days, came_back, np.zeros(len(days)))
    fit = fit_cure(spells, "CIN census closures and referrals", w, "returns")
    if fit is None:
        return Rereferral(None, len(closed), 0.0)
    before_18 = np.where(np.isinf(to_18), 1.0, fit.delay.cdf(np.where(np.isinf(to_18), 0.0, to_18)))
    realised = fit.probability.value * float(before_18.mean()) if len(before_18) else 0.0
    return Rereferral(fit, len(closed), realised)


def dfe_rereferral_rate(t: ReturnsTables, w: Window) -> Estimate | None:
    """DfE's re-referral rate: of the referrals at least a year into the window (so that a
    previous referral within 12 months would be in the data), the share within 12 months
    of the child's previous referral."""
    ref = t.referrals.sort_values(["child", "date"])
    prev = ref.groupby("child")["date"].shift(1)
    judged = in_window(ref["date"], Window(w.start + pd.Timedelta(days=365), w.end))
    if not judged.any():
        return None
    within = ((ref["date"] - prev).dt.days <= 365) & judged
    return share(
        int(within.sum()),
        int(judged.sum()),
        REFERRALS,
        w,
        "referrals",
        "DfE definition: within 12 months of the previous referral",
    )


def band_of_years(age: np.ndarray) -> np.ndarray:
    """Index of DfE's age band of each age (years); unborn children in the youngest, 18 and
    over in the oldest."""
    uppers = [hi for _lo, hi in AGE_BANDS_YEARS.values()]
    return np.minimum(np.searchsorted(uppers, age, side="right"), len(uppers) - 1)


def age_shares(ages_years: np.ndarray, source: str, w: Window, unit: str) -> dict[str, Estimate]:
    """Share in each of DfE's age bands, with Wilson intervals."""
    bands = band_of_years(ages_years)
    n = len(ages_years)
    return {
        b: share(int((bands == k).sum()), n, source, w, unit) for k, b in enumerate(AGE_BANDS_YEARS)
    }


def first_referrals(t: ReturnsTables, w: Window) -> pd.DataFrame:
    """Each child's first referral in the returns, where it falls in the window."""
    first = t.referrals.sort_values("date").drop_duplicates("child")
    first = first[in_window(first["date"], w)]
    return first.merge(t.children[["child", "uasc", "dob"]], on="child", how="left")


def ages_at_referral(first: pd.DataFrame, w: Window) -> dict[str, Estimate] | None:
    """Ages of children referred for the first time (not UASC), by DfE band; None when
    fewer than half have a date of birth."""
    kids = first[~first["uasc"]]
    known = kids["dob"].notna()
    if len(kids) == 0 or known.mean() < MIN_KNOWN_AGES:
        return None
    age = (kids.loc[known, "date"] - kids.loc[known, "dob"]).dt.days.to_numpy(dtype=float)
    return age_shares(age / DAYS_PER_YEAR, "CIN census referrals (date of birth)", w, "children")


def uasc_arrivals(first: pd.DataFrame, w: Window) -> tuple[Estimate, dict[str, Estimate] | None]:
    """Unaccompanied asylum-seeking children arriving a year, and their ages on arrival."""
    arrived = first[first["uasc"]]
    per_year = rate(len(arrived), w.years, "SSDA903 UASC", w, "arrivals")
    known = arrived["dob"].notna()
    if not known.any():
        return per_year, None
    age = (arrived.loc[known, "date"] - arrived.loc[known, "dob"]).dt.days.to_numpy(dtype=float)
    return per_year, age_shares(age / DAYS_PER_YEAR, "SSDA903 UASC (date of birth)", w, "arrivals")
