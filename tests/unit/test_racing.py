"""The race to the cheapest candidate meeting a probability (sim/experiment/racing.py), on
synthetic Bernoulli candidates whose chances are known. Common random numbers as the
simulation has them: replication k draws one uniform u_k shared by every candidate, which
meets when u_k < its chance, so a likelier candidate meets in every future a less likely
one does."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.experiment.racing import (
    FAILS,
    MEETS,
    UNDECIDED,
    Race,
    RaceSettings,
    clopper_pearson,
    race,
)
from sim.experiment.stats import half_width


def bernoulli(chances: list[float], costs: list[float], seed: int, noise: float = 0.0):
    """An evaluator of candidates with these chances and mean costs a year; cost noise
    shared by every candidate in a replication (common random numbers)."""
    rng = np.random.default_rng(seed)
    u = rng.random(10_000)
    shock = noise * rng.standard_normal(10_000)
    calls: list[tuple[int, int, int]] = []

    def evaluate(plan):
        calls.extend(plan)
        return [(i, a, u[a:b] < chances[i], costs[i] + shock[a:b]) for i, a, b in plan]

    return evaluate, calls


CHANCES = [0.05, 0.40, 0.70, 0.90, 0.97, 0.99]
COSTS = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
SETTINGS = RaceSettings(0.8, first=10, max_replications=640)


@pytest.mark.parametrize("seed", range(8))
def test_the_cheapest_truly_good_candidate_is_found(seed):
    evaluate, _ = bernoulli(CHANCES, COSTS, seed, noise=0.5)
    state = race(len(CHANCES), evaluate, SETTINGS)
    standings = state.standings()
    assert state.answer() == 3, [(s.p, s.verdict, s.stopped) for s in standings]
    answer = standings[3]
    assert answer.verdict == MEETS and answer.bound_low >= 0.8
    assert half_width(answer.met, answer.replications) <= SETTINGS.resolution  # resolved
    assert all(s.verdict == FAILS for s in standings[:3])


def test_a_hopeless_candidate_is_dropped_after_its_first_replications():
    evaluate, calls = bernoulli(CHANCES, COSTS, seed=3)
    state = race(len(CHANCES), evaluate, SETTINGS)
    assert len(state.met[0]) == SETTINGS.first
    assert [c for c in calls if c[0] == 0] == [(0, 0, SETTINGS.first)]
    assert state.standings()[0].stopped.startswith("fails")


def test_replications_go_where_they_decide_the_answer():
    evaluate, _ = bernoulli(CHANCES, COSTS, seed=5)
    state = race(len(CHANCES), evaluate, SETTINGS)
    n = [len(m) for m in state.met]
    assert len(set(n)) > 2, n  # spent unevenly
    assert sum(n) < len(CHANCES) * SETTINGS.max_replications / 3, n
    # the two near the line (70% and the answer, 90%) got the most; the hopeless one and
    # the dearer ones, which cannot be the answer, the fewest
    assert min(n[2], n[3]) > max(n[0], n[4], n[5]), n
    assert "dearer than candidate 3" in state.standings()[5].stopped


def test_a_dearer_candidate_waits_while_a_cheaper_one_looks_likely_to_meet():
    """Candidate 1 (dearer) never runs past its first look while candidate 0, cheaper and
    above the line so far, is still being resolved; once 0 meets, 1 is dearer than it."""
    evaluate, calls = bernoulli([0.93, 0.99], [1.0, 2.0], seed=2)
    state = race(2, evaluate, SETTINGS)
    assert state.answer() == 0
    assert [c for c in calls if c[0] == 1] == [(1, 0, SETTINGS.first)]


def test_costs_are_compared_on_the_same_futures():
    """Two candidates whose costs differ by less than the noise of a replication: the one
    dearer in every future is the dearer, whatever futures each ran."""
    state = Race(2, SETTINGS)
    shock = np.random.default_rng(0).normal(0, 5, 40)
    state.record(0, 0, [True] * 40, 100 + shock)
    state.record(1, 0, [True] * 10, 100.1 + shock[:10])
    assert state.dearer(1, 0) == pytest.approx(0.1)
    assert state.dearer(0, 1) == pytest.approx(-0.1)


def test_when_none_is_good_enough_there_is_no_answer():
    evaluate, _ = bernoulli([0.1, 0.3, 0.5], [1.0, 2.0, 3.0], seed=1)
    state = race(3, evaluate, SETTINGS)
    assert state.answer() is None
    assert all(s.verdict == FAILS for s in state.standings())


def test_a_candidate_on_the_line_is_resolved_and_left_undecided():
    """At 80% exactly it can be neither proven above nor below the line: it runs until its
    95% interval is within the resolution, then stops, undecided."""
    evaluate, _ = bernoulli([0.8], [1.0], seed=4)
    s = race(1, evaluate, RaceSettings(0.8, first=10, max_replications=2000)).standings()[0]
    assert s.verdict == UNDECIDED
    assert s.stopped.startswith("too close")
    assert half_width(s.met, s.replications) <= 0.05
    assert s.replications < 2000


def test_every_interval_at_every_look_holds_together_at_the_confidence_asked_for():
    """The verdicts' guarantee: over simulated paths of 5 candidates, the share of paths in
    which any candidate's interval at any look misses its true chance is at most 5%. (Each
    interval at the plain 95% would miss in about half of the paths: 30 chances to.)"""
    settings = RaceSettings(0.8, confidence=0.95, first=10, max_replications=320)
    looks, level = settings.looks(), settings.level(5)
    rng = np.random.default_rng(7)
    chances = [0.5, 0.7, 0.78, 0.85, 0.95]
    missed = 0
    for _ in range(300):
        path_missed = False
        for p in chances:
            met = np.cumsum(rng.random(looks[-1]) < p)
            for n in looks:
                low, high = clopper_pearson(int(met[n - 1]), n, level)
                path_missed |= not low <= p <= high
        missed += path_missed
    assert missed / 300 <= 0.05


def test_looks_and_level():
    s = RaceSettings(0.8, confidence=0.95, first=10, growth=2, max_replications=100)
    assert s.looks() == (10, 20, 40, 80, 100)
    assert s.level(4) == pytest.approx(1 - 0.05 / 20)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("probability", 1.0),
        ("probability", 0.0),
        ("confidence", 1.0),
        ("resolution", 0.0),
        ("first", 1),
        ("growth", 1.0),
        ("max_replications", 5),
    ],
)
def test_bad_settings_are_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=f"^{field} "):
        RaceSettings(**{"probability": 0.8, field: value})


def test_replications_must_come_in_order():
    state = Race(1, SETTINGS)
    state.record(0, 0, [True] * 10, [1.0] * 10)
    with pytest.raises(ValueError, match="in order"):
        state.record(0, 20, [True], [1.0])


@pytest.mark.parametrize(("k", "n"), [(0, 10), (3, 10), (10, 10), (150, 160), (250, 320)])
def test_clopper_pearson_is_scipy_s_exact_interval(k, n):
    ci = binomtest(k, n).proportion_ci(confidence_level=0.999, method="exact")
    assert clopper_pearson(k, n, 0.999) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_a_candidate_s_cost_is_read_against_the_most_run_on_the_same_futures():
    """Costs that swing from one future to another, the same in every candidate: a
    candidate run on 10 futures gets the cost of the one run on 320, plus its difference
    on those 10; its own mean over 10 futures would be off by the swing."""
    state = Race(2, SETTINGS)
    swing = np.random.default_rng(3).normal(0, 1e6, 320)
    state.record(0, 0, [True] * 320, 15e6 + swing)
    state.record(1, 0, [True] * 10, 15.2e6 + swing[:10])
    assert abs(np.mean(state.cost[1]) - 15.2e6) > 1e5  # its own mean: off by the swing
    assert state.mean_cost(1) == pytest.approx(15.2e6 + swing.mean(), rel=1e-9)
    assert state.mean_cost(0) == pytest.approx(15e6 + swing.mean(), rel=1e-9)
