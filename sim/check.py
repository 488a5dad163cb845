"""``csc-sim check``: validate a config or experiment without running it and say what
would run, with a rough time estimate."""

from __future__ import annotations

import os
from pathlib import Path

from sim.config import CouncilConfig
from sim.experiment_config import load_experiment
from sim.loading import load_config, read_yaml
from sim.steady_state import stage_entry_rates

# Measured on the 2-core reference machine (benchmarks/README.md): one Manchester
# replication, about 36,000 assessments and 5,000 children open at the start, ~1.0 s.
SECONDS_PER_STAGE_ENTRY = 1.8e-5
SECONDS_PER_WORKER_MONTH = 2.0e-5


def estimate_seconds(cfg: CouncilConfig) -> float:
    """Rough seconds for one replication on one core: proportional to the stage entries
    over the horizon plus the workforce's monthly draws."""
    d = cfg.demand
    years = cfg.horizon_months / 12
    entries = (
        sum(stage_entry_rates(cfg.pathway, d.referrals_per_year, d.rereferral.probability).values())
        * years
    )
    entries += sum(getattr(cfg.initial_cases, s) for s in ("assessment", "cin", "cp", "lac"))
    workers = cfg.establishment.fte
    return (
        entries * SECONDS_PER_STAGE_ENTRY + workers * cfg.horizon_months * SECONDS_PER_WORKER_MONTH
    )


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
        f"  target: average caseload <= {cfg.target.avg_caseload_max:g} at {cfg.target.date}",
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
    reps = (
        f"{spec.replications} replications"
        if spec.replications
        else f"replications in batches of {spec.precision.batch} until every interval "
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
    total = 0.0
    for sc in exp.scenarios:
        policies = ", ".join(p.key.rstrip("/") for p in sc.policies) or "no policies"
        lines.append(f"    {sc.name}: {sc.description} [{policies}]")
        total += estimate_seconds(sc.config) * spec.max_replications
    lines += _council_lines(exp.baseline.config)
    cores = os.cpu_count() or 1
    lines.append(
        f"  estimated time: about {_duration(total)} on one core, "
        f"{_duration(total / cores / 0.9)} with --jobs -1 ({cores} cores)"
    )
    return "\n".join(lines)
