"""Each case-holder's capacity: the share of a full caseload they can hold.

A worker's caseload cap and target are their team's (or the ASYE's) times their capacity,
and allocation gives a new child to the worker with the fewest children relative to their
own cap (``sim.model.allocation``); so in a steady state each worker holds children in
proportion to their capacity, and the spread of capacities is the spread of caseloads.
Capacities come from ``allocation`` in the council config
(``sim.config.council.Allocation``):

- a share of qualified and agency case-holders hold a part caseload (senior or advanced
  practitioners, part-time workers, workers with other duties), uniform between none and a
  largest share; NQSWs starting their ASYE hold a full one (the programme is full time);
- full caseloads are spread lognormally (experience, the weight of the cases each holds);
- a permanent or ASYE starter builds up to their capacity over their first months.

Capacities are kept on a grid of fiftieths of a full caseload (``STEP``) and scaled so that
their mean is 1 over qualified and agency starters, and over NQSWs starting the ASYE: a
team's caps and targets, and the ASYE's, stay their averages (so a qualified worker with a
full caseload is above the team's average, which part caseloads pull down). The grid bounds
the number of distinct caps in a team, hence of load-bucket groups in the least-loaded
search (a heap of them), whatever the number of workers, while being fine enough (a third
of a child at England's average) that caseloads spread smoothly over DfE's five-child
bands.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

from sim.config.council import Allocation

STEP = 0.02
"""Grid of capacities (shares of a full caseload): 0.02 of England's average is 0.32
children, 0.48 of Manchester's 2016 average."""
FULL = round(1 / STEP)
"""Grid units of a full caseload."""
MOST = 3 * FULL
"""Largest capacity (three full caseloads): the lognormal's far tail is put here."""


def _lognormal_cdf(x: float, sd: float) -> float:
    """P(X <= x) for a lognormal X with mean 1 and ``sd`` the standard deviation of its log
    (its log has mean -sd^2/2); with ``sd`` 0, X is 1."""
    if x <= 0:
        return 0.0
    if x == math.inf:
        return 1.0
    if sd <= 0:
        return 1.0 if x >= 1.0 else 0.0
    return 0.5 * (1.0 + math.erf((math.log(x) + sd * sd / 2) / (sd * math.sqrt(2.0))))


def capacity_table(alloc: Allocation, part_share: float) -> dict[int, float]:
    """Probability of each capacity, in grid units (1 to ``MOST``), before scaling, when
    ``part_share`` hold a part caseload: a capacity x falls in unit round(x / STEP), the
    smallest unit taking everything below it (a case-holder holds something) and the
    largest everything above."""
    top, sd = alloc.part_caseload_max, alloc.capacity_sd
    table: dict[int, float] = {}
    for k in range(1, MOST + 1):
        lo = -math.inf if k == 1 else (k - 0.5) * STEP
        hi = math.inf if k == MOST else (k + 0.5) * STEP
        p_part = max(0.0, min(hi, top) - max(lo, 0.0)) / top  # uniform on (0, top)
        p_full = _lognormal_cdf(hi, sd) - _lognormal_cdf(lo, sd)
        p = part_share * p_part + (1 - part_share) * p_full
        if p > 0:
            table[k] = p
    return table


class _Sampler:
    """Draws grid units from a table by inverting its cumulative probabilities."""

    def __init__(self, table: dict[int, float]) -> None:
        self.units = list(table)
        self.cumulative: list[float] = []
        total = 0.0
        for p in table.values():
            total += p
            self.cumulative.append(total)
        self.mean = sum(k * p for k, p in table.items()) / total

    def draw(self, u: float) -> int:
        i = bisect.bisect_right(self.cumulative, u * self.cumulative[-1])
        return self.units[min(i, len(self.units) - 1)]


class Capacity:
    """Draws a new case-holder's capacity and gives a worker's current one (their capacity
    times how far they have built up to it), on the grid."""

    def __init__(self, alloc: Allocation, uniform: Callable[[], float]) -> None:
        self.spread = alloc.part_caseload_share > 0 or alloc.capacity_sd > 0
        """False: every capacity is full (1), and nothing is drawn."""
        self.build_up_months = alloc.build_up_months
        self._uniform = uniform
        self._mixed = _Sampler(capacity_table(alloc, alloc.part_caseload_share))
        self._full = _Sampler(capacity_table(alloc, 0.0))
        self._mean_units = self._mixed.mean if self.spread else float(FULL)
        self._asye_mean_units = self._full.mean if self.spread else float(FULL)

    def draw(self, asye: bool) -> int:
        """A new case-holder's capacity, in grid units (from the ``capacity`` stream): from
        the full caseloads alone for an NQSW starting the ASYE."""
        if not self.spread:
            return FULL
        return (self._full if asye else self._mixed).draw(self._uniform())

    def built_up(self, month: int) -> float:
        """Share of their capacity a permanent or ASYE starter holds in their ``month``-th
        month in post (from 0): linear from none to all over ``build_up_months``, each month
        at its middle's value."""
        months = self.build_up_months
        if months <= 0 or month >= months:
            return 1.0
        return min(1.0, (month + 0.5) / months)

    def level(self, units: int, built_up: float, asye: bool) -> float:
        """Current capacity of a worker of ``units`` who has built up ``built_up`` of it: on
        the grid, at least one unit; as a share of the average NQSW's in the ASYE (``asye``),
        else of the average qualified or agency worker's."""
        if built_up < 1.0:
            units = max(1, round(units * built_up))
        return units / (self._asye_mean_units if asye else self._mean_units)
