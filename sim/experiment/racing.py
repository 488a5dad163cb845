"""Racing candidates to the cheapest one that meets a target with a given probability,
spending replications only where they decide that answer.

Every candidate runs replications 0, 1, 2, ... in order, and replication k is the same
simulated future for all of them (common random numbers), so costs are compared pair by
pair on the same futures (a candidate's mean cost is the most-run candidate's plus the
paired difference). A candidate is looked at when its replications reach one of a
fixed schedule of counts (``first``, then ``growth`` times more, up to
``max_replications``). At each look its chance of meeting the target gets a two-sided
Clopper-Pearson interval at level ``1 - (1 - confidence) / (candidates x looks)``: by
Bonferroni's inequality every interval of every candidate at every look it may reach holds
together with probability at least ``confidence``, whatever the data made the race do, so
every verdict drawn from them holds together too:

- *meets*: the interval's lower end is at or above the probability asked for;
- *fails*: its upper end is below it;
- *undecided*: neither.

A candidate gets more replications (to its next look) unless it fails; or it is dearer, on
the same futures, than the cheapest candidate that meets (the answer so far); or a
candidate no dearer is surely better (its interval lies above this one's); or it is
resolved: its 95% Wilson interval, the one every table prints, is no wider than
``resolution`` either side and it meets (a finalist), or that interval holds the line (too
close to tell at that resolution); or it has ``max_replications``. It also waits while a
cheaper candidate that looks likely to meet (at or above the line so far) is still running:
if that one meets, this one cannot be the answer. The race ends when no candidate gets
more. Replications go to the cheap candidates near the line, not to the dear ones or the
hopeless.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.stats import beta  # type: ignore[import-untyped]  # (no stubs installed)

from sim.experiment.stats import half_width, wilson

MEETS, FAILS, UNDECIDED = "meets", "fails", "undecided"
WAITS = "waits for"


@dataclass(frozen=True)
class RaceSettings:
    """How the race decides: ``probability`` asked for; ``confidence`` of the verdicts
    together; ``resolution``, the half-width of the 95% interval at which a finalist is
    resolved (0.05: +-5 points); the schedule of looks (``first`` replications, then
    ``growth`` times more, up to ``max_replications``)."""

    probability: float
    confidence: float = 0.95
    resolution: float = 0.05
    first: int = 10
    growth: float = 2.0
    max_replications: int = 320

    def __post_init__(self) -> None:
        rules = (
            ("probability", self.probability, 0 < self.probability < 1, "above 0 and below 1"),
            ("confidence", self.confidence, 0.5 <= self.confidence < 1, "from 0.5, below 1"),
            ("resolution", self.resolution, 0 < self.resolution < 0.5, "above 0 and below 0.5"),
            ("first", self.first, self.first >= 2, "at least 2"),
            ("growth", self.growth, self.growth > 1, "above 1"),
            (
                "max_replications",
                self.max_replications,
                self.max_replications >= self.first,
                f"at least first ({self.first})",
            ),
        )
        for name, value, ok, rule in rules:
            if not ok or (isinstance(value, float) and not math.isfinite(value)):
                raise ValueError(f"{name} {value!r}: must be {rule}")

    def looks(self) -> tuple[int, ...]:
        """The replication counts at which a candidate is looked at."""
        out = [self.first]
        while out[-1] < self.max_replications:
            out.append(
                min(self.max_replications, max(out[-1] + 1, math.ceil(out[-1] * self.growth)))
            )
        return tuple(out)

    def level(self, candidates: int) -> float:
        """The confidence level of each candidate's interval at each look (Bonferroni)."""
        return 1 - (1 - self.confidence) / (candidates * len(self.looks()))


def clopper_pearson(k: int, n: int, level: float) -> tuple[float, float]:
    """The exact (Clopper-Pearson) two-sided interval for ``k`` of ``n`` at ``level``:
    quantiles of the beta distributions that bound the binomial's tails."""
    tail = (1 - level) / 2
    low = 0.0 if k == 0 else float(beta.ppf(tail, k, n - k + 1))
    high = 1.0 if k == n else float(beta.ppf(1 - tail, k + 1, n - k))
    return low, high


@dataclass(frozen=True)
class Standing:
    """One candidate after a round: its replications, the share that met the target with
    the 95% Wilson interval (``p_low``, ``p_high``), the simultaneous interval the verdict
    is read from (``bound_low``, ``bound_high``), its mean cost, the verdict, and why it
    gets no more replications (empty while it does)."""

    index: int
    replications: int
    met: int
    p: float
    p_low: float
    p_high: float
    bound_low: float
    bound_high: float
    cost: float
    verdict: str
    stopped: str = ""


@dataclass
class Race:
    """The replications recorded so far for each of ``candidates`` candidates."""

    candidates: int
    settings: RaceSettings
    met: list[list[bool]] = field(init=False)
    cost: list[list[float]] = field(init=False)
    rounds: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.candidates < 1:
            raise ValueError("a race needs at least one candidate")
        self.met = [[] for _ in range(self.candidates)]
        self.cost = [[] for _ in range(self.candidates)]

    def record(
        self,
        index: int,
        start: int,
        met: Sequence[bool] | np.ndarray,
        cost: Sequence[float] | np.ndarray,
    ) -> None:
        """Replications ``start``, ``start + 1``, ... of candidate ``index``: whether each
        met the target, and its cost (GBP a year). Replications come in order."""
        if start != len(self.met[index]):
            raise ValueError(
                f"candidate {index}: replications must come in order; got {start}, "
                f"expected {len(self.met[index])}"
            )
        if len(met) != len(cost):
            raise ValueError("met and cost must have one value per replication")
        self.met[index].extend(bool(m) for m in met)
        self.cost[index].extend(float(c) for c in cost)

    @property
    def total(self) -> int:
        """Replications run so far, over all candidates."""
        return sum(len(m) for m in self.met)

    def dearer(self, a: int, b: int) -> float:
        """Mean cost of ``a`` less that of ``b`` over the futures both ran (paired)."""
        n = min(len(self.cost[a]), len(self.cost[b]))
        if n == 0:
            return math.nan
        return float(np.mean(np.subtract(self.cost[a][:n], self.cost[b][:n])))

    def mean_cost(self, i: int) -> float:
        """Candidate ``i``'s mean cost a year, on common random numbers: the mean of the
        candidate run most (over all its futures) plus ``i``'s paired difference from it
        (over the futures both ran). Unbiased, and far less noisy than ``i``'s own mean
        when it ran few futures, as costs move together from one future to another."""
        ref = max(range(self.candidates), key=lambda j: (len(self.cost[j]), -j))
        if not self.cost[i]:
            return math.nan
        return float(np.mean(self.cost[ref])) + self.dearer(i, ref)

    def _tally(self, i: int, level: float) -> Standing:
        n, k = len(self.met[i]), sum(self.met[i])
        if n == 0:
            return Standing(i, 0, 0, *(math.nan,) * 6, UNDECIDED)
        lo, hi = wilson(k, n)
        low, high = clopper_pearson(k, n, level)
        target = self.settings.probability
        verdict = MEETS if low >= target else FAILS if high < target else UNDECIDED
        return Standing(
            i,
            n,
            k,
            k / n,
            lo,
            hi,
            low,
            high,
            self.mean_cost(i),
            verdict,
        )

    def answer(self, standings: Sequence[Standing] | None = None) -> int | None:
        """The cheapest candidate that meets (by :meth:`mean_cost`), or None."""
        standings = self.standings() if standings is None else standings
        meets = [s for s in standings if s.verdict == MEETS]
        return min(meets, key=lambda s: s.cost).index if meets else None

    def standings(self) -> list[Standing]:
        """Every candidate's standing now, with why it would get no more replications."""
        tallies = [
            self._tally(i, self.settings.level(self.candidates)) for i in range(self.candidates)
        ]
        best = self.answer(tallies)
        judged = [self._judge(s, tallies, best) for s in tallies]
        return [self._wait(s, judged) for s in judged]

    def _wait(self, s: Standing, judged: list[Standing]) -> Standing:
        """``s``, waiting (no replications this round) if it is still running and a
        cheaper candidate, on the same futures, is running too and looks likely to meet
        (at or above the line so far): if that one meets, this one is no answer."""
        if s.stopped or s.replications == 0:
            return s
        for t in judged:
            if (
                t.index != s.index
                and not t.stopped
                and t.replications
                and t.p >= self.settings.probability
                and self.dearer(s.index, t.index) > 0
            ):
                return replace(s, stopped=f"{WAITS} candidate {t.index}")
        return s

    def _judge(self, s: Standing, tallies: list[Standing], best: int | None) -> Standing:
        """``s`` with the reason it gets no more replications, if any."""
        st = self.settings
        if s.replications == 0:
            return s
        why = ""
        if s.verdict == FAILS:
            why = f"fails: at most {100 * s.bound_high:.0f}%, below {100 * st.probability:.0f}%"
        elif best is not None and s.index != best and self.dearer(s.index, best) > 0:
            why = f"dearer than candidate {best}, which meets"
        else:
            better = [
                t.index
                for t in tallies
                if t.index != s.index
                and t.replications
                and t.bound_low > s.bound_high
                and self.dearer(t.index, s.index) <= 0
            ]
            if better:
                why = f"candidate {better[0]} is no dearer and surely more likely to meet"
            elif half_width(s.met, s.replications) <= st.resolution and (
                s.verdict == MEETS or s.p_low <= st.probability <= s.p_high
            ):
                why = (
                    f"resolved to +-{100 * st.resolution:.0f} points"
                    if s.verdict == MEETS
                    else f"too close to {100 * st.probability:.0f}% to tell: resolved to "
                    f"+-{100 * st.resolution:.0f} points"
                )
            elif s.replications >= st.max_replications:
                why = "at the most replications allowed"
        return replace(s, stopped=why)

    def plan(self) -> list[tuple[int, int, int]]:
        """The replications to run next, ``(candidate, start, stop)``: each candidate that
        gets more goes on to its next look (a candidate with none starts at the first)."""
        looks = self.settings.looks()
        standings = self.standings()
        going = [s for s in standings if s.replications == 0 or not s.stopped]
        if not going:
            # Waiting is for a cheaper candidate that runs; should costs compared pair by
            # pair on different futures ever go round in a circle, the circle runs.
            going = [s for s in standings if s.stopped.startswith(WAITS)]
        return [
            (s.index, s.replications, next(n for n in looks if n > s.replications)) for s in going
        ]


Evaluate = Callable[[list[tuple[int, int, int]]], list[tuple[int, int, np.ndarray, np.ndarray]]]
"""Runs a plan of ``(candidate, start, stop)`` and returns, for each piece it ran,
``(candidate, start, met, cost)`` (pieces may come split and in any order, but each
candidate's in order of ``start``)."""


def race(
    candidates: int,
    evaluate: Evaluate,
    settings: RaceSettings,
    on_round: Callable[[Race], None] | None = None,
) -> Race:
    """Run the race to its end: plan, evaluate, record, until no candidate gets more."""
    state = Race(candidates, settings)
    while plan := state.plan():
        pieces = sorted(evaluate(plan), key=lambda p: (p[0], p[1]))
        for index, start, met, cost in pieces:
            state.record(index, start, met, cost)
        state.rounds += 1
        if on_round is not None:
            on_round(state)
    return state
