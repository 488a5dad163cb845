"""Filling vacancies: the permanent recruitment pipeline and agency cover."""

from __future__ import annotations

import math
from collections.abc import Generator

import simpy

from sim.config.council import CouncilConfig
from sim.config.distributions import equilibrium_remaining
from sim.config.recruitment_rates import appointable_now, offers_per_year
from sim.model.counters import Counters
from sim.model.entities import Worker
from sim.model.rng import Streams, sampler
from sim.model.timeline import DAYS_PER_YEAR, Calendar
from sim.model.workforce import Workforce

REVIEW_DAYS = 7.0  # how often vacancies are advertised and agency cover reviewed


class Recruitment:
    """Vacant posts are advertised and panels offer them to appointable applicants; the
    appointees start after checks and notice. Agency workers are ordered for vacancies and
    other needs, up to a cap, and hand over to permanent starters."""

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
        self._advert_days = sampler(self.rc.advert_to_offer, self._rng)
        self._agency_u = streams.uniform("agency")
        agency = self.rc.agency
        self._cover_share = agency.cover_share
        self._other_cover_share = agency.other_cover_share
        self._fill_mean = agency.cover_delay_days
        self._fill_sd = agency.time_to_fill_sd_days
        self._fill_rng = streams["agency_fill"]
        workforce.starter_hooks.append(self._hand_over_to_starter)
        self.levers = workforce.levers
        self.adverts: list[float] = []
        """Open adverts, one per vacant post not under offer: the day each round closes."""
        self.agency_pending = 0

    def _unoffered_vacancies(self) -> int:
        """Funded posts with neither a permanent worker staying nor an appointee coming."""
        return max(0, math.floor(self.wf.establishment() - self.wf.permanent_committed() + 1e-9))

    def seed_pipeline(self) -> None:
        """At the start date, as in a steady state: appointees who have accepted but not
        started (Poisson with mean offers a year x mean start delay, Little's law, found by
        a few fixed-point steps since offers depend on the adverts left open), then adverts
        part-way through their rounds for the other vacancies."""
        rc = self.rc
        vacancies = self._unoffered_vacancies()
        delay_years = rc.start_delay.mean() / DAYS_PER_YEAR
        mean = 0.0
        for _ in range(5):
            mean = offers_per_year(rc, vacancies - mean) * delay_years
        n = min(int(self._rng.poisson(mean)), vacancies)
        for delay in equilibrium_remaining(rc.start_delay, self._rng, n).tolist():
            kind = "permanent" if self._u() < self.levers.experienced_share else "asye"
            self._appointed(kind, delay)
        self._advertise(part_way=True)

    def start(self) -> None:
        self.env.process(self._panels())
        self.env.process(self._weekly_review())

    # -- permanent recruitment ------------------------------------------------------------
    def _advertise(self, part_way: bool = False) -> None:
        """Advertise each vacant post not under offer or advertised; withdraw the newest
        adverts of posts no longer vacant (filled by conversion, or defunded). ``part_way``:
        rounds already under way (remaining times of a stationary process)."""
        ads, now = self.adverts, self.env.now
        want = self._unoffered_vacancies()
        del ads[want:]
        n = want - len(ads)
        if n > 0:
            if part_way:
                lengths = equilibrium_remaining(self.rc.advert_to_offer, self._rng, n).tolist()
            else:
                lengths = [self._advert_days() for _ in range(n)]
            ads.extend(now + d for d in lengths)

    def _panels(self) -> Generator[simpy.Event, None, None]:
        """Every panel interval, decide the advert rounds that have closed."""
        while True:
            yield self.env.timeout(self.levers.panel_interval_days)
            self._advertise()
            self._decide_closed_rounds()

    def _decide_closed_rounds(self) -> None:
        """Each closed round ends in an offer if it drew an appointable applicant (Poisson,
        fewer per advert the more adverts share the pool; newly qualified applicants by the
        month's share of graduates), else the post is re-advertised."""
        lv, rc, now = self.levers, self.rc, self.env.now
        a = appointable_now(
            rc.appointable_per_advert * lv.applicant_multiplier, len(self.adverts), rc.pool_adverts
        )
        month_weight = 12 * rc.newly_qualified_by_month[self.calendar.date(now).month - 1]
        experienced = lv.experienced_share * a
        total = experienced + (1 - lv.experienced_share) * a * month_weight
        p_offer = -math.expm1(-total)
        p_experienced = experienced / total if total > 0 else 1.0
        still_open = []
        for closes in self.adverts:
            if closes > now:
                still_open.append(closes)
            elif self._u() < p_offer:
                kind = "permanent" if self._u() < p_experienced else "asye"
                self.counters.hires += 1
                self._appointed(kind, self._start_delay())
            else:
                still_open.append(now + self._advert_days())
        self.adverts = still_open

    def _appointed(self, kind: str, delay: float) -> None:
        """An appointee of ``kind`` is committed to a post now and starts in ``delay`` days."""
        self.wf.perm_pipeline_fte += 1.0
        self.env.process(self._start_after_delay(kind, delay))

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

    def _weekly_review(self) -> Generator[simpy.Event, None, None]:
        """Weekly: advertise posts fallen vacant; order agency cover for what is wanted and
        not in post or on order, and let agency workers convert to vacant permanent posts.
        Agency in surplus is not dismissed: it ends as permanent starters arrive
        (:meth:`_hand_over_to_starter`)."""
        while True:
            self._advertise()
            rate = self.levers.conversion_per_year
            p_convert = -math.expm1(-rate * REVIEW_DAYS / DAYS_PER_YEAR)
            if p_convert > 0:
                self._conversions(p_convert)
            gap = self.agency_wanted() - self._agency_had()
            for _ in range(int(gap) if gap >= 1.0 else 0):
                self.agency_pending += 1
                self.env.process(self._agency_arrives())
            yield self.env.timeout(REVIEW_DAYS)

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
        """An order is filled after the time to fill, or at once by one of the council's
        own recent leavers to agency work."""
        if self.wf.take_returner():
            self.counters.agency_returners += 1
        else:
            yield self.env.timeout(self._time_to_fill())
        self.agency_pending -= 1
        self.wf.join("agency")

    def _conversions(self, p: float) -> None:
        for w in list(self.wf.agency_staying):
            if self._agency_u() >= p:
                continue
            if self._unoffered_vacancies() >= 1:
                self.wf.convert_to_permanent(w)
