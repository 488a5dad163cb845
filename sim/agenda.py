"""Events beyond the current month, held outside SimPy's event queue until their month.

Every open child has its stage end pending (England: 400,000 at once), and SimPy keeps
pending events in one binary heap, whose every push and pop costs O(log n) comparisons
with cache misses to match: at England's size that heap was the model's largest single
cost. Most of those events are months or years away, so they wait here in one list per
calendar month, and the model's clock hands a month's events to SimPy as the month starts.
SimPy's heap then holds about one month of events. Events after the horizon are never
scheduled at all.

Order is kept: a month's events go to SimPy in the order they were booked, and before the
clock's own month-end timeout, as they would have been without the agenda.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any

import simpy


class Agenda:
    """Books timeouts with a callback, keeping those beyond the open month aside."""

    def __init__(self, env: simpy.Environment, period_end_days: Sequence[float]) -> None:
        self.env = env
        self._ends = list(period_end_days)  # day on which each month ends
        self._held: list[list[tuple[float, Any, Callable]]] = [[] for _ in self._ends]
        self._open_until = 0.0  # events up to this day go straight to SimPy
        self._released = 0  # months handed to SimPy so far
        self._horizon = self._ends[-1]

    def book(self, delay: float, value: Any, callback: Callable[[simpy.Event], None]) -> None:
        """Call ``callback(event)`` with ``event.value == value`` in ``delay`` days."""
        env = self.env
        day = env.now + delay
        if day <= self._open_until:
            env.timeout(delay, value).callbacks.append(callback)
        elif day <= self._horizon:  # after the horizon: the run never gets there
            self._held[bisect_left(self._ends, day)].append((day, value, callback))

    def open_month(self) -> None:
        """Hand the next month's events to SimPy (the clock calls this as a month starts,
        before it books its own month-end)."""
        env, m = self.env, self._released
        now, timeout = env.now, env.timeout
        for day, value, callback in self._held[m]:
            timeout(day - now, value).callbacks.append(callback)
        self._held[m] = []
        self._open_until = self._ends[m]
        self._released = m + 1
