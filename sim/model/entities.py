"""The two kinds of entity, a child with an open case and a social worker, and the load
buckets in which allocation (``sim.model.allocation``) files available workers.

The buckets live here, beside the worker that points to its own, so that this module and
allocation do not import each other."""

from __future__ import annotations

from dataclasses import dataclass, field

NEVER = float("-inf")
"""A day before any other: a child never referred before."""
UNKNOWN_BIRTH = float("nan")
"""The birth day of a child when the config gives no ages."""


@dataclass(eq=False, slots=True)
class Worker:
    """A case-holding social worker. ``kind`` is ``permanent``, ``asye`` or ``agency``."""

    id: int
    kind: str
    team: str
    fte: float
    start_day: float
    """Day the worker joined (negative for workers in post at start): their length of service
    counts from it, through the ASYE; an agency worker who converts starts again."""
    cap: float
    """Most children held before new ones wait (children, already scaled by FTE)."""
    target: float
    """Caseload target (children, already scaled by FTE)."""
    children: dict[Child, None] = field(default_factory=dict)
    """Children held, in allocation order (a dict, not a set, so that iteration order and
    hence every run is reproducible)."""
    in_post: bool = True
    on_notice: bool = False
    absent: bool = False
    cases_handed_over: bool = False
    """True while absent long enough that the children were reallocated."""
    senior: bool = False
    """On the senior social worker grade (permanent qualified staff only)."""
    capacity_units: int = 50
    """Share of a full caseload this worker can hold, in fiftieths before scaling
    (``sim.model.capacity``); ``cap`` and ``target`` are the team's times it."""
    built_up: float = 1.0
    """Share of that capacity a starter has built up to (1: all of it)."""
    # Where the team pool files this worker while it is available for new children
    # (internal to allocation): the buckets of its cap, or None when not available; the
    # number of children and the target it was filed with; its index in that bucket.
    filed_in: LoadBuckets | None = None
    filed_count: int = 0
    filed_target: float = 0.0
    pos: int = 0

    @property
    def available(self) -> bool:
        """Can take new children: in post, not leaving, not absent."""
        return self.in_post and not self.on_notice and not self.absent

    @property
    def load(self) -> float:
        """Children held relative to the worker's cap (0 = empty, 1 = at cap)."""
        return len(self.children) / self.cap


class Child:
    """One child's open episode; ``stage`` is assessment, cin, cp or lac.

    A plain class rather than a dataclass: one is made per referral, and mypyc compiles a
    hand-written ``__init__`` (a dataclass's generated one stays interpreted)."""

    __slots__ = (
        "arrived_day",
        "awaiting_worker",
        "born_day",
        "care_exit",
        "had_worker",
        "held_elsewhere",
        "id",
        "previous_referral_day",
        "seeded",
        "stage",
        "uasc",
        "waiting_in",
        "worker",
    )

    def __init__(
        self, id: int, stage: str, arrived_day: float, born_day: float = UNKNOWN_BIRTH
    ) -> None:
        self.id = id
        self.stage = stage
        self.arrived_day = arrived_day
        """Day of the referral (days from the start date)."""
        self.born_day = born_day
        """Day of birth (days from the start date; NaN when the config gives no ages)."""
        self.previous_referral_day = NEVER
        """Day of the child's referral before this one (``NEVER`` if none): a referral
        within 12 months of it is a re-referral as DfE counts them."""
        self.care_exit = ""
        """While looked after: how the stay will end (``sim.model.care``)."""
        self.uasc = False
        """An unaccompanied asylum-seeking child (looked after on arrival)."""
        self.seeded = False
        """Open at the start date: referred before it, on a day the model does not know."""
        self.worker: Worker | None = None
        self.waiting_in: object | None = None
        """The team pool whose waiting list holds this child, if any (compared by identity
        only, so typed ``object``: naming ``TeamPool`` would make the modules import each
        other)."""
        self.had_worker = False
        self.awaiting_worker = False
        """Waiting for a worker before its stage's clock can start (assessments)."""
        self.held_elsewhere = False
        """Open to someone other than a case-holding social worker: never allocated."""

    def __repr__(self) -> str:
        return f"Child(id={self.id}, stage={self.stage!r}, arrived_day={self.arrived_day})"


class LoadBuckets:
    """Available workers of one cap, by number of children held. Each bucket is a list
    with swap-remove (every operation O(1)); ties go to the worker last placed there.

    The team pool keeps its groups in a heap by their lowest load; ``order``, ``key`` and
    ``at`` are its bookkeeping (``sim.model.allocation``)."""

    __slots__ = ("at", "buckets", "cap", "key", "lowest", "order", "size")

    def __init__(self, cap: float, order: int = 0) -> None:
        self.cap = cap
        self.buckets: list[list[Worker]] = []
        self.lowest = 0  # no non-empty bucket below this
        self.size = 0
        self.order = order
        """Place in the team's groups, in order of first use: breaks ties reproducibly."""
        self.key = 0.0
        """``lowest / cap`` when last placed in the heap: at most its lowest load."""
        self.at = -1
        """Index in the team's heap, or -1 when not in it (no worker filed)."""

    def add(self, w: Worker, count: int) -> None:
        while len(self.buckets) <= count:
            self.buckets.append([])
        bucket = self.buckets[count]
        w.pos = len(bucket)
        bucket.append(w)
        self.size += 1
        if count < self.lowest:
            self.lowest = count

    def move(self, w: Worker, count: int, new: int) -> None:
        """Move ``w`` from bucket ``count`` to bucket ``new``: ``remove`` then ``add`` in one
        call, for the hot paths (a worker taking or giving up one child)."""
        buckets = self.buckets
        bucket = buckets[count]
        last = bucket.pop()
        if last is not w:
            bucket[w.pos] = last
            last.pos = w.pos
        if new == len(buckets):
            buckets.append([])
        bucket = buckets[new]
        w.pos = len(bucket)
        bucket.append(w)
        if new < self.lowest:
            self.lowest = new

    def remove(self, w: Worker, count: int) -> None:
        bucket = self.buckets[count]
        last = bucket.pop()
        if last is not w:
            bucket[w.pos] = last
            last.pos = w.pos
        self.size -= 1
