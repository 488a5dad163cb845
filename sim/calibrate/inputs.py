"""What calibration reads: a council's three returns as tidy tables (:class:`ReturnsTables`),
from a folder of returns (``sim.returns.read``) or from a run's recorder (``sim.model.record``),
checked so that a bad or partial return is refused with its file, row and column.

Tables and columns (dates are pandas timestamps, NaT where the returns give none):

- ``children``: child, dob (NaT if unknown), uasc (unaccompanied asylum-seeking; bool);
- ``referrals``: child, date, nfa (closed with no further action before an assessment);
- ``spells``: child, stage (assessment, cin, cp, lac), start, end (NaT if open at
  extraction), legal_status (SSDA903 code for lac, else ""), how (the next stage or
  ``close``; for lac the exit: return_home, adoption, special_guardianship, other, 18_plus);
- ``workers``: worker, kind (permanent, asye, agency at the spell's start), team
  (assessment, cin_cp, lac, non_case_holding; case_holding where the returns do not say
  which team), fte, start, end (NaT if in post), reason
  (other_council, agency, out, left, assignment_ended, converted);
  optional asye_seen and qualified_seen: the last census (30 September) listing the worker
  in post in the ASYE and the first listing them in post past it (the census's CFKSSstatus;
  NaT where none does: the census gives no completion date, so an ASYE's end is known only
  between two censuses);
  and, where the returns know a spell only from the censuses listing it (agency workers:
  the census gives no agency leaving date), optional first_seen and last_seen (the first
  and last census listing it) and gone_by (the first census no longer listing it; NaT if
  the last census lists it or its end is known);
- ``council_sept``: date (30 September), vacancies_fte, agency_fte (workforce census).

A table may carry ``source_file`` and ``source_row`` columns: errors then name them.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.errors import ReaderError, ReturnsError
from sim.config.council import LEGAL_STATUSES, POSTS, STAGES, WORKER_TYPES

LAC_EXITS = ("return_home", "adoption", "special_guardianship", "other", "18_plus")
NEXT_OF = {
    "assessment": ("close", "cin", "cp", "lac"),
    "cin": ("close", "cp", "lac"),
    "cp": ("close", "cin", "lac"),
    "lac": LAC_EXITS,
}
"""How a spell of each stage can end (``lac``: its exits)."""
CASE_HOLDING = "case_holding"
"""The team of a case-holding worker whose team the returns do not give."""
TEAM_VALUES = (*POSTS, CASE_HOLDING)
LEAVING_REASONS = ("other_council", "agency", "out", "left", "assignment_ended", "converted")
COLUMNS: dict[str, tuple[str, ...]] = {
    "children": ("child", "dob", "uasc"),
    "referrals": ("child", "date", "nfa"),
    "spells": ("child", "stage", "start", "end", "legal_status", "how"),
    "workers": ("worker", "kind", "team", "fte", "start", "end", "reason"),
    "council_sept": ("date", "vacancies_fte", "agency_fte"),
}
SEEN_COLUMNS = ("first_seen", "last_seen", "gone_by", "asye_seen", "qualified_seen")
"""Optional columns of ``workers``: what the censuses saw of each spell."""
DATE_COLUMNS = {
    "children": ("dob",),
    "referrals": ("date",),
    "spells": ("start", "end"),
    "workers": ("start", "end"),
    "council_sept": ("date",),
}
RETURN_OF = {
    "children": "CIN census and SSDA903 header",
    "referrals": "CIN census",
    "spells": "CIN census and SSDA903",
    "workers": "workforce census",
    "council_sept": "workforce census",
}
"""The return each table comes from, for error messages and the config's comments."""


@dataclass(frozen=True)
class ReturnsTables:
    """A council's returns as tidy tables (see the module), covering ``start`` to
    ``extracted`` (both days included)."""

    children: pd.DataFrame
    referrals: pd.DataFrame
    spells: pd.DataFrame
    workers: pd.DataFrame
    council_sept: pd.DataFrame
    start: pd.Timestamp
    """The first day the returns cover (the first collection year's start)."""
    extracted: pd.Timestamp
    """The last day the returns cover."""
    sources: Mapping[str, str] = field(default_factory=dict)
    """Table name -> where it was read from (a file or folder), for messages."""
    workforce_start: pd.Timestamp | None = None
    workforce_extracted: pd.Timestamp | None = None
    """The days the workforce census covers, when not ``start`` to ``extracted`` (the
    census runs October to September, the others April to March)."""

    @property
    def workforce_from(self) -> pd.Timestamp:
        return self.start if self.workforce_start is None else self.workforce_start

    @property
    def workforce_to(self) -> pd.Timestamp:
        return self.extracted if self.workforce_extracted is None else self.workforce_extracted

    def source(self, table: str) -> str:
        """Where ``table`` came from, as errors name it."""
        return self.sources.get(table, f"{RETURN_OF[table]} ({table})")


def check_tables(t: ReturnsTables) -> ReturnsTables:
    """``t`` with its columns in their types, or :class:`ReturnsError` naming the first bad
    file, row and column."""
    if pd.isna(t.start) or pd.isna(t.extracted) or t.extracted < t.start:
        raise ReturnsError(
            "returns", f"cover {t.start} to {t.extracted}: the last day must follow the first"
        )
    frames = {}
    for name, cols in COLUMNS.items():
        df: pd.DataFrame = getattr(t, name)
        src = t.source(name)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ReturnsError(src, f"missing column(s) {', '.join(missing)}", column=missing[0])
        df = df.reset_index(drop=True)
        for col in DATE_COLUMNS[name]:
            df[col] = _dates(df, col, src)
        frames[name] = df
    ch = frames["children"]
    _require(ch, ch["child"].isna(), "child", t.source("children"), "a child id is required")
    _require(
        ch, ch["child"].duplicated(), "child", t.source("children"), "each child is listed once"
    )
    ch["uasc"] = _bools(ch, "uasc", t.source("children"))
    known = set(ch["child"].tolist())
    ref = frames["referrals"]
    src = t.source("referrals")
    _require(ref, ~ref["child"].isin(known), "child", src, "not in the children table")
    _require(ref, ref["date"].isna(), "date", src, "a referral needs a date")
    _within(ref, "date", src, t)
    ref["nfa"] = _bools(ref, "nfa", src)
    sp = frames["spells"]
    src = t.source("spells")
    _require(sp, ~sp["child"].isin(known), "child", src, "not in the children table")
    _require(sp, ~sp["stage"].isin(STAGES), "stage", src, f"must be one of {', '.join(STAGES)}")
    _require(sp, sp["start"].isna(), "start", src, "a spell needs a start date")
    _require(sp, sp["end"] < sp["start"], "end", src, "ends before it starts")
    _within(sp, "end", src, t)
    _require(
        sp, sp["start"] > t.extracted, "start", src, f"after the extraction {t.extracted:%Y-%m-%d}"
    )
    sp["legal_status"] = sp["legal_status"].fillna("").astype(str).str.strip()
    sp["how"] = sp["how"].fillna("").astype(str).str.strip()
    lac = sp["stage"] == "lac"
    _require(
        sp,
        lac & ~sp["legal_status"].isin(LEGAL_STATUSES),
        "legal_status",
        src,
        "a looked-after episode needs an SSDA903 legal status "
        f"({', '.join(sorted(LEGAL_STATUSES))})",
    )
    ended = sp["end"].notna()
    for stage, allowed in NEXT_OF.items():
        bad = ended & (sp["stage"] == stage) & ~sp["how"].isin(allowed)
        _require(sp, bad, "how", src, f"a {stage} spell ends in one of {', '.join(allowed)}")
    wk = frames["workers"]
    src = t.source("workers")
    for col in SEEN_COLUMNS:
        wk[col] = (
            _dates(wk, col, src)
            if col in wk.columns
            else pd.Series(pd.NaT, index=wk.index, dtype="datetime64[ns]")
        )
    _require(wk, wk["worker"].isna(), "worker", src, "a worker id is required")
    _require(
        wk, ~wk["kind"].isin(WORKER_TYPES), "kind", src, f"must be one of {', '.join(WORKER_TYPES)}"
    )
    _require(
        wk, ~wk["team"].isin(TEAM_VALUES), "team", src, f"must be one of {', '.join(TEAM_VALUES)}"
    )
    wk["fte"] = _numbers(wk, "fte", src)
    _require(
        wk,
        ~((wk["fte"] > 0) & (wk["fte"] <= 1.5)),
        "fte",
        src,
        "FTE must be above 0 and at most 1.5",
    )
    _require(wk, wk["start"].isna(), "start", src, "a worker needs a start date")
    _require(wk, wk["end"] < wk["start"], "end", src, "leaves before starting")
    _within(wk, "end", src, t)
    wk["reason"] = wk["reason"].fillna("").astype(str).str.strip()
    _require(
        wk,
        wk["end"].notna() & ~wk["reason"].isin(LEAVING_REASONS),
        "reason",
        src,
        f"a leaver's reason is one of {', '.join(LEAVING_REASONS)}",
    )
    for col in ("asye_seen", "qualified_seen"):
        _require(wk, wk[col] < wk["start"], col, src, "a census before the spell began")
    _require(
        wk,
        wk["gone_by"] <= wk["last_seen"],
        "gone_by",
        src,
        "not after the last census listing the spell",
    )
    _require(
        wk,
        wk["gone_by"].notna() & wk["end"].notna(),
        "gone_by",
        src,
        "given for a spell whose end is known",
    )
    cs = frames["council_sept"]
    src = t.source("council_sept")
    _require(cs, cs["date"].isna(), "date", src, "a census needs its date")
    for col in ("vacancies_fte", "agency_fte"):
        cs[col] = _numbers(cs, col, src)
        _require(cs, cs[col] < 0, col, src, "FTE cannot be negative")
    return replace(
        t,
        children=frames["children"],
        referrals=frames["referrals"],
        spells=frames["spells"],
        workers=frames["workers"],
        council_sept=frames["council_sept"],
        start=pd.Timestamp(t.start),
        extracted=pd.Timestamp(t.extracted),
    )


def _where(df: pd.DataFrame, i: int, src: str) -> tuple[str, object]:
    """The file and row of row ``i`` of ``df``: its own ``source_file`` and ``source_row``
    if the reader gave them, else the table and the row's number (from 1)."""
    if "source_file" in df.columns and "source_row" in df.columns:
        return str(df["source_file"].iloc[i]), df["source_row"].iloc[i]
    return src, i + 1


def _require(df: pd.DataFrame, bad: pd.Series, column: str, src: str, rule: str) -> None:
    """Refuse the first row where ``bad`` holds."""
    hits = np.flatnonzero(bad.fillna(False).to_numpy(dtype=bool))
    if len(hits):
        i = int(hits[0])
        file, row = _where(df, i, src)
        more = f" ({len(hits) - 1} more row(s) like it)" if len(hits) > 1 else ""
        raise ReturnsError(file, rule + more, row=row, column=column, value=df[column].iloc[i])


def _dates(df: pd.DataFrame, column: str, src: str) -> pd.Series:
    """``column`` as timestamps (days), refusing text that is not a date."""
    raw = df[column]
    parsed = pd.to_datetime(raw, errors="coerce", format="mixed", dayfirst=False)
    blank = raw.isna() | raw.astype(str).str.strip().isin(("", "NaT", "nan", "None"))
    _require(df, parsed.isna() & ~blank, column, src, "not a date (write YYYY-MM-DD)")
    return parsed.dt.normalize().astype("datetime64[ns]")


def _bools(df: pd.DataFrame, column: str, src: str) -> pd.Series:
    raw = df[column]
    text = raw.astype(str).str.strip().str.lower()
    yes = text.isin(("true", "1", "1.0", "yes", "y"))
    no = text.isin(("false", "0", "0.0", "no", "n"))
    _require(df, ~(yes | no), column, src, "must be true or false")
    return yes


def _numbers(df: pd.DataFrame, column: str, src: str) -> pd.Series:
    parsed = pd.to_numeric(df[column], errors="coerce")
    blank = df[column].isna()
    _require(df, parsed.isna() & ~blank, column, src, "not a number")
    return parsed.astype(float)


def _within(df: pd.DataFrame, column: str, src: str, t: ReturnsTables) -> None:
    _require(
        df,
        df[column] > t.extracted,
        column,
        src,
        f"after the day the returns run to ({t.extracted:%Y-%m-%d})",
    )


# -- from a run's recorder ------------------------------------------------------------------


def _day_dates(start: pd.Timestamp, days: pd.Series) -> pd.Series:
    """Days from ``start`` (floats, NaN for none) as dates: the day each falls in."""
    whole = np.floor(days.to_numpy(dtype=float))
    out = start + pd.to_timedelta(whole, unit="D")
    return pd.Series(out, index=days.index).astype("datetime64[ns]")


def from_recorder(
    tables: Mapping[str, pd.DataFrame],
    start_date: dt.date,
    end_date: dt.date,
    monthly: pd.DataFrame | None = None,
) -> ReturnsTables:
    """A run's recorder tables (``CouncilModel(record=True).recorder.tables()``: days from
    ``start_date``) as the returns would show them to ``end_date`` (the run's last day).
    ``monthly`` (the run's monthly frame) gives the census's vacancies and agency FTE on
    30 September; without it vacancies are unknown and agency FTE is counted from the
    workers table."""
    start = pd.Timestamp(start_date)
    ch = tables["children"]
    children = pd.DataFrame(
        {
            "child": ch["child"].to_numpy(),
            "dob": _day_dates(start, ch["born_day"]).to_numpy(),
            "uasc": ch["uasc"].astype(bool).to_numpy(),
        }
    )
    rf = tables["referrals"]
    referrals = pd.DataFrame(
        {
            "child": rf["child"].to_numpy(),
            "date": _day_dates(start, rf["day"]).to_numpy(),
            "nfa": rf["nfa"].astype(bool).to_numpy(),
        }
    )
    sp = tables["spells"]
    spells = pd.DataFrame(
        {
            "child": sp["child"].to_numpy(),
            "stage": sp["stage"].to_numpy(),
            "start": _day_dates(start, sp["start_day"]).to_numpy(),
            "end": _day_dates(start, sp["end_day"]).to_numpy(),
            "legal_status": sp["legal_status"].to_numpy(),
            "how": sp["how"].to_numpy(),
        }
    )
    wk = tables["workers"]
    workers = pd.DataFrame(
        {
            "worker": wk["worker"].to_numpy(),
            "kind": wk["kind"].to_numpy(),
            "team": wk["team"].to_numpy(),
            "fte": wk["fte"].astype(float).to_numpy(),
            "start": _day_dates(start, wk["start_day"].astype(float)).to_numpy(),
            "end": _day_dates(start, wk["end_day"].astype(float)).to_numpy(),
            "reason": wk["reason"].to_numpy(),
        }
    )
    end = pd.Timestamp(end_date)
    sept = _septembers(start, end)
    qualified = _day_dates(start, wk["qualified_day"].astype(float))
    workers["asye_seen"], workers["qualified_seen"] = _asye_censuses(workers, qualified, sept)
    if monthly is not None:
        m = monthly.assign(date=pd.to_datetime(monthly["date"]))
        m = m[m["date"].isin(sept)]
        council_sept = pd.DataFrame(
            {
                "date": m["date"].to_numpy(),
                "vacancies_fte": m["vacancy_fte"].astype(float).to_numpy(),
                "agency_fte": m["agency_fte"].astype(float).to_numpy(),
            }
        )
    else:
        council_sept = pd.DataFrame(
            {
                "date": sept,
                "vacancies_fte": np.nan,
                "agency_fte": [_in_post(workers, d, "agency") for d in sept],
            }
        )
    return ReturnsTables(
        children,
        referrals,
        spells,
        workers,
        council_sept,
        start,
        end,
        {k: f"recorder table '{k}'" for k in COLUMNS},
    )


def _asye_censuses(
    workers: pd.DataFrame, qualified: pd.Series, censuses: list[pd.Timestamp]
) -> tuple[pd.Series, pd.Series]:
    """What the workforce census shows of each ASYE: the last census day listing the worker
    in post in it (not yet qualified: CFKSSstatus 1) and the first listing them in post
    past it; NaT where none does. The completion day itself is not a census item."""
    seen = pd.Series(pd.NaT, index=workers.index, dtype="datetime64[ns]")
    past = seen.copy()
    asye = workers["kind"] == "asye"
    for day in censuses:
        on = asye & (workers["start"] <= day) & ~(workers["end"] <= day)
        still = on & (qualified.isna() | (qualified > day))
        seen[still] = day
        past[on & ~still & past.isna()] = day
    return seen, past


def _septembers(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    """The census days (30 September) from ``start`` to ``end``."""
    return [
        pd.Timestamp(y, 9, 30)
        for y in range(start.year, end.year + 1)
        if start <= pd.Timestamp(y, 9, 30) <= end
    ]


def _in_post(workers: pd.DataFrame, day: pd.Timestamp, kind: str) -> float:
    """FTE of ``kind`` workers in post at the end of ``day``."""
    on = (workers["start"] <= day) & ~(workers["end"] <= day) & (workers["kind"] == kind)
    return float(workers.loc[on, "fte"].sum())


# -- from a folder of returns ---------------------------------------------------------------


def from_returns_dir(path: str | Path) -> ReturnsTables:
    """The returns in folder ``path`` (SSDA903, CIN census and workforce census files), read
    by ``sim.returns.read``."""
    folder = Path(path)
    if not folder.is_dir():
        raise ReturnsError(str(folder), "not a folder of returns")
    try:
        reader = importlib.import_module("sim.returns.read")
    except ModuleNotFoundError as exc:
        if exc.name not in ("sim.returns", "sim.returns.read"):
            raise
        raise NotImplementedError(
            "reading returns from a folder needs sim.returns.read (the reader of SSDA903, "
            "CIN census and workforce census files, issue 13 item 2), which is not there yet"
        ) from None
    return _adapt(reader, folder)


def _adapt(reader: object, folder: Path) -> ReturnsTables:
    """:class:`ReturnsTables` from ``sim.returns.read.read_returns(folder)``.

    The reader gives the returns as they are; calibration needs a little more, put here:
    referrals with no date (children open when the first return starts) are left out;
    a child with no UASC record is not UASC; a worker's team is ``non_case_holding`` or
    ``case_holding`` (the census gives no team); an agency spell ending the day the same
    worker starts a permanent one is a conversion, and other agency endings are
    assignments ending; an agency worker with no start date starts when first listed. The
    returns cover from the first day a spell ends (every spell in a return was open during
    it) to the last day anything happens; the workforce census from the October before its
    first census, or its first leaver if later, to its last census."""
    read = getattr(reader, "read_returns", None)
    if read is None:
        raise NotImplementedError("sim.returns.read has no read_returns(folder) to call")
    errors = importlib.import_module("sim.returns.errors")
    try:
        got = read(folder)
    except errors.ReturnsError as exc:
        raise ReaderError(str(exc)) from None
    kids = got.children
    children = pd.DataFrame(
        {
            "child": kids["child"].to_numpy(),
            "dob": kids["dob"].to_numpy(),
            "uasc": kids["uasc"].astype("boolean").fillna(False).astype(bool).to_numpy(),
        }
    )
    ref = got.referrals
    referrals = ref.loc[ref["date"].notna(), ["child", "date", "nfa"]].reset_index(drop=True)
    referrals["nfa"] = referrals["nfa"].astype("boolean").fillna(False).astype(bool)
    spells = got.spells[["child", "stage", "start", "end", "legal_status", "how"]].copy()
    wk = got.workers.copy()
    council_sept = got.council_sept[["date", "vacancies_fte", "agency_fte"]].copy()
    workers = _workers_of(wk, council_sept["date"])
    events = pd.concat(
        [referrals["date"], spells["start"], spells["end"]], ignore_index=True
    ).dropna()
    if events.empty:
        raise ReturnsError(str(folder), "holds no CIN census or SSDA903 records to calibrate from")
    first_end = spells["end"].dropna()
    start = first_end.min() if not first_end.empty else events.min()
    extracted = events.max()
    wf_start = wf_end = None
    if not council_sept.empty:
        censuses = pd.to_datetime(council_sept["date"])
        wf_end = censuses.max()
        october = pd.Timestamp(censuses.min().year - 1, 10, 1)
        ends = workers["end"].dropna()
        wf_start = max(october, ends.min()) if not ends.empty else october
    return ReturnsTables(
        children,
        referrals,
        spells,
        workers,
        council_sept,
        pd.Timestamp(start),
        pd.Timestamp(extracted),
        {k: f"{folder}/{RETURN_FOLDER[k]}" for k in COLUMNS},
        wf_start,
        wf_end,
    )


RETURN_FOLDER = {
    "children": "ssda903 and cin_census",
    "referrals": "cin_census",
    "spells": "cin_census and ssda903",
    "workers": "workforce_census",
    "council_sept": "workforce_census",
}


def _dates_or_none(frame: pd.DataFrame, column: str) -> np.ndarray:
    """``column`` of ``frame`` as dates, or NaT throughout if the reader gave none."""
    if column not in frame.columns:
        return np.full(len(frame), np.datetime64("NaT"), dtype="datetime64[ns]")
    return pd.to_datetime(frame[column]).to_numpy()


def _workers_of(wk: pd.DataFrame, censuses: pd.Series) -> pd.DataFrame:
    """The reader's worker spells in the shape of ``ReturnsTables.workers``: an agency
    spell the census gives no end for is gone by the first census after the last one
    listing it, or ends as a conversion the day the same worker starts a permanent post."""
    start = wk["start"].where(wk["start"].notna(), wk.get("first_seen"))
    holding = wk["case_holding"].astype("boolean").fillna(True).astype(bool)
    out = pd.DataFrame(
        {
            "worker": wk["worker"].astype(str).to_numpy(),
            "kind": wk["kind"].to_numpy(),
            "team": np.where(holding, CASE_HOLDING, "non_case_holding"),
            "fte": wk["fte"].astype(float).to_numpy(),
            "start": pd.to_datetime(start).to_numpy(),
            "end": pd.to_datetime(wk["end"]).to_numpy(),
            "reason": wk["reason"].fillna("").astype(str).to_numpy(),
            "asye_seen": _dates_or_none(wk, "asye_seen"),
            "qualified_seen": _dates_or_none(wk, "qualified_seen"),
            "first_seen": _dates_or_none(wk, "first_seen"),
            "last_seen": _dates_or_none(wk, "last_seen"),
        }
    )
    out["gone_by"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    days = sorted(pd.to_datetime(censuses).dropna().unique())
    perm = out[out["kind"] != "agency"]
    last_seen = out["last_seen"]
    for i in np.flatnonzero(((out["kind"] == "agency") & out["end"].isna()).to_numpy()):
        if pd.isna(last_seen.iloc[i]):
            continue
        seen = pd.Timestamp(last_seen.iloc[i])
        later = [d for d in days if d > seen]
        if not later:
            continue  # on the last census: still in post
        gone = pd.Timestamp(later[0])
        took = perm[
            (perm["worker"] == out.at[i, "worker"])
            & (perm["start"] > seen)
            & (perm["start"] <= gone)
        ]
        if not took.empty:
            out.at[i, "end"] = took["start"].min()
            out.at[i, "reason"] = "converted"
        else:
            out.at[i, "gone_by"] = gone
    ended = (out["kind"] == "agency") & out["end"].notna() & (out["reason"] != "converted")
    out.loc[ended, "reason"] = "assignment_ended"
    return out
