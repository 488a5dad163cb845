"""The workforce from the children's social work workforce census: leaving hazards by
tenure, the ASYE, starters and the vacancy fill rate, agency cover and conversions, and
who is in post.

A leaver resigns a notice period before leaving (the template's notice days), and the
hazards act on resignations: so each leaving date is moved back by the notice, and the
window closes a notice period early for leaving (a resignation in the last weeks shows as
a leaver only after the window)."""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines import ExponentialFitter, LogNormalFitter, PiecewiseExponentialFitter
from scipy.optimize import brentq
from statsmodels.stats.rates import confint_poisson

from sim.calibrate.demand import in_window
from sim.calibrate.estimate import Estimate, Window, rate, share
from sim.calibrate.inputs import ReturnsTables
from sim.config.council import NON_CASE_HOLDING, WORKER_TYPES, Recruitment
from sim.config.recruitment_rates import offers_per_year
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR

SOURCE = "workforce census workers"
CENSUS = "workforce census (30 September)"
SPIKE_DAYS = 2.0
"""A resignation within this many days of the ASYE's estimated end, beyond the estimate's
own uncertainty, is the end-of-ASYE leaving (dates are whole days, so a start and an end
each move a length by up to a day)."""


@dataclass(frozen=True)
class Notice:
    """Notice days (the template's)."""

    permanent: float
    agency: float

    def of(self, kind: str) -> float:
        return self.agency if kind == "agency" else self.permanent


def _days(x: pd.Series, origin: pd.Timestamp) -> np.ndarray:
    """Dates as days from ``origin`` (NaN for NaT)."""
    return ((x - origin).dt.days).to_numpy(dtype=float)


@dataclass(frozen=True)
class AsyeLength:
    """The ASYE's length: the estimate (months) for the config, its value in days, and how
    near its estimated end (days either side) a resignation counts as at the end."""

    estimate: Estimate
    days: float
    tolerance: float


def asye_bounds(t: ReturnsTables, notice: Notice) -> tuple[np.ndarray, np.ndarray]:
    """Each ASYE's length (days) as the censuses bound it: more than ``lo`` (the last census
    listing the worker in the ASYE) and at most ``hi`` (the first listing them past it; inf
    if none yet). A worker never seen past it may have resigned at its end and be working
    notice on that census day, still listed in it, so their bound is a notice period lower.
    ASYEs no census saw, and bounds that contradict each other, are left out."""
    wk = t.workers[t.workers["kind"] == "asye"]
    lo = (wk["asye_seen"] - wk["start"]).dt.days.to_numpy(dtype=float)
    hi = (wk["qualified_seen"] - wk["start"]).dt.days.to_numpy(dtype=float)
    unconfirmed = np.isnan(hi)
    lo = np.where(unconfirmed, lo - notice.permanent, lo)
    lo = np.maximum(np.nan_to_num(lo, nan=0.0), 0.0)
    hi = np.where(unconfirmed, np.inf, hi)
    keep = (wk["asye_seen"].notna() | wk["qualified_seen"].notna()).to_numpy() & (hi > lo)
    return lo[keep], hi[keep]


def asye_length(lo: np.ndarray, hi: np.ndarray, w: Window) -> AsyeLength | None:
    """The ASYE's length from completions known only between two censuses (None if no
    census has seen one completed). When one length fits every ASYE (more than each ``lo``,
    at most each ``hi``: as in a config, whose ASYE lasts ``duration_months`` for everyone),
    the estimate is the middle of the lengths that do, its interval all of them; otherwise
    the median of a lognormal fitted with interval censoring (lifelines), with its interval.
    """
    done = np.isfinite(hi)
    n = int(done.sum())
    if n == 0:
        return None
    day = 1.0  # dates are whole days: a length is known to a day either way
    a, b = float(lo.max()), float(hi.min())
    how = "completions known only between two censuses (CFKSSstatus 1, then not)"
    if a < b:
        low, high, value = a - day, b + day, (a + b) / 2
        fits = f"{n} seen completed, {len(lo) - n} still in it"
        how = f"the one length every ASYE fits ({fits}): {how}"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = LogNormalFitter().fit_interval_censoring(np.maximum(lo, day), hi)
        mu, mu_lo, mu_hi = fit.summary.loc["mu_", ["coef", "coef lower 95%", "coef upper 95%"]]
        value, low, high = math.exp(mu), math.exp(mu_lo), math.exp(mu_hi)
        how = f"median of a lognormal fitted with interval censoring: {how}"
    est = Estimate(
        value / DAYS_PER_MONTH,
        low / DAYS_PER_MONTH,
        high / DAYS_PER_MONTH,
        n,
        "ASYEs seen completed",
        SOURCE,
        w,
        how,
    )
    return AsyeLength(est, value, (high - low) / 2 + SPIKE_DAYS)


@dataclass(frozen=True)
class AsyeEnds:
    """When each ASYE ends (NaT for other kinds), as the censuses and the length say."""

    natural: pd.Series
    """Start plus the ASYE's length, or the first census seeing the worker past it if
    earlier: when a resignation at its end happens."""
    listed: pd.Series
    """``natural``, or the day after the last census listing the worker in the ASYE if
    later (one who resigned at its end and was working notice then is still listed):
    when the census stops counting them in it."""
    length_days: float
    tolerance: float
    """Days either side of ``natural`` within which a resignation is at the ASYE's end."""


def asye_ends(t: ReturnsTables, length_days: float, tolerance: float) -> AsyeEnds:
    """Each ASYE's estimated end (:class:`AsyeEnds`) from its start and the length."""
    wk = t.workers
    asye = wk["kind"] == "asye"
    end = wk["start"] + pd.Timedelta(days=round(length_days))
    past, seen = wk["qualified_seen"], wk["asye_seen"]
    natural = end.where(past.isna() | (end <= past), past).where(asye)
    listed = natural.where(seen.isna() | (natural > seen), seen + pd.Timedelta(days=1))
    return AsyeEnds(natural, listed.where(asye), length_days, tolerance)


def handovers(t: ReturnsTables, w: Window, notice: Notice) -> pd.Index:
    """Agency assignments ended by the council as a permanent or ASYE starter took the
    children over (the model's rule: the longest-serving agency worker in the starter's
    team, or anywhere if the team has none, is given notice the day the starter starts),
    so not leaving by choice: each starter in the window is matched to the agency worker
    whose assignment ended exactly an agency notice later and who had served longest in
    the team among those still there at that end. Returns whose councils do not work
    this way show few such coincidences."""
    wk = t.workers
    conv = converted_starts(t)
    starters = wk[wk["kind"].isin(("permanent", "asye")) & in_window(wk["start"], w)]
    starters = starters[~starters.index.isin(conv)]
    agency = wk[wk["kind"] == "agency"]
    a_start = _days(agency["start"], w.start)
    a_end = np.nan_to_num(_days(agency["end"], w.start), nan=math.inf)
    a_team = agency["team"].to_numpy()
    ended = (agency["reason"] == "assignment_ended").to_numpy()
    taken: set[int] = set()
    matched = []
    for d, team in zip(_days(starters["start"], w.start), starters["team"], strict=True):
        until = d + round(notice.agency)
        there = (a_start <= d) & (a_end >= until)
        for pool in (there & (a_team == team), there):
            if not pool.any():
                continue
            first = np.flatnonzero(pool)[np.argmin(a_start[pool])]
            if ended[first] and a_end[first] == until and first not in taken:
                taken.add(int(first))
                matched.append(agency.index[first])
            break
    return pd.Index(matched)


def converted_starts(t: ReturnsTables) -> pd.Index:
    """Rows of permanent spells begun by an agency worker taking a permanent post (the
    same worker's agency spell ended ``converted`` that day)."""
    wk = t.workers
    conv = wk[(wk["reason"] == "converted") & wk["end"].notna()][["worker", "end"]]
    perm = wk[wk["kind"] == "permanent"].reset_index()[["index", "worker", "start"]]
    got = perm.merge(conv.rename(columns={"end": "start"}), on=["worker", "start"])
    return pd.Index(got["index"].tolist())


@dataclass(frozen=True)
class Exposure:
    """Each period a worker spent as one kind: tenure at its start and end (years from the
    tenure's origin), and whether it ended in a resignation the hazard counts."""

    kind: np.ndarray
    tenure_from: np.ndarray
    tenure_to: np.ndarray
    event: np.ndarray


def exposures(
    t: ReturnsTables, w: Window, notice: Notice, ends: AsyeEnds
) -> tuple[Exposure, tuple[int, int]]:
    """Periods at risk of resigning in the window, by kind, and the end-of-ASYE leaving
    (those resigning at the ASYE's end, those reaching it). A resignation within
    ``ends.tolerance`` days of an ASYE's natural end (:func:`asye_ends`), by a worker no
    census saw past it, is a resignation at its end."""
    wk = t.workers
    origin = w.start
    hand = set(handovers(t, w, notice).tolist())
    start = _days(wk["start"], origin)
    end = _days(wk["end"], origin)
    natural = _days(ends.natural, origin)
    listed = _days(ends.listed, origin)
    seen_past = wk["qualified_seen"].notna().to_numpy()
    tolerance = ends.tolerance
    kinds, t0s, t1s, evs = [], [], [], []
    spike = reached = 0
    win_end = {k: w.days - notice.of(k) for k in WORKER_TYPES}  # last day a resignation shows

    def add(kind: str, origin_day: float, a: float, b: float, ends_by_leaving: bool) -> None:
        lo = max(a, 0.0)
        hi = min(b, win_end[kind])
        if hi <= lo:
            return
        kinds.append(kind)
        t0s.append((lo - origin_day) / DAYS_PER_YEAR)
        t1s.append((hi - origin_day) / DAYS_PER_YEAR)
        evs.append(ends_by_leaving and b <= win_end[kind])

    for i, kind, s, e, q_natural, q_listed, reason, past in zip(
        wk.index, wk["kind"], start, end, natural, listed, wk["reason"], seen_past, strict=True
    ):
        if kind in interval_kinds(t):
            continue  # fitted with interval censoring (interval_hazards)
        left = not math.isnan(e) and reason != "converted" and i not in hand
        if kind == "agency":
            stop = e - notice.agency if left else (e if not math.isnan(e) else math.inf)
            add("agency", s, s, stop, left)
        elif kind == "permanent":
            stop = e - notice.permanent if left else (e if not math.isnan(e) else math.inf)
            add("permanent", s, s, stop, left)
        else:  # an ASYE, then permanent once past it (tenure counts from the ASYE's start)
            resign = e - notice.permanent if left else math.inf
            # a leaver never seen past it may have been listed in it while working notice
            q = q_natural if left and not past else q_listed
            at_end = left and not past and abs(resign - q) <= tolerance
            if 0 <= q <= win_end["permanent"] and (at_end or resign >= q - tolerance):
                reached += 1
                spike += at_end
            if at_end:
                add("asye", s, s, min(resign, q), False)
            elif resign < q:
                add("asye", s, s, resign, True)
            else:
                add("asye", s, s, q, False)
                stop = resign if left else (e if not math.isnan(e) else math.inf)
                add("permanent", s, q, stop, left)
    return (
        Exposure(np.array(kinds), np.array(t0s), np.array(t1s), np.array(evs, dtype=bool)),
        (spike, reached),
    )


def interval_kinds(t: ReturnsTables) -> set[str]:
    """Kinds of worker whose leaving dates the returns do not give (the census lists
    agency workers on its day only), so that they are known to have gone only between two
    censuses."""
    wk = t.workers
    return set(wk.loc[wk["gone_by"].notna(), "kind"].unique().tolist())


def interval_hazards(
    t: ReturnsTables, w: Window, kind: str, bands_from: list[float], notice: Notice
) -> list[Estimate]:
    """Leaving hazard a year in each tenure band of ``kind`` when leavers are known only to
    have gone between two censuses: a piecewise exponential fit with interval censoring
    and left truncation at the first census listing each spell (lifelines), intervals from
    the fit."""
    wk = t.workers[t.workers["kind"] == kind]
    origin = w.start
    s = _days(wk["start"], origin)
    seen0 = _days(wk["first_seen"].fillna(wk["start"]), origin)
    last = np.nan_to_num(_days(wk["last_seen"], origin), nan=np.inf)
    e = _days(wk["end"], origin)
    gone = _days(wk["gone_by"], origin)
    reason = wk["reason"].to_numpy()
    stop = w.days - notice.of(kind)
    lows, highs, entries = [], [], []
    for si, f, la, ei, gi, r in zip(s, seen0, last, e, gone, reason, strict=True):
        obs0 = max(f, 0.0, si)
        if not math.isnan(ei) and r != "converted":
            at = ei - notice.of(kind)
            if at < obs0:
                continue
            low, high = (at, at) if at <= stop else (stop, math.inf)
        elif not math.isnan(ei):
            if ei < obs0:
                continue
            low, high = min(ei, stop), math.inf
        elif not math.isnan(gi):  # gone between two censuses (no notice to allow for)
            if gi <= obs0:
                continue
            low, high = max(la, obs0), gi if gi <= w.days else math.inf
        else:
            low, high = max(min(la, w.days), obs0), math.inf
        if low < obs0:
            continue
        entries.append((obs0 - si) / DAYS_PER_YEAR)
        lows.append(max((low - si) / DAYS_PER_YEAR, 1e-4))
        highs.append((high - si) / DAYS_PER_YEAR)
    lo_a, hi_a, en_a = np.array(lows), np.array(highs), np.array(entries)
    en_a = np.minimum(en_a, lo_a)
    n = int(np.isfinite(hi_a).sum())
    out = []
    how = (
        f"{kind} leavers known only between censuses: piecewise exponential fit, interval censoring"
    )
    if n == 0:
        years = float((lo_a - en_a).sum())
        return [rate(0, years, SOURCE, w, "leavers", how) for _ in bands_from]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if len(bands_from) > 1:
            fit = PiecewiseExponentialFitter(breakpoints=bands_from[1:]).fit_interval_censoring(
                lo_a, hi_a, entry=en_a
            )
        else:
            fit = ExponentialFitter().fit_interval_censoring(lo_a, hi_a, entry=en_a)
    summary = fit.summary
    for k in range(len(bands_from)):
        coef, lo, hi = summary.iloc[k][["coef", "coef lower 95%", "coef upper 95%"]].to_numpy(
            dtype=float
        )
        out.append(
            Estimate(
                1 / coef,
                1 / hi if hi > 0 else 0.0,
                1 / lo if lo > 0 else math.inf,
                n,
                "leavers",
                SOURCE,
                w,
                how,
            )
        )
    return out


def hazards(x: Exposure, kind: str, bands_from: list[float], w: Window) -> list[Estimate]:
    """Leaving hazard a year in each tenure band of ``kind`` (from ``bands_from`` years):
    resignations / years at risk, with exact Poisson intervals."""
    sel = x.kind == kind
    t0, t1, ev = x.tenure_from[sel], x.tenure_to[sel], x.event[sel]
    edges = [*bands_from, math.inf]
    out = []
    for lo, hi in itertools.pairwise(edges):
        years = float(np.clip(np.minimum(t1, hi) - np.maximum(t0, lo), 0.0, None).sum())
        events = int((ev & (t1 >= lo) & (t1 < hi)).sum())
        band = f"{lo:g}+ years" if math.isinf(hi) else f"{lo:g}-{hi:g} years"
        out.append(
            rate(
                events,
                years,
                SOURCE,
                w,
                "resignations",
                f"{kind} with {band}' service: resignations / {years:,.1f} years at risk",
            )
        )
    return out


def asye_end_leaving(spike: int, reached: int, w: Window) -> Estimate:
    return share(
        spike, reached, SOURCE, w, "ASYEs reaching the end", "share resigning as the ASYE ends"
    )


@dataclass(frozen=True)
class Starters:
    experienced: int
    newly_qualified: int
    conversions: int
    agency_years: float


def starters(t: ReturnsTables, w: Window) -> Starters:
    """Permanent starters in the window (agency workers taking permanent posts apart),
    ASYE starters, conversions, and the agency FTE-years in post."""
    wk = t.workers
    conv = converted_starts(t)
    new = wk[in_window(wk["start"], w) & ~wk.index.isin(conv)]
    conversions = int(((wk["reason"] == "converted") & in_window(wk["end"], w)).sum())
    ag = wk[wk["kind"] == "agency"]
    a = np.maximum(_days(ag["start"], w.start), 0.0)
    # an end known only between two censuses: halfway
    end = ag["end"].fillna(ag["last_seen"] + (ag["gone_by"] - ag["last_seen"]) / 2)
    b = np.minimum(np.nan_to_num(_days(end, w.start), nan=w.days), w.days)
    years = float((np.clip(b - a, 0.0, None) * ag["fte"].to_numpy()).sum() / DAYS_PER_YEAR)
    return Starters(
        int((new["kind"] == "permanent").sum()),
        int((new["kind"] == "asye").sum()),
        conversions,
        years,
    )


def in_post(t: ReturnsTables, day: pd.Timestamp, ends: AsyeEnds) -> pd.DataFrame:
    """Workers in post at the end of ``day``, with their kind that day (an ASYE is
    permanent from when the census stops listing them in it, ``ends.listed``) and tenure
    (years)."""
    wk = t.workers
    on = wk[(wk["start"] <= day) & ~(wk["end"] <= day) & ~(wk["gone_by"] <= day)].copy()
    on["kind_now"] = np.where(
        (on["kind"] == "asye") & (ends.listed.loc[on.index] <= day), "permanent", on["kind"]
    )
    on["tenure"] = (day - on["start"]).dt.days / DAYS_PER_YEAR
    return on


def mean_equilibrium_tenure(bands_from: list[float], per_year: list[float]) -> float:
    """Mean tenure (years) of those in post in a steady state with these hazards: the
    integral of t S(t) over the integral of S(t)."""
    grid = np.linspace(0.0, 40.0, 4001)
    starts = np.array(bands_from)
    h = np.array(per_year)[np.searchsorted(starts, grid[:-1], side="right") - 1]
    surv = np.exp(-np.concatenate([[0.0], np.cumsum(h * np.diff(grid))]))
    return float(np.trapezoid(grid * surv, grid) / np.trapezoid(surv, grid))


@dataclass(frozen=True)
class Census:
    """The workforce census days in the window: vacancies, agency and permanent FTE."""

    rows: pd.DataFrame
    """date, vacancies_fte, agency_fte, permanent_fte (permanent and ASYE in post)."""


def census(t: ReturnsTables, w: Window, ends: AsyeEnds) -> Census:
    cs = t.council_sept[in_window(t.council_sept["date"], w)].sort_values("date").copy()
    cs["permanent_fte"] = [
        float(in_post(t, d, ends).query("kind_now != 'agency'")["fte"].sum()) for d in cs["date"]
    ]
    return Census(cs.reset_index(drop=True))


def fill_rate(
    t: ReturnsTables, w: Window, c: Census, rc: Recruitment
) -> tuple[Estimate, float] | None:
    """``appointable_per_advert`` that makes the council's open adverts (vacancies less
    posts under offer, on each census day) appoint the starters the window saw, with the
    template's recruitment timings and pool (``sim.config.recruitment_rates``); and the
    starters per vacancy-year. None without vacancies."""
    rows = c.rows.dropna(subset=["vacancies_fte"])
    if rows.empty:
        return None
    wk = t.workers
    conv = converted_starts(t)
    new = wk[wk["kind"].isin(("permanent", "asye")) & ~wk.index.isin(conv)]
    # each census stands for the days nearer to it than to another census
    dates = rows["date"].tolist()
    cuts = [w.start] + [a + (b - a) / 2 for a, b in itertools.pairwise(dates)] + [w.stop]
    delay_years = rc.start_delay.mean() / DAYS_PER_YEAR
    periods = []
    total = 0
    for k, v in enumerate(rows["vacancies_fte"].tolist()):
        lo, hi = cuts[k], cuts[k + 1]
        years = (hi - lo).days / DAYS_PER_YEAR
        o = int(((new["start"] >= lo) & (new["start"] < hi)).sum())
        total += o
        periods.append((years, max(v - o / years * delay_years, 0.0)))
    vacancy_years = sum(
        y * v for y, v in zip([p[0] for p in periods], rows["vacancies_fte"], strict=True)
    )

    def offers(a0: float) -> float:
        r = rc.model_copy(update={"appointable_per_advert": a0})
        return sum(y * offers_per_year(r, v) for y, v in periods)

    def solve(target: float) -> float:
        if target <= 0:
            return 0.0
        hi = 1.0
        while offers(hi) < target and hi < 1000:
            hi *= 2
        if offers(hi) < target:
            return math.inf
        return float(brentq(lambda a: offers(a) - target, 0.0, hi, xtol=1e-7))

    low, high = confint_poisson(total, 1.0, method="exact-c")
    est = Estimate(
        solve(total),
        solve(float(low)),
        solve(float(high)),
        total,
        "starters",
        SOURCE + " and " + CENSUS,
        w,
        f"{total} starters (conversions apart) for {vacancy_years:,.0f} vacancy-years, "
        "with the template's advert rounds, panels, start delay and pool",
    )
    per_vacancy_year = total / vacancy_years if vacancy_years > 0 else math.nan
    return est, per_vacancy_year


def agency_cover(c: Census, w: Window) -> tuple[Estimate, Estimate, float] | None:
    """Agency FTE for each vacant FTE on the census days (at most 1: more is cover for other
    needs, as a share of the funded posts), with the range over the census days as the
    interval; and the agency share of those in post on the last census day."""
    rows = c.rows.dropna(subset=["vacancies_fte"])
    rows = rows[rows["vacancies_fte"] > 0]
    if rows.empty:
        return None
    ratio = (rows["agency_fte"] / rows["vacancies_fte"]).clip(upper=1.0)
    est = rows["vacancies_fte"] + rows["permanent_fte"]
    other = (rows["agency_fte"] - rows["vacancies_fte"]).clip(lower=0.0) / est
    n = len(rows)

    def over_days(x: pd.Series) -> Estimate:
        """The mean over the census days, with their range as the interval."""
        how = f"range over {n} census day(s)"
        return Estimate(
            float(x.mean()), float(x.min()), float(x.max()), n, "census days", CENSUS, w, how
        )

    cover, oth = over_days(ratio), over_days(other)
    last = rows.iloc[-1]
    share_now = last["agency_fte"] / (last["agency_fte"] + last["permanent_fte"])
    return cover, oth, float(share_now)


def conversion_rate(s: Starters, w: Window) -> Estimate:
    return rate(
        s.conversions,
        s.agency_years,
        SOURCE,
        w,
        "conversions",
        "agency workers taking permanent posts per agency FTE-year",
    )


def experienced_share(s: Starters, w: Window) -> Estimate:
    return share(
        s.experienced,
        s.experienced + s.newly_qualified,
        SOURCE,
        w,
        "starters",
        "experienced among permanent and ASYE starters",
    )


def destinations(t: ReturnsTables, w: Window) -> dict[str, Estimate] | None:
    """Where permanent and ASYE leavers in the window went; None when the returns give no
    destination (every reason ``left``)."""
    wk = t.workers
    gone = wk[wk["kind"].isin(("permanent", "asye")) & in_window(wk["end"], w)]
    gone = gone[gone["reason"].isin(("other_council", "agency", "out"))]
    if gone.empty:
        return None
    n = len(gone)
    return {
        k: share(int((gone["reason"] == k).sum()), n, SOURCE, w, "leavers")
        for k in ("other_council", "agency", "out")
    }


def case_holding_share(on: pd.DataFrame, w: Window) -> Estimate:
    holding = on[on["kind_now"] != "agency"]
    ch = float(holding.loc[holding["team"] != NON_CASE_HOLDING, "fte"].sum())
    total = float(holding["fte"].sum())
    return Estimate(
        ch / total if total > 0 else 1.0,
        None,
        None,
        len(holding),
        "workers in post",
        SOURCE,
        w,
        "case-holding share of permanent and ASYE FTE in post at the start",
    )
