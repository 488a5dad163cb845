"""``csc-sim check``: validate a config or experiment without running it and say what
would run, with a rough time estimate."""

from __future__ import annotations

import os
from pathlib import Path

from sim.config.council import CouncilConfig
from sim.config.experiment import load_experiment
from sim.config.loader import load_config, read_yaml
from sim.config.uncertain import describe as describe_prior
from sim.config.uncertain import prior_mean, value_at
from sim.experiment.region import council_experiments
from sim.model import core
from sim.model.steady_state import stage_entry_rates

# Fitted to the 2-core reference machine (benchmarks/README.md, 2026-11-26). Compiled
# core: a 5-year Manchester replication (69,000 stage entries, 5,000 children open) 0.185 s;
# Cheshire East (39,000, 2,500) 0.10 s; England (6.0 million, 403,000) 38 s. Core from
# Python source: 0.27 s, 0.15 s, 62 s. The cost of a stage entry grows with the number of
# children open (a larger event queue, more cache misses): (seconds per stage entry with
# about 5,000 children open, exponent of that growth), by how the core runs (sim/model/core.py).
SECONDS_PER_STAGE_ENTRY = {"compiled": (2.45e-6, 0.20), "python": (3.7e-6, 0.22)}
SECONDS_PER_WORKER_MONTH = 1.2e-6


def estimate_seconds(cfg: CouncilConfig) -> float:
    """Rough seconds for one replication on one core: proportional to the stage entries
    over the horizon plus the workforce's monthly draws."""
    d = cfg.demand
    years = cfg.horizon_months / 12
    entries = (
        sum(stage_entry_rates(cfg.pathway, d.referrals_per_year, d.rereferral.probability).values())
        * years
    )
    open_children = sum(getattr(cfg.initial_cases, s) for s in ("assessment", "cin", "cp", "lac"))
    entries += open_children
    seconds, exponent = SECONDS_PER_STAGE_ENTRY[core.MODE]
    per_entry = seconds * max(1.0, open_children / 5000) ** exponent
    workers = cfg.establishment.fte
    return entries * per_entry + workers * cfg.horizon_months * SECONDS_PER_WORKER_MONTH


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _council_lines(cfg: CouncilConfig) -> list[str]:
    ic = cfg.initial_cases
    w = cfg.initial_workforce
    return [
        f"  {cfg.name}: {cfg.horizon_months} months from {cfg.start_date}",
        f"  referrals {cfg.demand.referrals_per_year:,.0f} a year; open children at start "
        f"{ic.assessment + ic.cin + ic.cp + ic.lac:,}",
        f"  workers at start {w.permanent_fte + w.asye_fte + w.agency_fte:,} "
        f"(permanent {w.permanent_fte}, ASYE {w.asye_fte}, agency {w.agency_fte}); "
        f"establishment {cfg.establishment.fte:g}",
        f"  target: {cfg.target.metric} <= {cfg.target.max:g} at {cfg.target.date}",
    ]


def describe(path: Path) -> str:
    """What ``path`` would run, after full validation (raises ConfigError if invalid)."""
    if "scenarios" not in read_yaml(path):
        cfg = load_config(path)
        lines = [
            f"{path}: valid council config",
            *_council_lines(cfg),
            f"  one replication: about {_duration(estimate_seconds(cfg))} on one core",
        ]
        return "\n".join(lines)
    exp = load_experiment(path)
    spec = exp.spec
    if spec.replications:
        reps = f"{spec.replications} replications"
    else:
        assert spec.precision is not None  # a spec has replications or precision
        reps = (
            f"replications in batches of {spec.precision.batch} until every interval "
            f"half-width < {spec.precision.half_width} (at most "
            f"{spec.precision.max_replications})"
        )
    lines = [
        f"{path}: valid experiment '{spec.name}'",
        f"  {reps}, root seed {spec.root_seed}",
        "  targets:",
    ]
    for t in spec.targets:
        bound = f"<= {t.max:g}" if t.max is not None else f">= {t.min:g}"
        lines.append(
            f"    {t.name}: {t.metric} {bound} at {t.date}"
            + (f" and {t.sustain_months} month ends before" if t.sustain_months else "")
        )
    lines.append(f"  scenarios ({len(exp.scenarios)}; the first is the baseline):")
    for sc in exp.scenarios:
        policies = ", ".join(p.key.rstrip("/") for p in sc.policies) or "no policies"
        lines.append(f"    {sc.name}: {sc.description} [{policies}]")
    if spec.uncertain:
        lines.append("  uncertain values, drawn once per replication for every scenario:")
        for p, prior in spec.uncertain.items():
            lines.append(
                f"    {p}: {describe_prior(prior)} (mean {prior_mean(prior):.3g}; "
                f"config {value_at(exp.baseline.config, p):g})"
            )
    lines += _council_lines(exp.baseline.config)
    if spec.councils is None:
        runs = [exp]
    else:
        councils = council_experiments(exp)
        shares = [share for _, share, _ in councils]
        lines.append(
            f"  run as {len(councils)} councils side by side (shares {min(shares):.2%} to "
            f"{max(shares):.2%}), added up into the region"
        )
        runs = [c for _, _, c in councils]
    total = sum(
        estimate_seconds(sc.config) * spec.max_replications for r in runs for sc in r.scenarios
    )
    cores = os.cpu_count() or 1
    lines.append(
        f"  estimated time: about {_duration(total)} on one core, "
        f"{_duration(total / cores / 0.9)} with --jobs -1 ({cores} cores)"
    )
    return "\n".join(lines)
