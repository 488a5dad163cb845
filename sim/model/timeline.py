"""Simulation time is in days from the start date; reporting is by calendar month."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

DAYS_PER_YEAR = 365.25  # simulation time is in days; a year is a Julian year
DAYS_PER_MONTH = DAYS_PER_YEAR / 12


class Calendar:
    """Maps days since ``start`` to dates and back, and lists the month ends reported."""

    def __init__(self, start: dt.date, horizon_months: int) -> None:
        self.start = start
        ends = pd.date_range(
            pd.Timestamp(start), periods=horizon_months + 1, freq=pd.DateOffset(months=1)
        )
        # Period k covers [ends[k-1], ends[k]); it is labelled by its last day.
        self.period_end_days: list[float] = [float((e.date() - start).days) for e in ends[1:]]
        self.period_labels: list[dt.date] = [(e - pd.Timedelta(days=1)).date() for e in ends[1:]]
        self.start_label: dt.date = start - dt.timedelta(days=1)
        self.horizon_days: float = self.period_end_days[-1]

    def day(self, date: dt.date) -> float:
        """Days from the start date to ``date`` (negative before the start)."""
        return float((date - self.start).days)

    def date(self, day: float) -> dt.date:
        """The calendar date ``day`` days after the start (the day it falls in: days before
        the start round down too)."""
        return self.start + dt.timedelta(days=math.floor(day))

    def years(self, day: float) -> float:
        """Days expressed in years of 365.25 days."""
        return day / DAYS_PER_YEAR
