"""Probabilities of meeting a target with intervals, and paired comparisons on common
random numbers."""

from __future__ import annotations

import math

import numpy as np

Z95 = 1.959963984540054


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (NaNs when n = 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_paired(
    policy: np.ndarray, baseline: np.ndarray, z: float = Z95
) -> tuple[float, float, float]:
    """Difference in proportions ``mean(policy) - mean(baseline)`` of paired binary
    outcomes, with Newcombe's (1998, method 10) score interval, which uses the
    correlation of the pairs: replications on common random numbers are paired."""
    x = np.asarray(policy, dtype=bool)
    y = np.asarray(baseline, dtype=bool)
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    a = int(np.sum(x & y))
    b = int(np.sum(x & ~y))
    c = int(np.sum(~x & y))
    d = n - a - b - c
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n, z)
    l2, u2 = wilson(a + c, n, z)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    phi = (a * d - b * c) / math.sqrt(denom) if denom > 0 else 0.0
    delta = p1 - p2
    lower = delta - math.sqrt(
        max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    )
    upper = delta + math.sqrt(
        max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    )
    return delta, max(-1.0, lower), min(1.0, upper)


def half_width(k: int, n: int) -> float:
    """Half the width of the Wilson interval of k/n (1 when n = 0)."""
    lo, hi = wilson(k, n)
    return 1.0 if n == 0 else (hi - lo) / 2
