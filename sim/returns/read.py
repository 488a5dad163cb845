"""Read a folder of returns (a run's, from ``csc-sim returns``, or a council's own files in
the same formats) back into tidy tables with dates, checking every file as it goes.

The folder holds any of ``ssda903/``, ``cin_census/`` and ``workforce_census/``, each with
one subfolder per year (files directly in the return's folder count as one more year, read
first). SSDA903 and CIN census years are read in the order of the year they end, whether
their folder is named by it (``2018/``, as ``csc-sim returns`` writes them) or by the
collection year (``2017-18/``); two folders of one year are an error. A file is known by
its name (``episodes.csv``, ``header.csv``, ``uasc.csv``; ``cin_details.csv`` ...;
``workers.csv``, ``la_level.csv``; or any name containing those words) or else by its
columns; a CIN census year, or a workforce census, is its XML file (any ``*.xml``) or its
CSV tables. Other CSV
files (a council's SSDA903 reviews or OC2 tables, say) are left alone. Columns may come in
any order and case, with extra ones; UPNs may be missing. Anything that breaks a rule
raises :class:`ReturnsError` naming the file, the row (or, in XML, the line and the child
or worker),
the column (element), the value and the rule.

:func:`read_returns` gives:

- ``children``: ``child``, ``dob``, ``sex``, ``uasc`` (NA when no SSDA903 UASC file says);
- ``referrals``: one per CIN episode: ``child``, ``id`` (CINdetailsID), ``date``, ``nfa``
  (closed with no further action at referral), ``close`` (CIN closure), ``reason``;
- ``spells``: ``child``, ``stage`` (assessment, cin, cp from the CIN census; lac from
  SSDA903, one per period of care), ``start``, ``end`` (NaT if open), ``legal_status`` (lac:
  at the start), ``how`` (the next stage on the end date, ``close``, or for lac the exit:
  return_home, adoption, special_guardianship, 18_plus, other);
- ``episodes``: SSDA903 episodes as given (``rne``, ``legal_status``, ``place``, ``rec``);
- ``workers``: one per spell with the council, from each census's XML file or its
  ``workers.csv`` and ``la_level.csv`` (``sim.returns.workforce_census.read``);
- ``council_sept``: ``date`` (30 September), ``vacancies_fte``, ``agency_fte``,
  ``agency_headcount``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.returns import cin_census, ssda903, workforce_census
from sim.returns.common import collection_year
from sim.returns.errors import Problem, ReturnsError

log = logging.getLogger(__name__)

STAGE_ORDER = {"assessment": 0, "cin": 1, "cp": 2, "lac": 3}
"""Order of spells of one child that start and end on the same day."""


@dataclass(frozen=True)
class Returns:
    """The tidy tables read from a returns folder (see the module's docstring)."""

    children: pd.DataFrame
    referrals: pd.DataFrame
    spells: pd.DataFrame
    episodes: pd.DataFrame
    workers: pd.DataFrame
    council_sept: pd.DataFrame


def read_returns(folder: str | Path) -> Returns:
    """Read and check every return under ``folder``."""
    root = Path(folder)
    if not root.is_dir():
        raise ReturnsError([Problem(str(root), None, None, None, "is not a folder")])
    found = [root / f for f in (ssda903.FOLDER, cin_census.FOLDER, workforce_census.FOLDER)]
    if not any(f.is_dir() for f in found):
        raise ReturnsError(
            [Problem(str(root), None, None, None,
                     "holds no returns: expected ssda903/, cin_census/ or workforce_census/")]
        )  # fmt: skip
    la = ssda903.read(_ssda903_files(found[0]), root) if found[0].is_dir() else None
    cin = cin_census.read(_cin_files(found[1]), root) if found[1].is_dir() else None
    csww = workforce_census.read(_workforce_files(found[2]), root) if found[2].is_dir() else None
    children = _children(la, cin)
    referrals = (
        cin["referrals"].drop_duplicates().reset_index(drop=True)
        if cin is not None
        else pd.DataFrame(columns=list(cin_census.REFERRAL_COLUMNS))
    )
    spells = _spells(la, cin)
    return Returns(
        children=children,
        referrals=referrals,
        spells=spells,
        episodes=la["episodes"] if la is not None else pd.DataFrame(),
        workers=csww["workers"] if csww is not None else pd.DataFrame(
            columns=list(workforce_census.WORKER_OUT)),
        council_sept=csww["council_sept"] if csww is not None else pd.DataFrame(
            columns=list(workforce_census.COUNCIL_OUT)),
    )  # fmt: skip


# -- finding the files ---------------------------------------------------------------------
def _year_folders(folder: Path) -> list[Path]:
    """The return's own folder (files directly in it) then its subfolders, by name."""
    return [folder, *sorted(p for p in folder.iterdir() if p.is_dir() and p.name[0] != ".")]


def _columns(path: Path) -> set[str]:
    try:
        head = pd.read_csv(path, nrows=0, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return set()
    return {str(c).strip().lower() for c in head.columns}


def _classify(folder: Path, kinds: dict[str, tuple[str, str]]) -> dict[str, Path]:
    """The CSV files of ``folder`` by kind: ``kinds`` maps each kind to a word of its file
    name and a column only it has. Two files of one kind is an error."""
    out: dict[str, Path] = {}
    for path in sorted(folder.glob("*.csv")):
        stem = path.stem.lower()
        kind = next((k for k, (word, _) in kinds.items() if word in stem), None)
        if kind is None:
            cols = _columns(path)
            kind = next((k for k, (_, col) in kinds.items() if col.lower() in cols), None)
        if kind is None:
            log.info("%s: not a table this reader uses; left alone", path)
            continue
        if kind in out:
            raise ReturnsError(
                [Problem(path.as_posix(), None, None, None,
                         f"is a second {kind} file in its folder (the first: {out[kind].name})")]
            )  # fmt: skip
        out[kind] = path
    return out


def _ssda903_files(folder: Path) -> list[ssda903.Files]:
    kinds = {"header": ("header", "ETHNIC"), "episodes": ("episode", "DECOM"),
             "uasc": ("uasc", "DUC")}  # fmt: skip
    out = []
    for year in _collection_years(folder):
        f = _classify(year, kinds)
        if f:
            out.append(ssda903.Files(_year_order(year, folder), f.get("header"),
                                     f.get("episodes"), f.get("uasc")))  # fmt: skip
    return out


def _cin_files(folder: Path) -> list[cin_census.Files]:
    kinds = {  # the modules before cin_details: they may have a CINreferralDate too
        cin_census.ASSESSMENTS: ("assessment", "AssessmentActualStartDate"),
        cin_census.SECTION47: ("section47", "S47ActualStartDate"),
        cin_census.CIN_PLANS: ("cin_plan", "CINPlanStartDate"),
        cin_census.CP_PLANS: ("cp_plan", "CPPstartDate"),
        cin_census.CHILDREN: ("children", "PersonBirthDate"),
        cin_census.CIN_DETAILS: ("cin_details", "CINreferralDate"),
    }
    out = []
    for year in _collection_years(folder):
        f = _classify(year, kinds)
        xml = _xml_file(year, f, "CIN census")
        if f or xml:
            out.append(cin_census.Files(_year_order(year, folder), f, xml))
    return out


def _workforce_files(folder: Path) -> list[workforce_census.Files]:
    """Each census year's XML file (any ``.xml`` file in its folder) or its two CSV tables;
    two XML files in one folder, or an XML file beside the tables, is an error."""
    kinds = {"workers": ("worker", "SWENo"), "la_level": ("la_level", "NumberOfVacancies")}
    out = []
    for year in _year_folders(folder):
        f = _classify(year, kinds)
        xml = _xml_file(year, f, "workforce census")
        if xml or f:
            out.append(workforce_census.Files(
                _order(year, folder), f.get("workers"), f.get("la_level"), xml
            ))  # fmt: skip
    return out


def _xml_file(year: Path, tables: dict[str, Path], what: str) -> Path | None:
    """The one XML file of ``what`` in ``year``'s folder, if any: a second XML file, or
    one beside the return's CSV ``tables``, is an error (which one counts is not known)."""
    xml = sorted(p for p in year.glob("*.xml") if p.is_file())
    if len(xml) > 1:
        raise ReturnsError(
            [Problem(xml[1].as_posix(), None, None, None,
                     f"is a second {what} XML file in its folder (the first: {xml[0].name})")]
        )  # fmt: skip
    if xml and tables:
        raise ReturnsError(
            [Problem(next(iter(tables.values())).as_posix(), None, None, None,
                     f"is a CSV table beside the {what} XML file ({xml[0].name}): "
                     "keep one of them")]
        )  # fmt: skip
    return xml[0] if xml else None


def _order(year: Path, folder: Path) -> str:
    """Sort key of a year folder: its name ('' for files directly in the return's folder)."""
    return "" if year == folder else year.name


def _collection_years(folder: Path) -> list[Path]:
    """The year folders of SSDA903 or the CIN census (the return's folder first), by the
    year each ends; two folders of one collection year (``2018/`` and ``2017-18/``) are
    an error."""
    years = _year_folders(folder)
    seen: dict[str, Path] = {}
    for year in years[1:]:
        key = _year_order(year, folder)
        if key in seen:
            raise ReturnsError(
                [Problem(year.as_posix(), None, None, None,
                         f"is the same collection year as {seen[key].name}/ (1 April "
                         f"{int(key) - 1} to 31 March {key}): keep one of them")]
            )  # fmt: skip
        seen[key] = year
    return [years[0], *sorted(years[1:], key=lambda y: _year_order(y, folder))]


def _year_order(year: Path, folder: Path) -> str:
    """Sort key of a collection year's folder: the year it ends (``2018`` for ``2018/`` or
    ``2017-18/``), else its name ('' for files directly in the return's folder)."""
    if year == folder:
        return ""
    end = collection_year(year.name)
    return year.name if end is None else f"{end:04d}"


# -- putting the returns together ----------------------------------------------------------
def _children(
    la: dict[str, pd.DataFrame] | None, cin: dict[str, pd.DataFrame] | None
) -> pd.DataFrame:
    """One row per child over both returns; SSDA903's date of birth and sex first."""
    parts = [t["children"] for t in (la, cin) if t is not None]
    if not parts:
        return pd.DataFrame(columns=["child", "dob", "sex", "uasc"])
    both = pd.concat(parts, ignore_index=True)
    kids = both.drop_duplicates("child").drop(columns="uasc", errors="ignore")
    filled = both.groupby("child", sort=False)[["dob", "sex"]].first()
    kids = kids.set_index("child")
    kids[["dob", "sex"]] = filled.loc[kids.index]
    kids = kids.reset_index()
    if la is not None:
        uasc = la["children"].set_index("child")["uasc"]
        kids["uasc"] = kids["child"].map(uasc).astype("boolean")
        if uasc.isna().all():
            kids["uasc"] = pd.array([pd.NA] * len(kids), dtype="boolean")
        else:
            kids["uasc"] = kids["uasc"].fillna(False)
    else:
        kids["uasc"] = pd.array([pd.NA] * len(kids), dtype="boolean")
    return kids[["child", "dob", "sex", "uasc"]]


def _spells(
    la: dict[str, pd.DataFrame] | None, cin: dict[str, pd.DataFrame] | None
) -> pd.DataFrame:
    """All spells, each with ``how`` it ended: a lac spell by its REC; any other by the
    stage of the next spell of the child (in the same CIN episode) starting on its end
    date, or ``close``."""
    cols = ["child", "stage", "start", "end", "legal_status", "how"]
    parts = []
    if cin is not None:
        s = cin["spells"].assign(legal_status="", how="")
        parts.append(s.rename(columns={"episode": "id"}))
    if la is not None:
        lac = la["spells"].copy()
        lac["id"] = _episode_of(lac, cin["referrals"] if cin is not None else None)
        parts.append(lac)
    if not parts:
        return pd.DataFrame(columns=cols)
    s = pd.concat(parts, ignore_index=True)
    s["_rank"] = s["stage"].map(STAGE_ORDER)
    s["_end"] = s["end"].fillna(pd.Timestamp.max)
    s = s.sort_values(["child", "start", "_end", "_rank"], kind="stable").reset_index(drop=True)
    s["how"] = _how(s)
    return s[cols]


def _episode_of(lac: pd.DataFrame, referrals: pd.DataFrame | None) -> pd.Series:
    """The CIN episode (CINdetailsID) each period of care falls in: the child's latest
    referral on or before its start (NA without a CIN census)."""
    if referrals is None or referrals.empty or lac.empty:
        return pd.Series(pd.NA, index=lac.index, dtype=object)
    left = lac[["child", "start"]].reset_index().sort_values("start", kind="stable")
    right = referrals[["child", "date", "id"]].dropna(subset=["date"]).sort_values("date")
    m = pd.merge_asof(left, right, left_on="start", right_on="date", by="child")
    return m.set_index("index")["id"].reindex(lac.index)


def _how(s: pd.DataFrame) -> pd.Series:
    """``how`` each spell of ``s`` (sorted by child and start) ended (see :func:`_spells`)."""
    how = s["how"].astype(object).to_numpy(copy=True)
    ids = s["id"].astype(object).to_numpy()
    child = s["child"].to_numpy()
    start = s["start"].to_numpy()
    end = s["end"].to_numpy()
    stage = s["stage"].to_numpy()
    for i in np.flatnonzero((s["stage"] != "lac").to_numpy() & s["end"].notna().to_numpy()):
        nxt = "close"
        j = i + 1
        while j < len(s) and child[j] == child[i] and start[j] <= end[i]:
            same = pd.isna(ids[i]) or pd.isna(ids[j]) or ids[j] == ids[i]
            if start[j] == end[i] and same:
                nxt = str(stage[j])
                break
            j += 1
        how[i] = nxt
    return pd.Series(how, index=s.index)
