"""The Children in Need census: one folder per collection year (1 April to 31 March),
named by the year it ends (``cin_census/2018/`` for 2017-18, the census's own ``<Year>``),
holding the year's census as the XML file councils submit to DfE (``cin_census.xml``,
``sim.returns.cin_xml``). Built here as child-level tables, one per module of the census,
their columns named by DfE's data items (dates YYYY-MM-DD): ``children`` (child identifiers
and characteristics), ``cin_details`` (each referral: the CIN episode it opens, its closure
and reason), ``assessments``, ``section47`` (with the initial child protection conference),
``cin_plans`` and ``cp_plans``. The reader takes a year as that XML file or as these tables
in CSV files (``children.csv`` ..., as exported from a council's system; the layout
``csc-sim returns`` wrote before it wrote XML, in ``2017-18/`` folders, is read too). In
the tables ``CINdetailsID`` numbers a child's episodes (as DfE's validation tools do) to
link the modules to their episode (a council's tables without it may link them by
``CINreferralDate`` instead). Written from a run and read back from a run's or a council's
files.

Specification followed: DfE, "Children in need census 2024 to 2025: business and technical
specification" (version 1.2, November 2024; Sex ``M``/``F`` replacing Gender; the reader
also takes GenderCurrent 1/2/0/9). An episode is in a year's census if it is open at any
time in the year, with each module open in the year; an end after 31 March is left out
that year.

The model's stages as modules: an assessment spell is an assessment (start, authorised on
its end); a CiN spell is a CIN plan; a CP spell is a CP plan. The model has no section 47
stage: each CP plan's start gets one section 47 enquiry and its initial conference on that
day (target date 15 working days later, weekends only counted as non-working), so the
section 47 table is written, not simulated. A referral closed with no further action
before an assessment has ``ReferralNFA`` 1 and closes on its day. Closure reasons:

| how the episode ends in the model               | ReasonForClosure                       |
|-------------------------------------------------|----------------------------------------|
| assessment, no further action                   | RC8 case closed after assessment, NFA  |
| looked after, adopted                           | RC1 adopted                            |
| looked after, special guardianship order        | RC4 special guardianship order         |
| referral closed at the door (ReferralNFA 1)     | RC7 any other reason                   |
| anything else (plan ends, care ends, 18)        | RC7 any other reason                   |

Children open at the start date came before the run: their referral is not known, so their
episode's referral date is written as the start of their first spell, or the day before
the start date if that is later (all before the start: not a simulated referral).

Not modelled, written as: ReferralSource ``10`` (unknown); PrimaryNeedCode ``N1`` (abuse or
neglect; left out for NFA referrals); categories of abuse ``NEG`` (neglect, the commonest);
UPN left out (``UPNunknown`` UN7 for a child whose only episodes in the year are NFA
referrals); Ethnicity ``NOBT``; Sex drawn as in SSDA903; NumberOfPreviousCPP counts the CP
plans in the run only; disabilities, assessment factors and CP plan reviews left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.returns import cin_xml
from sim.returns.common import DATE_ISO, Period, fmt
from sim.returns.errors import Problem, ReturnsError
from sim.returns.ssda903 import ETHNIC, SEX, SEX_BEFORE_2024
from sim.returns.table import Table, date_texts, rows_problems

FOLDER = "cin_census"
CHILDREN = "children.csv"
CIN_DETAILS = "cin_details.csv"
ASSESSMENTS = "assessments.csv"
SECTION47 = "section47.csv"
CIN_PLANS = "cin_plans.csv"
CP_PLANS = "cp_plans.csv"

COLUMNS: dict[str, tuple[str, ...]] = {
    CHILDREN: ("LAchildID", "UPN", "UPNunknown", "PersonBirthDate", "Sex", "Ethnicity"),
    CIN_DETAILS: (
        "LAchildID", "CINdetailsID", "CINreferralDate", "ReferralSource", "PrimaryNeedCode",
        "CINclosureDate", "ReasonForClosure", "ReferralNFA",
    ),
    ASSESSMENTS: (
        "LAchildID", "CINdetailsID", "AssessmentActualStartDate", "AssessmentAuthorisationDate",
    ),
    SECTION47: (
        "LAchildID", "CINdetailsID", "S47ActualStartDate", "InitialCPCtarget",
        "DateOfInitialCPC", "ICPCnotRequired",
    ),
    CIN_PLANS: ("LAchildID", "CINdetailsID", "CINPlanStartDate", "CINPlanEndDate"),
    CP_PLANS: (
        "LAchildID", "CINdetailsID", "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse",
        "LatestCategoryOfAbuse", "NumberOfPreviousCPP",
    ),
}  # fmt: skip

REASON_FOR_CLOSURE = ("RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9")
REFERRAL_SOURCE = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4", "5A", "5B",
    "5C", "5D", "6", "7", "8", "9", "10",
)  # fmt: skip
PRIMARY_NEED = ("N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9")
CATEGORY_OF_ABUSE = ("NEG", "PHY", "SAB", "EMO", "MUL")
REFERRAL_COLUMNS = ("child", "id", "date", "nfa", "close", "reason")
SPELL_COLUMNS = ("child", "stage", "start", "end", "episode")
BOOLEAN = {"0": False, "1": True, "false": False, "true": True}
UPN_UNKNOWN = tuple(f"UN{k}" for k in range(1, 8))
"""The CIN census's reasons for no UPN (UN1 under school age ... UN7 referral with no
further action); SSDA903's UPN has UN8-UN10 too, the CIN census not."""
ICPC_TARGET_WORKING_DAYS = 15
"""Working Together: the initial conference within 15 working days of the strategy
discussion that starts the section 47 enquiry."""

MODULES: dict[str, tuple[str, str, str]] = {
    "assessment": (ASSESSMENTS, "AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    "cin": (CIN_PLANS, "CINPlanStartDate", "CINPlanEndDate"),
    "cp": (CP_PLANS, "CPPstartDate", "CPPendDate"),
}
"""Each stage's module: its table and start and end columns."""


def reason_for_closure(stage: str, how: str) -> str:
    """The closure reason of an episode whose last spell, in ``stage``, ended ``how``."""
    if stage == "assessment" and how == "close":
        return "RC8"
    if how == "adoption":
        return "RC1"
    if how == "special_guardianship":
        return "RC4"
    return "RC7"


def episodes(
    run_start: dt.date, referrals: pd.DataFrame, spells: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The run's CIN episodes, one per referral plus one for each child open at the start
    (``ord`` -1), with their closure; and the spells with their episode (``ord``).
    ``referrals`` are the recorded ones (days), ``spells`` from ``people.spells``."""
    refs = referrals.sort_values(["child", "day"], kind="stable").reset_index(drop=True)
    refs["ord"] = refs.groupby("child").cumcount()
    start = pd.Timestamp(run_start)
    refs["date"] = start + pd.to_timedelta(np.floor(refs["day"].to_numpy()), unit="D")
    sp = pd.merge_asof(
        spells.reset_index().sort_values("start_day", kind="stable"),
        refs[["child", "day", "ord"]].sort_values("day", kind="stable"),
        left_on="start_day",
        right_on="day",
        by="child",
        direction="backward",
    )
    sp["ord"] = sp["ord"].fillna(-1).astype(np.int64)
    sp = sp.sort_values("index").drop(columns=["index", "day"]).reset_index(drop=True)
    # children open at the start: an episode begun before it, referral date not known
    stock = sp[sp["ord"] < 0].groupby("child", sort=True)["start"].min()
    stock_eps = pd.DataFrame(
        {
            "child": stock.index,
            "ord": -1,
            "date": np.minimum(stock.to_numpy(), (start - pd.Timedelta(days=1)).to_datetime64()),
            "nfa": False,
        }
    )
    eps = pd.concat(
        [stock_eps, refs[["child", "ord", "date", "nfa"]]], ignore_index=True
    ).sort_values(["child", "ord"], kind="stable")
    eps["id"] = eps.groupby("child").cumcount() + 1
    # each episode's last spell says whether and how it closed
    sp_sorted = sp.assign(_end=sp["end_day"].fillna(np.inf)).sort_values(
        ["child", "ord", "start_day", "_end"], kind="stable"
    )
    last = sp_sorted.groupby(["child", "ord"]).tail(1).set_index(["child", "ord"])
    key = pd.MultiIndex.from_frame(eps[["child", "ord"]])
    has = key.isin(last.index)
    assert not (has & eps["nfa"].to_numpy()).any(), "a spell after a referral closed at the door"
    close = pd.Series(pd.NaT, index=eps.index, dtype="datetime64[ns]")
    reason = np.full(len(eps), "", dtype=object)
    got = last.loc[key[has]]
    close[has] = got["end"].to_numpy()
    reason[has] = [
        reason_for_closure(s, h) if pd.notna(e) else ""
        for s, h, e in zip(got["stage"], got["how"], got["end"], strict=True)
    ]
    nfa = eps["nfa"].to_numpy(dtype=bool)
    close[nfa] = eps.loc[nfa, "date"].to_numpy()
    reason[nfa] = "RC7"
    eps["close"] = close
    eps["reason"] = reason
    sp = sp.merge(eps[["child", "ord", "id"]], on=["child", "ord"], how="left")
    cp = sp["stage"] == "cp"
    sp["previous_cp"] = 0
    sp.loc[cp, "previous_cp"] = sp[cp].groupby("child").cumcount()
    return eps.reset_index(drop=True), sp


def build(
    eps: pd.DataFrame, sp: pd.DataFrame, kids: pd.DataFrame, year: Period
) -> dict[str, pd.DataFrame]:
    """The tables of ``year`` from :func:`episodes` and ``people.children``."""
    inside = (eps["date"] <= year.last) & (eps["close"].isna() | (eps["close"] >= year.first))
    ep = eps[inside]
    closed = ep["close"].notna() & (ep["close"] <= year.last)
    details = pd.DataFrame(
        {
            "LAchildID": ep["child"].astype(str),
            "CINdetailsID": ep["id"],
            "CINreferralDate": fmt(ep["date"], DATE_ISO),
            "ReferralSource": "10",
            "PrimaryNeedCode": np.where(ep["nfa"], "", "N1"),
            "CINclosureDate": fmt(ep["close"].where(closed), DATE_ISO),
            "ReasonForClosure": ep["reason"].where(closed, ""),
            "ReferralNFA": np.where(ep["nfa"], "1", "0"),
        },
        columns=list(COLUMNS[CIN_DETAILS]),
    )
    tables = {CIN_DETAILS: details}
    linked = sp.merge(ep[["child", "id"]], on=["child", "id"])
    in_year = (linked["start"] <= year.last) & (
        linked["end"].isna() | (linked["end"] >= year.first)
    )
    for stage, (name, start_col, end_col) in MODULES.items():
        m = linked[in_year & (linked["stage"] == stage)]
        ended = m["end"].notna() & (m["end"] <= year.last)
        table = pd.DataFrame(
            {
                "LAchildID": m["child"].astype(str),
                "CINdetailsID": m["id"],
                start_col: fmt(m["start"], DATE_ISO),
                end_col: fmt(m["end"].where(ended), DATE_ISO),
            }
        )
        if stage == "cp":
            table["InitialCategoryOfAbuse"] = "NEG"
            table["LatestCategoryOfAbuse"] = "NEG"
            table["NumberOfPreviousCPP"] = m["previous_cp"].astype(str)
        tables[name] = table[list(COLUMNS[name])]
    cp = linked[(linked["stage"] == "cp") & linked["start"].between(year.first, year.last)]
    day = cp["start"].to_numpy().astype("datetime64[D]")
    target = np.busday_offset(day, ICPC_TARGET_WORKING_DAYS, roll="forward")
    tables[SECTION47] = pd.DataFrame(
        {
            "LAchildID": cp["child"].astype(str),
            "CINdetailsID": cp["id"],
            "S47ActualStartDate": fmt(cp["start"], DATE_ISO),
            "InitialCPCtarget": fmt(pd.Series(target.astype("datetime64[ns]"), index=cp.index),
                                    DATE_ISO),
            "DateOfInitialCPC": fmt(cp["start"], DATE_ISO),
            "ICPCnotRequired": "0",
        },
        columns=list(COLUMNS[SECTION47]),
    )  # fmt: skip
    who = kids[kids["child"].isin(ep["child"])]
    only_nfa = ep.groupby("child")["nfa"].all()
    tables[CHILDREN] = pd.DataFrame(
        {
            "LAchildID": who["child"].astype(str),
            "UPN": "",
            "UPNunknown": np.where(who["child"].map(only_nfa), "UN7", ""),
            "PersonBirthDate": fmt(who["dob"], DATE_ISO),
            "Sex": who["sex"],
            "Ethnicity": "NOBT",
        },
        columns=list(COLUMNS[CHILDREN]),
    )
    return {name: tables[name] for name in COLUMNS}


# -- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Files:
    """One collection year: its XML census file, or its tables (CSV file paths by table
    name; any may be missing); ``order`` sorts the years."""

    order: str
    tables: dict[str, Path]
    xml: Path | None = None


def read(years: Sequence[Files], root: Path) -> dict[str, pd.DataFrame]:
    """Read and check CIN census years, in order. Returns ``children`` (``child``, ``dob``,
    ``sex``), ``referrals`` (one per CIN episode: ``child``, ``id``, ``date``, ``nfa``,
    ``close``, ``reason``) and ``spells`` (assessment, cin and cp: ``child``, ``stage``,
    ``start``, ``end``, ``episode`` id)."""
    kids, details, modules = [], [], []
    for files in years:
        t = _tables(files, root)
        if CHILDREN in t:
            kids.append(_read_children(t[CHILDREN]))
        if CIN_DETAILS not in t and any(n in t for n, _, _ in MODULES.values()):
            raise ReturnsError(
                [Problem(next(iter(t.values())).name, None, None, None,
                         f"has no {CIN_DETAILS} beside it to link its episodes to")]
            )  # fmt: skip
        if CIN_DETAILS in t:
            d = _read_details(t[CIN_DETAILS], files.order, kids[-1] if kids else None)
            details.append(d)
            for stage, (name, start_col, end_col) in MODULES.items():
                if name in t:
                    modules.append(_read_module(t[name], stage, start_col, end_col, d, files.order))
            if SECTION47 in t:
                _read_s47(t[SECTION47], d)
    children = (
        pd.concat(kids[::-1], ignore_index=True).drop_duplicates("child")
        if kids
        else pd.DataFrame(columns=["child", "dob", "sex"])
    )
    referrals = _latest(details, ["child", "id"], "close", REFERRAL_COLUMNS)
    spells = _latest(modules, ["child", "stage", "episode", "start"], "end", SPELL_COLUMNS)
    return {
        "children": children.reset_index(drop=True),
        "referrals": referrals[list(REFERRAL_COLUMNS)],
        "spells": spells[list(SPELL_COLUMNS)],
    }


def _tables(files: Files, root: Path) -> dict[str, Table]:
    """A year's tables: those of its XML file, or its CSV files."""
    if files.xml is not None:
        return cin_xml.read_tables(files.xml, _name(files.xml, root), COLUMNS)
    return {n: Table.read(p, _name(p, root), COLUMNS[n]) for n, p in files.tables.items()}


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _read_children(t: Table) -> pd.DataFrame:
    sex_col = "Sex" if t.has("Sex") or not t.has("GenderCurrent") else "GenderCurrent"
    t.require(("LAchildID", "PersonBirthDate", sex_col))
    child = t.text("LAchildID", required=True)
    dob = t.dates("PersonBirthDate")
    sex = t.codes(sex_col, SEX + SEX_BEFORE_2024 + ("0", "9"))
    if t.has("Ethnicity"):
        t.codes("Ethnicity", ETHNIC)
    if t.has("UPNunknown"):
        t.codes("UPNunknown", UPN_UNKNOWN)
    t.note(child.duplicated() & (child != ""), "LAchildID", "appears on an earlier row")
    t.check()
    sex = sex.replace({"1": "M", "2": "F", "0": "U", "9": "U"})
    return pd.DataFrame({"child": child, "dob": dob, "sex": sex})


def _read_details(t: Table, order: str, kids: pd.DataFrame | None) -> pd.DataFrame:
    t.require(("LAchildID", "CINreferralDate", "CINclosureDate", "ReasonForClosure",
               "ReferralNFA"))  # fmt: skip
    child = t.text("LAchildID", required=True)
    date = t.dates("CINreferralDate", required=True)
    _, ident = _episode_key(t)
    close = t.dates("CINclosureDate")
    reason = t.codes("ReasonForClosure", REASON_FOR_CLOSURE)
    nfa = t.text("ReferralNFA", required=True).str.lower()
    t.note((nfa != "") & ~nfa.isin(list(BOOLEAN)), "ReferralNFA", "is not 0, 1, true or false")
    if t.has("ReferralSource"):
        t.codes("ReferralSource", REFERRAL_SOURCE)
    if t.has("PrimaryNeedCode"):
        t.codes("PrimaryNeedCode", PRIMARY_NEED)
    t.not_before("CINclosureDate", close, "CINreferralDate", date)
    t.note(close.notna() & (reason == ""), "ReasonForClosure", "is blank but the case closed")
    t.note(
        close.isna() & (reason != ""), "ReasonForClosure", "is given but CINclosureDate is blank"
    )
    t.note((child + "|" + ident).duplicated() & (child != ""), _episode_key(t)[0],
           "repeats an episode of this LAchildID")  # fmt: skip
    if kids is not None:
        t.note((child != "") & ~child.isin(kids["child"]), "LAchildID",
               f"is not in {CHILDREN} (no date of birth or sex for this child)")  # fmt: skip
    t.check()
    return pd.DataFrame(
        {
            "child": child,
            "id": ident,
            "date": date,
            "nfa": nfa.map(BOOLEAN).fillna(False).astype(bool),
            "close": close,
            "reason": reason,
            **t.where(),
            "order": order,
        }
    )


def _episode_key(t: Table) -> tuple[str, pd.Series]:
    """The column linking a row to its CIN episode and its values: ``CINdetailsID`` (as
    written here and by DfE's validation tools), or else ``CINreferralDate``."""
    if t.has("CINdetailsID") or not t.has("CINreferralDate"):
        t.require(("CINdetailsID",))
        return "CINdetailsID", t.text("CINdetailsID", required=True)
    referral = t.dates("CINreferralDate", required=True)
    return "CINreferralDate", referral.dt.strftime(DATE_ISO).fillna("").astype(object)


def _linked(t: Table, details: pd.DataFrame, date_col: str, date: pd.Series) -> pd.Series:
    """Each row's episode's referral date, noting rows whose episode is not in the year's
    ``cin_details`` or that start before the referral."""
    child = t.text("LAchildID", required=True)
    column, ident = _episode_key(t)
    ref = details.set_index(["child", "id"])["date"]
    key = pd.MultiIndex.from_arrays([child, ident])
    known = key.isin(ref.index)
    t.note((child != "") & (ident != "") & ~known, column,
           f"is not an episode of this LAchildID in {CIN_DETAILS}")  # fmt: skip
    referral = pd.Series(pd.NaT, index=child.index, dtype="datetime64[ns]")
    referral[known] = ref.loc[key[known]].to_numpy()
    t.not_before(date_col, date, "the episode's CINreferralDate", referral)
    return referral


def _read_module(
    t: Table,
    stage: str,
    start_col: str,
    end_col: str,
    details: pd.DataFrame,
    order: str,
) -> pd.DataFrame:
    t.require(("LAchildID", start_col, end_col))
    start = t.dates(start_col, required=True)
    end = t.dates(end_col)
    t.not_before(end_col, end, start_col, start)
    _linked(t, details, start_col, start)
    _, episode = _episode_key(t)
    if stage == "cp":
        for col in ("InitialCategoryOfAbuse", "LatestCategoryOfAbuse"):
            if t.has(col):
                t.codes(col, CATEGORY_OF_ABUSE)
    t.check()
    return pd.DataFrame(
        {
            "child": t.text("LAchildID"),
            "stage": stage,
            "episode": episode,
            "start": start,
            "end": end,
            **t.where(),
            "order": order,
        }
    )


def _read_s47(t: Table, details: pd.DataFrame) -> None:
    """Check a section 47 table (the model has no section 47 stage: nothing is kept)."""
    t.require(("LAchildID", "S47ActualStartDate"))
    start = t.dates("S47ActualStartDate", required=True)
    icpc = t.dates("DateOfInitialCPC")
    t.dates("InitialCPCtarget")
    t.not_before("DateOfInitialCPC", icpc, "S47ActualStartDate", start)
    _linked(t, details, "S47ActualStartDate", start)
    t.check()


def _latest(
    frames: list[pd.DataFrame], key: list[str], end: str, columns: Sequence[str]
) -> pd.DataFrame:
    """One row per ``key`` over the years, the latest kept; its ``end`` from whichever year
    gives one, two different ends being an error."""
    if not frames:
        return pd.DataFrame(columns=list(columns))
    rows = pd.concat(frames, ignore_index=True).sort_values("order", kind="stable")
    ended = rows[rows[end].notna()]
    n = ended.groupby(key)[end].nunique()
    clash = n[n > 1]
    if len(clash):
        first = clash.index[0]
        sel = (ended[key] == pd.Series(first, index=key)).all(axis=1)
        column = MODULES[ended[sel]["stage"].iloc[0]][2] if "stage" in key else "CINclosureDate"
        rows = ended[sel]
        raise ReturnsError(
            rows_problems(
                rows,
                column,
                date_texts(rows[end], DATE_ISO),
                "differs from another year's end of the same episode or plan",
            )
        )
    last = rows.drop_duplicates(key, keep="last").copy()
    closing = ended.drop_duplicates(key, keep="last").set_index(key)
    idx = pd.MultiIndex.from_frame(last[key])
    has = idx.isin(closing.index)
    cols = [end] + (["reason"] if "reason" in rows.columns else [])
    for col in cols:
        last.loc[has, col] = closing.loc[idx[has], col].to_numpy()
    return last.reset_index(drop=True)
