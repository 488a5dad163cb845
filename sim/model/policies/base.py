"""The hook interface of a policy at run time.

A policy spec (``sim.config.policies``) is data; :func:`sim.model.policies.bind` pairs it with
its runtime for one replication. A runtime overrides any of three hooks:

- :meth:`PolicyRuntime.on_month` at each month start: move the model's levers
  (``sim.model.levers.Levers``), schedule joiners, book costs;
- :meth:`PolicyRuntime.hazard`, a multiplier on a worker's leaving hazard (consulted only
  if :meth:`PolicyRuntime.changes_leaving`);
- :meth:`PolicyRuntime.on_leave` when a worker leaves (e.g. to claw back a payment).

Runtimes see the model through :class:`PolicyHost`, the few parts they read or move, so
this package does not import the model that binds it.
"""

from __future__ import annotations

from typing import Protocol

import simpy

from sim.config.council import CouncilConfig
from sim.config.policies import Effect, PolicyBase
from sim.model.counters import Counters
from sim.model.entities import Worker
from sim.model.levers import Levers
from sim.model.rng import Streams
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR, Calendar
from sim.model.workforce import Workforce


class PolicyHost(Protocol):
    """What a policy runtime may read or move in the model (``CouncilModel`` has it)."""

    cfg: CouncilConfig
    env: simpy.Environment
    calendar: Calendar
    streams: Streams
    counters: Counters
    levers: Levers
    workforce: Workforce


class PolicyRuntime:
    """A policy bound to one replication: sampled effects, ramp, costs, and the hooks."""

    def __init__(self, spec: PolicyBase, model: PolicyHost) -> None:
        self.spec = spec
        self.model = model
        self.levers = model.levers
        cal = model.calendar
        self.start_day = cal.day(spec.start) if spec.start else 0.0
        self.sampled: dict[str, float] = {}
        self.total_cost_gbp = 0.0

    # -- hooks ----------------------------------------------------------------------------
    def on_month(self, start: float, end: float) -> None:
        """Called at each month start (day ``start``); the month ends on day ``end``."""

    def changes_leaving(self) -> bool:
        """Whether :meth:`hazard` is to be consulted (by default: if a subclass defines it)."""
        return type(self).hazard is not PolicyRuntime.hazard

    def hazard(self, w: Worker, now: float) -> float:
        """Multiplier on worker ``w``'s leaving hazard on day ``now``."""
        return 1.0

    def on_leave(self, w: Worker, day: float) -> None:
        """Worker ``w`` leaves on day ``day``."""

    # -- helpers --------------------------------------------------------------------------
    def effect(self, name: str) -> float:
        """The value of effect ``name`` (a field of the policy) in this replication,
        sampled once."""
        if name not in self.sampled:
            self.sampled[name] = self.sample(getattr(self.spec, name), name)
        return self.sampled[name]

    def sample(self, value: Effect, name: str) -> float:
        """A fixed effect as it is; an uncertain one drawn from the stream keyed by this
        policy and ``name``, so every scenario holding the policy draws the same value."""
        if isinstance(value, (int, float)):
            return float(value)
        return value.sample(self.model.streams.keyed(f"{self.spec.key}/{name}"))

    def ramp(self, day: float) -> float:
        """Share of the full effect in force on ``day`` (0 before the start)."""
        if day < self.start_day:
            return 0.0
        if self.spec.phase_in_months == 0:
            return 1.0
        return min(1.0, (day - self.start_day) / (self.spec.phase_in_months * DAYS_PER_MONTH))

    def ramped(self, name: str, day: float) -> float:
        """Multiplier ``name`` phased in: 1 before the start, the full value once ramped."""
        return 1.0 + (self.effect(name) - 1.0) * self.ramp(day)

    def pay(self, gbp: float) -> None:
        """Book ``gbp`` (GBP) to the policy's costs."""
        self.model.counters.policy_cost_gbp += gbp
        self.total_cost_gbp += gbp

    def pay_for_period(self, gbp_per_year: float, start: float, end: float) -> None:
        """Pay ``gbp_per_year`` for the part of [start, end) the policy is in force."""
        days = max(0.0, end - max(start, self.start_day))
        if days > 0 and gbp_per_year > 0:
            self.pay(gbp_per_year * days / DAYS_PER_YEAR)
