"""Duration distributions (all in days) as validated config objects with fast samplers.

Each distribution is a frozen pydantic model selected by its ``dist`` key. The model
draws from them in blocks (``sim.model.rng.sampler``), because a numpy scalar draw costs
several times more than reading the next array element.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_DAYS = 36525.0  # a century: longer durations are typing mistakes, and would overflow


class _Dist(BaseModel):
    # strict: a number must be written as a number (not ``true`` or ``"30"``)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    def mean(self) -> float:  # pragma: no cover - overridden
        """Mean duration in days."""
        raise NotImplementedError

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        """``n`` independent durations in days."""
        raise NotImplementedError


class Fixed(_Dist):
    """Every stage lasts exactly ``days``."""

    dist: Literal["fixed"]
    days: float = Field(ge=0, le=MAX_DAYS, allow_inf_nan=False)

    def mean(self) -> float:
        return self.days

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.days)


class Exponential(_Dist):
    """Memoryless duration with the given mean (days)."""

    dist: Literal["exponential"]
    mean_days: float = Field(gt=0, le=MAX_DAYS, allow_inf_nan=False)

    def mean(self) -> float:
        return self.mean_days

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_days, n)


class _MeanSd(_Dist):
    """A duration given by its own mean and standard deviation (days)."""

    mean_days: float = Field(gt=0, le=MAX_DAYS, allow_inf_nan=False)
    sd_days: float = Field(gt=0, le=MAX_DAYS, allow_inf_nan=False)

    def mean(self) -> float:
        return self.mean_days


class Lognormal(_MeanSd):
    """Lognormal duration with the given mean and standard deviation (days)."""

    dist: Literal["lognormal"]

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma2 = math.log1p((self.sd_days / self.mean_days) ** 2)
        mu = math.log(self.mean_days) - sigma2 / 2
        return rng.lognormal(mu, math.sqrt(sigma2), n)


class Gamma(_MeanSd):
    """Gamma duration with the given mean and standard deviation (days)."""

    dist: Literal["gamma"]

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = (self.mean_days / self.sd_days) ** 2
        return rng.gamma(shape, self.mean_days / shape, n)


class Band(BaseModel):
    """One band of an empirical distribution: ``share`` of durations up to ``upto_days``."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
    upto_days: float = Field(gt=0, le=MAX_DAYS, allow_inf_nan=False)
    share: float = Field(ge=0, le=1, allow_inf_nan=False)


class Banded(_Dist):
    """Empirical banded distribution (e.g. DfE CP plan duration bands), uniform in a band.

    Bands are given in increasing ``upto_days``; the first band starts at ``from_days``.
    """

    dist: Literal["banded"]
    from_days: float = Field(default=0.0, ge=0, le=MAX_DAYS, allow_inf_nan=False)
    bands: list[Band] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Banded:
        edges = [self.from_days] + [b.upto_days for b in self.bands]
        if any(b <= a for a, b in itertools.pairwise(edges)):
            raise ValueError(f"band upper limits must increase from from_days; got {edges}")
        total = sum(b.share for b in self.bands)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"band shares must sum to 1; they sum to {total:.6g}")
        return self

    def _edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lo = np.array([self.from_days] + [b.upto_days for b in self.bands[:-1]])
        hi = np.array([b.upto_days for b in self.bands])
        p = np.array([b.share for b in self.bands])
        return lo, hi, p / p.sum()

    def mean(self) -> float:
        lo, hi, p = self._edges()
        return float(np.sum(p * (lo + hi) / 2))

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lo, hi, p = self._edges()
        k = rng.choice(len(p), size=n, p=p)
        return lo[k] + (hi[k] - lo[k]) * rng.random(n)


Duration = Annotated[Fixed | Exponential | Lognormal | Gamma | Banded, Field(discriminator="dist")]


def equilibrium_split(
    dist: _Dist, rng: np.random.Generator, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Remaining and elapsed durations (days) of ``n`` stages already under way in a
    stationary system.

    In steady state a stage found in progress has a length-biased total duration and an
    elapsed part uniform on it; starting from this avoids a start-up transient.
    """
    if n == 0:
        return np.zeros(0), np.zeros(0)
    candidates = dist.draw(rng, min(max(20 * n, 2000), 2_000_000))
    total = candidates.sum()
    if total <= 0:
        return np.zeros(n), np.zeros(n)
    picked = rng.choice(candidates, size=n, p=candidates / total)
    remaining = picked * rng.random(n)
    return remaining, picked - remaining


def equilibrium_remaining(dist: _Dist, rng: np.random.Generator, n: int) -> np.ndarray:
    """Remaining durations (days) of ``n`` stages already under way (``equilibrium_split``)."""
    return equilibrium_split(dist, rng, n)[0]


def pending_within(
    dist: _Dist, rng: np.random.Generator, flow_per_day: float, horizon_days: float
) -> np.ndarray:
    """Delays (days) still to run, at the start, of a steady flow of ``flow_per_day`` items
    each delayed by ``dist`` (e.g. closed cases waiting to be re-referred), keeping only
    those that end within ``horizon_days``: a Poisson number with mean flow x
    integral_0^H S(t) dt, each with density proportional to the survival S on [0, H]."""
    if flow_per_day <= 0 or horizon_days <= 0:
        return np.zeros(0)
    d = np.sort(dist.draw(rng, 20_000))
    grid = np.linspace(0.0, horizon_days, 2001)
    survival = 1.0 - np.searchsorted(d, grid, side="right") / len(d)
    area = np.concatenate([[0.0], np.cumsum((survival[1:] + survival[:-1]) / 2 * np.diff(grid))])
    if area[-1] <= 0:
        return np.zeros(0)
    n = int(rng.poisson(flow_per_day * area[-1]))
    return np.interp(rng.random(n) * area[-1], area, grid)
