"""Referrals: a Poisson process whose rate is constant within each calendar month."""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from sim.config.council import Demand
from sim.model.cases import CaseSystem
from sim.model.levers import Levers
from sim.model.rng import Streams
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR, Calendar


class ReferralRate:
    """Referrals per day on a given day: base rate x trend x dated steps x phased
    reduction x seasonality."""

    def __init__(self, demand: Demand, calendar: Calendar) -> None:
        self.d = demand
        self.cal = calendar
        self._steps = [(calendar.day(s.date), s.factor) for s in demand.steps]
        season = demand.seasonality
        self._season = [x * 12 / sum(season) for x in season] if season else None

    def per_day(self, day: float) -> float:
        d = self.d
        rate = d.referrals_per_year / DAYS_PER_YEAR
        rate *= (1 + d.trend_per_year) ** self.cal.years(day)
        for step_day, factor in self._steps:
            if day >= step_day:
                rate *= factor
        if d.reduction is not None:
            r = d.reduction
            since = (day - self.cal.day(r.start)) / DAYS_PER_MONTH
            if since >= 0:
                phase = 1.0 if r.phase_in_months == 0 else min(1.0, since / r.phase_in_months)
                rate *= 1 - r.share * phase
        if self._season is not None:
            rate *= self._season[self.cal.date(day).month - 1]
        return rate


class Referrals:
    """Arrivals: each month, a Poisson number of referrals at the month's rate, at uniform
    times (an exact draw of a Poisson process whose rate is constant within the month).

    The model's clock calls ``schedule_month`` after the policies have set the month's
    levers. The month's arrival times are drawn at once and sorted; each arrival is a
    timeout whose callback books the next, so SimPy's event queue holds one referral at a
    time rather than a month's (England: 53,000), and no process resumes per referral.
    """

    def __init__(
        self,
        env: simpy.Environment,
        rate: ReferralRate,
        cases: CaseSystem,
        streams: Streams,
        levers: Levers,
    ) -> None:
        self.env = env
        self.rate = rate
        self.levers = levers
        self._rng = streams["demand"]
        self._arrive = cases.on_referral
        self._due: deque[float] = deque()  # arrival days not yet booked, in order
        self._booked = False  # an arrival is in SimPy's queue

    def schedule_month(self, start: float, end: float) -> None:
        """Draw and schedule the referrals arriving in days [start, end)."""
        length = end - start
        lam = self.rate.per_day((start + end) / 2) * self.levers.referral_multiplier * length
        n = int(self._rng.poisson(lam)) if lam > 0 and math.isfinite(lam) else 0
        self._due.extend(np.sort(start + self._rng.random(n) * length).tolist())
        if not self._booked:
            self._book_next()

    def _book_next(self) -> None:
        if self._due:
            self.env.timeout(self._due.popleft() - self.env.now).callbacks.append(self._on_arrival)
            self._booked = True
        else:
            self._booked = False

    def _on_arrival(self, event: simpy.Event) -> None:
        self._book_next()
        self._arrive(event)
