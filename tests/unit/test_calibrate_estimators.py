"""The calibration's estimators on synthetic data with known answers: censored and
left-truncated durations, banded durations, the cure model of re-referral, leaving hazards
by tenure (exact and between censuses), and the referral rate with trend and seasonality."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.calibrate import workforce
from sim.calibrate.demand import referral_rate
from sim.calibrate.estimate import Window, rate, round_shares, share
from sim.calibrate.inputs import ReturnsTables, check_tables
from sim.calibrate.survival import Spells, fit_cure, fit_duration

W = Window(pd.Timestamp("2020-01-01"), pd.Timestamp("2022-12-31"))


def lognormal(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    sigma2 = math.log1p((sd / mean) ** 2)
    return rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2), n)


def test_censored_lognormal_durations_are_recovered() -> None:
    rng = np.random.default_rng(1)
    t = lognormal(rng, 40.0, 30.0, 4000)
    censor = rng.uniform(0, 80, 4000)  # a third or so still open at the window's end
    spells = Spells(np.floor(np.minimum(t, censor)), t <= censor, np.zeros(4000))
    fit = fit_duration(spells, "test", W, "spells")
    assert fit is not None
    assert fit.family == "lognormal"
    assert fit.dist["dist"] == "lognormal"
    assert fit.mean.covers(40.0), fit.note()
    assert fit.sd is not None and fit.sd.covers(30.0), fit.note()
    # ignoring the censoring (open spells taken as ended) would have missed it
    naive = fit_duration(Spells(spells.duration, np.ones(4000, bool), spells.entry), "t", W, "s")
    assert naive is not None and not naive.mean.covers(40.0)


def stock_and_flow(rng: np.random.Generator, mean: float, sd: float) -> tuple[Spells, Spells]:
    """Spells starting at a steady rate for 20 years before a 3-year window and during it,
    seen if open at some time in the window: with their entries (days run when the window
    opened), and the same with the entries dropped."""
    before, during = 20 * 365, 3 * 365
    n = 30_000
    start = rng.uniform(-before, during, n)
    length = lognormal(rng, mean, sd, n)
    end = start + length
    seen = end >= 0
    start, length, end = start[seen], length[seen], end[seen]
    ended = end <= during
    duration = np.where(ended, end, during) - start
    entry = np.maximum(-start, 0.0)
    return Spells(duration, ended, entry), Spells(duration, ended, np.zeros(len(entry)))


def test_left_truncation_recovers_stays_of_the_stock_at_the_start() -> None:
    spells, ignored = stock_and_flow(np.random.default_rng(2), 750.0, 800.0)
    fit = fit_duration(spells, "test", W, "stays")
    assert fit is not None and fit.mean.covers(750.0), fit.note()
    # without the entries the long stays of the stock weigh too much
    biased = fit_duration(ignored, "test", W, "stays")
    assert biased is not None and biased.mean.low is not None and biased.mean.low > 750.0


def test_banded_durations_are_fitted_as_banded() -> None:
    rng = np.random.default_rng(3)
    edges = np.array([0, 91, 182, 365, 730, 1095])
    shares = np.array([0.159, 0.110, 0.435, 0.252, 0.044])
    k = rng.choice(5, size=5000, p=shares)
    t = edges[k] + (edges[k + 1] - edges[k]) * rng.random(5000)
    truth = float(np.sum(shares * (edges[:-1] + edges[1:]) / 2))
    fit = fit_duration(Spells(np.floor(t), np.ones(5000, bool), np.zeros(5000)), "t", W, "s")
    assert fit is not None and fit.family == "banded"
    assert fit.mean.covers(truth), fit.note()
    assert math.isclose(sum(b["share"] for b in fit.dist["bands"]), 1.0, abs_tol=1e-9)


def test_exponential_durations() -> None:
    rng = np.random.default_rng(4)
    t = rng.exponential(120.0, 3000)
    c = rng.uniform(0, 400, 3000)
    fit = fit_duration(Spells(np.minimum(t, c), t <= c, np.zeros(3000)), "t", W, "s")
    assert fit is not None and fit.mean.covers(120.0), fit.note()


def test_no_ended_spell_gives_no_fit() -> None:
    assert fit_duration(Spells(np.ones(5), np.zeros(5, bool), np.zeros(5)), "t", W, "s") is None


def test_cure_model_recovers_the_share_referred_again_and_the_delay() -> None:
    rng = np.random.default_rng(5)
    n = 20_000
    returns = rng.random(n) < 0.2
    delay = rng.exponential(180.0, n)
    follow = rng.uniform(0, 1000, n)  # closures spread over the window
    came = returns & (delay <= follow)
    fit = fit_cure(Spells(np.where(came, delay, follow), came, np.zeros(n)), "t", W, "returns")
    assert fit is not None
    assert fit.probability.covers(0.2), fit.probability.note()
    assert fit.delay.mean.covers(180.0), fit.delay.note()


def _workers_tables(workers: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> ReturnsTables:
    empty = pd.DataFrame
    return check_tables(
        ReturnsTables(
            empty({"child": [], "dob": [], "uasc": []}),
            empty({"child": [], "date": [], "nfa": []}),
            empty({c: [] for c in ("child", "stage", "start", "end", "legal_status", "how")}),
            workers,
            empty({"date": [], "vacancies_fte": [], "agency_fte": []}),
            start,
            end,
        )
    )


def test_leaving_hazards_by_tenure_band() -> None:
    """Permanent workers leaving at 0.2 a year in their first two years and 0.1 after,
    with no notice: events over years at risk, band by band."""
    rng = np.random.default_rng(6)
    n = 4000
    origin = pd.Timestamp("2020-01-01")
    hired = rng.uniform(-15 * 365, 3 * 365, n)
    first = rng.exponential(1 / 0.2, n) * 365.25
    later = 2 * 365.25 + rng.exponential(1 / 0.1, n) * 365.25
    life = np.where(first < 2 * 365.25, first, later)
    leave = hired + life
    keep = leave >= 0
    hired, leave = hired[keep], leave[keep]
    ended = leave < 3 * 365
    workers = pd.DataFrame(
        {
            "worker": np.arange(len(hired)),
            "kind": "permanent",
            "team": "cin_cp",
            "fte": 1.0,
            "start": origin + pd.to_timedelta(np.floor(hired), unit="D"),
            "end": pd.Series(origin + pd.to_timedelta(np.floor(leave), unit="D")).where(ended),
            "reason": np.where(ended, "left", ""),
        }
    )
    t = _workers_tables(workers, origin, origin + pd.Timedelta(days=3 * 365 - 1))
    w = Window(t.start, t.extracted)
    ends = workforce.asye_ends(t, 365.0, workforce.SPIKE_DAYS)
    x, _ = workforce.exposures(t, w, workforce.Notice(0.0, 0.0), ends)
    low, high = workforce.hazards(x, "permanent", [0.0, 2.0], w)
    assert low.covers(0.2), low.note()
    assert high.covers(0.1), high.note()


def _asye_census(
    length_days: float, end_share: float, seed: int, notice: float = 56.0
) -> tuple[ReturnsTables, list[pd.Timestamp]]:
    """Newly qualified starters over four years, each in the ASYE for ``length_days`` then
    qualified, ``end_share`` of them resigning at its end (leaving a notice later), seen as
    the workforce census sees them: on each 30 September, in the ASYE or past it."""
    rng = np.random.default_rng(seed)
    origin = pd.Timestamp("2017-10-01")
    censuses = [pd.Timestamp(y, 9, 30) for y in (2018, 2019, 2020, 2021)]
    n = 300
    start = origin + pd.to_timedelta(np.floor(rng.uniform(-2 * 365, 4 * 365, n)), unit="D")
    done = start + pd.Timedelta(days=length_days)
    resign = rng.random(n) < end_share
    end = pd.Series(done + pd.Timedelta(days=notice)).where(resign).dt.floor("D")
    rows = []
    for i in range(n):
        on = [c for c in censuses if start[i] <= c and not (end.iloc[i] <= c)]
        still = [c for c in on if c < done[i] or resign[i]]
        past = [c for c in on if c >= done[i] and not resign[i]]
        rows.append(
            (i, start[i], end.iloc[i], max(still, default=pd.NaT), min(past, default=pd.NaT))
        )
    frame = pd.DataFrame(rows, columns=["worker", "start", "end", "asye_seen", "qualified_seen"])
    last = censuses[-1]
    frame = frame[frame["start"] <= last]
    frame.loc[frame["end"] > last, "end"] = pd.NaT
    workers = frame.assign(
        kind="asye", team="cin_cp", fte=1.0, reason=np.where(frame["end"].notna(), "left", "")
    )
    return _workers_tables(workers, origin, last), censuses


def test_the_asye_length_from_census_days_alone() -> None:
    """A 24-month ASYE the censuses see only as 'in it on this 30 September, past it on
    that one': the interval of lengths every worker fits holds it, and is narrow."""
    t, _ = _asye_census(730.5, 0.15, seed=3)
    w = Window(t.start, t.extracted)
    got = workforce.asye_length(*workforce.asye_bounds(t, workforce.Notice(56.0, 7.0)), w)
    assert got is not None
    assert got.estimate.covers(24.0), got.estimate.note()
    assert got.estimate.high - got.estimate.low < 0.5, got.estimate.note()


def test_the_asye_length_with_lengths_that_vary() -> None:
    """ASYEs of 12 months or more (extensions): no one length fits, so a lognormal is fitted
    with interval censoring and its median's interval holds the lengths' median."""
    rng = np.random.default_rng(4)
    lengths = 365.25 * np.exp(rng.normal(0.05, 0.1, 400))
    starts = rng.uniform(0, 365, 400)  # days after a census; censuses a year apart
    last_in = 365.25 * np.floor((starts + lengths) / 365.25)  # the last census before the end
    lo = np.maximum(last_in - starts, 0.0)  # 0: started after it, never listed in the ASYE
    hi = last_in + 365.25 - starts
    w = Window(pd.Timestamp("2018-01-01"), pd.Timestamp("2021-12-31"))
    got = workforce.asye_length(lo, hi, w)
    assert got is not None and "lognormal" in got.estimate.how
    assert got.estimate.covers(float(np.median(lengths)) / 30.4375), got.estimate.note()


def test_no_completion_seen_gives_no_length() -> None:
    w = Window(pd.Timestamp("2018-01-01"), pd.Timestamp("2021-12-31"))
    assert workforce.asye_length(np.array([100.0, 200.0]), np.array([np.inf, np.inf]), w) is None


def test_the_end_of_asye_resignations_and_who_is_in_it_on_a_census_day() -> None:
    """15% resign as their 24-month ASYE ends: counted from leavers near start + the
    estimated length; on a census day those listed in the ASYE are the ASYE FTE."""
    t, censuses = _asye_census(730.5, 0.15, seed=5)
    w = Window(t.start, t.extracted)
    notice = workforce.Notice(56.0, 7.0)
    got = workforce.asye_length(*workforce.asye_bounds(t, notice), w)
    assert got is not None
    ends = workforce.asye_ends(t, got.days, got.tolerance)
    _, (spike, reached) = workforce.exposures(t, w, notice, ends)
    end = share(spike, reached, "t", w, "ASYEs")
    assert reached > 100 and end.covers(0.15), end.note()
    day = censuses[2]
    on = workforce.in_post(t, day, ends)
    wk = t.workers
    listed = (wk["start"] <= day) & (wk["asye_seen"] >= day)  # in it then, or later still
    assert listed.sum() > 20
    assert set(on.index[on["kind_now"] == "asye"]) == set(wk.index[listed])


def test_agency_leaving_known_only_between_censuses() -> None:
    """Agency workers (hazard 0.6 a year) seen only on each 30 September: the interval-
    censored fit recovers the hazard that counting the censuses' leavers would not."""
    rng = np.random.default_rng(7)
    n = 3000
    origin = pd.Timestamp("2019-10-01")
    censuses = [pd.Timestamp(y, 9, 30) for y in (2020, 2021, 2022)]
    start = origin + pd.to_timedelta(np.floor(rng.uniform(-3 * 365, 3 * 365, n)), unit="D")
    end = start + pd.to_timedelta(np.floor(rng.exponential(365.25 / 0.6, n)) + 1, unit="D")
    rows = []
    for i in range(n):
        listed = [c for c in censuses if start[i] <= c < end[i]]
        if not listed:
            continue  # never on a census: the returns never see it
        later = [c for c in censuses if c > listed[-1]]
        rows.append((i, start[i], listed[0], listed[-1], later[0] if later else pd.NaT))
    frame = pd.DataFrame(rows, columns=["worker", "start", "first_seen", "last_seen", "gone_by"])
    workers = frame.assign(kind="agency", team="cin_cp", fte=1.0, end=pd.NaT, reason="")
    t = _workers_tables(workers, origin, censuses[-1])
    assert workforce.interval_kinds(t) == {"agency"}
    w = Window(t.start, t.extracted)
    (est,) = workforce.interval_hazards(t, w, "agency", [0.0], workforce.Notice(0.0, 0.0))
    assert est.covers(0.6), est.note()


def test_referral_rate_trend_and_seasonality() -> None:
    rng = np.random.default_rng(8)
    days = pd.date_range("2018-01-01", "2020-12-31", freq="D")
    season = np.array([1.2, 1.1, 1.0, 1.0, 0.9, 0.9, 0.8, 0.7, 1.1, 1.1, 1.1, 1.1])
    season = season / season.mean()
    years = (days - days[-1]).days / 365.25
    per_day = 6000 / 365.25 * 1.05**years * season[days.month - 1]
    counts = rng.poisson(per_day)
    refs = pd.DataFrame({"date": np.repeat(days, counts)})
    w = Window(days[0], days[-1])
    fit = referral_rate(refs, w)
    assert fit.trend is not None and fit.trend.covers(0.05), fit.trend.note()
    assert fit.per_year.covers(6000 * 1.05 ** (0.5 / 365.25)), fit.per_year.note()
    assert fit.seasonality is not None
    missed = [k for k, s in enumerate(fit.seasonality) if not s.covers(season[k])]
    assert len(missed) <= 1, missed


def test_intervals_at_the_edges() -> None:
    assert share(0, 50, "t", W, "x").low == 0.0
    assert share(50, 50, "t", W, "x").high == 1.0
    nothing = rate(0, 10.0, "t", W, "x")
    assert nothing.low == 0.0 and nothing.high is not None and nothing.high > 0
    assert share(3, 10, "t", W, "x").thin
    assert not share(300, 1000, "t", W, "x").thin


@pytest.mark.parametrize("raw", [[0.3333333, 0.3333333, 0.3333334], [0.5, 0.25, 0.25, 0.0]])
def test_rounded_shares_still_sum_to_one(raw: list[float]) -> None:
    out = round_shares(np.array(raw))
    assert math.isclose(sum(out), 1.0, abs_tol=1e-9)
    assert all(abs(a - b) < 1e-3 for a, b in zip(out, raw, strict=True))
