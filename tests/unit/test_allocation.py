"""The least-loaded search (``sim.model.allocation``): a heap of load-bucket groups, one per
cap, gives every child to a worker with the fewest children relative to their cap, ties to
the group first used, whatever the mix of caps and the order of joins, absences, new
children and closures; it is the answer a scan of every group gives."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.allocation import TeamPool
from sim.model.counters import Counters
from sim.model.entities import Child, Worker


def _scan(pool: TeamPool) -> tuple[float, int]:
    """The lowest load of any available worker, and the first group (in order of first use)
    holding a worker at that load: what a scan of the groups finds."""
    best, order = np.inf, -1
    for g in pool._groups:
        for count, bucket in enumerate(g.buckets):
            if bucket:
                if count / g.cap < best:
                    best, order = count / g.cap, g.order
                break
    return best, order


@pytest.mark.parametrize("n_caps", [1, 2, 7, 40])
def test_the_heap_finds_what_a_scan_of_every_group_finds(n_caps):
    rng = np.random.default_rng(n_caps)
    pool = TeamPool("cin_cp", over_cap=True, counters=Counters())
    caps = [float(c) for c in rng.integers(5, 45, n_caps)]
    workers: list[Worker] = []
    held: list[Child] = []
    for step in range(4_000):
        u = rng.random()
        if u < 0.05 or not workers:  # a worker joins
            cap = caps[int(rng.integers(n_caps))]
            w = Worker(len(workers), "permanent", "cin_cp", 1.0, 0.0, cap, cap / 2)
            workers.append(w)
            pool.add_worker(w)
        elif u < 0.15:  # an absence starts or ends
            w = workers[int(rng.integers(len(workers)))]
            w.absent = not w.absent
            pool.touch(w)
        elif u < 0.55 and held:  # a child's stage ends
            pool.release(held.pop(int(rng.integers(len(held)))))
        else:  # a new child
            load, order = _scan(pool)
            child = Child(step, "cin", 0.0)
            pool.allocate(child)
            if order < 0:
                assert child.worker is None and child.waiting_in is pool
                continue
            w = child.worker
            assert w is not None and w.filed_in is not None
            assert (len(w.children) - 1) / w.cap == load, "not the least-loaded worker"
            assert w.filed_in.order == order, "a tie not given to the group first used"
            held.append(child)
    assert len(pool._groups) == len(set(caps))
