"""SSDA903, the children looked after return: one folder per collection year (1 April to 31
March) named by the year it ends (``ssda903/2018/`` for 2017-18), each with ``header.csv``,
``episodes.csv`` and ``uasc.csv`` in DfE's CSV format (dates dd/mm/YYYY), written from a
run and read back from a run's or a council's files (folders named ``2017-18/`` too).

That layout is the one the SSDA903 tools councils run read: data-to-insight's demand model
(cs-demand-model) takes a folder of integer-named year folders, knows each file by its
columns (these, DfE's, in DfE's order) and dates a year by its latest DECOM, so by the year
it ends; data-to-insight's validator (csc-validator-be-903) knows a file by its exact set of
columns and a collection year by the year it ends; Social Finance's liia-tools reads
``2017-18`` in a path as 2018. The files follow DfE's specification, not those tools.

Specification followed: DfE, "Children looked after return 2024 to 2025" (guide and
technical specification; the SSDA903 collection), with its code sets: SEX is ``M``/``F``
(``U`` unknown) from 2024-25, ``1``/``2`` before, and the reader takes both; placement
types are those from 2023-24 (K1, K2, R5, H5 ...). Each of the model's looked-after stays is
one period of care with one episode (the model has no placement moves or changes of legal
status within a stay): RNE ``S``, the stay's legal status, and on ending DEC and REC:

| model exit           | REC | DfE meaning                                          |
|----------------------|-----|------------------------------------------------------|
| return_home          | E4A | returned home to parents as part of care planning    |
| adoption             | E11 | adopted, application unopposed                       |
| special_guardianship | E45 | SGO to former foster carers who are relatives/friends |
| 18_plus              | E17 | aged 18, remained with current carers (staying put)  |
| other                | E8  | ceased for any other reason                          |

Fields the model does not have, and what is written instead: SEX drawn 50/50
(``sim.returns.people``); ETHNIC ``NOBT`` (information not yet obtained); UPN blank; MOTHER
``0`` for girls, blank for boys; MC_DOB blank; CIN (category of need) ``N1`` (abuse or
neglect, the commonest); PLACE ``U6`` (foster placement, not long-term or FFA) with
PLACE_PROVIDER ``PR1`` (own provision) and URN ``XXXXXXX`` (no Ofsted URN), except a stay
ending in adoption: ``A4`` (placed for adoption with consent), ``A6`` under a placement
order (LS E1); REASON_PLACE_CHANGE, HOME_POST and PL_POST blank. DOB is blank when the
config gives no ages (DfE requires it: a council's own file has it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.returns.common import DATE_903, Period, fmt
from sim.returns.errors import Problem, ReturnsError
from sim.returns.table import Table, date_texts, rows_problems

FOLDER = "ssda903"
HEADER = "header.csv"
EPISODES = "episodes.csv"
UASC = "uasc.csv"

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS = (
    "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
    "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
)  # fmt: skip
UASC_COLUMNS = ("CHILD", "SEX", "DOB", "DUC")

SEX = ("M", "F", "U")
"""SEX from 2024-25."""
SEX_BEFORE_2024 = ("1", "2")
"""SEX to 2023-24: 1 male, 2 female."""
ETHNIC = (
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)  # fmt: skip
LS = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4")
RNE = ("S", "L", "P", "T", "U", "B")
"""S started to be looked after; the others continue a period of care."""
REC = (
    "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46",
    "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1",
)  # fmt: skip
"""X1: the episode ends and a new one of the same period of care begins the same day."""
CIN = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
PLACE = (
    "A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2", "R3", "R5",
    "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1",
)  # fmt: skip
PLACE_PROVIDER = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")

REC_OF_EXIT = {
    "return_home": "E4A",
    "adoption": "E11",
    "special_guardianship": "E45",
    "18_plus": "E17",
    "other": "E8",
}
EXIT_OF_REC = {
    "E11": "adoption",
    "E12": "adoption",
    "E45": "special_guardianship",
    "E46": "special_guardianship",
    "E47": "special_guardianship",
    "E48": "special_guardianship",
    "E4A": "return_home",
    "E4B": "return_home",
    "E17": "18_plus",
}
"""How a period of care ended, in the model's terms; any other code is ``other``, except
E5 and E6 (moved to independent living) at 18 (see :func:`exit_of`)."""
LEAVING_AGE = pd.DateOffset(years=18)
AT_18_SLACK = pd.Timedelta(days=2)
"""The model's 18th birthday is 18 x 365.25 days after birth, up to a day from the
calendar one."""


def build(
    lac: pd.DataFrame, kids: pd.DataFrame, year: Period, last_day: pd.Timestamp
) -> dict[str, pd.DataFrame]:
    """The three files of ``year``: every looked-after stay open at any time in the year,
    its children and those of them who are UASC. ``lac`` holds the looked-after spells
    (``sim.returns.people.spells``), ``kids`` the children (``people.children``);
    ``last_day`` is the run's last day (nothing after it is known)."""
    eps = lac[(lac["start"] <= year.last) & (lac["end"].isna() | (lac["end"] >= year.first))]
    eps = eps.sort_values(["child", "start_day"], kind="stable")
    ended = eps["end"].notna() & (eps["end"] <= year.last)
    adoption = eps["how"] == "adoption"
    place = np.where(adoption, np.where(eps["legal_status"] == "E1", "A6", "A4"), "U6")
    episodes = pd.DataFrame(
        {
            "CHILD": eps["child"].astype(str),
            "DECOM": fmt(eps["start"], DATE_903),
            "RNE": "S",
            "LS": eps["legal_status"],
            "CIN": "N1",
            "PLACE": place,
            "PLACE_PROVIDER": "PR1",
            "DEC": fmt(eps["end"].where(ended), DATE_903),
            "REC": eps["how"].map(REC_OF_EXIT).where(ended, ""),
            "REASON_PLACE_CHANGE": "",
            "HOME_POST": "",
            "PL_POST": "",
            "URN": "XXXXXXX",
        },
        columns=list(EPISODE_COLUMNS),
    )
    assert (episodes["LS"].isin(LS)).all(), "a looked-after spell without a legal status"
    assert (episodes.loc[ended.to_numpy(), "REC"].isin(REC)).all(), "an exit without a REC"
    who = kids[kids["child"].isin(eps["child"])].sort_values("child", kind="stable")
    header = pd.DataFrame(
        {
            "CHILD": who["child"].astype(str),
            "SEX": who["sex"],
            "DOB": fmt(who["dob"], DATE_903),
            "ETHNIC": "NOBT",
            "UPN": "",
            "MOTHER": np.where(who["sex"] == "F", "0", ""),
            "MC_DOB": "",
        },
        columns=list(HEADER_COLUMNS),
    )
    uasc = who[who["uasc"]]
    eighteen = uasc["dob"] + LEAVING_AGE
    uasc_table = pd.DataFrame(
        {
            "CHILD": uasc["child"].astype(str),
            "SEX": uasc["sex"],
            "DOB": fmt(uasc["dob"], DATE_903),
            "DUC": fmt(eighteen.where(eighteen <= min(year.last, last_day)), DATE_903),
        },
        columns=list(UASC_COLUMNS),
    )
    return {HEADER: header, EPISODES: episodes, UASC: uasc_table}


# -- reading ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Files:
    """One collection year's files (any may be missing); ``order`` sorts the years."""

    order: str
    header: Path | None = None
    episodes: Path | None = None
    uasc: Path | None = None


def read(years: Sequence[Files], root: Path) -> dict[str, pd.DataFrame]:
    """Read and check SSDA903 files, the years in order. Returns ``children`` (``child``,
    ``dob``, ``sex``, ``uasc``: NA when no year has a UASC file), ``episodes`` (one row
    per episode, later years' rows replacing earlier ones) and ``spells`` (one per period
    of care: ``stage`` lac, ``start``, ``end``, ``legal_status`` at the start, ``how``)."""
    headers, all_eps, uascs = [], [], []
    for files in years:
        header = _read_header(files.header, root) if files.header else None
        if header is not None:
            headers.append(header)
        if files.episodes:
            known = header if header is not None else _union(headers)
            all_eps.append(_read_episodes(files.episodes, root, files.order, known))
        if files.uasc:
            uascs.append(_read_uasc(files.uasc, root))
    kids = _union(headers)
    if all_eps and kids is None:
        raise ReturnsError([Problem(FOLDER, None, None, None, "has episodes but no header file")])
    episodes = _merge_years(all_eps)
    spells = _periods(episodes, kids)
    if kids is None:
        kids = pd.DataFrame(columns=["child", "dob", "sex"])
    if uascs:
        uasc_ids = set(pd.concat(uascs)["child"])
        kids["uasc"] = kids["child"].isin(uasc_ids).astype("boolean")
    else:
        kids["uasc"] = pd.array([pd.NA] * len(kids), dtype="boolean")
    keep = ["child", "start", "end", "rne", "legal_status", "place", "rec", "file", "row"]
    return {"children": kids, "episodes": episodes[keep], "spells": spells}


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _read_header(path: Path, root: Path) -> pd.DataFrame:
    t = Table.read(path, _name(path, root), HEADER_COLUMNS)
    t.require(("CHILD", "SEX", "DOB"))
    child = t.text("CHILD", required=True)
    sex = t.codes("SEX", SEX + SEX_BEFORE_2024, required=True)
    dob = t.dates("DOB")
    if t.has("ETHNIC"):
        t.codes("ETHNIC", ETHNIC)
    t.note(child.duplicated() & (child != ""), "CHILD", "appears on an earlier row of the header")
    t.check()
    sex = sex.replace({"1": "M", "2": "F"})
    return pd.DataFrame({"child": child, "dob": dob, "sex": sex, "file": t.name})


def _read_uasc(path: Path, root: Path) -> pd.DataFrame:
    t = Table.read(path, _name(path, root), UASC_COLUMNS)
    t.require(("CHILD",))
    child = t.text("CHILD", required=True)
    t.dates("DUC")
    t.check()
    return pd.DataFrame({"child": child})


def _read_episodes(path: Path, root: Path, order: str, header: pd.DataFrame | None) -> pd.DataFrame:
    t = Table.read(path, _name(path, root), EPISODE_COLUMNS)
    t.require(("CHILD", "DECOM", "RNE", "LS", "DEC", "REC"))
    child = t.text("CHILD", required=True)
    decom = t.dates("DECOM", required=True)
    dec = t.dates("DEC")
    rec = t.codes("REC", REC)
    rne = t.codes("RNE", RNE, required=True)
    ls = t.codes("LS", LS, required=True)
    place = t.codes("PLACE", PLACE) if t.has("PLACE") else t.text("PLACE")
    t.not_before("DEC", dec, "DECOM", decom)
    t.note((t.text("DEC") != "") & (rec == ""), "REC", "is blank but DEC is given")
    t.note((t.text("DEC") == "") & (rec != ""), "REC", "is given but DEC is blank")
    key = child + "|" + t.text("DECOM")
    t.note(key.duplicated() & (child != ""), "DECOM", "repeats an episode of this CHILD")
    if header is None:
        t.note(child != "", "CHILD", "has episodes but there is no header file")
    else:
        t.note(
            (child != "") & ~child.isin(header["child"]),
            "CHILD",
            "is not in the header (no SEX or DOB for this child)",
        )
    t.check()
    return pd.DataFrame(
        {
            "child": child,
            "start": decom,
            "end": dec,
            "rne": rne,
            "legal_status": ls,
            "place": place,
            "rec": rec,
            "file": t.name,
            "row": np.arange(1, len(t) + 1),
            "order": order,
        }
    )


def _union(headers: list[pd.DataFrame]) -> pd.DataFrame | None:
    """One row per child over the headers read, the latest year's first."""
    if not headers:
        return None
    both = pd.concat(headers[::-1], ignore_index=True)
    return both.drop_duplicates("child").drop(columns="file").reset_index(drop=True)


def _merge_years(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per episode (CHILD and DECOM) over the years: an episode open at one 31
    March appears again the next year, then with its end; the latest year's row is kept,
    and two years giving it different ends is an error."""
    columns = ["child", "start", "end", "rne", "legal_status", "place", "rec", "file", "row"]
    if not frames:
        return pd.DataFrame(columns=[*columns, "order"])
    eps = pd.concat(frames, ignore_index=True).sort_values("order", kind="stable")
    ended = eps[eps["end"].notna()]
    ends = ended.groupby(["child", "start"])["end"].nunique()
    clash = ends[ends > 1]
    if len(clash):
        child, start = clash.index[0]
        rows = ended[(ended["child"] == child) & (ended["start"] == start)]
        raise ReturnsError(
            rows_problems(
                rows,
                "DEC",
                date_texts(rows["end"], DATE_903),
                f"differs from another year's end of the episode of CHILD {child} starting "
                f"{pd.Timestamp(start):%d/%m/%Y}",
            )
        )
    last = eps.drop_duplicates(["child", "start"], keep="last")
    # a year that has the episode ended wins over a later one that (wrongly) has it open
    end = ended.drop_duplicates(["child", "start"], keep="last").set_index(["child", "start"])
    idx = pd.MultiIndex.from_frame(last[["child", "start"]])
    has_end = idx.isin(end.index)
    last = last.copy()
    for col in ("end", "rec"):
        last.loc[has_end, col] = end.loc[idx[has_end], col].to_numpy()
    return last.sort_values(["child", "start"], kind="stable").reset_index(drop=True)


def _periods(eps: pd.DataFrame, kids: pd.DataFrame | None) -> pd.DataFrame:
    """Periods of care from episodes: a period starts with RNE S (or after an episode that
    ended other than X1) and ends with the first REC that is not X1."""
    out_cols = ["child", "stage", "start", "end", "legal_status", "how"]
    if eps.empty:
        return pd.DataFrame(columns=out_cols)
    prev_end = eps.groupby("child")["end"].shift()
    prev_rec = eps.groupby("child")["rec"].shift()
    first = prev_rec.isna()
    problems: list[Problem] = []

    def flag(mask: pd.Series, rule: str) -> None:
        rows = eps[mask]
        problems.extend(rows_problems(rows, "DECOM", date_texts(rows["start"], DATE_903), rule))

    flag(~first & prev_end.isna(), "starts while the child's previous episode is open")
    flag(~first & (eps["start"] < prev_end), "is before the previous episode's DEC")
    continued = (prev_rec == "X1") & (eps["start"] == prev_end)
    flag(
        ~first & (prev_rec == "X1") & ~continued,
        "does not start on the DEC of the previous episode, which ended X1 (new episode)",
    )
    nxt_start = eps.groupby("child")["start"].shift(-1)
    dangling = (eps["rec"] == "X1") & nxt_start.isna()
    problems += rows_problems(
        eps[dangling],
        "REC",
        ["X1"] * int(dangling.sum()),
        "says a new episode begins, but none does",
    )
    if problems:
        raise ReturnsError(problems)
    new = first | ~continued
    eps = eps.assign(period=new.cumsum())
    g = eps.groupby("period", sort=False)
    periods = pd.DataFrame(
        {
            "child": g["child"].first(),
            "stage": "lac",
            "start": g["start"].first(),
            "end": g["end"].last(),
            "legal_status": g["legal_status"].first(),
            "rec": g["rec"].last(),
        }
    ).reset_index(drop=True)
    dob = (
        periods["child"].map(kids.set_index("child")["dob"])
        if kids is not None
        else pd.Series(pd.NaT, index=periods.index)
    )
    periods["how"] = [exit_of(rec, end, d) for rec, end, d in zip(
        periods["rec"], periods["end"], dob, strict=True)]  # fmt: skip
    return periods[out_cols]


def exit_of(rec: str, end: pd.Timestamp, dob: pd.Timestamp) -> str:
    """The model's exit for a period of care that ended with ``rec`` on ``end`` by a child
    born ``dob``: E5/E6 (independent living) count as leaving at 18 if the child was 18;
    blank for a period still open."""
    if not rec or pd.isna(end):
        return ""
    if rec in ("E5", "E6") and pd.notna(dob) and end + AT_18_SLACK >= dob + LEAVING_AGE:
        return "18_plus"
    return EXIT_OF_REC.get(rec, "other")
