"""The experiment statistics (sim/experiment/stats.py): Wilson and paired Newcombe
intervals cover a known probability and difference at about the nominal 95%."""

from __future__ import annotations

import numpy as np

from sim.experiment.stats import newcombe_paired, wilson


def test_wilson_interval_covers_a_known_probability_at_the_nominal_rate():
    rng = np.random.default_rng(1)
    for p, n in ((0.3, 50), (0.05, 200), (0.9, 100)):
        k = rng.binomial(n, p, size=4000)
        cover = np.mean([lo <= p <= hi for lo, hi in (wilson(int(x), n) for x in k)])
        assert 0.93 <= cover <= 0.975, f"p={p} n={n}: coverage {cover:.3f}"


def test_paired_interval_covers_a_known_difference():
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(1000):
        u = rng.random(100)
        base, policy = u < 0.4, u < 0.55  # correlated pairs, true difference 0.15
        _, lo, hi = newcombe_paired(policy, base)
        hits += lo <= 0.15 <= hi
    assert 0.93 <= hits / 1000 <= 0.985
