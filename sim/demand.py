"""Referrals: a Poisson process whose rate is constant within each calendar month."""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR, Calendar
from sim.cases import CaseSystem
from sim.config import Demand
from sim.levers import Levers
from sim.rng import Streams


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


def referrals(
    env: simpy.Environment,
    rate: ReferralRate,
    cases: CaseSystem,
    calendar: Calendar,
    streams: Streams,
    levers: Levers,
) -> Generator[simpy.Event, None, None]:
    """Each month: a Poisson number of referrals at the month's rate, at uniform times
    (an exact draw of a Poisson process whose rate is constant within the month)."""
    rng = streams["demand"]
    prev = 0.0
    for end in calendar.period_end_days:
        lam = rate.per_day((prev + end) / 2) * levers.referral_multiplier * (end - prev)
        n = int(rng.poisson(lam)) if lam > 0 and math.isfinite(lam) else 0
        times = sorted((prev + rng.random(n) * (end - prev)).tolist())
        for t in times:
            yield env.timeout(t - env.now)
            cases.refer()
        yield env.timeout(end - env.now)
        prev = end
