"""What the three returns share: collection years, the model's days as calendar dates, and
the seeded draws of the fields the model does not have (``fill_in_rng``)."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

FILL_IN_KEY = 2_000_000
"""Spawn-key branch of the fill-in draws: beyond the model's stream indices and its keyed
draws (1,000,000; ``sim.model.rng``), so a fill-in never shares a stream with the model."""

DATE_903 = "%d/%m/%Y"
"""SSDA903's date format (DfE's CSV specification)."""
DATE_ISO = "%Y-%m-%d"
"""The CIN census and workforce census dates (their XML items are ``xs:date``)."""


@dataclass(frozen=True, slots=True)
class Period:
    """One collection: its folder name and its first and last day (both included)."""

    label: str
    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def folder(self) -> str:
        """The folder the collection's files are in: the year it ends (``2018`` for 1 April
        2017 to 31 March 2018, ``2019`` for the census of 30 September 2019). The CIN
        census's XML header names its year so (``<Year>``, the year of its 31 March
        ``<ReferenceDate>``), and so do the SSDA903 tools councils run on these files
        (data-to-insight's demand model reads one integer-named folder a year; its
        validator and Social Finance's liia-tools take a collection year by its end)."""
        return str(self.last.year)


def april_years(first: dt.date, last: dt.date) -> list[Period]:
    """The April-March collection years (SSDA903, CIN census) that overlap ``first`` to
    ``last``, labelled ``2017-18`` (in folder ``2018``: :attr:`Period.folder`)."""
    year = first.year if first.month >= 4 else first.year - 1
    out = []
    while dt.date(year, 4, 1) <= last:
        out.append(
            Period(
                f"{year}-{(year + 1) % 100:02d}",
                pd.Timestamp(year, 4, 1),
                pd.Timestamp(year + 1, 3, 31),
            )
        )
        year += 1
    return out


def census_years(first: dt.date, last: dt.date) -> list[Period]:
    """The workforce censuses whose reference date, 30 September, falls from ``first`` to
    ``last``: each covers 1 October of the year before to that 30 September, labelled by
    its year (``2019``)."""
    out = []
    for year in range(first.year, last.year + 1):
        ref = dt.date(year, 9, 30)
        if first <= ref <= last:
            out.append(Period(str(year), pd.Timestamp(year - 1, 10, 1), pd.Timestamp(ref)))
    return out


YEAR_LABEL = re.compile(r"(\d{4})-(\d{2})")
"""A collection year's label, ``2017-18`` (the folder name of returns written before the
folders were named by the year's end, still read)."""


def collection_year(name: str) -> int | None:
    """The year a collection year ends, from its folder's name: ``2018`` or ``2017-18``
    (1 April 2017 to 31 March 2018) give 2018; any other name None."""
    if len(name) == 4 and name.isdigit():
        return int(name)
    m = YEAR_LABEL.fullmatch(name)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        return int(m.group(1)) + 1
    return None


def dates(start: dt.date, days: pd.Series) -> pd.Series:
    """Model days (from ``start``; negative before it; NaN for none) as calendar dates: the
    day a time falls in, so day -0.5 is the day before the start."""
    floor = np.floor(days.to_numpy(dtype=float))
    stamps = pd.Timestamp(start) + pd.to_timedelta(floor, unit="D")
    return pd.Series(stamps, index=days.index, name=days.name).astype("datetime64[ns]")


def fmt(values: pd.Series, pattern: str) -> pd.Series:
    """Dates as text in ``pattern``; blank for none."""
    return values.dt.strftime(pattern).fillna("").astype(object)


def fill_in_rng(seed: int | np.random.SeedSequence, field: str) -> np.random.Generator:
    """A generator for one field the model does not have (e.g. a child's sex), derived from
    the replication's seed but apart from every model stream: the same draws for the same
    seed, whatever the model drew."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    key = (*root.spawn_key, FILL_IN_KEY, zlib.crc32(field.encode("utf-8")))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))
