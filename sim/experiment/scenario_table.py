"""The scenario table: per scenario and target, the probability of meeting it with a 95%
interval, the spread of the KPI at the target date, the months until it is met for good
(Kaplan-Meier, counting the futures that never get there), cost, and the paired comparison
with the baseline on the same simulated futures."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats  # type: ignore[import-untyped]  # (no stubs installed)

from sim.config.experiment import ResolvedExperiment
from sim.experiment.replication import target_columns
from sim.experiment.stats import half_width, newcombe_paired, wilson


def _q(x: pd.Series, q: float) -> float:
    x = x.dropna()
    return float(np.quantile(x, q)) if len(x) else math.nan


def scenario_table(exp: ResolvedExperiment, reps: pd.DataFrame) -> pd.DataFrame:
    """One row per scenario x target (scenario order as in the experiment file)."""
    base_name = exp.baseline.name
    base = reps[reps["scenario"] == base_name].set_index("replication")
    out = []
    for sc in exp.scenarios:
        mine = reps[reps["scenario"] == sc.name].set_index("replication")
        paired = mine.index.intersection(base.index)
        for t in exp.spec.targets:
            cols = target_columns(t)
            met = mine[cols["met"]].astype(bool)
            n, k = len(met), int(met.sum())
            lo, hi = wilson(k, n)
            value = mine[cols["value"]]
            kept = mine[cols["kept_from_month"]]
            horizon = sc.config.horizon_months
            km, km_low, km_high = months_to_target(kept.to_numpy(dtype=float), horizon)
            row = {
                "scenario": sc.name,
                "description": sc.description,
                "baseline": sc.name == base_name,
                "target": t.name,
                "target_description": t.description,
                "metric": t.metric,
                "bound": f"<= {t.max:g}" if t.max is not None else f">= {t.min:g}",
                "target_date": str(t.date),
                "replications": n,
                "met": k,
                "p_met": k / n if n else math.nan,
                "p_low": lo,
                "p_high": hi,
                "value_median": _q(value, 0.5),
                "value_p5": _q(value, 0.05),
                "value_p95": _q(value, 0.95),
                "unallocated_median": _q(mine[cols["unallocated"]], 0.5),
                "months_to_target_km": km,
                "months_to_target_km_low": km_low,
                "months_to_target_km_high": km_high,
                "horizon_months": horizon,
                "share_never_kept": float(kept.isna().mean()) if n else math.nan,
                "cost_per_year_gbp": float(mine["cost_per_year_gbp"].mean()),
                "policy_cost_per_year_gbp": float(mine["policy_cost_per_year_gbp"].mean()),
            }
            row.update(_versus_baseline(mine.loc[paired], base.loc[paired], cols, t.max))
            out.append(row)
    return pd.DataFrame(out)


def _versus_baseline(
    mine: pd.DataFrame, base: pd.DataFrame, cols: dict[str, str], max_bound: float | None
) -> dict[str, float]:
    """Paired differences over the replications both scenarios ran."""
    x, y = mine[cols["met"]].astype(bool), base[cols["met"]].astype(bool)
    diff, lo, hi = newcombe_paired(x.to_numpy(), y.to_numpy())
    v, bv = mine[cols["value"]], base[cols["value"]]
    better_value = (v < bv) if max_bound is not None else (v > bv)
    extra = float((mine["cost_per_year_gbp"] - base["cost_per_year_gbp"]).mean())
    return {
        "diff_vs_baseline": diff,
        "diff_low": lo,
        "diff_high": hi,
        "share_met_where_baseline_did_not": float((x & ~y).mean()) if len(x) else math.nan,
        "share_missed_where_baseline_met": float((~x & y).mean()) if len(x) else math.nan,
        "share_better_value": float(better_value.mean()) if len(x) else math.nan,
        "extra_cost_per_year_gbp": extra,
        "gbp_per_percentage_point": cost_per_point(extra, diff, lo),
    }


def cost_per_point(extra: float, diff: float, diff_low: float) -> float:
    """Extra pounds a year per percentage point of chance gained over the baseline; NaN
    unless the paired 95% interval of the gain excludes 0 (a gain that may be nothing has
    no price) and the policy costs more (one that saves money is cheaper outright, not at a
    negative price per point)."""
    if not (diff_low > 0 and extra > 0 and math.isfinite(extra)):
        return math.nan
    return extra / (100 * diff)


def months_to_target(kept: np.ndarray, horizon: int) -> tuple[float, float, float]:
    """Median months from the start until the target is met for good, and its 95% interval:
    the Kaplan-Meier estimate (scipy) over every simulated future, a future that never
    meets it for good (NaN) counted as censored at the horizon (``horizon`` months). Each
    is NaN where the estimate (or that end of its log-log interval) does not fall to a
    half within the horizon: "not within the horizon", never the median of only the
    futures that got there."""
    kept = np.asarray(kept, dtype=float)
    if not len(kept):
        return math.nan, math.nan, math.nan
    met = ~np.isnan(kept)
    data = stats.CensoredData(
        uncensored=kept[met], right=np.full(int((~met).sum()), float(horizon))
    )
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():
        # The interval is undefined where the estimate is 0 or 1 (there it is that value).
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = sf.confidence_interval(0.95, method="log-log")
    point = sf.probabilities
    low = np.where(np.isnan(ci.low.probabilities), point, ci.low.probabilities)
    high = np.where(np.isnan(ci.high.probabilities), point, ci.high.probabilities)
    times = sf.quantiles
    return _half(times, point), _half(times, low), _half(times, high)


def with_months_to_target(
    table: pd.DataFrame, reps: pd.DataFrame, horizons: dict[str, int]
) -> pd.DataFrame:
    """``table`` (a ``scenarios.csv``) with the Kaplan-Meier months to target computed from
    ``reps`` where it lacks them (a folder written before they were in the table), each
    scenario censored at its horizon (``horizons``: months by scenario)."""
    if "months_to_target_km" in table:
        return table
    out = table.copy()
    cols = ["months_to_target_km", "months_to_target_km_low", "months_to_target_km_high"]
    values = []
    for _, r in out.iterrows():
        mine = reps.loc[reps["scenario"] == r["scenario"], f"{r['target']}_kept_from_month"]
        values.append(months_to_target(mine.to_numpy(dtype=float), horizons[r["scenario"]]))
    out[cols] = pd.DataFrame(values, columns=cols, index=out.index)
    out["horizon_months"] = [horizons[s] for s in out["scenario"]]
    return out.drop(columns=["months_to_target_median"], errors="ignore")


def _half(times: np.ndarray, survival: np.ndarray) -> float:
    """The first time at which a survival curve is at or below one half (NaN if never)."""
    below = np.flatnonzero(survival <= 0.5 + 1e-12)
    return float(times[below[0]]) if len(below) else math.nan


def worst_half_width(exp: ResolvedExperiment, reps: pd.DataFrame) -> float:
    """The widest interval half-width over scenarios and targets (precision mode)."""
    worst = 0.0
    for sc in exp.scenarios:
        mine = reps[reps["scenario"] == sc.name]
        for t in exp.spec.targets:
            met = mine[target_columns(t)["met"]].astype(bool)
            worst = max(worst, half_width(int(met.sum()), len(met)))
    return worst
