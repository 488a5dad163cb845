"""One task of an experiment: a chunk of replications of one scenario, reduced to a tidy
row per replication and the monthly series."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.config.experiment import ResolvedExperiment, Target
from sim.config.uncertain import column
from sim.experiment.uncertain import replication_config
from sim.metrics import SUMMARY_KPIS
from sim.model.rng import replication_seed
from sim.model.run import run_one
from sim.model.summary import evaluate_target

log = logging.getLogger(__name__)


def target_columns(target: Target) -> dict[str, str]:
    """Column names of one target's results in ``replications``."""
    return {k: f"{target.name}_{k}" for k in ("met", "value", "unallocated", "kept_from_month")}


def replication_row(
    exp: ResolvedExperiment,
    scenario_index: int,
    replication: int,
    frame: pd.DataFrame,
    summary: dict[str, Any],
) -> dict[str, Any]:
    """The tidy record of one replication: targets, final and mean KPIs, costs, sampled
    policy effects (``effect.<policy>.<name>``) and uncertain config values
    (``uncertain.<path>``, from ``summary["uncertain"]``)."""
    sc = exp.scenarios[scenario_index]
    row: dict[str, Any] = {
        "scenario": sc.name,
        "replication": replication,
        "root_seed": exp.spec.root_seed,
    }
    for t in exp.spec.targets:
        r = evaluate_target(frame, t.metric, t.date, t.sustain_months, t.max, t.min, t.unallocated)
        cols = target_columns(t)
        row[cols["met"]] = r["met"]
        row[cols["value"]] = np.nan if r["value"] is None else r["value"]
        row[cols["unallocated"]] = np.nan if r["unallocated"] is None else r["unallocated"]
        row[cols["kept_from_month"]] = (
            np.nan if r["kept_from_month"] is None else float(r["kept_from_month"])
        )
    months = frame.iloc[1:]
    years = sc.config.horizon_months / 12
    for k in SUMMARY_KPIS:
        row[f"final_{k}"] = float(frame[k].iloc[-1])
        row[f"mean_{k}"] = float(months[k].mean())
    row["total_cost_gbp"] = float(months["cost_gbp"].sum())
    row["cost_per_year_gbp"] = row["total_cost_gbp"] / years
    row["policy_cost_per_year_gbp"] = float(months["cost_policy_gbp"].sum()) / years
    row["sw_changes_per_year"] = float(months["sw_changes"].sum()) / years
    for key, p in summary["policies"].items():
        for name, value in p["effects"].items():
            row[f"effect.{key}.{name}"] = value
    for path, value in summary.get("uncertain", {}).items():
        row[column(path)] = value
    return row


@dataclass
class ChunkResult:
    """What a task returns: rows and series of the replications that finished, and a
    record of any that raised."""

    rows: pd.DataFrame
    series: pd.DataFrame
    failures: list[dict[str, Any]] = field(default_factory=list)


def run_chunk(exp: ResolvedExperiment, scenario_index: int, start: int, stop: int) -> ChunkResult:
    """Replications ``start`` to ``stop - 1`` of one scenario.

    Replication k uses the seed sequence k of the root seed in every scenario (common
    random numbers), and the same uncertain config values (``sim.experiment.uncertain``), so
    scenarios differ only by their configs and policies. A replication that raises is
    recorded and the others go on."""
    sc = exp.scenarios[scenario_index]
    rows, series, failures = [], [], []
    for k in range(start, stop):
        try:
            seed = replication_seed(exp.spec.root_seed, k)
            cfg, values = replication_config(exp, scenario_index, k)
            frame, summary = run_one(cfg, seed, sc.policies)
            if values:
                summary["uncertain"] = values
            rows.append(replication_row(exp, scenario_index, k, frame, summary))
        except Exception as exc:  # one bad replication must not lose the others
            # One line on the terminal (the error), the traceback in failures.log
            log.debug("scenario %s replication %d failed", sc.name, k, exc_info=True)
            failures.append(
                {
                    "scenario": sc.name,
                    "replication": k,
                    "root_seed": exp.spec.root_seed,
                    "error": f"{type(exc).__name__}: {exc}",
                    "where": traceback.format_exc(limit=-1).strip().splitlines()[-2:],
                    "traceback": traceback.format_exc(),
                }
            )
            continue
        frame.insert(0, "replication", k)
        frame.insert(0, "scenario", sc.name)
        series.append(frame)
    return ChunkResult(
        pd.DataFrame(rows),
        pd.concat(series, ignore_index=True) if series else pd.DataFrame(),
        failures,
    )
