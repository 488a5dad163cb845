"""Filling vacancies: the permanent recruitment pipeline and agency cover."""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.config.council import CouncilConfig
from sim.config.distributions import equilibrium_remaining
from sim.model.counters import Counters
from sim.model.entities import Worker
from sim.model.rng import Streams, sampler
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR, Calendar
from sim.model.workforce import Workforce

AGENCY_CHECK_DAYS = 7.0  # how often agency cover is reviewed


class Recruitment:
    """Applicants arrive, panels appoint to vacancies, appointees start after checks and
    notice; agency workers are ordered for vacancies and other needs, up to a cap, and
    hand over to permanent starters."""

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
        agency = self.rc.agency
        self._cover_share = agency.cover_share
        self._other_cover_share = agency.other_cover_share
        self._fill_mean = agency.cover_delay_days
        self._fill_sd = agency.time_to_fill_sd_days
        self._fill_rng = streams["agency_fill"]
        workforce.starter_hooks.append(self._hand_over_to_starter)
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
    def agency_cap(self) -> float:
        """Most agency FTE the cap allows now: agency at most ``agency_max_share`` of all the
        social workers in post, i.e. share / (1 - share) times the permanent FTE."""
        share = self.levers.agency_max_share
        return math.inf if share >= 1.0 else share / (1.0 - share) * self.wf.permanent_staying()

    def agency_wanted(self) -> float:
        """Agency FTE wanted now: cover for ``cover_share`` of the vacant permanent posts and
        for other needs, up to the cap."""
        est = self.wf.establishment()
        shortfall = max(0.0, est - self.wf.permanent_staying())
        wanted = self._cover_share * shortfall + self._other_cover_share * est
        return min(wanted, self.agency_cap())

    def _agency_cover(self) -> Generator[simpy.Event, None, None]:
        """Weekly: order agency cover for what is wanted and not in post or on order, and
        let agency workers convert to vacant permanent posts. Agency in surplus is not
        dismissed: it ends as permanent starters arrive (:meth:`_hand_over_to_starter`)."""
        while True:
            rate = self.levers.conversion_per_year
            p_convert = -math.expm1(-rate * AGENCY_CHECK_DAYS / DAYS_PER_YEAR)
            if p_convert > 0:
                self._conversions(p_convert)
            gap = self.agency_wanted() - self._agency_had()
            for _ in range(int(gap) if gap >= 1.0 else 0):
                self.agency_pending += 1
                self.env.process(self._agency_arrives())
            yield self.env.timeout(AGENCY_CHECK_DAYS)

    def _agency_had(self) -> float:
        """Agency FTE in post and staying, plus ordered and not yet started."""
        return self.wf.staying_fte["agency"] + self.agency_pending

    def _hand_over_to_starter(self, starter: Worker) -> None:
        """A permanent starter (``starter``) takes over from one agency worker while agency
        is above what is wanted (the cap fell, or the vacancies it covered filled): the
        longest assignment in the starter's team, else the longest anywhere (O(1): both are
        the first of an arrival-ordered dict)."""
        if self._agency_had() - self.agency_wanted() < 1.0 or not self.wf.agency_staying:
            return
        in_team = self.wf.agency_staying_by_team[starter.team]
        self.wf.resign(next(iter(in_team or self.wf.agency_staying)))

    def _time_to_fill(self) -> float:
        """Days from an order to the agency worker starting: the mean (which a policy may
        scale), spread lognormally by ``time_to_fill_sd_days`` scaled alike."""
        mean = self.levers.agency_cover_delay_days
        sd = self._fill_sd * (mean / self._fill_mean) if self._fill_mean > 0 else 0.0
        if sd <= 0 or mean <= 0:
            return mean
        sigma2 = math.log1p((sd / mean) ** 2)
        return float(self._fill_rng.lognormal(math.log(mean) - sigma2 / 2, math.sqrt(sigma2)))

    def _agency_arrives(self) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(self._time_to_fill())
        self.agency_pending -= 1
        self.wf.join("agency")

    def _conversions(self, p: float) -> None:
        for w in list(self.wf.agency_staying):
            if self._agency_u() >= p:
                continue
            if self.wf.establishment() - self.wf.permanent_committed() >= 1.0:
                self.wf.convert_to_permanent(w)
