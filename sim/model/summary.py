"""The summary of one replication: KPIs at the start, the end and on average, and the
caseload target result."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.config.council import CaseloadTarget, CouncilConfig, Unallocated
from sim.config.loader import config_hash
from sim.metrics import BY_COLUMN, SUMMARY_FLOWS, SUMMARY_KPIS, Ratio
from sim.version import __version__

if TYPE_CHECKING:
    from sim.model.simulation import CouncilModel


def _clean(x: Any) -> Any:
    """JSON-safe scalar: NaN becomes None."""
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return None if math.isnan(x) else round(x, 6)
    if isinstance(x, np.integer):
        return int(x)
    return x


WITH_WAITING = ("avg_caseload", "avg_caseload_qualified")
"""Caseload metrics whose targets count children waiting for a worker (their cases held and
case-holding FTE are the metric's ``Ratio`` in the registry)."""


def target_values(frame: pd.DataFrame, metric: str, unallocated: Unallocated) -> np.ndarray:
    """``metric`` each month as a target reads it: for a caseload with ``unallocated``
    ``count``, the children waiting added to the cases held (infinite where children wait
    and nobody holds cases); otherwise the column itself."""
    if unallocated == "ignore" or metric not in WITH_WAITING:
        return frame[metric].to_numpy(dtype=float)
    ratio = BY_COLUMN[metric].region
    assert isinstance(ratio, Ratio), f"{metric}: a caseload is cases held over case-holders"
    children = (frame[ratio.numerator] + frame["unallocated_cases"]).to_numpy(dtype=float)
    holders = frame[list(ratio.denominator)].sum(axis=1).to_numpy(dtype=float)
    nobody = holders <= 0
    out = np.divide(children, holders, out=np.full_like(children, np.nan), where=~nobody)
    out[nobody & (children > 0)] = np.inf
    return out


def evaluate_target(
    frame: pd.DataFrame,
    metric: str,
    date: dt.date,
    sustain_months: int = 0,
    max_value: float | None = None,
    min_value: float | None = None,
    unallocated: Unallocated = "count",
) -> dict[str, Any]:
    """Whether ``metric`` (as :func:`target_values` reads it) was within its bound at
    ``date`` (the last month end on or before it) and at each of the ``sustain_months``
    month ends before; the value and the children waiting for a worker then; and the first
    month (counted from the start) from which it stayed within bound to the end."""
    values = target_values(frame, metric, unallocated)
    with np.errstate(invalid="ignore"):
        ok = values <= max_value if max_value is not None else values >= min_value
    ok &= ~np.isnan(values)  # undefined (nobody in post) never meets a target
    dates = frame["date"].dt.date.to_numpy()
    upto = np.flatnonzero(dates <= date)
    i = int(upto[-1]) if len(upto) else 0
    window = ok[max(0, i - sustain_months) : i + 1]
    kept_from = None
    if ok[-1]:
        j = len(ok) - 1
        while j > 0 and ok[j - 1]:
            j -= 1
        kept_from = j
    return {
        "met": bool(len(window) == sustain_months + 1 and window.all()),
        "value": _clean(values[i]),
        "unallocated": _clean(frame["unallocated_cases"].iloc[i]),
        "evaluated_at": str(dates[i]),
        "kept_from_month": kept_from,
        "kept_from_date": None if kept_from is None else str(dates[kept_from]),
    }


def target_result(frame: pd.DataFrame, target: CaseloadTarget) -> dict[str, Any]:
    """The council config's headline caseload target, evaluated on one run."""
    r = evaluate_target(
        frame, target.metric, target.date, target.sustain_months, target.max, None,
        target.unallocated,
    )  # fmt: skip
    return {
        "metric": target.metric,
        "max": target.max,
        "target_date": str(target.date),
        "sustain_months": target.sustain_months,
        "unallocated": target.unallocated,
        "evaluated_at": r["evaluated_at"],
        "value_at_target_date": r["value"],
        "unallocated_at_target_date": r["unallocated"],
        "met": r["met"],
        "met_and_kept_from": r["kept_from_date"],
    }


def summarise(
    cfg: CouncilConfig, frame: pd.DataFrame, model: CouncilModel, seed: Any, wall_seconds: float
) -> dict[str, Any]:
    """The summary dict written to ``summary.json``."""
    months = frame.iloc[1:]
    cases = model.cases
    return {
        "name": cfg.name,
        "seed": seed
        if isinstance(seed, int)
        else {"entropy": seed.entropy, "spawn_key": list(seed.spawn_key)},
        "config_hash": config_hash(cfg),
        "version": __version__,
        "wall_seconds": round(wall_seconds, 3),
        "start_date": str(cfg.start_date),
        "horizon_months": cfg.horizon_months,
        "start": {k: _clean(frame[k].iloc[0]) for k in SUMMARY_KPIS},
        "end": {k: _clean(frame[k].iloc[-1]) for k in SUMMARY_KPIS},
        "mean": {k: _clean(months[k].mean()) for k in SUMMARY_KPIS},
        "totals": {k: _clean(months[k].sum()) for k in SUMMARY_FLOWS},
        "mean_time_in_system_days": _clean(
            cases.closed_time_in_system_days / cases.children_closed
            if cases.children_closed
            else math.nan
        ),
        "target": target_result(frame, cfg.target),
        "policies": {
            p.spec.key: {"cost_gbp": round(p.total_cost_gbp, 2), "effects": p.sampled}
            for p in model.policies
        },
    }
