"""Social workers in post: joining, the ASYE, absence, resigning, notice and leaving."""

from __future__ import annotations

import bisect
import math
from collections import deque
from collections.abc import Callable, Generator
from typing import cast

import numpy as np
import simpy

from sim.config.council import (
    NON_CASE_HOLDING,
    POSTS,
    STAGES,
    TEAM_OF_STAGE,
    TEAMS,
    CouncilConfig,
    Destinations,
    HazardBand,
)
from sim.model.allocation import TeamPool
from sim.model.capacity import Capacity
from sim.model.counters import Counters, TimeWeighted
from sim.model.entities import Worker
from sim.model.levers import Levers
from sim.model.record import Recorder
from sim.model.rng import Streams, sampler
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR, Calendar

KINDS = ("permanent", "asye", "agency")


SERVICE_BAND_DAYS = 5 * DAYS_PER_YEAR
"""DfE reports leavers with under five years' service with their council."""


def post_shares(cfg: CouncilConfig) -> dict[str, float]:
    """Each post's share of the funded establishment: the teams' shares of the case-holding
    posts, and the posts without cases."""
    held = cfg.establishment.case_holding_share
    shares = {t: getattr(cfg.teams, t).establishment_share * held for t in TEAMS}
    shares[NON_CASE_HOLDING] = 1.0 - held
    return shares


class Hazard:
    """Piecewise-constant leaving hazard (per year) by tenure (years)."""

    def __init__(self, bands: list[HazardBand]) -> None:
        self.starts = [b.from_years for b in bands]
        self.rates = [b.per_year for b in bands]

    def at(self, tenure_years: float) -> float:
        return self.rates[bisect.bisect_right(self.starts, tenure_years) - 1]

    def stationary_tenure(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Tenures (years) of ``n`` workers in a steady state with constant recruitment:
        density proportional to the survival function."""
        grid = np.linspace(0.0, 40.0, 4001)
        h = np.array([self.at(t) for t in grid[:-1]])
        cum = np.concatenate([[0.0], np.cumsum(h * np.diff(grid))])
        surv = np.exp(-cum)
        cdf = np.concatenate([[0.0], np.cumsum((surv[:-1] + surv[1:]) / 2 * np.diff(grid))])
        return np.interp(rng.random(n) * cdf[-1], cdf, grid)


class Workforce:
    """Every case-holding social worker, and the events that change who is in post."""

    def __init__(
        self,
        env: simpy.Environment,
        cfg: CouncilConfig,
        streams: Streams,
        pools: dict[str, TeamPool],
        counters: Counters,
        calendar: Calendar,
        levers: Levers,
    ) -> None:
        self.env = env
        self.cfg = cfg
        self.pools = pools
        self.counters = counters
        self.calendar = calendar
        self.workers: dict[Worker, None] = {}  # insertion-ordered for reproducibility
        self.fte = {k: TimeWeighted() for k in KINDS}
        self.perm_pipeline_fte = 0.0
        self.staying_fte = dict.fromkeys(KINDS, 0.0)
        self.team_staying_fte = dict.fromkeys(POSTS, 0.0)
        self.agency_staying: dict[Worker, None] = {}  # agency in post, not leaving
        # the same by team, in order of arrival (so the longest assignment is first)
        self.agency_staying_by_team: dict[str, dict[Worker, None]] = {p: {} for p in POSTS}
        self._shares = post_shares(cfg)
        self._posts = tuple(p for p in POSTS if self._shares[p] > 0)  # where workers can go
        self._case_posts = tuple(p for p in self._posts if p != NON_CASE_HOLDING)
        self._case_share = sum(self._shares[t] for t in self._case_posts)
        self._stages_of = {t: tuple(s for s in STAGES if TEAM_OF_STAGE[s] == t) for t in TEAMS}
        self.open_by_stage: dict[str, int] = dict.fromkeys(STAGES, 0)
        """Open children by stage: the case system's own counts (``CouncilModel`` shares
        them), read when a new worker chooses a team."""
        self._supervision_factor = 1.0  # this month's hazard multiplier from supervision
        self._supervision_anchor = 1.0  # 1 + strength x the gap at the start
        self._caseload_anchor = dict.fromkeys(KINDS, 1.0)  # see anchor_loops
        self._ids = 0
        lv = cfg.leaving
        self.hazard = {k: Hazard(getattr(lv, k)) for k in KINDS}
        self.levers = levers
        self.starter_hooks: list[Callable[[Worker], None]] = []
        self.recorder: Recorder | None = None
        """Set to record every worker's spell for the returns (``sim.model.record``)."""
        """Called with each permanent or ASYE starter once in post (agency hands over)."""
        self._grade_u = streams.uniform("grades")
        self.capacity = Capacity(cfg.allocation, streams.uniform("capacity"))
        # Off (the default), every case-holder's capacity is 1 and nothing is drawn or booked.
        self._capacity_varies = self.capacity.spread or self.capacity.build_up_months > 0
        self._leave_u = streams.uniform("leaving")
        self._absence_u = streams.uniform("absence")
        self._destination_u = streams.uniform("destinations")
        self.agency_returning: deque[float] = deque()
        """Own leavers to agency work: the day until which each can take an agency order."""
        self._absence_duration = sampler(cfg.absence.duration, streams["absence"])
        self._initial_rng = streams["initial"]
        est = cfg.establishment
        self._est_days = [0.0] + [calendar.day(s.date) for s in est.schedule]
        self._est_fte = [est.fte] + [s.fte for s in est.schedule]
        self._tm_days = [0.0] + [calendar.day(s.date) for s in est.team_manager_schedule]
        self._tm_fte = [est.team_managers_fte] + [s.fte for s in est.team_manager_schedule]

    # -- establishment --------------------------------------------------------------------
    def establishment(self, day: float | None = None) -> float:
        """Funded social worker FTE on ``day`` (default now)."""
        day = self.env.now if day is None else day
        return self._est_fte[bisect.bisect_right(self._est_days, day) - 1] * self._growth(day)

    def _growth(self, day: float) -> float:
        """Growth of the funded posts by ``day`` beyond the schedule (1 = none)."""
        g = self.cfg.establishment.growth_per_year
        return (1.0 + g) ** (day / DAYS_PER_YEAR) if g else 1.0

    def team_managers(self, day: float | None = None) -> float:
        """Team manager FTE in post on ``day`` (default now): funded posts less vacancies."""
        day = self.env.now if day is None else day
        funded = self._tm_fte[bisect.bisect_right(self._tm_days, day) - 1] * self._growth(day)
        return funded * (1.0 - self.levers.team_manager_vacancy_rate)

    def team_managers_needed(self) -> int:
        """Team managers needed for the case-holders in post at the configured span."""
        case_holders = len(self.workers) - len(self.pools[NON_CASE_HOLDING].workers)
        return math.ceil(case_holders / self.cfg.establishment.team_manager_span)

    def permanent_staying(self) -> float:
        """Permanent FTE (qualified + ASYE) in post and not working their notice."""
        return self.staying_fte["permanent"] + self.staying_fte["asye"]

    def permanent_committed(self) -> float:
        """Permanent FTE staying, plus appointed but not yet started."""
        return self.permanent_staying() + self.perm_pipeline_fte

    def team_for_new_worker(self) -> str:
        """Where a new worker goes: to the posts without cases while their share vacant is
        above the case-holding posts' (so the two keep their shares of the establishment);
        otherwise to the case-holding team with the most open children per staying FTE (a
        team with children and nobody staying first; ties to the team furthest below its
        share). Work finds workers wherever staff and work are out of line (a council
        starting with nobody, a team emptied by leavers); where they are in line, as the
        establishment's shares make them at the start, the teams' loads stay level."""
        est = self.establishment()
        staying = self.team_staying_fte
        gap = {t: est * self._shares[t] - staying[t] for t in self._posts}
        if NON_CASE_HOLDING in gap:
            case_gap = sum(gap[t] for t in self._case_posts)
            if not self._case_posts or (
                gap[NON_CASE_HOLDING] * self._case_share > case_gap * self._shares[NON_CASE_HOLDING]
            ):
                return NON_CASE_HOLDING
        return max(self._case_posts, key=lambda t: (self._open_per_fte(t), gap[t]))

    def _open_per_fte(self, team: str) -> float:
        """Open children of ``team``'s stages per FTE staying in it (infinite with children
        and nobody staying)."""
        children = sum(self.open_by_stage[s] for s in self._stages_of[team])
        fte = self.team_staying_fte[team]
        if fte > 0:
            return children / fte
        return math.inf if children > 0 else 0.0

    def _tally(self, w: Worker, sign: int) -> None:
        """Keep the running FTE tallies of staying workers (so that recruitment decisions
        cost O(1), not a scan of the workforce)."""
        self.staying_fte[w.kind] += sign * w.fte
        self.team_staying_fte[w.team] += sign * w.fte
        if w.kind == "agency":
            if sign > 0:
                self.agency_staying[w] = None
                self.agency_staying_by_team[w.team][w] = None
            else:
                self.agency_staying.pop(w, None)
                self.agency_staying_by_team[w.team].pop(w, None)

    # -- joining --------------------------------------------------------------------------
    def seed_initial(self) -> None:
        """Put the workforce in post at the start date, spread over teams by share."""
        init = self.cfg.initial_workforce
        shares = self._shares
        counts = dict.fromkeys(POSTS, 0)
        total = init.permanent_fte + init.asye_fte + init.agency_fte
        for kind in KINDS:
            n = getattr(init, f"{kind}_fte")
            if init.tenure == "zero":
                tenure_days = np.zeros(n)
            elif kind == "asye":
                tenure_days = self._initial_rng.random(n) * self.levers.asye_days
            else:
                years = self.hazard[kind].stationary_tenure(self._initial_rng, n)
                tenure_days = years * DAYS_PER_YEAR
            for t in tenure_days.tolist():
                team = max(self._posts, key=lambda x: (shares[x] * total - counts[x], shares[x]))
                counts[team] += 1
                w = self.join(kind, team, start_day=-t, initial=True)
                if init.tenure == "equilibrium":
                    self._maybe_already_on_notice(w)

    def _maybe_already_on_notice(self, w: Worker) -> None:
        """In a steady state some workers have already resigned and are working their
        notice: the chance is that of resigning within one notice period."""
        lv = self.cfg.leaving
        notice = lv.notice_days_agency if w.kind == "agency" else lv.notice_days_permanent
        p = -math.expm1(-self.hazard_of(w) * notice / DAYS_PER_YEAR)
        if self._initial_rng.random() < p:
            self.resign(w, notice_days=self._initial_rng.random() * notice)

    def join(
        self,
        kind: str,
        team: str | None = None,
        start_day: float | None = None,
        fte: float = 1.0,
        initial: bool = False,
    ) -> Worker:
        """A worker of ``kind`` starts in ``team`` (default: the team most short)."""
        team = team or self.team_for_new_worker()
        cap, target = self._cap_and_target(team, kind)
        self._ids += 1
        start = self.env.now if start_day is None else start_day
        w = Worker(self._ids, kind, team, fte, start, cap * fte, target * fte)
        if kind == "permanent":
            w.senior = self._grade_u() < self.cfg.costs.senior_share
        if self._capacity_varies and team != NON_CASE_HOLDING:
            w.capacity_units = self.capacity.draw(kind == "asye")
            if kind != "agency":  # a locum is hired to take a caseload at once
                self._build_up(w, self._month_in_post(w))
            self._set_caps(w)
        self.workers[w] = None
        if self.recorder is not None:
            self.recorder.worker_start(w, start)
        self._tally(w, +1)
        self.fte[kind].add(fte, self.env.now)
        if not initial:
            if kind == "agency":
                self.counters.agency_joiners += 1
            else:
                self.counters.joiners += 1
        if kind == "asye":
            delay = max(0.0, start + self.levers.asye_days - self.env.now)
            self.env.timeout(delay, w).callbacks.append(self._asye_ends)
        self.pools[team].add_worker(w)
        if not initial and kind != "agency":
            for hook in self.starter_hooks:
                hook(w)
        return w

    def _cap_and_target(self, team: str, kind: str) -> tuple[float, float]:
        """Caseload cap and target (children per FTE) of a ``kind`` worker in ``team``. A
        post without cases has both 1: no child is ever sent to it, and a worker's load
        (children / cap) must stay defined."""
        if team == NON_CASE_HOLDING:
            return 1.0, 1.0
        if kind == "asye":
            return self.levers.asye_cap, self.levers.asye_target
        spec = getattr(self.cfg.teams, team)
        return spec.caseload_cap, spec.caseload_target

    def _set_caps(self, w: Worker) -> None:
        """``w``'s cap and target: their team's (or the ASYE's) per FTE, times their FTE and
        their current capacity (``sim.model.capacity``)."""
        cap, target = self._cap_and_target(w.team, w.kind)
        scale = w.fte
        if self._capacity_varies and w.team != NON_CASE_HOLDING:
            scale *= self.capacity.level(w.capacity_units, w.built_up, w.kind == "asye")
        w.cap, w.target = cap * scale, target * scale

    def _month_in_post(self, w: Worker) -> int:
        """Whole months ``w`` has been in post (a hair of slack so that a step booked for a
        month's start is counted in that month)."""
        return max(0, math.floor((self.env.now - w.start_day) / DAYS_PER_MONTH + 1e-9))

    def _build_up(self, w: Worker, month: int) -> None:
        """Set how far starter ``w``, in their ``month``-th month in post (from 0), has built
        up to their capacity, and book the next step while they are still building up."""
        w.built_up = self.capacity.built_up(month)
        if w.built_up < 1.0:
            delay = max(0.0, w.start_day + (month + 1) * DAYS_PER_MONTH - self.env.now)
            self.env.timeout(delay, (w, month + 1)).callbacks.append(self._build_up_step)

    def _build_up_step(self, event: simpy.Event) -> None:
        """A starter's next month: a larger share of their capacity, so more children."""
        w, month = cast(tuple[Worker, int], event.value)
        if not w.in_post:
            return
        self._build_up(w, month)
        self._set_caps(w)
        pool = self.pools[w.team]
        pool.touch(w)
        pool.drain()

    def _asye_ends(self, event: simpy.Event) -> None:
        """The ASYE year of ``event.value`` (a worker) is over: qualified, or leaves."""
        w = cast(Worker, event.value)
        if not w.in_post or w.on_notice:
            return
        if self._leave_u() < self.cfg.leaving.asye_end_probability:
            self.resign(w)
            return
        self._change_kind(w, "permanent")
        self._set_caps(w)
        self.counters.asye_qualified += 1
        if self.recorder is not None:
            self.recorder.worker_qualified(w, self.env.now)
        self.pools[w.team].touch(w)
        self.pools[w.team].drain()

    def _change_kind(self, w: Worker, kind: str) -> None:
        now = self.env.now
        self.fte[w.kind].add(-w.fte, now)
        self.fte[kind].add(w.fte, now)
        if not w.on_notice:
            self._tally(w, -1)
        w.kind = kind
        if not w.on_notice:
            self._tally(w, +1)

    def convert_to_permanent(self, w: Worker) -> None:
        """An agency worker takes a permanent post, keeping their children."""
        if self.recorder is not None:
            self.recorder.worker_end(w, self.env.now, "converted")
        self._change_kind(w, "permanent")
        w.start_day = self.env.now
        if self.recorder is not None:
            self.recorder.worker_start(w, self.env.now)
        self.counters.joiners += 1
        self.counters.agency_conversions += 1

    # -- leaving --------------------------------------------------------------------------
    def resign(self, w: Worker, notice_days: float | None = None) -> None:
        """``w`` hands in notice now: takes no new children, leaves after the notice."""
        if notice_days is None:
            lv = self.cfg.leaving
            notice_days = lv.notice_days_agency if w.kind == "agency" else lv.notice_days_permanent
        if not w.on_notice:
            self._tally(w, -1)
        w.on_notice = True
        self.pools[w.team].touch(w)
        self.env.timeout(notice_days).callbacks.append(lambda _e: self._leave(w))

    def _leave(self, w: Worker) -> None:
        if not w.in_post:
            return
        w.in_post = False
        self.workers.pop(w, None)
        self.fte[w.kind].add(-w.fte, self.env.now)
        reason = "assignment_ended" if w.kind == "agency" else "left"
        if w.kind == "agency":
            self.counters.agency_leavers += 1
        else:
            self.counters.leavers += 1
            self.counters.leavers_fte += w.fte
            if self.env.now - w.start_day < SERVICE_BAND_DAYS:
                self.counters.leavers_under_5y += 1
            destinations = self.cfg.leaving.destinations
            if destinations is not None:
                reason = self._record_destination(destinations)
        if self.recorder is not None:
            self.recorder.worker_end(w, self.env.now, reason)
        for hook in self.levers.leave_hooks:
            hook(w, self.env.now)
        self._hand_over(self.pools[w.team].remove_worker(w), w.team)

    def _record_destination(self, dest: Destinations) -> str:
        """Where a permanent or ASYE leaver goes (returned: ``other_council``, ``agency`` or
        ``out``); a leaver to agency work stays available to this council's agency orders
        for ``agency_available_days``."""
        u = self._destination_u()
        if u < dest.other_council:
            self.counters.leavers_to_council += 1
            return "other_council"
        if u < dest.other_council + dest.agency:
            self.counters.leavers_to_agency += 1
            if dest.agency_available_days > 0:
                self.agency_returning.append(self.env.now + dest.agency_available_days)
            return "agency"
        self.counters.leavers_out += 1
        return "out"

    def take_returner(self) -> bool:
        """True if one of the council's own leavers to agency work, still available, takes
        an agency order now (they are gone from the queue)."""
        q, now = self.agency_returning, self.env.now
        while q and q[0] < now:
            q.popleft()
        if q:
            q.popleft()
            return True
        return False

    def _hand_over(self, children: list, team: str) -> None:
        self.counters.sw_changes_workforce += len(children)
        pool = self.pools[team]
        for c in children:
            pool.allocate(c)

    def hazard_of(self, w: Worker) -> float:
        """Leaving hazard (per year) of ``w`` now, with the feedback loops and policies."""
        now = self.env.now
        h = self.hazard[w.kind].at((now - w.start_day) / DAYS_PER_YEAR)
        if self.cfg.leaving.caseload_strength > 0:
            h *= self._caseload_multiplier(w) / self._caseload_anchor[w.kind]
        h *= self._supervision_factor
        for modifier in self.levers.hazard_modifiers:
            h *= modifier(w, now)
        return h

    def _caseload_multiplier(self, w: Worker) -> float:
        """1 + caseload_strength x how far ``w``'s caseload is over their target (a share)."""
        if w.target <= 0:
            return 1.0
        excess = max(0.0, len(w.children) / w.target - 1.0)
        return 1.0 + self.cfg.leaving.caseload_strength * excess

    def anchor_loops(self) -> None:
        """Make the leaving loops relative to the start position (call once it is seeded,
        before any policy acts). The config's leaving rates are those observed at the start,
        whatever the loops' strengths, so each loop's multiplier is divided by its value at
        the start: for caseloads, its hazard-weighted mean over each kind of worker in post
        (so the expected leavers at the start are the loops-off ones); for supervision, the
        start's. A loop then moves leaving only as caseloads or supervision move from the
        start's, and a sampled strength changes the response, never the calibration."""
        if self.cfg.leaving.caseload_strength > 0:
            weighted = dict.fromkeys(KINDS, 0.0)
            total = dict.fromkeys(KINDS, 0.0)
            for w in self.workers:
                base = self.hazard[w.kind].at(-w.start_day / DAYS_PER_YEAR)
                weighted[w.kind] += base * self._caseload_multiplier(w)
                total[w.kind] += base
            self._caseload_anchor = {
                k: weighted[k] / total[k] if total[k] > 0 else 1.0 for k in KINDS
            }
        self._supervision_anchor = 1.0 + self.cfg.leaving.supervision_strength * (
            self._team_manager_gap()
        )

    def monthly_draws(self, period_days: float) -> None:
        """Draw who resigns, who starts an absence and which agency workers convert in the
        coming period of ``period_days``."""
        dt_years = period_days / DAYS_PER_YEAR
        absence_rate = self.cfg.absence.episodes_per_year
        gap = self._team_manager_gap()
        strength = self.cfg.leaving.supervision_strength
        self._supervision_factor = (1.0 + strength * gap) / self._supervision_anchor
        for w in list(self.workers):
            if w.on_notice:
                continue
            h = self.hazard_of(w)
            if h > 0:
                p = -math.expm1(-h * dt_years)
                u = self._leave_u()
                if u < p:
                    # Given u < p, -log(1-u)/h is exactly the time of the first event of a
                    # rate-h Poisson process conditioned to fall in the period.
                    offset = -math.log1p(-u) / h * DAYS_PER_YEAR
                    self.env.process(self._resign_later(w, offset))
                    continue
            if absence_rate > 0 and not w.absent:
                p_abs = -math.expm1(-absence_rate * dt_years)
                if self._absence_u() < p_abs:
                    offset = self._absence_u() * period_days
                    self.env.process(self._absence(w, offset, self._absence_duration()))

    def _team_manager_gap(self) -> float:
        """Share of the team managers needed who are not in post (0 when supervision
        does not affect leaving)."""
        if self.cfg.leaving.supervision_strength <= 0 or not self.workers:
            return 0.0
        needed = self.team_managers_needed()
        return max(0.0, needed - self.team_managers()) / needed

    def _resign_later(self, w: Worker, offset: float) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(offset)
        if w.in_post and not w.on_notice:
            self.resign(w)

    def _absence(
        self, w: Worker, offset: float, duration: float
    ) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(offset)
        if not w.in_post or w.on_notice or w.absent:
            return
        w.absent = True
        pool = self.pools[w.team]
        pool.touch(w)
        handover_after = self.cfg.absence.reallocate_after_days
        if duration > handover_after:
            yield self.env.timeout(handover_after)
            if w.in_post:
                w.cases_handed_over = True
                self._hand_over(pool.strip(w), w.team)
            duration -= handover_after
        yield self.env.timeout(duration)
        w.absent = False
        w.cases_handed_over = False
        if w.in_post:
            pool.touch(w)
            pool.drain()
