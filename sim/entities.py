"""The two kinds of entity: a child with an open case, and a social worker."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(eq=False, slots=True)
class Worker:
    """A case-holding social worker. ``kind`` is ``permanent``, ``asye`` or ``agency``."""

    id: int
    kind: str
    team: str
    fte: float
    start_day: float
    """Day the worker started in their current kind (negative for workers in post at start)."""
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
    # Where the team pool files this worker while it is available for new children
    # (internal to allocation): the buckets of its cap, or None when not available; the
    # number of children and the target it was filed with; its index in that bucket.
    filed_in: object | None = None
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


@dataclass(eq=False, slots=True)
class Child:
    """One child's open episode; ``stage`` is assessment, cin, cp or lac."""

    id: int
    stage: str
    arrived_day: float
    worker: Worker | None = None
    waiting_in: object | None = None
    """The team pool whose waiting list holds this child, if any."""
    had_worker: bool = False
    awaiting_worker: bool = False
    """Waiting for a worker before its stage's clock can start (assessments)."""
