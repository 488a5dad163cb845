"""The arithmetic of a backtest: the model's fan (median, 50% and 90% bands over
replications) at an observed point, whether the point lies inside each band, its probability
integral transform (PIT), and the coverage of a set of points.

If the model's spread is right, about half the points lie inside their 50% bands and nine in
ten inside their 90% bands, and the PITs are spread evenly over 0 to 1 (PITs near 0 or 1:
the fan is too narrow or off-centre; bunched near 0.5: too wide). Points of one series in
successive years are not independent draws, so a handful of points says little either way.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from sim.experiment.stats import wilson

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The fan: 90% band (5th-95th percentile), 50% band (25th-75th), median. Quantiles over
replications, linear interpolation between order statistics (numpy's default)."""
PIT_BINS = 5
"""Bins of the PIT histogram: 0-0.2, 0.2-0.4, ..., 0.8-1 (1 itself in the last)."""


@dataclass(frozen=True)
class Score:
    """One observed value against the model's replications at its date."""

    replications: int
    """Replications with a value there (an undefined value, e.g. a caseload with nobody in
    post, is left out)."""
    median: float
    band50_low: float
    band50_high: float
    band90_low: float
    band90_high: float
    inside_50: bool
    inside_90: bool
    pit: float
    """Share of replications below the observed value, ties counted half."""


def score(values: np.ndarray, observed: float) -> Score:
    """``observed`` against the model's ``values`` (one per replication, NaNs dropped);
    bands include their ends."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        nan = math.nan
        return Score(0, nan, nan, nan, nan, nan, False, False, nan)
    p05, p25, p50, p75, p95 = (float(q) for q in np.quantile(v, QUANTILES))
    pit = (float(np.sum(v < observed)) + 0.5 * float(np.sum(v == observed))) / len(v)
    return Score(
        len(v),
        p50,
        p25,
        p75,
        p05,
        p95,
        bool(p25 <= observed <= p75),
        bool(p05 <= observed <= p95),
        pit,
    )


def score_dict(values: np.ndarray, observed: float) -> dict[str, float | int | bool]:
    """:func:`score` as a plain dict (a row of ``backtest.csv``)."""
    return asdict(score(values, observed))


KS_MIN_POINTS = 5
"""Fewer PITs than this get no KS p-value (the approximation is poor, the test toothless)."""


def ks_uniform(pits: np.ndarray) -> tuple[float, float]:
    """Kolmogorov-Smirnov distance D of the PITs from the uniform distribution on 0-1, and
    its p-value from the Kolmogorov distribution with Stephens' small-sample correction
    (approximate; NaN without points, p NaN under ``KS_MIN_POINTS``)."""
    u = np.sort(np.asarray(pits, dtype=float))
    u = u[~np.isnan(u)]
    n = len(u)
    if n == 0:
        return math.nan, math.nan
    i = np.arange(1, n + 1)
    d = float(max(np.max(i / n - u), np.max(u - (i - 1) / n)))
    if n < KS_MIN_POINTS:
        return d, math.nan
    lam = (math.sqrt(n) + 0.12 + 0.11 / math.sqrt(n)) * d
    if lam < 0.2:  # the series converges slowly there and the p-value is 1 to 4 places
        return d, 1.0
    p = 2 * sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return d, min(1.0, max(0.0, p))


def pit_histogram(pits: np.ndarray) -> list[int]:
    """Counts of PITs in each of ``PIT_BINS`` equal bins of 0-1."""
    u = np.asarray(pits, dtype=float)
    u = u[~np.isnan(u)]
    counts, _ = np.histogram(u, bins=PIT_BINS, range=(0.0, 1.0))
    return [int(c) for c in counts]


def coverage_row(points: pd.DataFrame, scope: str) -> dict[str, object]:
    """Coverage of ``points`` (rows of ``backtest.csv``; those without replications left
    out): how many lie inside the 50% and 90% bands, the shares with Wilson 95% intervals
    beside the expected 0.5 and 0.9, the mean PIT (expected 0.5), the PIT histogram and the
    KS distance from uniform."""
    p = points[points["replications"] > 0]
    n = len(p)
    row: dict[str, object] = {"scope": scope, "points": n}
    for band, expected in (("50", 0.5), ("90", 0.9)):
        k = int(p[f"inside_{band}"].astype(bool).sum())
        low, high = wilson(k, n)
        row |= {
            f"inside_{band}": k,
            f"share_{band}": k / n if n else math.nan,
            f"share_{band}_low": low,
            f"share_{band}_high": high,
            f"expected_{band}": expected,
        }
    pits = p["pit"].to_numpy(dtype=float)
    d, pval = ks_uniform(pits)
    row |= {"mean_pit": float(pits.mean()) if n else math.nan, "ks_d": d, "ks_p": pval}
    for b, count in enumerate(pit_histogram(pits)):
        row[f"pit_{b * 20:02d}_{(b + 1) * 20:02d}"] = count
    return row


def coverage(points: pd.DataFrame) -> pd.DataFrame:
    """``coverage.csv``: every point together (scope ``all``), then each metric in the order
    it first appears."""
    rows = [coverage_row(points, "all")]
    for metric in dict.fromkeys(points["metric"]):
        rows.append(coverage_row(points[points["metric"] == metric], str(metric)))
    return pd.DataFrame(rows)
