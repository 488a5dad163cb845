"""Flow counters for the current month and time-weighted integrals for costs and means."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(slots=True)
class Counters:
    """Events counted since the last month end (reset by the monitor)."""

    referrals: int = 0
    rereferrals: int = 0
    """Referrals of children whose case had closed (any time before)."""
    rereferrals_12m: int = 0
    """Referrals within 12 months of the child's previous referral (DfE's definition)."""
    referrals_nfa: int = 0
    """Referrals closed with no further action before an assessment."""
    closures: int = 0
    lac_started: int = 0
    lac_started_16_plus: int = 0
    lac_ceased: int = 0
    lac_ceased_home: int = 0
    lac_ceased_adopted: int = 0
    lac_ceased_sgo: int = 0
    lac_ceased_18_plus: int = 0
    """Looked-after stays starting and ending in the month, by how they end (return home,
    adoption, special guardianship order, aged 18; the rest ended otherwise)."""
    joiners: int = 0
    """Permanent workers (qualified or ASYE) starting, including agency conversions."""
    leavers: int = 0
    """Permanent workers (qualified or ASYE) leaving the council."""
    leavers_fte: float = 0.0
    leavers_under_5y: int = 0
    """Of ``leavers``, those with under five years' service with the council."""
    leavers_to_council: int = 0
    leavers_to_agency: int = 0
    leavers_out: int = 0
    """Of ``leavers``, by destination (all 0 unless the config gives destinations)."""
    agency_returners: int = 0
    """Agency workers starting who had left the council's staff for agency work."""
    agency_joiners: int = 0
    agency_leavers: int = 0
    agency_conversions: int = 0
    """Agency workers taking a permanent post (counted in ``joiners`` too): they leave the
    agency count without an assignment ending."""
    hires: int = 0
    """Permanent appointments made at panels (they start later)."""
    asye_qualified: int = 0
    sw_changes: int = 0
    """Allocations of a child to a worker after a previous one (any reason)."""
    policy_cost_gbp: float = 0.0
    """Payments made by policies this month (retention payments, supplements, campaigns)."""
    sw_changes_workforce: int = 0
    """Children who lost their worker because the worker left, went on long absence or the
    agency assignment ended."""

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, 0.0 if f.name.endswith(("_fte", "_gbp")) else 0)


class TimeWeighted:
    """Integral over time of a piecewise-constant quantity (e.g. FTE-days, child-days)."""

    __slots__ = ("area", "last", "value")

    def __init__(self, value: float = 0.0, now: float = 0.0) -> None:
        self.value = value
        self.last = now
        self.area = 0.0

    def add(self, delta: float, now: float) -> None:
        """Change the quantity by ``delta`` at time ``now``."""
        self.area += self.value * (now - self.last)
        self.last = now
        self.value += delta

    def take_area(self, now: float) -> float:
        """The integral since the last call, up to ``now``."""
        self.area += self.value * (now - self.last)
        self.last = now
        area, self.area = self.area, 0.0
        return area
