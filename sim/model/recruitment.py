"""Filling vacancies: the permanent recruitment pipeline and agency cover."""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.config.council import CouncilConfig
from sim.config.distributions import equilibrium_remaining
from sim.model.counters import Counters
from sim.model.rng import Streams, sampler
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR, Calendar
from sim.model.workforce import Workforce

AGENCY_CHECK_DAYS = 7.0  # how often agency cover is reviewed


class Recruitment:
    """Applicants arrive, panels appoint to vacancies, appointees start after checks and
    notice; agency workers cover what permanent staff do not, up to a cap."""

    def __init__(
        self,
        env: simpy.Environment,
        cfg: CouncilConfig,
        streams: Streams,
        workforce: Workforce,
        counters: Counters,
        calendar: Calendar,
    ) -> None:
        self.env = env
        self.cfg = cfg
        self.rc = cfg.recruitment
        self.wf = workforce
        self.counters = counters
        self.calendar = calendar
        self._rng = streams["recruitment"]
        self._u = streams.uniform("recruitment")
        self._start_delay = sampler(self.rc.start_delay, self._rng)
        self._agency_u = streams.uniform("agency")
        self.levers = workforce.levers
        self.appointable: list[str] = []  # kinds ("permanent" or "asye") awaiting a panel
        self.agency_pending = 0

    def seed_pipeline(self) -> None:
        """Appointees who have accepted but not started at the start date, as in a steady
        state: Poisson with mean (appointable a year) x mean start delay, up to the vacancies."""
        rc, lv = self.rc, self.levers
        per_year = rc.applicants_per_month * 12 * lv.selection_rate
        mean = per_year * rc.start_delay.mean() / DAYS_PER_YEAR
        vacancies = math.floor(self.wf.establishment() - self.wf.permanent_committed() + 1e-9)
        n = min(int(self._rng.poisson(mean)), max(0, vacancies))
        for delay in equilibrium_remaining(rc.start_delay, self._rng, n).tolist():
            kind = "permanent" if self._u() < lv.experienced_share else "asye"
            self.wf.perm_pipeline_fte += 1.0
            self.env.process(self._start_after_delay(kind, delay))

    def start(self) -> None:
        self.env.process(self._applicants())
        self.env.process(self._panels())
        self.env.process(self._agency_cover())

    # -- permanent pipeline ---------------------------------------------------------------
    def _applicants(self) -> Generator[simpy.Event, None, None]:
        """Applicants arrive as a Poisson process; the appointable join the panel list."""
        prev = 0.0
        for end in self.calendar.period_end_days:
            months = (end - prev) / DAYS_PER_MONTH
            lam = self.rc.applicants_per_month * self.levers.applicant_multiplier * months
            n = int(self._rng.poisson(lam)) if lam > 0 else 0
            for t in sorted((prev + self._rng.random(n) * (end - prev)).tolist()):
                yield self.env.timeout(t - self.env.now)
                if self._u() < self.levers.selection_rate:
                    experienced = self._u() < self.levers.experienced_share
                    self.appointable.append("permanent" if experienced else "asye")
            yield self.env.timeout(end - self.env.now)
            prev = end

    def _panels(self) -> Generator[simpy.Event, None, None]:
        """Each panel appoints appointable applicants to open vacancies; the rest go
        elsewhere."""
        while True:
            yield self.env.timeout(self.levers.panel_interval_days)
            need = math.floor(self.wf.establishment() - self.wf.permanent_committed() + 1e-9)
            for kind in self.appointable[: max(0, need)]:
                self.counters.hires += 1
                self.wf.perm_pipeline_fte += 1.0
                self.env.process(self._start_after_delay(kind, self._start_delay()))
            self.appointable.clear()

    def _start_after_delay(self, kind: str, delay: float) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(delay)
        self.wf.perm_pipeline_fte -= 1.0
        self.wf.join(kind)

    # -- agency ---------------------------------------------------------------------------
    def agency_wanted(self) -> float:
        """Agency FTE wanted now: the permanent shortfall, up to the agency cap."""
        est = self.wf.establishment()
        permanent = self.wf.permanent_staying()
        return min(max(0.0, est - permanent), self.levers.agency_max_share * est)

    def _agency_cover(self) -> Generator[simpy.Event, None, None]:
        """Weekly: order agency cover for a shortfall, end assignments in surplus, and let
        agency workers convert to vacant permanent posts."""
        while True:
            rate = self.levers.conversion_per_year
            p_convert = -math.expm1(-rate * AGENCY_CHECK_DAYS / DAYS_PER_YEAR)
            if p_convert > 0:
                self._conversions(p_convert)
            have = self.wf.staying_fte["agency"] + self.agency_pending
            gap = self.agency_wanted() - have
            if gap >= 1.0:
                for _ in range(int(gap)):
                    self.agency_pending += 1
                    self.env.process(self._agency_arrives())
            elif gap <= -1.0:
                staying = sorted(self.wf.agency_staying, key=lambda w: (len(w.children), w.id))
                for w in staying[: int(-gap)]:
                    self.wf.resign(w)
            yield self.env.timeout(AGENCY_CHECK_DAYS)

    def _agency_arrives(self) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(self.levers.agency_cover_delay_days)
        self.agency_pending -= 1
        self.wf.join("agency")

    def _conversions(self, p: float) -> None:
        for w in list(self.wf.agency_staying):
            if self._agency_u() >= p:
                continue
            if self.wf.establishment() - self.wf.permanent_committed() >= 1.0:
                self.wf.convert_to_permanent(w)
