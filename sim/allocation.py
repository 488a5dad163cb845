"""Who holds which child: per-team pools of workers, least-loaded first, and a waiting list.

Workers available for new children sit in buckets by the number of children they hold,
one set of buckets per caseload cap (qualified workers share one cap, NQSWs another). The
least-loaded worker (fewest children relative to cap) is then found in O(number of caps)
and a change of load moves a worker between neighbouring buckets in O(1), instead of a
scan of the team or a heap push per change. Within a bucket, the worker placed there last
is taken first.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from sim.entities import Child, Worker


class _Buckets:
    """Available workers of one cap, by number of children held. Each bucket is a list
    with swap-remove (every operation O(1)); ties go to the worker last placed there."""

    __slots__ = ("buckets", "lowest", "size")

    def __init__(self) -> None:
        self.buckets: list[list[Worker]] = []
        self.lowest = 0  # no non-empty bucket below this
        self.size = 0

    def add(self, w: Worker, count: int) -> None:
        while len(self.buckets) <= count:
            self.buckets.append([])
        bucket = self.buckets[count]
        w.pos = len(bucket)
        bucket.append(w)
        self.size += 1
        if count < self.lowest:
            self.lowest = count

    def remove(self, w: Worker, count: int) -> None:
        bucket = self.buckets[count]
        last = bucket.pop()
        if last is not w:
            bucket[w.pos] = last
            last.pos = w.pos
        self.size -= 1

    def first(self) -> tuple[int, Worker]:
        """The number held by one of the least-loaded workers, and that worker."""
        while not self.buckets[self.lowest]:
            self.lowest += 1
        return self.lowest, self.buckets[self.lowest][-1]


class TeamPool:
    """One team's workers and the children waiting for one of them."""

    def __init__(self, name: str, over_cap: bool, on_change: Callable[[Child, bool], None]):
        self.name = name
        self.over_cap = over_cap
        self._on_allocated = on_change  # (child, is_change_of_worker) -> None
        self.workers: dict[Worker, None] = {}  # insertion-ordered: runs are reproducible
        self._by_cap: dict[float, _Buckets] = {}
        self._waiting: deque[Child] = deque()
        self.n_waiting = 0
        self.held_available = 0  # children held by available workers
        self.target_available = 0.0  # sum of their caseload targets
        self.on_wake: Callable[[Child], None] = lambda _child: None
        """Called when a child waiting to start its stage gets a worker."""

    # -- bucket bookkeeping ---------------------------------------------------------------
    def touch(self, w: Worker) -> None:
        """Record that ``w``'s load, cap or availability changed."""
        slot = w.slot
        if slot is not None:
            cap, count, target = slot
            self._by_cap[cap].remove(w, count)
            self.held_available -= count
            self.target_available -= target
            w.slot = None
        if w.available:
            count = len(w.children)
            buckets = self._by_cap.get(w.cap)
            if buckets is None:
                buckets = self._by_cap[w.cap] = _Buckets()
            buckets.add(w, count)
            self.held_available += count
            self.target_available += w.target
            w.slot = (w.cap, count, w.target)

    def _least_loaded(self) -> Worker | None:
        best, best_load = None, 0.0
        for cap, buckets in self._by_cap.items():
            if buckets.size:
                count, w = buckets.first()
                if best is None or count / cap < best_load:
                    best, best_load = w, count / cap
        return best

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
        w = self._least_loaded()
        if w is None or (w.load >= 1.0 and not self.over_cap):
            if child.waiting_in is not self:
                child.waiting_in = self
                self.n_waiting += 1
                self._waiting.append(child)
            return
        self._give(child, w)

    def _give(self, child: Child, w: Worker) -> None:
        if child.waiting_in is self:
            child.waiting_in = None
            self.n_waiting -= 1
        child.worker = w
        w.children[child] = None
        self.touch(w)
        changed = child.had_worker
        child.had_worker = True
        self._on_allocated(child, changed)
        if child.awaiting_worker:
            self.on_wake(child)

    def release(self, child: Child) -> None:
        """``child`` leaves this team (stage over); its worker may take a waiting child."""
        w = child.worker
        if w is not None:
            del w.children[child]
            child.worker = None
            self.touch(w)
            if self.n_waiting:
                self.drain()
        elif child.waiting_in is self:
            child.waiting_in = None  # its deque entry is dropped lazily
            self.n_waiting -= 1

    def drain(self) -> None:
        """Allocate waiting children, oldest first, while a worker has room."""
        q = self._waiting
        while self.n_waiting:
            w = self._least_loaded()
            if w is None or (w.load >= 1.0 and not self.over_cap):
                return
            child = q.popleft()
            while child.waiting_in is not self:  # stale entry: left or already allocated
                child = q.popleft()
            self._give(child, w)

    def load_ratio(self) -> float:
        """Children held per unit of caseload target across the team's available workers."""
        t = self.target_available
        return self.held_available / t if t > 0 else float("inf")
