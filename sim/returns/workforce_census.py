"""The children's social work workforce census: one folder per census (reference date 30
September; the year from 1 October before it), each with ``workers.csv`` (DfE's worker
module, ``CSWWWorker``) and ``la_level.csv`` (its local authority module,
``LALevelVacancies``, with the reference date), columns named by DfE's data items (dates
YYYY-MM-DD). Written from a run and read back from a run's or a council's files.

Specification followed: DfE's children's social work workforce census, the 2022 collection's
XML schema (items and codes). A census lists every non-agency social worker in post on 30
September or who left in the year to it, and every agency worker in post on 30 September
(agency workers' starts and ends between censuses are not collected, so an agency spell is
known only as far as the censuses see it). Leavers have FTE 0 and their FTE in FTE30.

From the model: AgencyWorker, FTE, RoleStartDate (start with the council; an agency worker
who takes a permanent post starts again, StartOrigin 4), StartOrigin 1 for a newly qualified
social worker in the ASYE, RoleEndDate, LeaverDestination (1 another council, 3 agency
work, 6 out of social work, 8 not known where the config has no destinations), OrgRole 5
(case holder) or 6 (qualified without cases: the config's posts without cases),
CFKSSstatus 1 for a worker in the ASYE on 30 September; at council level NumberOfVacancies
and NoAgencyFTE are the model's month-end position on 30 September (the last month end
before it if the start date is not the first of a month) and NoAgencyHeadcount counts the
agency workers listed. ``ASYECompletionDate`` is not a DfE item: the day the worker
completed the ASYE, added for calibration (a reader of DfE's files ignores it).

Not modelled, written as: SWENo ``SW`` and the model's worker number (10 digits); ReasonLeave
9 (not known); GenderCurrent 0 (not known); Ethnicity ``NOBT``; PersonBirthDate, QualInst,
QualLevel, StepUpGrad, Cases30, WorkingDaysLost, ContractWeeks, FrontlineGrad, Absat30Sept
and ReasonAbsence blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.council import NON_CASE_HOLDING
from sim.returns.common import DATE_ISO, YEAR_LABEL, Period, dates, fmt
from sim.returns.errors import Problem, ReturnsError
from sim.returns.ssda903 import ETHNIC
from sim.returns.table import Table, date_texts, rows_problems

FOLDER = "workforce_census"
WORKERS = "workers.csv"
LA_LEVEL = "la_level.csv"

WORKER_COLUMNS = (
    "SWENo", "AgencyWorker", "FTE", "PersonBirthDate", "GenderCurrent", "Ethnicity",
    "QualInst", "QualLevel", "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin",
    "RoleEndDate", "LeaverDestination", "ReasonLeave", "FTE30", "Cases30", "WorkingDaysLost",
    "ContractWeeks", "FrontlineGrad", "Absat30Sept", "ReasonAbsence", "CFKSSstatus",
    "ASYECompletionDate",
)  # fmt: skip
LA_COLUMNS = ("ReferenceDate", "NumberOfVacancies", "NoAgencyFTE", "NoAgencyHeadcount")

ORG_ROLE = ("1", "2", "3", "4", "5", "6")
CASE_HOLDER, WITHOUT_CASES = "5", "6"
START_ORIGIN = tuple(str(k) for k in range(1, 11))
NEWLY_QUALIFIED, FROM_AGENCY, ORIGIN_NOT_KNOWN = "1", "4", "9"
LEAVER_DESTINATION = tuple(str(k) for k in range(1, 10))
REASON_LEAVE = tuple(str(k) for k in range(1, 11))
REASON_NOT_KNOWN = "9"
GENDER = ("0", "1", "2", "9")
CFKSS = ("1", "2", "3", "4")
DESTINATION_OF_REASON = {"other_council": "1", "agency": "3", "out": "6", "left": "8"}
REASON_OF_DESTINATION = {"1": "other_council", "3": "agency", "6": "out"}
"""Where a leaver went, in the model's terms (any other code: ``left``)."""


def workers(start: dt.date, table: pd.DataFrame) -> pd.DataFrame:
    """The recorded worker spells (``Recorder.tables()["workers"]``) with dates and the
    origin of each start."""
    w = table.copy()
    w["start"] = dates(start, w["start_day"])
    w["end"] = dates(start, w["end_day"])
    w["qualified"] = dates(start, w["qualified_day"])
    converted = w[w["reason"] == "converted"].set_index("worker")["end_day"]
    from_agency = (w["kind"] != "agency") & w["worker"].isin(converted.index)
    from_agency &= w["start_day"] == w["worker"].map(converted)
    w["origin"] = np.where(
        w["kind"] == "asye", NEWLY_QUALIFIED, np.where(from_agency, FROM_AGENCY, ORIGIN_NOT_KNOWN)
    )
    return w


def build(w: pd.DataFrame, frame: pd.DataFrame, census: Period) -> dict[str, pd.DataFrame]:
    """The census of ``census``: ``w`` from :func:`workers`, ``frame`` the monthly KPIs."""
    ref = census.last
    started = w["start"] <= ref
    in_post = started & (w["end"].isna() | (w["end"] > ref))
    agency = w["kind"] == "agency"
    left = started & ~agency & w["end"].between(census.first, ref)
    rows = w[(in_post | left) & ~(agency & ~in_post)].sort_values(
        ["kind", "start_day", "worker"], kind="stable"
    )
    gone = ~rows.index.isin(w.index[in_post])
    fte = rows["fte"].map("{:.6f}".format)
    in_asye = (rows["kind"] == "asye") & (rows["qualified"].isna() | (rows["qualified"] > ref))
    qualified = rows["qualified"].where(rows["qualified"] <= ref)
    out = pd.DataFrame(
        {
            "SWENo": rows["worker"].map("SW{:010d}".format),
            "AgencyWorker": np.where(rows["kind"] == "agency", "1", "0"),
            "FTE": np.where(gone, "0", fte),
            "GenderCurrent": "0",
            "Ethnicity": "NOBT",
            "OrgRole": np.where(rows["team"] == NON_CASE_HOLDING, WITHOUT_CASES, CASE_HOLDER),
            "RoleStartDate": fmt(rows["start"], DATE_ISO),
            "StartOrigin": rows["origin"],
            "RoleEndDate": fmt(rows["end"].where(gone), DATE_ISO),
            "LeaverDestination": np.where(gone, rows["reason"].map(DESTINATION_OF_REASON), ""),
            "ReasonLeave": np.where(gone, REASON_NOT_KNOWN, ""),
            "FTE30": np.where(rows["kind"] == "agency", "", fte),
            "CFKSSstatus": np.where(in_asye & ~gone, "1", ""),
            "ASYECompletionDate": fmt(qualified, DATE_ISO),
        },
        index=rows.index,
    )
    out = out.reindex(columns=list(WORKER_COLUMNS), fill_value="")
    at = frame[frame["date"] <= ref].iloc[-1]
    la = pd.DataFrame(
        {
            "ReferenceDate": [ref.strftime(DATE_ISO)],
            "NumberOfVacancies": [f"{at['vacancy_fte']:.2f}"],
            "NoAgencyFTE": [f"{at['agency_fte']:.2f}"],
            "NoAgencyHeadcount": [str(int((out["AgencyWorker"] == "1").sum()))],
        }
    )
    return {WORKERS: out.reset_index(drop=True), LA_LEVEL: la}


# -- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Files:
    """One census's files (either may be missing); ``order`` sorts the censuses."""

    order: str
    workers: Path | None = None
    la_level: Path | None = None


WORKER_OUT = (
    "worker", "kind", "agency", "case_holding", "fte", "start", "end", "reason",
    "qualified", "first_seen", "last_seen",
)  # fmt: skip
COUNCIL_OUT = ("date", "vacancies_fte", "agency_fte", "agency_headcount")


def read(censuses: Sequence[Files], root: Path) -> dict[str, pd.DataFrame]:
    """Read and check workforce census files, in order. Returns ``workers`` (one row per
    spell with the council: ``worker`` (SWENo), ``kind`` permanent/asye/agency, ``agency``,
    ``case_holding``, ``fte``, ``start``, ``end`` (NaT if not seen to end), ``reason``
    (where a leaver went), ``qualified`` (ASYE completed), ``first_seen`` and ``last_seen``
    (the censuses listing the spell)) and ``council_sept`` (``date``, ``vacancies_fte``,
    ``agency_fte``, ``agency_headcount``)."""
    rows, council = [], []
    for c in censuses:
        ref = None
        if c.la_level:
            la = _read_la(c.la_level, root, c.order)
            council.append(la)
            ref = la["date"].iloc[0]
        if c.workers:
            rows.append(_read_workers(c.workers, root, c.order, ref))
    council_sept = (
        pd.concat(council, ignore_index=True).sort_values("date", kind="stable")
        if council
        else pd.DataFrame(columns=list(COUNCIL_OUT))
    )
    return {"workers": _spells(rows), "council_sept": council_sept[list(COUNCIL_OUT)]}


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _reference_from_folder(order: str) -> pd.Timestamp | None:
    """30 September of a census folder named by its year (``2019``), if it is."""
    if order.isdigit() and len(order) == 4:
        return pd.Timestamp(int(order), 9, 30)
    m = YEAR_LABEL.fullmatch(order)
    return pd.Timestamp(int(m.group(1)), 9, 30) if m else None


def _read_la(path: Path, root: Path, order: str) -> pd.DataFrame:
    t = Table.read(path, _name(path, root), LA_COLUMNS)
    t.require(("NumberOfVacancies", "NoAgencyFTE"))
    if len(t) != 1:
        raise ReturnsError(
            [Problem(t.name, None, None, None, f"has {len(t)} rows; the council has one")]
        )
    vac = t.numbers("NumberOfVacancies", 0.0, required=True)
    agency = t.numbers("NoAgencyFTE", 0.0, required=True)
    heads = t.numbers("NoAgencyHeadcount", 0.0)
    ref = t.dates("ReferenceDate", required=t.has("ReferenceDate"))
    t.check()
    date = ref.iloc[0] if t.has("ReferenceDate") else _reference_from_folder(Path(order).name)
    if date is None:
        raise ReturnsError([Problem(t.name, None, "ReferenceDate", None,
                                    "required column is missing (and the folder is not "
                                    "named by the census year)")])  # fmt: skip
    return pd.DataFrame(
        {
            "date": [date],
            "vacancies_fte": vac.to_numpy(),
            "agency_fte": agency.to_numpy(),
            "agency_headcount": heads.to_numpy(),
        }
    )


def _read_workers(path: Path, root: Path, order: str, ref: pd.Timestamp | None) -> pd.DataFrame:
    t = Table.read(path, _name(path, root), WORKER_COLUMNS)
    t.require(("SWENo", "AgencyWorker", "FTE"))
    ref = ref if ref is not None else _reference_from_folder(Path(order).name)
    sweno = t.text("SWENo", required=True)
    agency = t.codes("AgencyWorker", ("0", "1"), required=True) == "1"
    fte = t.numbers("FTE", 0.0, 1.0, required=True)
    fte30 = t.numbers("FTE30", 0.0, 1.0)
    start = t.dates("RoleStartDate")
    t.note(~agency & (t.text("RoleStartDate") == ""), "RoleStartDate",
           "is blank for a worker who is not an agency worker")  # fmt: skip
    end = t.dates("RoleEndDate")
    qualified = t.dates("ASYECompletionDate")
    t.not_before("RoleEndDate", end, "RoleStartDate", start)
    if ref is not None:
        t.note(end > ref, "RoleEndDate", f"is after the census date {ref:%d/%m/%Y}")
        t.note(start > ref, "RoleStartDate", f"is after the census date {ref:%d/%m/%Y}")
    destination = t.codes("LeaverDestination", LEAVER_DESTINATION)
    t.codes("ReasonLeave", REASON_LEAVE)
    t.note(end.notna() & (fte > 0), "FTE", "is not 0 for a leaver (FTE30 holds their FTE)")
    role = t.codes("OrgRole", ORG_ROLE)
    origin = t.codes("StartOrigin", START_ORIGIN)
    t.codes("GenderCurrent", GENDER)
    if t.has("Ethnicity"):
        t.codes("Ethnicity", ETHNIC)
    t.codes("CFKSSstatus", CFKSS)
    cases = t.numbers("Cases30", 0.0)
    key = sweno + "|" + agency.astype(str) + "|" + t.text("RoleStartDate")
    t.note(key.duplicated() & (sweno != ""), "SWENo",
           "repeats a worker (same SWENo, agency and RoleStartDate) on an earlier row")  # fmt: skip
    t.check()
    kind = np.where(agency, "agency", np.where(origin == NEWLY_QUALIFIED, "asye", "permanent"))
    return pd.DataFrame(
        {
            "worker": sweno,
            "kind": kind,
            "agency": agency,
            "case_holding": (role == CASE_HOLDER) | (cases > 0),
            "fte": fte.where(fte > 0, fte30),
            "start": start,
            "end": end,
            "reason": np.where(
                end.notna(), destination.map(REASON_OF_DESTINATION).fillna("left"), ""
            ),
            "qualified": qualified,
            "seen": ref if ref is not None else pd.NaT,
            "file": t.name,
            "row": np.arange(1, len(t) + 1),
            "order": order,
        }
    )


def _spells(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per spell (SWENo, agency, start) over the censuses: the latest census's
    row, its end and qualification from whichever census gives them."""
    if not frames:
        return pd.DataFrame(columns=list(WORKER_OUT))
    rows = pd.concat(frames, ignore_index=True).sort_values("order", kind="stable")
    key = ["worker", "agency", "start"]
    rows["start_key"] = rows["start"].fillna(pd.Timestamp.min)
    key = ["worker", "agency", "start_key"]
    ended = rows[rows["end"].notna()]
    n = ended.groupby(key)["end"].nunique()
    if (n > 1).any():
        first = n[n > 1].index[0]
        sel = (ended[key] == pd.Series(first, index=key)).all(axis=1)
        rows = ended[sel]
        raise ReturnsError(
            rows_problems(
                rows,
                "RoleEndDate",
                date_texts(rows["end"], DATE_ISO),
                "differs from another census's end of the same worker's spell",
            )
        )
    g = rows.groupby(key, sort=False)
    last = g.tail(1).set_index(key)
    out = last.copy()
    out["end"] = g["end"].max()
    out["reason"] = g["reason"].max()
    out["qualified"] = g["qualified"].max()
    out["first_seen"] = g["seen"].min()
    out["last_seen"] = g["seen"].max()
    out = out.reset_index().sort_values(["worker", "start_key"], kind="stable")
    return out[list(WORKER_OUT)].reset_index(drop=True)
