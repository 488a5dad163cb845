"""The children of a run as every return describes them: the model's date of birth and
asylum status, and a sex the model does not have, drawn for the returns alone.

The model's years are 365.25 days, so its 18th birthday (when a child leaves care at 18)
can fall a day before the calendar one from the day of birth; DfE's returns count age in
calendar years (SSDA903 rule 460: leaving at 18 but aged under 18). So the date of birth
written is the model's 18th birthday less 18 calendar years: at most a day from the day
the model's birth falls in, and every date of a spell stays the model's own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.care import LEAVING_AGE_DAYS
from sim.returns.common import dates, fill_in_rng
from sim.returns.simulate import Run

EIGHTEEN_YEARS = pd.DateOffset(years=18)

FEMALE_SHARE = 0.5
"""Share of children recorded as female: the model has no sex, so each child's is drawn
50/50 (``fill_in_rng(seed, "sex")``), once, and used in every return and year."""


def children(run: Run) -> pd.DataFrame:
    """One row per child of the run: ``child`` (int), ``dob`` (date; NaT when the config
    gives no ages), ``sex`` (``F``/``M``, drawn), ``uasc`` (bool)."""
    kids = run.tables["children"].sort_values("child", kind="stable").reset_index(drop=True)
    rng = fill_in_rng(run.seed, "sex")
    female = rng.random(len(kids)) < FEMALE_SHARE
    return pd.DataFrame(
        {
            "child": kids["child"].astype(np.int64),
            "dob": _births(dates(run.start, kids["born_day"] + LEAVING_AGE_DAYS)),
            "sex": np.where(female, "F", "M"),
            "uasc": kids["uasc"].astype(bool),
        }
    )


def spells(run: Run) -> pd.DataFrame:
    """Every recorded spell with dates: ``child``, ``stage``, ``start``, ``end`` (NaT if
    open at the end of the run), ``legal_status``, ``how``, and the model's days
    (``start_day``, ``end_day``) to order spells that share a date."""
    s = run.tables["spells"].copy()
    s["start"] = dates(run.start, s["start_day"])
    s["end"] = dates(run.start, s["end_day"])
    return s.sort_values(["child", "start_day", "end_day"], kind="stable").reset_index(drop=True)


def _births(eighteenth: pd.Series) -> pd.Series:
    """Dates of birth from the dates of the 18th birthdays (NaT stays NaT)."""
    out = pd.Series(pd.NaT, index=eighteenth.index, dtype="datetime64[ns]")
    known = eighteenth.notna()
    out[known] = [d - EIGHTEEN_YEARS for d in eighteenth[known]]
    return out
