"""A region (England) as its councils side by side: who they are, and each one's config as
the region's config scaled to the council's share.

An experiment file with a ``councils:`` block runs every scenario in every council (one
task per council and chunk of replications, so it parallelises) and adds the councils up
into the region's series; see ``sim.experiment.region``.
"""

from __future__ import annotations

import math
import re
from statistics import NormalDist
from typing import Any

from pydantic import Field, model_validator

from sim.config.council import CouncilConfig, Strict

# Fields of a council config that grow with the council's size (everything else is a
# rate, a share, a duration, a target or a price per worker, and stays as it is).
EXTENSIVE_FIELDS: tuple[tuple[str, ...], ...] = (
    ("demand", "referrals_per_year"),
    ("demand", "uasc_per_year"),
    ("initial_cases", "assessment"),
    ("initial_cases", "cin"),
    ("initial_cases", "cp"),
    ("initial_cases", "lac"),
    ("initial_workforce", "permanent_fte"),
    ("initial_workforce", "asye_fte"),
    ("initial_workforce", "agency_fte"),
    ("establishment", "fte"),
    ("establishment", "team_managers_fte"),
    ("recruitment", "pool_adverts"),
)
# ... and the lists of dated steps whose ``fte`` grows with it.
EXTENSIVE_SCHEDULES: tuple[tuple[str, str], ...] = (
    ("establishment", "schedule"),
    ("establishment", "team_manager_schedule"),
)
# Keys of a policy block that are totals for the whole council (a programme's yearly cost,
# a cohort's size) rather than amounts per worker.
EXTENSIVE_POLICY_KEYS = frozenset({"cost_gbp_per_year", "size"})


class Councils(Strict):
    """The councils of a region: explicit ``shares`` (name -> share of the region, e.g. each
    council's children in need; normalised to sum to 1), or ``count`` councils whose sizes
    follow a lognormal spread with ``size_sd_log`` (standard deviation of log size)."""

    shares: dict[str, float] | None = None
    count: int | None = Field(default=None, ge=1, le=1000)
    size_sd_log: float = Field(default=0.0, ge=0, le=3, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_way(self) -> Councils:
        if (self.shares is None) == (self.count is None):
            raise ValueError("give exactly one of shares and count")
        if self.shares is not None:
            if not self.shares:
                raise ValueError("shares: list at least one council")
            for name, share in self.shares.items():
                if not share > 0 or share == float("inf"):
                    raise ValueError(f"shares: {name!r} has share {share}; must be above 0")
        return self

    def share_of(self) -> dict[str, float]:
        """Each council's share of the region (summing to 1), in a fixed order."""
        if self.shares is not None:
            total = sum(self.shares.values())
            return {name: s / total for name, s in self.shares.items()}
        n = self.count or 0
        # Deterministic sizes: the lognormal's quantiles at (i - 1/2) / n, no draws.
        z = NormalDist()
        sizes = [math.exp(self.size_sd_log * z.inv_cdf((i + 0.5) / n)) for i in range(n)]
        total = sum(sizes)
        width = len(str(n))
        return {f"council_{i + 1:0{width}d}": s / total for i, s in enumerate(sizes)}


def slug(name: str) -> str:
    """A folder name for a council."""
    return re.sub(r"[^A-Za-z0-9_\-]+", "_", name).strip("_") or "council"


def _scaled(value: float | None, share: float) -> float | None:
    """``value`` x ``share``, rounded to a whole number if ``value`` counts whole things
    (``None``, no limit, stays so)."""
    if value is None:
        return None
    return round(value * share) if isinstance(value, int) else value * share


def scale_config(cfg: CouncilConfig, share: float, name: str) -> CouncilConfig:
    """``cfg`` scaled to a council holding ``share`` of it: counts rounded to whole
    children and workers, everything intensive unchanged."""
    data = cfg.model_dump(mode="python")
    for section, key in EXTENSIVE_FIELDS:
        data[section][key] = _scaled(data[section][key], share)
    for section, key in EXTENSIVE_SCHEDULES:
        for step in data[section][key]:
            step["fte"] *= share
    data["name"] = f"{cfg.name}: {name}"
    return CouncilConfig.model_validate(data)


def scale_policy_data(policy: dict[str, Any], share: float) -> dict[str, Any]:
    """A policy block (as plain data) with its council-wide totals scaled by ``share``."""

    def walk(x: Any) -> Any:
        if isinstance(x, dict):
            out = {}
            for k, v in x.items():
                if k in EXTENSIVE_POLICY_KEYS and isinstance(v, int | float):
                    out[k] = _scaled(v, share)
                else:
                    out[k] = walk(v)
            return out
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return walk(policy)
