"""Calibrate: the returns to ``as_of`` in, a complete council config out, each value with a
comment naming its return, window and 95% interval, or marked as the template's.

Only what the returns show before the start is read: every table is cut at ``as_of``
first (:func:`censor`), so nothing after it can reach an estimate. The config starts the
day after ``as_of`` with the stock open at the end of that day.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from sim.calibrate import demand, pathway, workforce
from sim.calibrate.errors import ReturnsError
from sim.calibrate.estimate import Estimate, Window, round_shares, share, sig
from sim.calibrate.inputs import ReturnsTables, check_tables
from sim.calibrate.survival import DurationFit
from sim.calibrate.yaml_text import Path, emit
from sim.config.council import (
    AGE_BANDS_YEARS,
    TEAMS,
    UASC_ROUTE,
    ChildProfile,
    CouncilConfig,
    month_ends,
)
from sim.config.loader import check_own_target, to_plain, validate_council
from sim.experiment.stats import Z95
from sim.model.timeline import DAYS_PER_YEAR

log = logging.getLogger(__name__)

WORKFORCE_PATHS: tuple[Path, ...] = (
    ("initial_workforce",),
    ("leaving", "permanent"),
    ("leaving", "asye"),
    ("leaving", "agency"),
    ("leaving", "asye_end_probability"),
    ("asye", "duration_months"),
    ("establishment", "fte"),
    ("recruitment", "appointable_per_advert"),
    ("recruitment", "experienced_share"),
    ("recruitment", "agency", "cover_share"),
    ("recruitment", "agency", "conversion_per_year"),
)
"""What the workforce census gives (the template's when there is none)."""

MIN_WINDOW_DAYS = 90
"""Fewer days of returns before ``as_of`` than this and nothing can be estimated."""
_DEFAULT_UASC_AGE = ChildProfile.model_fields["uasc_age"].default
CAP_MARGIN = 0.02
"""An agency share on the census day this close to the template's cap: the cap binds."""
TEAM_SHARE_GAP = 0.10
"""A template's team share this far from the share of FTE in post in the team is listed
as a conflict."""


def censor(t: ReturnsTables, as_of: pd.Timestamp) -> ReturnsTables:
    """The returns as they stood at the end of ``as_of``: later records dropped, later
    ends, reasons and censuses unknown."""
    ref = t.referrals[t.referrals["date"] <= as_of]
    sp = t.spells[t.spells["start"] <= as_of].copy()
    late = sp["end"] > as_of
    sp.loc[late, "end"] = pd.NaT
    sp.loc[late, "how"] = ""
    wk = t.workers[t.workers["start"] <= as_of].copy()
    late = wk["end"] > as_of
    wk.loc[late, "end"] = pd.NaT
    wk.loc[late, "reason"] = ""
    # what the censuses after as_of say is not known yet (a spell's own dates are)
    wk.loc[wk["first_seen"] > as_of, "first_seen"] = pd.NaT
    wk.loc[wk["gone_by"] > as_of, "gone_by"] = pd.NaT
    wk.loc[wk["qualified_seen"] > as_of, "qualified_seen"] = pd.NaT
    censuses = t.council_sept.loc[t.council_sept["date"] <= as_of, "date"]
    latest = censuses.max() if not censuses.empty else pd.NaT
    wk.loc[wk["last_seen"] > as_of, "last_seen"] = latest
    # in the ASYE at a later census: so also at the latest one by as_of, if in post then
    later = wk["asye_seen"] > as_of
    wk.loc[later, "asye_seen"] = latest if pd.notna(latest) else pd.NaT
    wk.loc[later & ~(wk["start"] <= wk["asye_seen"]), "asye_seen"] = pd.NaT
    cs = t.council_sept[t.council_sept["date"] <= as_of]
    known = set(ref["child"]) | set(sp["child"])
    ch = t.children[t.children["child"].isin(known)]
    return replace(
        t, children=ch, referrals=ref, spells=sp, workers=wk, council_sept=cs, extracted=as_of
    )


@dataclass
class Calibration:
    """The calibrated config, its comments, and what a planner must look at."""

    config: dict[str, Any]
    notes: dict[Path, str]
    window: Window
    estimates: dict[str, Estimate] = field(default_factory=dict)
    """Each estimated value by its config path (distributions: ``.mean`` and ``.sd``)."""
    thin: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    template_values: int = 0

    def text(self, header: list[str]) -> str:
        return emit(self.config, self.notes, header)


class _Builder:
    """Fills a copy of the template with estimates, keeping every note."""

    def __init__(self, template: CouncilConfig, template_name: str, w: Window) -> None:
        self.data: dict[str, Any] = to_plain(template)
        self.notes: dict[Path, str] = {}
        self.template_name = template_name
        self.w = w
        self.cal = Calibration(self.data, self.notes, w)
        self.estimated: set[Path] = set()
        self.kept: dict[Path, str] = {}
        """Template values kept where the returns could not say: their notes go on every
        value under them."""

    def put(self, path: Path, value: Any, note: str, est: Estimate | None = None) -> None:
        """Set ``path`` to ``value`` with the comment ``note`` (``est``: flagged if thin)."""
        node: Any = self.data
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(key, str) else node[key]
        node[path[-1]] = _plain_value(value)
        self.notes[path] = note
        self.estimated.add(path)
        name = ".".join(str(p) for p in path)
        if est is not None:
            self.cal.estimates[name] = est
            if est.thin:
                self.cal.thin.append(f"{name}: {note}")

    def put_duration(self, path: Path, fit: DurationFit | None, fallback_note: str = "") -> None:
        name = ".".join(str(p) for p in path)
        if fit is None:
            self.keep(path, fallback_note or "nothing ended in the window")
            return
        self.put(path, fit.dist, fit.note())
        self.cal.estimates[name + ".mean"] = fit.mean
        if fit.sd is not None:
            self.cal.estimates[name + ".sd"] = fit.sd
        if fit.mean.thin:
            self.cal.thin.append(f"{name}: {fit.note()}")

    def keep(self, path: Path, why: str) -> None:
        """Keep the template's value at ``path``, saying why it was not estimated."""
        note = f"thin: template ({self.template_name}): {why}"
        self.notes[path] = note
        self.estimated.add(path)
        self.kept[path] = note
        self.cal.thin.append(f"{'.'.join(str(p) for p in path)}: {note}")

    def drop(self, path: Path, why: str) -> None:
        node: Any = self.data
        for key in path[:-1]:
            node = node[key]
        old = node.get(path[-1])
        if old in (None, [], {}):
            return
        node[path[-1]] = [] if isinstance(old, list) else None
        self.notes[path] = f"not taken from the template ({self.template_name}): {why}"
        self.estimated.add(path)
        self.cal.dropped.append(f"{'.'.join(str(p) for p in path)}: {why}")

    def mark_template(self) -> None:
        """Note every value not estimated as the template's."""
        count = 0

        def walk(value: Any, path: Path, inherited: str | None) -> None:
            nonlocal count
            inherited = self.kept.get(path, inherited)
            container = bool(
                (isinstance(value, dict) and value and "dist" not in value)
                or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value))
            )
            if path in self.estimated and path not in self.kept and not container:
                return
            if isinstance(value, dict) and value and "dist" not in value:
                for k, v in value.items():
                    walk(v, (*path, k), inherited)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                for i, v in enumerate(value):
                    walk(v, (*path, i), inherited)
            elif path[-1] == "from_years":
                return  # the band's note is its hazard's; the bands are said on the list
            elif path not in self.estimated or path in self.kept:
                self.notes[path] = inherited or f"template ({self.template_name})"
                count += 1

        walk(self.data, (), None)
        self.cal.template_values = count


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def _plain_value(value: Any) -> Any:
    """``value`` with numpy scalars as Python ones (the YAML writer knows only those)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value


def _shares_note(est: Estimate) -> str:
    return est.note(".3f")


def calibrate(
    tables: ReturnsTables,
    as_of: dt.date,
    template: CouncilConfig,
    template_name: str,
    name: str | None = None,
) -> Calibration:
    """A council config from ``tables`` up to ``as_of`` (included), with ``template``'s
    values where the returns say nothing; :class:`ReturnsError` for bad returns."""
    t = check_tables(tables)
    day = pd.Timestamp(as_of)
    if day > t.extracted:
        raise ReturnsError(
            "--as-of",
            f"the returns run to {t.extracted:%Y-%m-%d}; give a date on or before it",
            value=str(as_of),
        )
    if (day - t.start).days + 1 < MIN_WINDOW_DAYS:
        raise ReturnsError(
            "--as-of",
            f"the returns start on {t.start:%Y-%m-%d}: at least {MIN_WINDOW_DAYS} days of "
            "them are needed before it",
            value=str(as_of),
        )
    t = censor(t, day)
    w = Window(t.start, day)
    b = _Builder(template, template_name, w)
    start = (day + pd.Timedelta(days=1)).date()
    b.put(("name",), name or f"{template.name} calibrated to {as_of}", "")
    b.put(
        ("description",),
        f"Calibrated by csc-sim calibrate from returns {w}; values the returns cannot give "
        f"from {template_name}.",
        "",
    )
    b.put(("start_date",), start, f"the day after --as-of {as_of}")
    _demand(b, t, w)
    ages = _children(b, t, w)
    _pathway(b, t, w, ages)
    _stock(b, t, w, day)
    wf_end = min(day, t.workforce_to)
    wf = Window(t.workforce_from, wf_end)
    if t.workers.empty or wf.days < MIN_WINDOW_DAYS:
        for path in WORKFORCE_PATHS:
            b.keep(path, "no workforce census to calibrate from")
    else:
        _workforce(b, t, wf, wf_end, template)
    _target(b, template, start)
    b.mark_template()
    cfg = validate_council(b.data, "calibrated config")
    check_own_target(cfg, "calibrated config")
    return b.cal


def _demand(b: _Builder, t: ReturnsTables, w: Window) -> None:
    refs = demand.referrals_in_window(t, w)
    refs = refs[~refs["uasc"].fillna(False).astype(bool)]
    fit = demand.referral_rate(refs, w)
    rr = demand.rereferral(t, w)
    cure, n_closed = rr.fit, rr.closures
    p = rr.realised
    se_p = (
        (cure.probability.high - cure.probability.low) / (2 * Z95)  # type: ignore[operator]
        if cure is not None
        else 0.0
    )
    total = fit.per_year
    value = total.value * (1 - p)
    # delta method on T (1 - p), T and p independent
    se_t = (
        (math.log(total.high) - math.log(total.low)) / (2 * Z95) * total.value
        if total.low and total.high and total.low > 0
        else math.nan
    )
    se = math.sqrt(((1 - p) * se_t) ** 2 + (total.value * se_p) ** 2)
    first = Estimate(
        value,
        value - Z95 * se,
        value + Z95 * se,
        total.n,
        "referrals",
        total.source,
        w,
        f"children referred for the first time: all referrals a year at the window's end "
        f"{total.value:,.0f} x (1 - the share of closures referred again {p:.3f}), as in a "
        "steady state",
    )
    b.put(("demand", "referrals_per_year"), sig(value), first.note(",.0f"), first)
    if fit.trend is not None:
        b.put(
            ("demand", "trend_per_year"), sig(fit.trend.value, 3), fit.trend.note(".4f"), fit.trend
        )
    else:
        b.put(
            ("demand", "trend_per_year"), 0.0, f"thin: {w}: under 12 months of referrals, no trend"
        )
        b.cal.thin.append(f"demand.trend_per_year: under 12 months of referrals in {w}")
    if fit.seasonality is not None:
        b.put(
            ("demand", "seasonality"),
            [round(s.value, 4) for s in fit.seasonality],
            "multipliers of the mean month, January first",
        )
        for k, s in enumerate(fit.seasonality):
            b.put(("demand", "seasonality", k), round(s.value, 4), s.note(".3f"), s)
    else:
        b.put(
            ("demand", "seasonality"),
            None,
            f"thin: {w}: under 24 months of referrals, no seasonality",
        )
        b.cal.thin.append(f"demand.seasonality: under 24 months of referrals in {w}")
    b.drop(("demand", "steps"), "dated changes of the template's own council")
    b.drop(("demand", "reduction"), "a diversion policy of the template's own council")
    if cure is not None:
        prob = cure.probability
        b.put(
            ("demand", "rereferral", "probability"),
            round(min(prob.value, 0.95), 4),
            prob.note(".3f") + f"; {n_closed:,} closures, each followed until the next "
            f"referral, the window's end or the 18th birthday; {rr.realised:.3f} come back "
            "before 18",
            prob,
        )
        b.put_duration(("demand", "rereferral", "delay"), cure.delay)
    else:
        b.put(
            ("demand", "rereferral", "probability"),
            0.0,
            f"thin: no closed child referred again in {w} ({n_closed:,} closures)",
        )
        b.cal.thin.append(f"demand.rereferral.probability: no closed child came back in {w}")
    dfe = demand.dfe_rereferral_rate(t, w)
    if dfe is not None:
        b.notes[("demand", "rereferral")] = f"for comparison, {dfe.note('.3f')}"
    nfa = demand.nfa_share(refs, w)
    b.put(("demand", "nfa_at_referral"), round(nfa.value, 4), _shares_note(nfa), nfa)


def _children(b: _Builder, t: ReturnsTables, w: Window) -> bool:
    """Ages at referral and UASC arrivals; whether ages are known."""
    first = demand.first_referrals(t, w)
    ages = demand.ages_at_referral(first, w)
    per_year, uasc_ages = demand.uasc_arrivals(first, w)
    if ages is None:
        b.put(
            ("children",),
            None,
            "no dates of birth in the returns: no ages, nobody leaves care at 18",
        )
        b.cal.thin.append("children: fewer than half the referred children have a date of birth")
        if per_year.value > 0:
            b.cal.conflicts.append(
                f"demand.uasc_per_year: {per_year.value:.1f} arrivals a year, but without ages "
                "the config cannot hold a UASC route; set to 0"
            )
        b.put(("demand", "uasc_per_year"), 0.0, "no ages, so no UASC route: " + per_year.note())
        return False
    before = b.data.get("children") or {}
    b.put(("children",), {}, "")
    _put_shares(b, ("children", "age_at_referral"), ages)
    b.put(("demand", "uasc_per_year"), sig(per_year.value), per_year.note(".1f"), per_year)
    if uasc_ages is not None and per_year.n > 0:
        _put_shares(b, ("children", "uasc_age"), uasc_ages)
    else:
        b.data["children"]["uasc_age"] = before.get("uasc_age") or dict(_DEFAULT_UASC_AGE)
        b.keep(("children", "uasc_age"), "no UASC arrivals with a date of birth")
    return True


def _put_shares(b: _Builder, path: Path, shares: dict[str, Estimate]) -> None:
    """A probability table: each share rounded so that they sum to 1, with its note."""
    keys = list(shares)
    values = np.array([shares[k].value for k in keys])
    if values.sum() <= 0:
        raise ValueError(f"{path}: no records to share out")
    rounded = round_shares(values / values.sum())
    b.put(path, {}, "")
    for k, v in zip(keys, rounded, strict=True):
        b.put((*path, k), v, _shares_note(shares[k]), shares[k])


def _pathway(b: _Builder, t: ReturnsTables, w: Window, ages: bool) -> None:
    outcomes = pathway.next_shares(t, "assessment", w, ("nfa", "cin", "cp", "lac"))
    steps = {
        "cin": pathway.next_shares(t, "cin", w, ("close", "cp", "lac")),
        "cp": pathway.next_shares(t, "cp", w, ("close", "cin", "lac")),
    }
    for stage in ("assessment", "cin", "cp"):
        b.put_duration(("pathway", stage, "duration"), pathway.stage_duration(t, stage, w))
    if sum(e.n for e in outcomes.values()):
        _put_shares(b, ("pathway", "assessment", "outcomes"), outcomes)
    else:
        b.keep(("pathway", "assessment", "outcomes"), "no assessment ended in the window")
    for stage, shares in steps.items():
        if next(iter(shares.values())).n:
            _put_shares(b, ("pathway", stage, "next"), shares)
        else:
            b.keep(("pathway", stage, "next"), f"no {stage} plan ended in the window")
    nxt = pathway.lac_next(t, w)
    if next(iter(nxt.values())).n:
        _put_shares(b, ("pathway", "lac", "next"), nxt)
    else:
        b.keep(("pathway", "lac", "next"), "no stay ended by a return home or other ending")
    lac = b.data["pathway"]["lac"]
    if not ages:
        b.put(("pathway", "lac", "routes"), {}, "no ages in the returns: one length of stay")
        b.put_duration(("pathway", "lac", "duration"), pathway.lac_single(t, w))
        return
    routes = pathway.lac_routes(t, w)
    if not [r for r in routes if r != UASC_ROUTE]:
        b.keep(("pathway", "lac"), "no looked-after stays in the window")
        return
    lac["duration"] = None
    b.notes[("pathway", "lac", "duration")] = "stays by route (legal status and age) below"
    b.estimated.add(("pathway", "lac", "duration"))
    b.put(("pathway", "lac", "routes"), {}, "one route per legal status at entry (SSDA903 LS)")
    pooled = pathway.lac_single(t, w)
    for name, r in routes.items():
        b.put(
            ("pathway", "lac", "routes", name, "legal_status"),
            r.legal_status,
            f"SSDA903 LS at entry; {r.stays:,} stays seen in {w}",
        )
    _route_shares(b, routes)
    for name, r in routes.items():
        path: Path = ("pathway", "lac", "routes", name)
        if r.duration is not None:
            b.put_duration((*path, "duration"), r.duration)
        elif pooled is not None:
            b.put(
                (*path, "duration"),
                pooled.dist,
                f"thin: no stay on this route ended before 18 in {w}; all routes' stays: "
                + pooled.note(),
            )
            b.cal.thin.append(f"{_dotted(path)}.duration: no stay ended; the pooled fit")
        exits = r.exits
        if next(iter(exits.values())).n == 0:
            exits = _pooled_exits(routes)
        if next(iter(exits.values())).n:
            _put_shares(b, (*path, "exits"), exits)
        else:
            b.put((*path, "exits"), {"other": 1.0}, f"thin: no stay ended before 18 in {w}")
            b.cal.thin.append(f"{_dotted(path)}.exits: no stay ended before 18")
    uasc_here = UASC_ROUTE in routes
    if not uasc_here and b.data["demand"]["uasc_per_year"] > 0:
        b.put(("demand", "uasc_per_year"), 0.0, "no UASC stays seen: no UASC route")


def _pooled_exits(routes: dict[str, pathway.RouteFit]) -> dict[str, Estimate]:
    """Exits over every route (for a route whose own stays show none)."""
    counts = {e: 0 for e in pathway.EXITS}
    n = 0
    some: Estimate | None = None
    for r in routes.values():
        for e, est in r.exits.items():
            counts[e] += round(est.value * est.n)
            some = est
        n += next(iter(r.exits.values())).n
    assert some is not None
    return {
        e: share(k, n, "SSDA903 episodes (all routes)", some.window, "stays ended before 18")
        for e, k in counts.items()
    }


def _route_shares(b: _Builder, routes: dict[str, pathway.RouteFit]) -> None:
    """Each age band's shares over the routes (UASC apart), summing to 1: a band with no
    entrants in the window takes the shares of all entrants (or of the stays seen)."""
    names = [n for n in routes if n != UASC_ROUTE]
    bands = list(AGE_BANDS_YEARS)
    counts = np.array(
        [
            [
                round(routes[n].share_by_age[band].value * routes[n].share_by_age[band].n)
                for n in names
            ]
            for band in bands
        ],
        dtype=float,
    )
    pooled = counts.sum(axis=0)
    if pooled.sum() == 0:
        pooled = np.array([routes[n].stays for n in names], dtype=float)
    for k, band in enumerate(bands):
        row = counts[k] if counts[k].sum() > 0 else pooled
        shares = round_shares(row / row.sum())
        for n, s in zip(names, shares, strict=True):
            est = routes[n].share_by_age[band]
            path: Path = ("pathway", "lac", "routes", n, "share_by_age", band)
            if counts[k].sum() > 0:
                b.put(path, s, _shares_note(est), est)
            else:
                b.put(
                    path,
                    s,
                    f"thin: no child aged {band} started care in the window; the shares of "
                    "all ages",
                )
        if counts[k].sum() == 0:
            b.cal.thin.append(f"pathway.lac.routes.*.share_by_age.{band}: no entrants of this age")


def _stock(b: _Builder, t: ReturnsTables, w: Window, day: pd.Timestamp) -> None:
    open_now = pathway.open_at(t, day)
    for stage, n in open_now.items():
        b.put(
            ("initial_cases", stage),
            int(n),
            f"{pathway.SOURCE[stage]}: open at the end of {day:%Y-%m-%d}",
        )
    b.put(
        ("initial_cases", "time_in_stage"),
        "equilibrium",
        "as a steady state with the durations above would leave them",
    )


def _workforce(
    b: _Builder, t: ReturnsTables, w: Window, day: pd.Timestamp, template: CouncilConfig
) -> None:
    lv = template.leaving
    notice = workforce.Notice(lv.notice_days_permanent, lv.notice_days_agency)
    length = workforce.asye_length(*workforce.asye_bounds(t, notice), w)
    if length is not None:
        months = length.estimate
        asye_len, tolerance = length.days, length.tolerance
        b.put(("asye", "duration_months"), round(months.value, 2), months.note(".2f"), months)
    else:
        asye_len = template.asye.duration_months / 12 * DAYS_PER_YEAR
        tolerance = workforce.SPIKE_DAYS
        b.keep(
            ("asye", "duration_months"),
            "an assumption, not fitted: no census in the window shows a newly qualified "
            "starter (StartOrigin 1) past the ASYE (without CFKSSstatus 1 in a census that "
            "gives CFKSSstatus), so the returns cannot tell its length (the statutory ASYE "
            "is 12 months)",
        )
    ends = workforce.asye_ends(t, asye_len, tolerance)
    x, (spike, reached) = workforce.exposures(t, w, notice, ends)
    for kind in ("permanent", "asye", "agency"):
        bands = getattr(lv, kind)
        starts = [band.from_years for band in bands]
        b.notes[("leaving", kind)] = (
            f"leaving a year by years of service; the bands (from_years) are the template's "
            f"({b.template_name})"
        )
        if kind in workforce.interval_kinds(t):
            ests = workforce.interval_hazards(t, w, kind, starts, notice)
        else:
            ests = workforce.hazards(x, kind, starts, w)
        for i, (band, est) in enumerate(zip(bands, ests, strict=True)):
            path: Path = ("leaving", kind, i, "per_year")
            if est.high is None or math.isinf(est.high):
                b.keep(path, f"no {kind} worker at risk with {band.from_years:g}+ years' service")
                continue
            b.put(path, sig(min(est.value, 365.0), 3), est.note(".3f"), est)
    end = workforce.asye_end_leaving(spike, reached, w)
    if reached:
        b.put(("leaving", "asye_end_probability"), round(end.value, 4), end.note(".3f"), end)
    else:
        b.keep(("leaving", "asye_end_probability"), "no ASYE reached its end in the window")
    dest = workforce.destinations(t, w)
    if dest is not None:
        _put_shares(b, ("leaving", "destinations"), dest)
        if template.leaving.destinations is not None:
            b.put(
                ("leaving", "destinations", "agency_available_days"),
                template.leaving.destinations.agency_available_days,
                f"template ({b.template_name})",
            )
    on = workforce.in_post(t, day, ends)
    fte = on.groupby("kind_now")["fte"].sum()
    tenure = on.groupby("kind_now")["tenure"].mean()
    for kind in ("permanent", "asye", "agency"):
        have = float(fte.get(kind, 0.0))
        eq = ""
        if kind != "asye" and kind in tenure:
            data = b.data["leaving"][kind]
            mean_eq = workforce.mean_equilibrium_tenure(
                [band["from_years"] for band in data], [band["per_year"] for band in data]
            )
            eq = (
                f"; mean tenure {tenure[kind]:.1f} years (the fitted hazards' steady state: "
                f"{mean_eq:.1f})"
            )
        elif kind == "asye":
            eq = (
                " (in the ASYE: listed with CFKSSstatus 1 on the last census by then, else "
                "started less than the ASYE's length before)"
            )
        b.put(
            ("initial_workforce", f"{kind}_fte"),
            round(have),
            f"{workforce.SOURCE}: {have:,.1f} FTE in post at the end of {day:%Y-%m-%d}{eq}",
        )
    b.put(
        ("initial_workforce", "tenure"),
        "equilibrium",
        "tenure as the fitted hazards' steady state (the config has no other choice)",
    )
    c = workforce.census(t, w, ends)
    _establishment(b, t, w, day, c, on, template)
    s = workforce.starters(t, w)
    exp = workforce.experienced_share(s, w)
    if exp.n:
        b.put(("recruitment", "experienced_share"), round(exp.value, 4), exp.note(".3f"), exp)
    else:
        b.keep(("recruitment", "experienced_share"), "no permanent or ASYE starter in the window")
    conv = workforce.conversion_rate(s, w)
    if s.agency_years > 0:
        b.put(
            ("recruitment", "agency", "conversion_per_year"),
            sig(conv.value, 3),
            conv.note(".4f"),
            conv,
        )
    else:
        b.keep(("recruitment", "agency", "conversion_per_year"), "no agency worker in the window")
    rc = template.recruitment
    fill = workforce.fill_rate(t, w, c, rc)
    if fill is not None:
        est, per_vacancy = fill
        b.put(
            ("recruitment", "appointable_per_advert"),
            sig(est.value, 3),
            est.note(".4f") + f"; {per_vacancy:.3f} starters per vacancy-year",
            est,
        )
    else:
        b.keep(("recruitment", "appointable_per_advert"), "no vacancies in the census")
    cover = workforce.agency_cover(c, w)
    if cover is not None:
        cov, other, share_now = cover
        cap = template.recruitment.agency.max_share
        if share_now >= cap - CAP_MARGIN:
            # The cap, not the cover, set the agency on the census day: any cover share
            # from the one seen up to 1 gives the same agency, so the seen one is only a
            # lower bound and the template's stands if it is above it.
            kept = max(cov.value, template.recruitment.agency.cover_share)
            bound = replace(
                cov,
                value=kept,
                low=cov.low,
                high=1.0,
                how=f"at least {cov.value:.3f} (the cap binds): the template's "
                f"{template.recruitment.agency.cover_share:g} kept where above",
            )
            b.put(
                ("recruitment", "agency", "cover_share"), round(kept, 4), bound.note(".3f"), bound
            )
            b.cal.conflicts.append(
                f"recruitment.agency.max_share: the template's cap {cap:.2f} is at or near the "
                f"agency share {share_now:.2f} on the last census day, so the cap set the "
                f"agency there and the cover share is only known to be at least {cov.value:.2f}; "
                "check the cap is the council's own"
            )
        else:
            b.put(
                ("recruitment", "agency", "cover_share"), round(cov.value, 4), cov.note(".3f"), cov
            )
        b.put(
            ("recruitment", "agency", "other_cover_share"),
            round(other.value, 4),
            other.note(".3f"),
            other,
        )
    else:
        b.keep(("recruitment", "agency", "cover_share"), "no vacancies in the census")


def _establishment(
    b: _Builder,
    t: ReturnsTables,
    w: Window,
    day: pd.Timestamp,
    c: workforce.Census,
    on: pd.DataFrame,
    template: CouncilConfig,
) -> None:
    rows = c.rows.dropna(subset=["vacancies_fte"])
    est_t = template.establishment
    if not rows.empty:
        last = rows.iloc[-1]
        funded = float(last["vacancies_fte"] + last["permanent_fte"])
        b.put(
            ("establishment", "fte"),
            sig(funded),
            f"{workforce.CENSUS} {last['date']:%Y-%m-%d}: {last['permanent_fte']:,.1f} "
            f"permanent and ASYE FTE in post + {last['vacancies_fte']:,.1f} vacancies",
        )
    else:
        b.keep(("establishment", "fte"), "no vacancies in the census, so no funded posts")
        funded = est_t.fte
    b.drop(("establishment", "schedule"), "dated changes of the template's own council")
    tm = est_t.team_managers_fte
    for step in est_t.team_manager_schedule:
        if step.date <= day.date():
            tm = step.fte
    b.put(
        ("establishment", "team_managers_fte"),
        tm,
        f"template ({b.template_name}), its value on {day:%Y-%m-%d}",
    )
    b.drop(
        ("establishment", "team_manager_schedule"), "dated changes of the template's own council"
    )
    share = workforce.case_holding_share(on, w)
    b.put(
        ("establishment", "case_holding_share"),
        round(min(max(share.value, 0.01), 1.0), 4),
        share.note(".3f"),
        share,
    )
    holding = on[(on["kind_now"] != "agency") & (on["team"].isin(TEAMS))]
    total = float(holding["fte"].sum())
    if total > 0:
        for team in TEAMS:
            got = float(holding.loc[holding["team"] == team, "fte"].sum()) / total
            want = getattr(template.teams, team).establishment_share
            if abs(got - want) > TEAM_SHARE_GAP:
                b.cal.conflicts.append(
                    f"teams.{team}.establishment_share: the template's {want:.2f}, but "
                    f"{got:.2f} of the permanent case-holding FTE in post on {day:%Y-%m-%d} "
                    "are in this team"
                )
    in_post = float(on.loc[on["kind_now"] != "agency", "fte"].sum())
    if in_post > funded + 0.5:
        b.cal.conflicts.append(
            f"establishment.fte: {funded:,.1f} funded posts but {in_post:,.1f} permanent and "
            f"ASYE FTE in post on {day:%Y-%m-%d}"
        )


def _target(b: _Builder, template: CouncilConfig, start: dt.date) -> None:
    """The template's caseload target, moved to the same month of the calibrated run."""
    tgt = template.target
    ends = month_ends(template.start_date, template.horizon_months)
    k = max(0, sum(e < tgt.date for e in ends))
    new_ends = month_ends(start, template.horizon_months)
    date = new_ends[min(k, len(new_ends) - 1)]
    b.put(
        ("target", "date"),
        date,
        f"template ({b.template_name}): its target date {tgt.date}, moved to the same month "
        "of this run",
    )
