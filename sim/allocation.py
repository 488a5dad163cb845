"""Who holds which child: per-team pools of workers, least-loaded first, and a waiting list.

The least-loaded worker is kept at the top of a lazy heap: every change of a worker's load
or availability pushes a fresh entry and stale ones are skipped when they surface, so an
allocation costs O(log n) rather than a scan of the team.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable

from sim.entities import Child, Worker


class TeamPool:
    """One team's workers and the children waiting for one of them."""

    def __init__(self, name: str, over_cap: bool, on_change: Callable[[Child, bool], None]):
        self.name = name
        self.over_cap = over_cap
        self._on_allocated = on_change  # (child, is_change_of_worker) -> None
        self.workers: dict[Worker, None] = {}  # insertion-ordered: runs are reproducible
        self._heap: list[tuple[float, int, int, Worker]] = []
        self._seq = itertools.count()
        self._waiting: deque[Child] = deque()
        self.n_waiting = 0
        self.on_wake: Callable[[Child], None] = lambda _child: None
        """Called when a child waiting to start its stage gets a worker."""

    # -- heap bookkeeping -----------------------------------------------------------------
    def touch(self, w: Worker) -> None:
        """Record that ``w``'s load or availability changed."""
        w.version += 1
        if w.available:
            heapq.heappush(self._heap, (w.load, next(self._seq), w.version, w))
        if len(self._heap) > 4 * len(self.workers) + 64:
            self._heap = [
                (x.load, next(self._seq), x.version, x) for x in self.workers if x.available
            ]
            heapq.heapify(self._heap)

    def _least_loaded(self) -> Worker | None:
        heap = self._heap
        while heap:
            _, _, version, w = heap[0]
            if version == w.version and w.available:
                return w
            heapq.heappop(heap)
        return None

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
        held = sum(len(w.children) for w in self.workers if w.available)
        target = sum(w.target for w in self.workers if w.available)
        return held / target if target > 0 else float("inf")
