"""Who holds which child: per-team pools of workers, least-loaded first, and a waiting list.

Workers available for new children sit in buckets by the number of children they hold,
one set of buckets per caseload cap (qualified workers share one cap, NQSWs another). The
least-loaded worker (fewest children relative to cap) is then found in O(number of caps)
and a change of load moves a worker between neighbouring buckets in O(1), instead of a
scan of the team or a heap push per change. Within a bucket, the worker placed there last
is taken first.

Allocation runs on every referral, stage change and closure, so the hot paths
(``_give``, ``release``) move a worker to the neighbouring bucket in one call
(``LoadBuckets.move``) rather than through ``touch``, which handles every other change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from sim.model.counters import Counters
from sim.model.entities import Child, LoadBuckets, Worker


class TeamPool:
    """One team's workers and the children waiting for one of them."""

    def __init__(self, name: str, over_cap: bool, counters: Counters):
        self.name = name
        self.over_cap = over_cap
        self.counters = counters  # counts changes of worker
        self.workers: dict[Worker, None] = {}  # insertion-ordered: runs are reproducible
        self._by_cap: dict[float, LoadBuckets] = {}
        self._groups: list[LoadBuckets] = []  # the same, in order of first use: reproducible
        self._waiting: deque[Child] = deque()
        self.n_waiting = 0
        self.held_available = 0  # children held by available workers
        self.target_available = 0.0  # sum of their caseload targets
        self.on_wake: Callable[[Child], None] = lambda _child: None
        """Called when a child waiting to start its stage gets a worker."""

    # -- bucket bookkeeping ---------------------------------------------------------------
    def touch(self, w: Worker) -> None:
        """Record that ``w``'s availability, cap or target changed (or anything else)."""
        filed = w.filed_in
        if filed is not None:
            filed.remove(w, w.filed_count)
            self.held_available -= w.filed_count
            self.target_available -= w.filed_target
            w.filed_in = None
        if w.available:
            count = len(w.children)
            buckets = self._by_cap.get(w.cap)
            if buckets is None:
                buckets = self._by_cap[w.cap] = LoadBuckets(w.cap)
                self._groups.append(buckets)
            buckets.add(w, count)
            self.held_available += count
            self.target_available += w.target
            w.filed_in, w.filed_count, w.filed_target = buckets, count, w.target

    def _least_loaded(self) -> tuple[Worker | None, float]:
        """One of the workers with the fewest children relative to cap (the last in its
        bucket), and that ratio."""
        best, best_load = None, 0.0
        for filed in self._groups:
            if filed.size:
                buckets, low = filed.buckets, filed.lowest
                while not buckets[low]:
                    low += 1
                filed.lowest = low
                load = low / filed.cap
                if best is None or load < best_load:
                    best, best_load = buckets[low][-1], load
        return best, best_load

    # -- workers --------------------------------------------------------------------------
    def add_worker(self, w: Worker) -> None:
        """A worker joins (or returns to) this team; waiting children may now be allocated."""
        self.workers[w] = None
        self.touch(w)
        self.drain()

    def remove_worker(self, w: Worker) -> list[Child]:
        """``w`` leaves the team; returns the children they held, now unallocated."""
        self.workers.pop(w, None)
        return self.strip(w)

    def strip(self, w: Worker) -> list[Child]:
        """Take every child from ``w`` (who stays in the team); they are unallocated."""
        children = list(w.children)
        w.children.clear()
        for c in children:
            c.worker = None
        self.touch(w)
        return children

    # -- children -------------------------------------------------------------------------
    def allocate(self, child: Child) -> None:
        """Give ``child`` to the least-loaded worker with room, or put it on the waiting list."""
        w, load = self._least_loaded()
        if w is None or (load >= 1.0 and not self.over_cap):
            if child.waiting_in is not self:
                child.waiting_in = self
                self.n_waiting += 1
                self._waiting.append(child)
            return
        self._give(child, w)

    def _give(self, child: Child, w: Worker) -> None:
        """Give ``child`` to ``w``, the worker ``_least_loaded`` has just returned."""
        if child.waiting_in is self:
            child.waiting_in = None
            self.n_waiting -= 1
        child.worker = w
        w.children[child] = None
        # As touch(w) would, but cheaper: only the count changed
        filed = w.filed_in
        assert filed is not None  # _least_loaded returns only filed (available) workers
        filed.move(w, w.filed_count, w.filed_count + 1)
        w.filed_count += 1
        self.held_available += 1
        if child.had_worker:
            self.counters.sw_changes += 1
        child.had_worker = True
        if child.awaiting_worker:
            self.on_wake(child)

    def release(self, child: Child) -> None:
        """``child`` leaves this team (stage over); its worker may take a waiting child."""
        w = child.worker
        if w is not None:
            del w.children[child]
            child.worker = None
            filed = w.filed_in
            if filed is not None:
                # As touch(w) would, but cheaper: only the count changed
                filed.move(w, w.filed_count, w.filed_count - 1)
                w.filed_count -= 1
                self.held_available -= 1
                if self.n_waiting:
                    self.drain()
        elif child.waiting_in is self:
            child.waiting_in = None  # its deque entry is dropped lazily
            self.n_waiting -= 1

    def drain(self) -> None:
        """Allocate waiting children, oldest first, while a worker has room."""
        q = self._waiting
        while self.n_waiting:
            w, load = self._least_loaded()
            if w is None or (load >= 1.0 and not self.over_cap):
                return
            child = q.popleft()
            while child.waiting_in is not self:  # stale entry: left or already allocated
                child = q.popleft()
            self._give(child, w)

    def load_ratio(self) -> float:
        """Children held per unit of caseload target across the team's available workers."""
        t = self.target_available
        return self.held_available / t if t > 0 else float("inf")
