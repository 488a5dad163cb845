"""Events beyond the next week or so, held outside SimPy's event queue until their time.

Every open child has its stage end pending (England: 400,000 at once), and SimPy keeps
pending events in one binary heap, whose every push and pop costs O(log n) comparisons
with cache misses to match: at England's size that heap was the model's largest single
cost. Most of those events are months or years away, so they wait here in one list per
slice of a month (a quarter), and each slice is handed to SimPy as it begins. SimPy's heap
then holds about a slice of events. Events after the horizon are never scheduled at all.

Order is kept: SimPy runs events due at the same moment in the order they were scheduled,
and a slice's events go to SimPy in the order they were booked, before anything booked
after them. The one case that needs care is an event due exactly at a month end, which
must come before the clock's month-end snapshot if it was booked before the month began:
such events go to SimPy with the month's first slice, ahead of the clock's own timeout.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Any, cast

import simpy

SLICES_PER_MONTH = 4


class Agenda:
    """Books timeouts with a callback, keeping those beyond the open slice aside."""

    def __init__(self, env: simpy.Environment, period_end_days: Sequence[float]) -> None:
        self.env = env
        ends: list[float] = []  # day on which each slice ends
        start = 0.0
        for end in period_end_days:
            step = (end - start) / SLICES_PER_MONTH
            ends += [start + step * k for k in range(1, SLICES_PER_MONTH)]
            ends.append(end)  # exactly the month end
            start = end
        self._ends = ends
        self._held: list[list[tuple[float, Any, Callable]]] = [[] for _ in ends]
        self._open_until = 0.0  # events up to this day go straight to SimPy
        self._released = 0  # slices handed to SimPy so far
        self._horizon = ends[-1]
        self._release_cb = self._on_slice_start

    def book(self, delay: float, value: Any, callback: Callable[[simpy.Event], None]) -> None:
        """Call ``callback(event)`` with ``event.value == value`` in ``delay`` days."""
        env = self.env
        day = env.now + delay
        if day <= self._open_until:
            env.timeout(delay, value).callbacks.append(callback)
            return
        if day > self._horizon:  # the run never gets there
            return
        i = bisect_left(self._ends, day)
        if i % SLICES_PER_MONTH == SLICES_PER_MONTH - 1 and day == self._ends[i]:
            i -= SLICES_PER_MONTH - 1  # due exactly at a month end: see the module's doc
        if i < self._released:
            env.timeout(delay, value).callbacks.append(callback)
        else:
            self._held[i].append((day, value, callback))

    def open_month(self) -> None:
        """Hand the month's first slice to SimPy and book the starts of the others (the
        clock calls this as a month starts, before it books its own month-end)."""
        first = self._released
        self._release(first)
        env = self.env
        for i in range(first + 1, first + SLICES_PER_MONTH):
            env.timeout(self._ends[i - 1] - env.now, i).callbacks.append(self._release_cb)

    def _on_slice_start(self, event: simpy.Event) -> None:
        self._release(cast(int, event.value))

    def _release(self, i: int) -> None:
        env = self.env
        now, timeout = env.now, env.timeout
        for day, value, callback in self._held[i]:
            timeout(day - now, value).callbacks.append(callback)
        self._held[i] = []
        self._open_until = self._ends[i]
        self._released = i + 1
