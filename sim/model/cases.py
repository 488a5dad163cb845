"""The case pathway: each child is a SimPy process moving assessment -> CiN / CP / LAC ->
closure, held by a worker of the team that owns the stage."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable
from typing import cast

import numpy as np
import simpy

from sim.config.council import STAGES, TEAM_OF_STAGE, UASC_ROUTE, CouncilConfig
from sim.config.distributions import Duration, Exponential, equilibrium_split, pending_within
from sim.model.agenda import Agenda
from sim.model.allocation import TeamPool
from sim.model.care import AGED_OUT, LEAVING_AGE_DAYS, Care, draw_ages_days
from sim.model.counters import Counters, TimeWeighted
from sim.model.entities import NEVER, UNKNOWN_BIRTH, Child
from sim.model.levers import Levers
from sim.model.record import Recorder
from sim.model.rng import Streams, block_sampler, sampler
from sim.model.steady_state import NoSteadyState, stage_entry_rates
from sim.model.timeline import DAYS_PER_YEAR, Calendar

CLOSE = "close"
CLOSING_EXITS = frozenset({"adoption", "special_guardianship", AGED_OUT})
"""Looked-after exits after which the case closes; after returning home (or another
ending) the child goes where ``pathway.lac.next`` says."""
LAST_DAY_IN_CARE = LEAVING_AGE_DAYS - 1.0
"""A child this old (days) or older does not start being looked after."""
_AGE_REDRAWS = 20
"""Tries at an age at referral young enough for a child still open at the start."""


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
        }
        self._assess_duration = sampler(p.assessment.duration, streams["assessment"])
        dur_rng = streams["durations"]
        self._duration: dict[str, Callable[[], float]] = {
            s: sampler(self._dists[s], dur_rng) for s in ("cin", "cp")
        }
        self._duration["assessment"] = self._assess_duration
        self.care = Care(cfg, streams)
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
        self._next_id = 0
        self._nfa_p = cfg.demand.nfa_at_referral
        self._nfa_u = streams.uniform("nfa_at_referral")
        ages = cfg.children
        self._age_of_referred: Callable[[], float] | None = None
        self._age_of_uasc: Callable[[], float] | None = None
        if ages is not None:
            age_rng = streams["ages"]
            self._age_of_referred = block_sampler(
                lambda n: draw_ages_days(ages.age_at_referral, age_rng, n)
            )
            self._age_of_uasc = block_sampler(lambda n: draw_ages_days(ages.uasc_age, age_rng, n))
        self._uasc_gap = (
            sampler(_exponential_days(cfg.demand.uasc_per_year), streams["uasc"])
            if cfg.demand.uasc_per_year > 0
            else None
        )
        self.recorder: Recorder | None = None
        """Set to record everything the statutory returns need (``sim.model.record``)."""

    # -- arrivals -------------------------------------------------------------------------
    def on_referral(self, _event: simpy.Event | None = None) -> None:
        """A new referral (the callback of its timeout) of a child not referred before."""
        self._refer(self._new_child("assessment", self._age_of_referred))

    def _refer(self, child: Child) -> None:
        """A referral of ``child``: closed at the front door with no further action, or
        the child starts with an assessment."""
        now = self.env.now
        counters = self.counters
        counters.referrals += 1
        if now - child.previous_referral_day <= DAYS_PER_YEAR:
            counters.rereferrals_12m += 1  # DfE: within 12 months of the previous referral
        nfa = self._nfa_p > 0 and self._nfa_u() < self._nfa_p
        if self.recorder is not None:
            self.recorder.referral(child, now, nfa)
        if nfa:
            counters.referrals_nfa += 1
            self._maybe_return(child)
            return
        self._open(child)
        self._start(child, "assessment", None)

    def start_arrivals_into_care(self) -> None:
        """Start the arrivals of unaccompanied asylum-seeking children (a Poisson process
        at ``demand.uasc_per_year``), looked after at once without an assessment."""
        if self._uasc_gap is not None:
            self.agenda.book(self._uasc_gap(), None, self._uasc_arrives)

    def _uasc_arrives(self, _event: simpy.Event) -> None:
        assert self._uasc_gap is not None
        self.agenda.book(self._uasc_gap(), None, self._uasc_arrives)
        child = self._new_child("lac", self._age_of_uasc)
        if self.env.now - child.born_day >= LAST_DAY_IN_CARE:
            return  # an adult on arrival: not looked after as a child
        child.uasc = True
        self.counters.referrals += 1
        if self.recorder is not None:
            self.recorder.referral(child, self.env.now, False, uasc=True)
        self._open(child)
        self._start(child, "lac", None)

    def seed_initial(self) -> None:
        """Open the children already in the system at the start date."""
        init = self.cfg.initial_cases
        rng = self._initial_rng
        for stage in ("assessment", "cin", "cp"):
            n = getattr(init, stage)
            if init.time_in_stage == "equilibrium":
                remaining, elapsed = equilibrium_split(self._dists[stage], rng, n)
            else:
                remaining, elapsed = self._dists[stage].draw(rng, n), np.zeros(n)
            for r, e in zip(remaining.tolist(), elapsed.tolist(), strict=True):
                child = self._new_child(stage, self._age_of_referred)
                self._age_since_referral(child, e)
                child.seeded = True
                self._open(child)
                self._enter(child, stage)
                self._begin(child, stage, r, -e)
        self._seed_looked_after(init.lac, init.time_in_stage == "equilibrium")
        self._seed_pending_rereferrals()

    def _age_since_referral(self, child: Child, elapsed: float) -> None:
        """Age a child open at the start by the ``elapsed`` days it has been in its stage
        (it was referred at least that long ago), drawing its age at referral again while
        that would make it an adult now: a case open at the start is a child's."""
        draw = self._age_of_referred
        if draw is None:
            return
        at_referral = self.env.now - child.born_day
        for _ in range(_AGE_REDRAWS):
            if at_referral + elapsed < LEAVING_AGE_DAYS:
                break
            at_referral = draw()
        child.born_day = self.env.now - min(at_referral + elapsed, LAST_DAY_IN_CARE)

    def _seed_looked_after(self, n: int, equilibrium: bool) -> None:
        """The children looked after at the start: in equilibrium, as a steady flow of
        entries over the last 18 years leaves them (ages, routes, time in care)."""
        cfg, rng = self.cfg, self._initial_rng
        ages = cfg.children
        if equilibrium:
            rr = cfg.demand.rereferral.probability
            uasc = cfg.demand.uasc_per_year
            try:
                referred = stage_entry_rates(
                    cfg.pathway, cfg.demand.referrals_per_year, rr, cfg.demand.nfa_at_referral
                )["lac"]
            except NoSteadyState:  # open cases grow without end: no steady mix to seed
                referred = math.inf
            stock = self.care.stock(
                n,
                None if ages is None else ages.age_at_referral,
                None if ages is None else ages.uasc_age,
                uasc / (uasc + referred) if 0 < uasc + referred < math.inf else 0.0,
                rng,
            )
        else:
            stock = []
            for _ in range(n):
                age = (
                    None if ages is None else float(draw_ages_days(ages.age_at_referral, rng, 1)[0])
                )
                stay = self.care.stay_on(self.care.route_for(age), age)
                stock.append((np.nan if age is None else age, stay, stay.days))
        now = self.env.now
        for age_now, stay, remaining in stock:
            child = Child(self._new_id(), "lac", now, now - age_now)
            child.uasc = stay.route == UASC_ROUTE
            child.care_exit = stay.exit
            child.seeded = True
            self._open(child)
            self._enter(child, "lac")
            self._begin(child, "lac", remaining, now - (stay.days - remaining), stay.legal_status)

    def _seed_pending_rereferrals(self) -> None:
        """Closed cases that will come back within the horizon, as a steady state would
        have them in flight at the start. With ages, each is a child who has aged since
        their referral (the mean time open, by Little's law, and the time since closing),
        so one who turns 18 before the return is not referred again, as later returns."""
        rr = self.cfg.demand.rereferral
        init = self.cfg.initial_cases
        if rr.probability <= 0 or init.time_in_stage != "equilibrium":
            return
        referrals_per_year = self.cfg.demand.referrals_per_year / (1 - rr.probability)
        flow = referrals_per_year * rr.probability / DAYS_PER_YEAR
        horizon = self.calendar.horizon_days
        rng = self._initial_rng
        draw = self._age_of_referred
        if draw is None:
            for delay in pending_within(rr.delay, rng, flow, horizon).tolist():
                self.agenda.book(delay, None, self._rerefer)
            return
        opened_per_day = referrals_per_year * (1 - self.cfg.demand.nfa_at_referral) / DAYS_PER_YEAR
        open_now = init.assessment + init.cin + init.cp
        open_days = open_now / opened_per_day if opened_per_day > 0 else 0.0
        n = int(rng.poisson(flow * rr.delay.mean()))
        remaining, since_closing = equilibrium_split(rr.delay, rng, n)
        now = self.env.now
        for r, e in zip(remaining.tolist(), since_closing.tolist(), strict=True):
            if r > horizon:
                continue
            child = Child(self._new_id(), CLOSE, now, now - (draw() + open_days + e))
            child.seeded = True  # referred before the returns: never within 12 months
            self.agenda.book(r, child, self._rerefer)

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _new_child(self, stage: str, age: Callable[[], float] | None) -> Child:
        """A child referred now for the first time, of an age drawn by ``age`` (days)."""
        now = self.env.now
        born = UNKNOWN_BIRTH if age is None else now - age()
        return Child(self._new_id(), stage, now, born)

    def _open(self, child: Child) -> None:
        """``child``'s case opens now (a referral going on to an assessment, a child
        arriving into care, or one open at the start)."""
        self.children_in += 1
        self.open_tw.add(1, self.env.now)
        if self._held_share < 1.0 and self._held_u() >= self._held_share:
            child.held_elsewhere = True
            self.open_elsewhere += 1

    def _start(self, child: Child, stage: str, remaining: float | None) -> None:
        self._enter(child, stage)
        self._begin(child, stage, remaining)

    # -- the pathway ----------------------------------------------------------------------
    # Each child is a chain of SimPy timeouts, one per stage, whose callback moves the child
    # on: cheaper in time and memory than a generator process per child (England has
    # 400,000 open at once), with the same event semantics. These methods run at every
    # event, so they look up as little as they can.
    def _begin(
        self,
        child: Child,
        stage: str,
        remaining: float | None = None,
        started: float = 0.0,
        legal_status: str = "",
    ) -> None:
        """Start the clock of ``child``'s current stage (``remaining`` days if the stage
        was already under way at the start date, having begun on day ``started``)."""
        if remaining is None:
            if child.worker is None and stage == "assessment" and not child.held_elsewhere:
                child.awaiting_worker = True  # an assessment needs a worker: clock starts then
                return
            started = self.env.now
            factor = 1.0
            if self._drift > 0 and not child.held_elsewhere:
                factor = self._drift_factor(child) / self._drift_anchor
            if stage == "lac":
                duration, legal_status = self._stay(child, factor)
            else:
                duration = self._duration[stage]() * factor
                caps = self.levers.duration_caps_days
                if caps:
                    cap = caps.get(stage)
                    if cap is not None and duration > cap and self._complies():
                        duration = cap
        else:
            # Under way at the start: the remaining time comes from the durations observed
            # at the start's caseloads already (see anchor_drift).
            duration = remaining
        if self.recorder is not None:
            self.recorder.stage_start(child, stage, started, legal_status)
        self.agenda.book(duration, child, self._on_stage_end)

    def _stay(self, child: Child, factor: float) -> tuple[float, str]:
        """A new looked-after stay for ``child``: its length (days) and legal status. The
        practice-guidance cap on ``lac`` days brings forward stays ending in permanence."""
        now = self.env.now
        age = None if child.born_day != child.born_day else now - child.born_day  # NaN: no ages
        care = self.care
        route = care.routes[UASC_ROUTE] if child.uasc else care.route_for(age)
        caps = self.levers.duration_caps_days
        stay = care.stay_on(route, age, factor, caps.get("lac") if caps else None, self._complies)
        child.care_exit = stay.exit
        counters = self.counters
        counters.lac_started += 1
        if age is not None and age >= 16 * DAYS_PER_YEAR:
            counters.lac_started_16_plus += 1
        return stay.days, stay.legal_status

    def _complies(self) -> bool:
        """Whether this stay follows the practice guidance (``Levers.guidance_compliance``)."""
        return self._guidance_u() < self.levers.guidance_compliance

    def on_allocated(self, child: Child) -> None:
        """Called by a team pool when ``child`` gets a worker."""
        if child.awaiting_worker:
            child.awaiting_worker = False
            self._begin(child, child.stage)

    def _stage_end(self, event: simpy.Event) -> None:
        child = cast(Child, event.value)
        stage = child.stage
        if stage == "lac":
            how = child.care_exit
            self._count_exit(how)
            nxt = CLOSE if how in CLOSING_EXITS else self._next[stage]()
        else:
            nxt = self._next[stage]()
            how = nxt
            if nxt == "lac" and self.env.now - child.born_day >= LAST_DAY_IN_CARE:
                nxt = how = CLOSE  # an adult: not taken into care
        if self.recorder is not None:
            self.recorder.stage_end(child, self.env.now, how)
        if nxt == CLOSE:
            self._close(child)
            return
        self._move(child, stage, nxt)
        self._begin(child, nxt)

    def _count_exit(self, how: str) -> None:
        counters = self.counters
        counters.lac_ceased += 1
        if how == AGED_OUT:
            counters.lac_ceased_18_plus += 1
        elif how == "return_home":
            counters.lac_ceased_home += 1
        elif how == "adoption":
            counters.lac_ceased_adopted += 1
        elif how == "special_guardianship":
            counters.lac_ceased_sgo += 1

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
        self._maybe_return(child)

    def _maybe_return(self, child: Child) -> None:
        """A closed child is referred again later with ``rereferral.probability``."""
        if self._rereferral_p > 0 and self._rereferral_u() < self._rereferral_p:
            # an adopted child has a new identity (DfE): a return is referred as a new child
            again = None if child.care_exit == "adoption" else child
            self.agenda.book(self._rereferral_delay(), again, self._rerefer)

    def _rerefer(self, event: simpy.Event) -> None:
        """A closed child referred again (``None``: one closed before the start date, whose
        previous referral is not known, or adopted since, so it never counts as within 12
        months)."""
        self.counters.rereferrals += 1
        child = cast("Child | None", event.value)
        if child is None:
            self.on_referral(event)
            return
        if self.env.now - child.born_day >= LEAVING_AGE_DAYS:
            return  # an adult now: not referred to children's services
        # DfE counts a referral within 12 months of the previous one; for a child open at
        # the start date that day is not known, so the return never counts as one.
        child.previous_referral_day = NEVER if child.seeded else child.arrived_day
        child.seeded = False
        child.arrived_day = self.env.now
        child.had_worker = False
        child.held_elsewhere = False
        child.care_exit = ""
        child.stage = "assessment"
        self._refer(child)

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


def _exponential_days(per_year: float) -> Duration:
    """Gaps (days) between arrivals of a Poisson process of ``per_year`` a year."""
    return Exponential(dist="exponential", mean_days=DAYS_PER_YEAR / per_year)
