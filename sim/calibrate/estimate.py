"""One estimated value with its 95% interval, the return and window it comes from, and
whether it rests on thin data; and the standard intervals (binomial shares, Poisson rates)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.rates import confint_poisson

from sim.experiment.stats import Z95, wilson
from sim.model.timeline import DAYS_PER_YEAR

THIN = 30
"""Fewer events or records than this behind an estimate and it is flagged ``thin:``."""


@dataclass(frozen=True)
class Window:
    """The days calibration reads: ``start`` to ``end`` (both included); nothing after."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def days(self) -> float:
        return float((self.end - self.start).days + 1)

    @property
    def years(self) -> float:
        return self.days / DAYS_PER_YEAR

    @property
    def stop(self) -> pd.Timestamp:
        """The day after the window: what happens from this day on is not read."""
        return self.end + pd.Timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"


@dataclass(frozen=True)
class Estimate:
    """A value estimated from the returns, with its 95% interval (None: not computed)."""

    value: float
    low: float | None
    high: float | None
    n: int
    """Events (or records) the estimate rests on."""
    unit: str
    """What ``n`` counts, e.g. "closures", "leavers"."""
    source: str
    """The return and its records, e.g. "CIN census referrals"."""
    window: Window
    how: str = ""
    """How it was estimated, when that is not plain from the value's field."""

    @property
    def thin(self) -> bool:
        return self.n < THIN

    def covers(self, truth: float) -> bool:
        """Whether the 95% interval holds ``truth``."""
        if self.low is None or self.high is None:
            return False
        return self.low <= truth <= self.high

    def note(self, fmt: str = ".3g") -> str:
        """The YAML comment: thin flag, return, window, value and interval, count, how."""
        interval = (
            f" (95% {_f(self.low, fmt)} to {_f(self.high, fmt)})"
            if self.low is not None and self.high is not None
            else " (no interval)"
        )
        thin = f"thin: {self.n} {self.unit}; " if self.thin else ""
        how = f"; {self.how}" if self.how else ""
        return (
            f"{thin}{self.source}, {self.window}: {_f(self.value, fmt)}{interval}, "
            f"{self.n:,} {self.unit}{how}"
        )


def _f(x: float | None, fmt: str) -> str:
    if x is None or not math.isfinite(x):
        return "unbounded" if x is not None and x > 0 else "n/a"
    return format(x, fmt)


def share(k: int, n: int, source: str, window: Window, unit: str, how: str = "") -> Estimate:
    """The share ``k`` of ``n``, with Wilson's 95% interval (``n`` 0: share 0, interval
    0 to 1)."""
    if n <= 0:
        return Estimate(0.0, 0.0, 1.0, 0, unit, source, window, how or "no records")
    low, high = wilson(k, n)
    # Wilson's bounds at k = 0 or n are 0 and 1 up to rounding: make them exactly so
    low = 0.0 if k == 0 else low
    high = 1.0 if k == n else high
    return Estimate(k / n, low, high, n, unit, source, window, how)


def rate(
    k: int, exposure: float, source: str, window: Window, unit: str, how: str = ""
) -> Estimate:
    """Events per unit of exposure, ``k`` / ``exposure``, with the exact (Garwood) Poisson
    95% interval; ``exposure`` 0 gives a rate of 0 with no upper bound."""
    if exposure <= 0:
        return Estimate(0.0, 0.0, math.inf, k, unit, source, window, how or "no exposure")
    low, high = confint_poisson(k, exposure, method="exact-c")
    return Estimate(k / exposure, float(low), float(high), k, unit, source, window, how)


def normal(
    value: float,
    se: float,
    n: int,
    unit: str,
    source: str,
    window: Window,
    how: str = "",
    log: bool = False,
) -> Estimate:
    """A value with a normal 95% interval from its standard error (``log``: the standard
    error is of the value's logarithm, so the interval is value x exp(+-1.96 se))."""
    if not math.isfinite(se):
        return Estimate(value, None, None, n, unit, source, window, how)
    if log:
        return Estimate(
            value,
            value * math.exp(-Z95 * se),
            value * math.exp(Z95 * se),
            n,
            unit,
            source,
            window,
            how,
        )
    return Estimate(value, value - Z95 * se, value + Z95 * se, n, unit, source, window, how)


def sig(x: float, digits: int = 4) -> float:
    """``x`` to ``digits`` significant figures (the config needs no more)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def round_shares(shares: np.ndarray, places: int = 4) -> list[float]:
    """Shares rounded to ``places`` decimals that still sum to 1 (the largest absorbs the
    rounding)."""
    out = [round(float(s), places) for s in shares]
    k = int(np.argmax(out))
    out[k] = round(1.0 - sum(out[:k]) - sum(out[k + 1 :]), places + 2)
    return out
