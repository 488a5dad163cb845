"""Who holds which child: per-team pools of workers, least-loaded first, and a waiting list.

Workers available for new children sit in buckets by the number of children they hold,
one set of buckets (a group) per caseload cap: qualified workers share one cap and NQSWs
another, unless capacities are spread (``sim.model.capacity``: up to a few hundred caps,
on a grid). The groups sit in a heap by their lowest load (children / cap of their least-loaded
worker), so the least-loaded worker is found at the heap's top, and a change of load moves a
worker between neighbouring buckets in O(1), touching the heap only when a group's lowest
load changes (O(log number of caps)), instead of a scan of the team or of every cap. Within
a bucket, the worker placed there last is taken first; between groups with the same lowest
load, the group first used.

The heap is lazy: each group's key is at or below its true lowest load. A group's lowest
load falling (a worker gives up a child, or joins with few) moves it up the heap at once;
its rising (its lowest bucket emptied) is found when it reaches the top, and it moves down
to its true load. The top whose key is its true lowest load is then the least-loaded of
all. The heap is written out (each group knows its place in it) rather than ``heapq`` of
tuples: compiled, its comparisons of native floats cost next to nothing, and a group is
moved in place instead of pushed again.

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
        self._heap: list[LoadBuckets] = []  # groups with workers, by key: see the docstring
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
                buckets = self._by_cap[w.cap] = LoadBuckets(w.cap, len(self._groups))
                self._groups.append(buckets)
            lowest = buckets.lowest
            buckets.add(w, count)
            if buckets.at < 0:
                buckets.key = buckets.lowest / buckets.cap
                buckets.at = len(self._heap)
                self._heap.append(buckets)
                self._sift_up(buckets)
            elif buckets.lowest < lowest:
                self._fell(buckets)
            self.held_available += count
            self.target_available += w.target
            w.filed_in, w.filed_count, w.filed_target = buckets, count, w.target

    # -- the heap of groups ----------------------------------------------------------------
    def _fell(self, g: LoadBuckets) -> None:
        """Group ``g``'s ``lowest`` fell: its key too, and it moves up the heap."""
        g.key = g.lowest / g.cap
        self._sift_up(g)

    def _sift_up(self, g: LoadBuckets) -> None:
        """Move ``g`` up the heap past every group with a larger key (ties: later order)."""
        heap = self._heap
        i, key, order = g.at, g.key, g.order
        while i > 0:
            parent = heap[(i - 1) >> 1]
            if parent.key < key or (parent.key == key and parent.order < order):
                break
            heap[i] = parent
            parent.at = i
            i = (i - 1) >> 1
        heap[i] = g
        g.at = i

    def _sift_down(self, g: LoadBuckets) -> None:
        """Move ``g`` down the heap below every group with a smaller key (ties: earlier
        order)."""
        heap = self._heap
        n = len(heap)
        i, key, order = g.at, g.key, g.order
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            c = heap[child]
            if child + 1 < n:
                d = heap[child + 1]
                if d.key < c.key or (d.key == c.key and d.order < c.order):
                    child, c = child + 1, d
            if key < c.key or (key == c.key and order < c.order):
                break
            heap[i] = c
            c.at = i
            i = child
        heap[i] = g
        g.at = i

    def _least_loaded(self) -> tuple[Worker | None, float]:
        """One of the workers with the fewest children relative to cap (the last in its
        bucket), and that ratio."""
        heap = self._heap
        while heap:
            g = heap[0]
            if not g.size:  # emptied: out of the heap until a worker is filed in it again
                last = heap.pop()
                g.at = -1
                if last is not g:
                    heap[0] = last
                    last.at = 0
                    self._sift_down(last)
                continue
            buckets, low = g.buckets, g.lowest
            if buckets[low]:
                return buckets[low][-1], g.key
            while not buckets[low]:
                low += 1
            g.lowest = low
            g.key = low / g.cap  # its lowest load rose: down to where it now belongs
            self._sift_down(g)
        return None, 0.0

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
                lowest = filed.lowest
                filed.move(w, w.filed_count, w.filed_count - 1)
                if filed.lowest < lowest:
                    self._fell(filed)
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
