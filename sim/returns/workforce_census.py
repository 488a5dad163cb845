"""The children's social work workforce census: one folder per census (reference date 30
September; the census year from the 1 October before it), holding the census as the XML file
a council submits to DfE COLLECT (``csww_2019.xml``, see ``sim.returns.workforce_xml``).
Read back from a run's files or a council's: the XML file, or the two tables councils export
from it, ``workers.csv`` (DfE's worker module, ``CSWWWorker``) and ``la_level.csv`` (the
local authority module, ``LALevelVacancies``, with the ReferenceDate), columns named by the
data items (dates YYYY-MM-DD or dd/mm/YYYY).

Specification followed: DfE's children's social work workforce census, the 2022
collection's XML schema (items, their order and codes; the latest whose schema is public,
in Social Finance's liia-tools; DfE's guides for the 2023 to 2025 censuses could not be
checked here). A census lists every non-agency
social worker in post on 30 September or who left in the year to it, and every agency
worker in post on 30 September (agency workers' starts and ends between censuses are not
collected, so an agency spell is known only as far as the censuses see it). Leavers have
FTE 0 and their FTE in FTE30. The census does not follow a worker from one year to the
next: the worker's SWENo (Social Work England number) is the link.

From the model: AgencyWorker, FTE, RoleStartDate (start with the council; an agency worker
who takes a permanent post starts again), StartOrigin (1 newly qualified social worker for
a starter in the ASYE, 4 agency or consultancy in social work for an agency worker taking a
permanent post, 9 not known otherwise), RoleEndDate, ReasonLeave 1 (resignation: the model's
leavers all resign), LeaverDestination (1 a social work role in another local authority, 3
agency or consultancy, 6 out of social work, 8 not known where the config has no
destinations), OrgRole 5 (case holder) or 6 (qualified without cases: the config's posts
without cases), FTE30, and CFKSSstatus, the child and family knowledge and skills statement
the worker practises at (1 assessed and supported year in employment, ASYE; 2 frontline
practitioner; 3 practice supervisor; 4 practice leader): 1 for a worker in post in the
ASYE on 30 September (the config's ``asye.duration_months``, which a config may set beyond
the statutory year to cover a council's longer programme), 2 for a qualified worker in post
in a case-holding post (OrgRole 5), blank for others (the model has no supervisors or
leaders, and a worker without cases could be either). The ASYE's completion date is not a
census item and is not written: a reader sees a newly qualified starter (StartOrigin 1) in
the ASYE at one census and past it at a later one. At council level NumberOfVacancies and
NoAgencyFTE are the model's month-end position on 30 September (the last month end before
it if the start date is not the first of a month) and NoAgencyHeadcount counts the agency
workers listed.

Not modelled, written as: SWENo ``SW`` and the model's worker number (10 digits);
GenderCurrent 0 (not known); Ethnicity ``NOBT`` (information not yet obtained); QualInst
empty (the schema requires the element); PersonBirthDate, QualLevel, StepUpGrad, Cases30,
WorkingDaysLost, ContractWeeks, FrontlineGrad, Absat30Sept and ReasonAbsence left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.council import NON_CASE_HOLDING
from sim.returns import workforce_xml
from sim.returns.common import DATE_ISO, YEAR_LABEL, Period, dates, fmt
from sim.returns.errors import Problem, ReturnsError
from sim.returns.ssda903 import ETHNIC
from sim.returns.table import Table, date_texts

FOLDER = "workforce_census"
WORKERS = "workers.csv"
LA_LEVEL = "la_level.csv"

WORKER_COLUMNS = workforce_xml.WORKER_ITEMS
LA_COLUMNS = ("ReferenceDate", *workforce_xml.LA_ITEMS)

ORG_ROLE = ("1", "2", "3", "4", "5", "6")
CASE_HOLDER, WITHOUT_CASES = "5", "6"
START_ORIGIN = tuple(str(k) for k in range(1, 11))
NEWLY_QUALIFIED, FROM_AGENCY, ORIGIN_NOT_KNOWN = "1", "4", "9"
LEAVER_DESTINATION = tuple(str(k) for k in range(1, 10))
REASON_LEAVE = tuple(str(k) for k in range(1, 11))
RESIGNATION = "1"
GENDER = ("0", "1", "2", "9")
CFKSS = ("1", "2", "3", "4")
IN_ASYE, PRACTITIONER = "1", "2"
"""CFKSSstatus of a worker in the assessed and supported year in employment, and of a
frontline practitioner."""
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
    """The census of ``census`` as its two tables (the XML file's modules, values as text):
    ``w`` from :func:`workers`, ``frame`` the monthly KPIs."""
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
    # in the ASYE on the census day: not yet qualified (one who resigned at its end and is
    # working notice has not qualified either)
    in_asye = (rows["kind"] == "asye") & (rows["qualified"].isna() | (rows["qualified"] > ref))
    practitioner = (rows["kind"] != "agency") & ~in_asye & (rows["team"] != NON_CASE_HOLDING)
    out = pd.DataFrame(
        {
            "AgencyWorker": np.where(rows["kind"] == "agency", "1", "0"),
            "SWENo": rows["worker"].map("SW{:010d}".format),
            "FTE": np.where(gone, "0", fte),
            "GenderCurrent": "0",
            "Ethnicity": "NOBT",
            "OrgRole": np.where(rows["team"] == NON_CASE_HOLDING, WITHOUT_CASES, CASE_HOLDER),
            "RoleStartDate": fmt(rows["start"], DATE_ISO),
            "StartOrigin": rows["origin"],
            "RoleEndDate": fmt(rows["end"].where(gone), DATE_ISO),
            "LeaverDestination": np.where(gone, rows["reason"].map(DESTINATION_OF_REASON), ""),
            "ReasonLeave": np.where(gone, RESIGNATION, ""),
            "FTE30": np.where(rows["kind"] == "agency", "", fte),
            "CFKSSstatus": np.where(
                gone, "", np.where(in_asye, IN_ASYE, np.where(practitioner, PRACTITIONER, ""))
            ),
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


def census_xml(tables: dict[str, pd.DataFrame], census: Period) -> bytes:
    """The census file (``workforce_xml.file_name(census.label)``) of :func:`build`'s
    tables."""
    return workforce_xml.to_xml(tables[WORKERS], tables[LA_LEVEL], census.last)


# -- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Files:
    """One census's files: its XML file, or the two tables exported from it (either may be
    missing); ``order`` sorts the censuses."""

    order: str
    workers: Path | None = None
    la_level: Path | None = None
    xml: Path | None = None


WORKER_OUT = (
    "worker", "kind", "agency", "case_holding", "fte", "start", "end", "reason",
    "asye_seen", "qualified_seen", "first_seen", "last_seen",
)  # fmt: skip
COUNCIL_OUT = ("date", "vacancies_fte", "agency_fte", "agency_headcount")


def read(censuses: Sequence[Files], root: Path) -> dict[str, pd.DataFrame]:
    """Read and check workforce census files, in order. Returns ``workers`` (one row per
    spell with the council: ``worker`` (SWENo), ``kind`` permanent/asye (StartOrigin 1)/
    agency, ``agency``, ``case_holding``, ``fte``, ``start``, ``end`` (NaT if not seen to
    end), ``reason`` (where a leaver went), ``asye_seen`` (the last census listing the
    worker in post in the ASYE, CFKSSstatus 1) and ``qualified_seen`` (the first census
    listing them in post past it: no CFKSSstatus 1 in a census that gives CFKSSstatus to
    anyone), ``first_seen`` and ``last_seen`` (the censuses listing the spell)) and
    ``council_sept`` (``date``, ``vacancies_fte``, ``agency_fte``, ``agency_headcount``)."""
    rows, council = [], []
    for c in censuses:
        if c.xml is not None:
            name = _name(c.xml, root)
            wt, lt, given = workforce_xml.read_xml(c.xml, name)
            if len(lt) != 1:
                raise ReturnsError(
                    [Problem(name, None, workforce_xml.LA_LEVEL, None,
                             f"has {len(lt)} {workforce_xml.LA_LEVEL} elements; the file has one")]
                )  # fmt: skip
            lt.frame["ReferenceDate"] = given
            la = _read_la(lt, c.order)
            council.append(la)
            rows.append(_read_workers(wt, c.order, la["date"].iloc[0]))
            continue
        ref = None
        if c.la_level:
            la = _read_la(Table.read(c.la_level, _name(c.la_level, root), LA_COLUMNS), c.order)
            council.append(la)
            ref = la["date"].iloc[0]
        if c.workers:
            t = Table.read(c.workers, _name(c.workers, root), WORKER_COLUMNS)
            rows.append(_read_workers(t, c.order, ref))
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


def _read_la(t: Table, order: str) -> pd.DataFrame:
    t.require(("NumberOfVacancies", "NoAgencyFTE"))
    if len(t) != 1:
        raise ReturnsError(
            [Problem(t.name, None, None, None, f"has {len(t)} rows; the council has one")]
        )
    vac = t.numbers("NumberOfVacancies", 0.0, required=True)
    agency = t.numbers("NoAgencyFTE", 0.0, required=True)
    heads = t.numbers("NoAgencyHeadcount", 0.0)
    given = t.has("ReferenceDate") and t.text("ReferenceDate").iloc[0] != ""
    ref = t.dates("ReferenceDate", required=given)
    t.check()
    date = ref.iloc[0] if given else _reference_from_folder(Path(order).name)
    if date is None:
        raise ReturnsError([Problem(t.name, None, "ReferenceDate", None,
                                    "is not given (and the folder is not named by the "
                                    "census year)")])  # fmt: skip
    return pd.DataFrame(
        {
            "date": [date],
            "vacancies_fte": vac.to_numpy(),
            "agency_fte": agency.to_numpy(),
            "agency_headcount": heads.to_numpy(),
        }
    )


def _read_workers(t: Table, order: str, ref: pd.Timestamp | None) -> pd.DataFrame:
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
    cfkss = t.codes("CFKSSstatus", CFKSS)
    cases = t.numbers("Cases30", 0.0)
    key = sweno + "|" + agency.astype(str) + "|" + t.text("RoleStartDate")
    t.note(
        key.duplicated() & (sweno != ""),
        "SWENo",
        "repeats a worker (same SWENo, agency and RoleStartDate) earlier in the file",
    )
    t.check()
    kind = np.where(agency, "agency", np.where(origin == NEWLY_QUALIFIED, "asye", "permanent"))
    # CFKSSstatus says who is in the ASYE only in a census that gives it to someone: there
    # a worker in post without 1 is past it; a census giving it to nobody says nothing
    reported = bool((cfkss != "").any())
    in_post = end.isna() & ~agency
    asye_now = pd.Series(
        np.where(in_post & reported, np.where(cfkss == IN_ASYE, 1.0, 0.0), np.nan),
        index=t.frame.index,
    )
    where = t.where()
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
            "asye_now": asye_now,
            "seen": ref if ref is not None else pd.NaT,
            "file": t.name,
            "row": where["row"],
            "line": where["line"],
            "who": getattr(t, "who", None),
            "order": order,
        }
    )


def _spells(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per spell (SWENo, agency, start) over the censuses: the latest census's
    row, its end from whichever census gives it, and the censuses seeing it in the ASYE and
    past it."""
    if not frames:
        return pd.DataFrame(columns=list(WORKER_OUT))
    rows = pd.concat(frames, ignore_index=True).sort_values("order", kind="stable")
    rows["start_key"] = rows["start"].fillna(pd.Timestamp.min)
    key = ["worker", "agency", "start_key"]
    ended = rows[rows["end"].notna()]
    n = ended.groupby(key)["end"].nunique()
    if (n > 1).any():
        first = n[n > 1].index[0]
        sel = (ended[key] == pd.Series(first, index=key)).all(axis=1)
        bad = ended[sel]
        raise ReturnsError(
            _problems(
                bad,
                "RoleEndDate",
                date_texts(bad["end"], DATE_ISO),
                "differs from another census's end of the same worker's spell",
            )
        )
    rows["asye_at"] = rows["seen"].where(rows["asye_now"] == 1.0)
    rows["past_at"] = rows["seen"].where(rows["asye_now"] == 0.0)
    g = rows.groupby(key, sort=False)
    out = g.tail(1).set_index(key).copy()
    out["end"] = g["end"].max()
    out["reason"] = g["reason"].max()
    out["asye_seen"] = g["asye_at"].max()
    out["qualified_seen"] = g["past_at"].min()
    out["first_seen"] = g["seen"].min()
    out["last_seen"] = g["seen"].max()
    out = out.reset_index().sort_values(["worker", "start_key"], kind="stable")
    return out[list(WORKER_OUT)].reset_index(drop=True)


def _problems(rows: pd.DataFrame, column: str, values: list[str], rule: str) -> list[Problem]:
    """A problem for each of ``rows`` (as :func:`_read_workers` keeps them): a CSV file's
    row, or an XML file's line and worker."""
    out = []
    for (_, r), v in zip(rows.iterrows(), values, strict=True):
        if pd.notna(r["line"]):
            out.append(Problem(str(r["file"]), None, column, v, rule, line=int(r["line"]),
                               worker=str(r["who"])))  # fmt: skip
        else:
            out.append(Problem(str(r["file"]), int(r["row"]), column, v, rule))
    return out
