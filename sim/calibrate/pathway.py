"""The case pathway from the CIN census and SSDA903: where each stage leads, how long each
lasts, and the looked-after routes by legal status and age with their exits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibrate.demand import band_of_years, in_window
from sim.calibrate.estimate import Estimate, Window, share
from sim.calibrate.inputs import ReturnsTables
from sim.calibrate.survival import DurationFit, Spells, fit_duration
from sim.config.council import AGE_BANDS_YEARS, UASC_ROUTE
from sim.model.timeline import DAYS_PER_YEAR

SOURCE = {
    "assessment": "CIN census assessments",
    "cin": "CIN census CIN plans",
    "cp": "CIN census CP plans",
    "lac": "SSDA903 episodes",
}
AGED_OUT = "18_plus"
EXITS = ("return_home", "adoption", "special_guardianship", "other")
"""Looked-after exits before 18 (the config's ``exits``)."""
STEPPING_EXITS = ("return_home", "other")
"""Exits after which a child may go on to CiN or CP (``pathway.lac.next``); the others close."""


def ended_in(spells: pd.DataFrame, w: Window) -> pd.DataFrame:
    """Spells that ended in the window."""
    return spells[spells["end"].notna() & in_window(spells["end"], w)]


def seen(spells: pd.DataFrame, w: Window) -> pd.DataFrame:
    """Spells under way at some time in the window (started by its end, not ended before
    its start)."""
    return spells[(spells["start"] <= w.end) & ~(spells["end"] < w.start)]


def next_shares(
    t: ReturnsTables, stage: str, w: Window, keys: tuple[str, ...]
) -> dict[str, Estimate]:
    """Where spells of ``stage`` ending in the window went (``how``), as shares of ``keys``
    (an assessment's ``close`` is the config's ``nfa``)."""
    done = ended_in(t.spells[t.spells["stage"] == stage], w)
    how = done["how"].replace({"close": "nfa"}) if stage == "assessment" else done["how"]
    n = len(done)
    return {k: share(int((how == k).sum()), n, SOURCE[stage], w, "spells") for k in keys}


def lac_next(t: ReturnsTables, w: Window) -> dict[str, Estimate]:
    """Where children go after returning home or another ending of care (not adoption,
    special guardianship or 18): to CiN or CP if a spell of either starts the day care
    ends, else the case closes."""
    sp = t.spells
    done = ended_in(sp[(sp["stage"] == "lac") & sp["how"].isin(STEPPING_EXITS)], w)
    after = sp[sp["stage"].isin(("cin", "cp"))][["child", "start", "stage"]]
    got = done[["child", "end"]].merge(
        after.rename(columns={"start": "end", "stage": "next"}), on=["child", "end"], how="left"
    )
    nxt = got.drop_duplicates(["child", "end"])["next"].fillna("close")
    n = len(nxt)
    return {
        k: share(int((nxt == k).sum()), n, SOURCE["lac"] + " and CIN census", w, "ended stays")
        for k in ("close", "cin", "cp")
    }


def as_spells(frame: pd.DataFrame, w: Window, censor: pd.Series | None = None) -> Spells:
    """Durations of the spells in ``frame`` (seen in the window) with censoring at the
    window's end and left truncation at its start; ``censor`` marks ended spells to be
    treated as censored at their end (a stay cut short by the 18th birthday)."""
    start = frame["start"]
    end = frame["end"]
    ended = (end.notna() & (end <= w.end)).to_numpy(dtype=bool, copy=True)
    if censor is not None:
        ended &= ~censor.to_numpy(dtype=bool)
    stop = end.where(end.notna() & (end <= w.end), w.stop)
    duration = (stop - start).dt.days.to_numpy(dtype=float)
    entry = np.maximum((w.start - start).dt.days.to_numpy(dtype=float) - 0.5, 0.0)
    return Spells(duration, ended, entry)


def stage_duration(t: ReturnsTables, stage: str, w: Window) -> DurationFit | None:
    """The duration of ``stage`` (assessment, cin or cp) from its spells in the window."""
    frame = seen(t.spells[t.spells["stage"] == stage], w)
    return fit_duration(as_spells(frame, w), SOURCE[stage], w, "ended spells")


@dataclass(frozen=True)
class RouteFit:
    """One looked-after route: its legal status, stays and exits, and the share of each age
    band's entrants who take it (empty for the UASC route)."""

    legal_status: str
    duration: DurationFit | None
    exits: dict[str, Estimate]
    share_by_age: dict[str, Estimate]
    stays: int
    """Stays on the route seen in the window."""


def lac_stays(t: ReturnsTables, w: Window) -> pd.DataFrame:
    """Looked-after stays seen in the window, with each child's UASC flag, the route (the
    legal status at entry; ``uasc`` for unaccompanied asylum-seeking children) and the age
    band at entry (-1 if the date of birth is unknown)."""
    stays = seen(t.spells[t.spells["stage"] == "lac"], w)
    stays = stays.merge(t.children[["child", "uasc", "dob"]], on="child", how="left")
    stays["route"] = np.where(stays["uasc"], UASC_ROUTE, stays["legal_status"])
    age = (stays["start"] - stays["dob"]).dt.days.to_numpy(dtype=float) / DAYS_PER_YEAR
    stays["band"] = np.where(np.isnan(age), -1, band_of_years(np.nan_to_num(age)))
    return stays


def lac_routes(t: ReturnsTables, w: Window) -> dict[str, RouteFit]:
    """The looked-after routes: one per legal status at entry (and the UASC route), each
    with its length of stay (18th birthdays censor it: the config's duration is the stay
    if the child does not reach 18 first), its exits before 18, and its share of each age
    band's entrants (stays starting in the window)."""
    stays = lac_stays(t, w)
    starting = stays[
        in_window(stays["start"], w) & (stays["route"] != UASC_ROUTE) & (stays["band"] >= 0)
    ]
    bands = list(AGE_BANDS_YEARS)
    routes: dict[str, RouteFit] = {}
    for route, group in stays.groupby("route", sort=True):
        name = str(route)
        aged_out = group["how"] == AGED_OUT
        duration = fit_duration(
            as_spells(group, w, censor=aged_out & group["end"].notna()),
            SOURCE["lac"] + f" ({name})",
            w,
            "stays ended before 18",
        )
        done = ended_in(group, w)
        before_18 = done[done["how"].isin(EXITS)]
        exits = {
            e: share(
                int((before_18["how"] == e).sum()),
                len(before_18),
                SOURCE["lac"] + f" ({name})",
                w,
                "stays ended before 18",
            )
            for e in EXITS
        }
        by_age: dict[str, Estimate] = {}
        if name != UASC_ROUTE:
            for k, b in enumerate(bands):
                entrants = starting[starting["band"] == k]
                by_age[b] = share(
                    int((entrants["route"] == name).sum()),
                    len(entrants),
                    SOURCE["lac"] + " starts",
                    w,
                    f"children starting care aged {b.replace('_', ' ')}",
                )
        legal = UASC_ROUTE if name == UASC_ROUTE else name
        status = str(group["legal_status"].mode().iloc[0]) if legal == UASC_ROUTE else legal
        routes[name] = RouteFit(status, duration, exits, by_age, len(group))
    return routes


def lac_single(t: ReturnsTables, w: Window) -> DurationFit | None:
    """One length of stay for every looked-after child (when ages are unknown)."""
    frame = seen(t.spells[t.spells["stage"] == "lac"], w)
    aged_out = (frame["how"] == AGED_OUT) & frame["end"].notna()
    return fit_duration(
        as_spells(frame, w, censor=aged_out), SOURCE["lac"], w, "stays ended before 18"
    )


def open_at(t: ReturnsTables, day: pd.Timestamp) -> dict[str, int]:
    """Children open in each stage at the end of ``day``."""
    sp = t.spells
    on = (sp["start"] <= day) & ~(sp["end"] <= day)
    counts = sp.loc[on, "stage"].value_counts()
    return {s: int(counts.get(s, 0)) for s in SOURCE}
