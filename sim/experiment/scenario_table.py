"""The scenario table: per scenario and target, the probability of meeting it with a 95%
interval, the spread of the KPI at the target date, cost, and the paired comparison with
the baseline on the same simulated futures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

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
                "months_to_target_median": _q(kept, 0.5),
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
        "gbp_per_percentage_point": extra / (100 * diff) if diff > 0 else math.nan,
    }


def worst_half_width(exp: ResolvedExperiment, reps: pd.DataFrame) -> float:
    """The widest interval half-width over scenarios and targets (precision mode)."""
    worst = 0.0
    for sc in exp.scenarios:
        mine = reps[reps["scenario"] == sc.name]
        for t in exp.spec.targets:
            met = mine[target_columns(t)["met"]].astype(bool)
            worst = max(worst, half_width(int(met.sum()), len(met)))
    return worst
