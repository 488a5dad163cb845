"""What a council's returns say happened, year by year, as the model's monthly columns count
it: the figures a planner checks their returns by, and the observed points a backtest of a
config calibrated on the earlier years sets beside the model's fan (``csc-sim backtest
--observed``, format in ``sim.experiment.observed``).

Figures (:func:`yearly_figures`), each a model column (``sim.metrics``):

- each collection year (1 April to 31 March): ``referrals`` in the year (CIN census,
  ``CINreferralDate``) and ``lac_started`` (SSDA903: periods of care starting); on 31 March,
  ``open_cases`` (children in need: CIN episodes referred on or before the day and not
  closed on or before it, DfE's count), ``open_cp`` (CP plans open) and ``open_lac``
  (periods of care open);
- each workforce census (30 September; its year from 1 October): ``joiners`` and
  ``leavers`` in the year (non-agency workers' ``RoleStartDate`` and ``RoleEndDate``, a
  converted agency worker's new start included, as the model counts them), and on 30
  September ``agency_fte`` (``NoAgencyFTE``), ``vacancy_fte`` (``NumberOfVacancies``) and
  ``agency_share`` (agency FTE over all FTE of the workers in post).

A spell is open at the end of day D if it started on or before D and has no end or ends
after D. Written from a run, the figures are the run's own monthly figures exactly
(``tests/integration/test_returns_observed.py``).

What the returns cover (:func:`coverage`): from the first day of the month in which the
first spell or CIN episode ends (everything in a return was open after that day) to, for
the CIN census and SSDA903 each, the last day of the month of its latest date (returns are
extracted at a month's end: a last referral on 30 March still covers 31 March). A year's
flow is *complete* when the returns cover the whole year, a stock when they cover its day;
incomplete figures are shown but never observed.

Observed points (:func:`observed_points`) are the complete figures after a date (``--as-of``
of the calibration): stocks on a later day, and flows over years that begin after it, as a
monthly mean over 12 months (``window_months`` 12), so nothing before that date is read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiment.atomic import write_csv
from sim.returns.common import april_years
from sim.returns.read import Returns

CIN, LA, CSWW = "CIN census", "SSDA903", "workforce census"
MONTHS_A_YEAR = 12

WHAT: dict[str, tuple[str, str, str]] = {
    "referrals": (CIN, "flow", "referrals in the year (CINreferralDate)"),
    "lac_started": (LA, "flow", "children starting to be looked after (periods of care, DECOM)"),
    "open_cases": (CIN, "stock", "children in need: CIN episodes open at the day's end"),
    "open_cp": (CIN, "stock", "child protection plans open at the day's end"),
    "open_lac": (LA, "stock", "children looked after: periods of care open at the day's end"),
    "joiners": (CSWW, "flow", "non-agency social workers starting in the year (RoleStartDate)"),
    "leavers": (CSWW, "flow", "non-agency social workers leaving in the year (RoleEndDate)"),
    "agency_fte": (CSWW, "stock", "agency FTE on 30 September (NoAgencyFTE)"),
    "vacancy_fte": (CSWW, "stock", "vacancies (FTE) on 30 September (NumberOfVacancies)"),
    "agency_share": (CSWW, "stock", "agency FTE / all FTE of the workers in post on 30 September"),
}
"""Each figure's model column: its return, flow or stock, and what it counts."""

LABELS = {
    "referrals": "referrals",
    "lac_started": "started care",
    "open_cases": "children in need 31 Mar",
    "open_cp": "CP plans 31 Mar",
    "open_lac": "looked after 31 Mar",
    "joiners": "starters",
    "leavers": "leavers",
    "agency_fte": "agency FTE 30 Sep",
    "vacancy_fte": "vacancies FTE 30 Sep",
    "agency_share": "agency share 30 Sep",
}
"""Column headings of :func:`summary` tables."""

FIGURE_COLUMNS = ("return", "period", "first", "date", "metric", "value", "complete")
OBSERVED_COLUMNS = ("date", "metric", "value", "window_months", "source", "note")


class NothingToCount(ValueError):
    """Returns with no spell or CIN episode that ends: no days they cover to count from."""


@dataclass(frozen=True)
class Coverage:
    """The days the returns cover: from ``first`` (all returns) to ``cin_last`` and
    ``lac_last``, the CIN census's and SSDA903's last day (NaT without that return)."""

    first: pd.Timestamp
    cin_last: pd.Timestamp
    lac_last: pd.Timestamp

    def last(self, source: str) -> pd.Timestamp:
        """The last day the return ``source`` (CIN or LA) covers."""
        return self.cin_last if source == CIN else self.lac_last


def _month_end(day: pd.Timestamp) -> pd.Timestamp:
    return day + pd.offsets.MonthEnd(0) if pd.notna(day) else pd.NaT


def coverage(r: Returns) -> Coverage:
    """What ``r`` covers (the rules are in the module's docstring)."""
    ends = pd.concat([r.spells["end"], r.referrals["close"]]).dropna()
    if ends.empty:
        raise NothingToCount("the returns hold no spell or episode that ends: no years to count")
    first = ends.min().to_period("M").to_timestamp()
    lac = r.spells["stage"] == "lac"
    cin_dates = [r.referrals["date"], r.referrals["close"]]
    cin_dates += [r.spells.loc[~lac, c] for c in ("start", "end")]
    lac_dates = [r.spells.loc[lac, c] for c in ("start", "end")]
    return Coverage(
        first,
        _month_end(pd.concat(cin_dates).max()),
        _month_end(pd.concat(lac_dates).max()),
    )


def _open_at(start: pd.Series, end: pd.Series, day: pd.Timestamp) -> pd.Series:
    """Open at the end of ``day``: started on or before it, not ended on or before it."""
    return (start <= day) & (end.isna() | (end > day))


def _collection_years(r: Returns, cover: Coverage) -> list[dict]:
    refs, sp = r.referrals, r.spells
    lac, cp = sp[sp["stage"] == "lac"], sp[sp["stage"] == "cp"]
    lasts = [d for d in (cover.cin_last, cover.lac_last) if pd.notna(d)]
    if not lasts:
        return []
    rows = []
    for year in april_years(cover.first.date(), max(lasts).date()):
        first, day = max(year.first, cover.first), year.last
        counts = {
            "referrals": refs["date"].between(first, day).sum(),
            "lac_started": lac["start"].between(first, day).sum(),
            "open_cases": _open_at(refs["date"], refs["close"], day).sum(),
            "open_cp": _open_at(cp["start"], cp["end"], day).sum(),
            "open_lac": _open_at(lac["start"], lac["end"], day).sum(),
        }
        for metric, value in counts.items():
            source, timing, _ = WHAT[metric]
            covered_to = cover.last(source)
            if timing == "stock":
                if pd.notna(covered_to) and day <= covered_to:
                    rows.append(_row(source, year.label, day, day, metric, value, True))
            elif pd.notna(covered_to) and first <= covered_to:
                whole = year.first >= cover.first and day <= covered_to
                rows.append(
                    _row(source, year.label, first, min(day, covered_to), metric, value, whole)
                )
    return rows


def _row(
    source: str,
    period: str,
    first: pd.Timestamp,
    day: pd.Timestamp,
    metric: str,
    value: float,
    complete: bool,
) -> dict:
    return {"return": source, "period": period, "first": first, "date": day,
            "metric": metric, "value": float(value), "complete": bool(complete)}  # fmt: skip


def _censuses(r: Returns, cover: Coverage) -> list[dict]:
    rows = []
    w, sept = r.workers, r.council_sept
    agency = dict(zip(sept["date"], sept["agency_fte"].astype(float), strict=True))
    vacancies = dict(zip(sept["date"], sept["vacancies_fte"].astype(float), strict=True))
    seen = pd.concat([sept["date"], w["first_seen"], w["last_seen"]]).dropna()
    own = w[~w["agency"].astype(bool)]
    for day in sorted(pd.Timestamp(d) for d in seen.unique()):
        year_first = pd.Timestamp(day.year - 1, 10, 1)
        first = max(year_first, cover.first)
        whole = year_first >= cover.first
        listed = w[(w["first_seen"] <= day) & (w["last_seen"] >= day)]
        in_post = listed[_open_at(listed["start"].fillna(day), listed["end"], day)]
        fte = in_post.groupby(in_post["agency"].astype(bool))["fte"].sum()
        counts: dict[str, float | None] = {
            "joiners": float(own["start"].between(first, day).sum()),
            "leavers": float(own["end"].between(first, day).sum()),
            "agency_fte": agency.get(day),
            "vacancy_fte": vacancies.get(day),
            "agency_share": float(fte.get(True, 0.0) / fte.sum()) if fte.sum() > 0 else None,
        }
        for metric, value in counts.items():
            if value is not None:
                flow = WHAT[metric][1] == "flow"
                rows.append(_row(CSWW, str(day.year), first if flow else day, day, metric,
                                 value, whole or not flow))  # fmt: skip
    return rows


def yearly_figures(r: Returns, cover: Coverage | None = None) -> pd.DataFrame:
    """One row per figure and period: ``return``, ``period`` (``2019-20``, or the census
    year ``2019``), ``first`` (a flow's first day; a stock's day), ``date`` (a flow's last
    day, a stock's day), ``metric`` (model column), ``value`` (count in the period, or stock;
    agency share 0 to 1), ``complete`` (the returns cover all of it)."""
    cover = cover or coverage(r)
    rows = _collection_years(r, cover) + _censuses(r, cover)
    return pd.DataFrame(rows, columns=list(FIGURE_COLUMNS))


def summary(figures: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The figures as two tables for a planner, one row per period: collection years
    (April to March) and workforce censuses (30 September); ``covers`` says which days a
    period's counts span where the returns do not cover all of it."""
    out = {}
    for title, returns in (
        ("collection years (1 April to 31 March)", (CIN, LA)),
        ("workforce censuses (30 September; starters and leavers in the year to it)", (CSWW,)),
    ):
        f = figures[figures["return"].isin(returns)]
        if f.empty:
            continue
        table = f.pivot_table(index="period", columns="metric", values="value", aggfunc="first")
        table = table[[m for m in LABELS if m in table.columns]]
        for m in table.columns:  # counts as whole numbers, FTE to 0.1, shares to 0.001
            table[m] = table[m].round(3 if m == "agency_share" else 1)
            if m not in ("agency_fte", "vacancy_fte", "agency_share"):
                table[m] = table[m].astype("Int64")
        table = table.rename(columns=LABELS)
        table.columns.name = None
        flows = f[f["metric"].map(lambda m: WHAT[m][1]) == "flow"]
        span = flows.groupby("period").agg(first=("first", "min"), last=("date", "max"),
                                           complete=("complete", "all"))  # fmt: skip
        table.insert(0, "covers", [_covers(span, p) for p in table.index])
        out[title] = table
    return out


def _covers(span: pd.DataFrame, period: str) -> str:
    """What a summary row's counts span: the whole year, or the days the returns cover."""
    if period not in span.index:
        return "the day only"
    row = span.loc[period]
    if row["complete"]:
        return "whole year"
    return f"{row['first']:%d/%m/%Y} to {row['last']:%d/%m/%Y}"


def observed_points(figures: pd.DataFrame, after: dt.date, source: str) -> pd.DataFrame:
    """The complete figures of ``figures`` dated after ``after`` whose flows begin after it,
    as ``csc-sim backtest --observed`` reads them: flows as a monthly mean over 12 months
    (``window_months`` 12); ``source`` names where the returns are (a folder)."""
    day = pd.Timestamp(after)
    f = figures[figures["complete"] & (figures["first"] > day) & (figures["date"] > day)]
    rows = []
    for x in f.sort_values(["date", "metric"], kind="stable").to_dict("records"):
        ret, timing, what = WHAT[x["metric"]]
        flow = timing == "flow"
        window = f", {x['first']:%Y-%m-%d} to {x['date']:%Y-%m-%d}" if flow else ""
        rows.append(
            {
                "date": x["date"].date().isoformat(),
                "metric": x["metric"],
                "value": round(x["value"] / MONTHS_A_YEAR, 4) if flow else x["value"],
                "window_months": MONTHS_A_YEAR if flow else 1,
                "source": f"{source}: {ret} {x['period']}, {what}{window}",
                "note": f"{x['value']:,.0f} in the year / 12: a monthly mean" if flow else "as is",
            }
        )
    return pd.DataFrame(rows, columns=list(OBSERVED_COLUMNS))


def write_observed(points: pd.DataFrame, path: str | Path) -> Path:
    """Write ``points`` as an observed file (atomically)."""
    if points.empty:
        raise ValueError("no observed points: the returns cover no whole year after the date")
    path = Path(path)
    write_csv(path, points)
    return path


def suggest_as_of(figures: pd.DataFrame) -> dt.date | None:
    """A calibration date that leaves the returns' last whole collection year and the
    workforce census year before it out: 30 September of the year two before the last
    31 March with a complete CIN census year (None if there is none)."""
    whole = figures[(figures["return"] == CIN) & (figures["metric"] == "referrals")
                    & figures["complete"]]  # fmt: skip
    if whole.empty:
        return None
    return dt.date(whole["date"].max().year - 2, 9, 30)


def months_to_cover(after: dt.date, points: pd.DataFrame) -> int:
    """Months a run starting the day after ``after`` needs for its last month end to reach
    the last of ``points``."""
    start = pd.Timestamp(after) + pd.Timedelta(days=1)
    last = pd.Timestamp(max(points["date"]))
    # the run's month ends fall on the start's day less one (the last day of each month
    # for a start on the 1st): the first on or after the last point
    months = max(1, (last.year - start.year) * MONTHS_A_YEAR + last.month - start.month)
    while start + pd.DateOffset(months=months) - pd.Timedelta(days=1) < last:
        months += 1
    return months
