"""The case pathway: each child is a SimPy process moving assessment -> CiN / CP / LAC ->
closure, held by a worker of the team that owns the stage."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import cast

import numpy as np
import simpy

from sim.config.council import STAGES, TEAM_OF_STAGE, CouncilConfig
from sim.config.distributions import Duration, equilibrium_remaining, pending_within
from sim.model.agenda import Agenda
from sim.model.allocation import TeamPool
from sim.model.counters import Counters, TimeWeighted
from sim.model.entities import Child
from sim.model.levers import Levers
from sim.model.rng import Streams, sampler
from sim.model.timeline import DAYS_PER_YEAR, Calendar

CLOSE = "close"


def _chooser(
    options: dict[str, float], uniforms: tuple[list[float], Callable[[], None]]
) -> Callable[[], str]:
    """A callable picking one key of ``options`` with the given probabilities, using
    ``uniforms`` (a buffer of U(0,1) draws and its refill, from ``Streams.uniform_block``)."""
    keys = [k for k, p in options.items() if p > 0]
    cum = np.cumsum([options[k] for k in keys]).tolist()
    cum[-1] = 1.0 + 1e-12  # guard against rounding
    buf, refill = uniforms

    def choose() -> str:
        if not buf:
            refill()
        return keys[bisect_right(cum, buf.pop())]  # the first key whose cum exceeds u

    return choose


class CaseSystem:
    """Referred children, their stages, and the bookkeeping the monitor reads."""

    def __init__(
        self,
        env: simpy.Environment,
        cfg: CouncilConfig,
        streams: Streams,
        pools: dict[str, TeamPool],
        counters: Counters,
        levers: Levers,
        calendar: Calendar,
    ) -> None:
        self.levers = levers
        self.calendar = calendar
        self.agenda = Agenda(env, calendar.period_end_days)
        self._guidance_u = streams.uniform("guidance")
        for pool in pools.values():
            pool.on_wake = self.on_allocated
        self.env = env
        self.cfg = cfg
        self.pools = pools
        self.counters = counters
        self.open_by_stage = dict.fromkeys(STAGES, 0)
        self.children_in = 0
        self.children_closed = 0
        self.open_elsewhere = 0  # open children held by others than case-holding social workers
        self.closed_time_in_system_days = 0.0
        self.open_tw = TimeWeighted()  # open children over time, for time averages
        self._pool_of = {stage: pools[TEAM_OF_STAGE[stage]] for stage in STAGES}
        self._on_stage_end = self._stage_end  # one bound method, not one per event
        p = cfg.pathway
        self._dists: dict[str, Duration] = {
            "assessment": p.assessment.duration,
            "cin": p.cin.duration,
            "cp": p.cp.duration,
            "lac": p.lac.duration,
        }
        self._assess_duration = sampler(p.assessment.duration, streams["assessment"])
        dur_rng = streams["durations"]
        self._duration: dict[str, Callable[[], float]] = {
            s: sampler(self._dists[s], dur_rng) for s in ("cin", "cp", "lac")
        }
        self._duration["assessment"] = self._assess_duration
        u = streams.uniform_block("transitions")  # shared by every stage's chooser
        self._next: dict[str, Callable[[], str]] = {
            "assessment": _chooser(
                {("close" if k == "nfa" else k): v for k, v in p.assessment.outcomes.items()}, u
            )
        }
        for s in ("cin", "cp", "lac"):
            self._next[s] = _chooser(dict(getattr(p, s).next), u)
        rr = cfg.demand.rereferral
        self._rereferral_u = streams.uniform("rereferral")
        self._rereferral_delay = sampler(rr.delay, streams["rereferral"])
        self._rereferral_p = rr.probability
        self._drift = p.drift_strength
        self._drift_anchor = 1.0  # see anchor_drift
        self._held_share = cfg.allocation.held_share
        self._held_u = streams.uniform("holding")
        self._initial_rng = streams["initial"]

    # -- arrivals -------------------------------------------------------------------------
    def on_referral(self, _event: simpy.Event | None = None) -> None:
        """A new referral (the callback of its timeout): the child starts with an
        assessment."""
        self.counters.referrals += 1
        self._start(self._new_child("assessment"), "assessment", None)

    def seed_initial(self) -> None:
        """Open the children already in the system at the start date."""
        init = self.cfg.initial_cases
        for stage in STAGES:
            n = getattr(init, stage)
            if init.time_in_stage == "equilibrium":
                remaining = equilibrium_remaining(self._dists[stage], self._initial_rng, n)
            else:
                remaining = self._dists[stage].draw(self._initial_rng, n)
            for r in remaining.tolist():
                self._start(self._new_child(stage), stage, r)
        self._seed_pending_rereferrals()

    def _seed_pending_rereferrals(self) -> None:
        """Closed cases that will come back within the horizon, as a steady state would
        have them in flight at the start."""
        rr = self.cfg.demand.rereferral
        if rr.probability <= 0 or self.cfg.initial_cases.time_in_stage != "equilibrium":
            return
        closures_per_year = self.cfg.demand.referrals_per_year / (1 - rr.probability)
        flow = closures_per_year * rr.probability / DAYS_PER_YEAR
        horizon = self.calendar.horizon_days
        for delay in pending_within(rr.delay, self._initial_rng, flow, horizon).tolist():
            self.agenda.book(delay, None, self._rerefer)

    def _new_child(self, stage: str) -> Child:
        self.children_in += 1
        now = self.env.now
        self.open_tw.add(1, now)
        child = Child(self.children_in, stage, now)
        if self._held_share < 1.0 and self._held_u() >= self._held_share:
            child.held_elsewhere = True
            self.open_elsewhere += 1
        return child

    def _start(self, child: Child, stage: str, remaining: float | None) -> None:
        self._enter(child, stage)
        self._begin(child, stage, remaining)

    # -- the pathway ----------------------------------------------------------------------
    # Each child is a chain of SimPy timeouts, one per stage, whose callback moves the child
    # on: cheaper in time and memory than a generator process per child (England has
    # 400,000 open at once), with the same event semantics. These methods run at every
    # event, so they look up as little as they can.
    def _begin(self, child: Child, stage: str, remaining: float | None = None) -> None:
        """Start the clock of ``child``'s current stage (``remaining`` days if the stage
        was already under way at the start date)."""
        if remaining is None:
            if child.worker is None and stage == "assessment" and not child.held_elsewhere:
                child.awaiting_worker = True  # an assessment needs a worker: clock starts then
                return
            duration = self._duration[stage]()
            if self._drift > 0 and not child.held_elsewhere:
                duration *= self._drift_factor(child) / self._drift_anchor
        else:
            # Under way at the start: the remaining time comes from the durations observed
            # at the start's caseloads already (see anchor_drift).
            duration = remaining
        caps = self.levers.duration_caps_days
        if caps:
            cap = caps.get(stage)
            if (
                cap is not None
                and duration > cap
                and self._guidance_u() < self.levers.guidance_compliance
            ):
                duration = cap
        self.agenda.book(duration, child, self._on_stage_end)

    def on_allocated(self, child: Child) -> None:
        """Called by a team pool when ``child`` gets a worker."""
        if child.awaiting_worker:
            child.awaiting_worker = False
            self._begin(child, child.stage)

    def _stage_end(self, event: simpy.Event) -> None:
        child = cast(Child, event.value)
        stage = child.stage
        nxt = self._next[stage]()
        if nxt == CLOSE:
            self._close(child)
            return
        self._move(child, stage, nxt)
        self._begin(child, nxt)

    def _enter(self, child: Child, stage: str) -> None:
        child.stage = stage
        self.open_by_stage[stage] += 1
        if not child.held_elsewhere:
            self._pool_of[stage].allocate(child)

    def _move(self, child: Child, old: str, new: str) -> None:
        open_by_stage = self.open_by_stage
        open_by_stage[old] -= 1
        pool = self._pool_of[old]
        if pool is self._pool_of[new]:
            child.stage = new  # same team (CiN <-> CP): the child keeps their worker
            open_by_stage[new] += 1
            return
        pool.release(child)
        self._enter(child, new)

    def _close(self, child: Child) -> None:
        stage = child.stage
        self.open_by_stage[stage] -= 1
        self._pool_of[stage].release(child)
        if child.held_elsewhere:
            self.open_elsewhere -= 1
        self.children_closed += 1
        now = self.env.now
        self.open_tw.add(-1, now)
        self.counters.closures += 1
        self.closed_time_in_system_days += now - child.arrived_day
        if self._rereferral_p > 0 and self._rereferral_u() < self._rereferral_p:
            self.agenda.book(self._rereferral_delay(), None, self._rerefer)

    def _rerefer(self, event: simpy.Event) -> None:
        self.counters.rereferrals += 1
        self.on_referral(event)

    def _drift_factor(self, child: Child) -> float:
        """Stage-length multiplier when the child's worker (or team) is over target."""
        w = child.worker
        if w is not None:
            ratio = len(w.children) / w.target
        else:
            ratio = self.pools[TEAM_OF_STAGE[child.stage]].load_ratio()
        return self._drift_at(ratio)

    def _drift_at(self, ratio: float) -> float:
        """1 + drift_strength x how far a load ``ratio`` (children / target) is over 1."""
        return 1.0 + self._drift * max(0.0, min(ratio, 10.0) - 1.0)

    def anchor_drift(self) -> None:
        """Make drift relative to the start position (call once it is seeded, before any
        policy acts). The config's stage durations are those observed at the start, so the
        drift factor is divided by its mean over the children held at the start: a stage
        lengthens or shortens only as its worker's load moves from the start's, and a sampled
        strength changes the response, never the calibration."""
        if self._drift <= 0:
            return
        total = weighted = 0.0
        for pool in self.pools.values():
            for w in pool.workers:
                n = len(w.children)
                if n and w.target > 0:
                    total += n
                    weighted += n * self._drift_at(n / w.target)
        self._drift_anchor = weighted / total if total else 1.0

    @property
    def open_cases(self) -> int:
        return sum(self.open_by_stage.values())
