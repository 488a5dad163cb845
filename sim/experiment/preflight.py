"""``csc-sim check``: validate a config or experiment without running it and say what
would run, with a rough time estimate."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sim.config.council import STAGES, CouncilConfig
from sim.config.experiment import load_experiment
from sim.config.loader import load_config, read_yaml
from sim.config.uncertain import describe as describe_prior
from sim.config.uncertain import prior_mean, value_at
from sim.experiment.region import council_experiments
from sim.model import core
from sim.model.steady_state import NoSteadyState, routing_matrix, stage_entry_rates
from sim.model.timeline import DAYS_PER_YEAR

# Fitted to the 2-core reference machine (benchmarks/README.md, 2026-11-26). Compiled
# core: a 5-year Manchester replication (69,000 stage entries, 5,000 children open) 0.185 s;
# Cheshire East (39,000, 2,500) 0.10 s; England (6.0 million, 403,000) 38 s. Core from
# Python source: 0.27 s, 0.15 s, 62 s. The cost of a stage entry grows with the number of
# children open (a larger event queue, more cache misses): (seconds per stage entry with
# about 5,000 children open, exponent of that growth), by how the core runs (sim/model/core.py).
SECONDS_PER_STAGE_ENTRY = {"compiled": (2.45e-6, 0.20), "python": (3.7e-6, 0.22)}
SECONDS_PER_WORKER_MONTH = 1.2e-6


def estimate_seconds(cfg: CouncilConfig, policies: Sequence[object] = ()) -> float:
    """Rough seconds for one replication on one core: proportional to the stage entries
    over the horizon plus the workforce's monthly draws (the funded posts, or more if more
    start in post or ``policies`` bring trainees in)."""
    d = cfg.demand
    years = cfg.horizon_months / 12
    open_children = sum(getattr(cfg.initial_cases, s) for s in STAGES)
    try:
        rates = stage_entry_rates(cfg.pathway, d.referrals_per_year, d.rereferral.probability)
        entries = sum(rates.values()) * years + open_children
        open_peak = float(open_children)
    except NoSteadyState:
        entries, open_peak = _entries_growing(cfg)
    seconds, exponent = SECONDS_PER_STAGE_ENTRY[core.MODE]
    per_entry = seconds * max(1.0, open_peak / 5000) ** exponent
    w = cfg.initial_workforce
    workers = max(cfg.establishment.fte, w.permanent_fte + w.asye_fte + w.agency_fte)
    workers += _trainees(policies, years)
    return entries * per_entry + workers * cfg.horizon_months * SECONDS_PER_WORKER_MONTH


def _trainees(policies: Sequence[object], years: float) -> float:
    """Workers the policies bring in beyond the funded posts: cohorts and yearly intakes."""
    total = 0.0
    for p in policies:
        total += sum(c.size for c in getattr(p, "cohorts", ()))
        intake = getattr(p, "yearly_intake", None)
        if intake is not None:
            total += intake.size * years
    return total


def _entries_growing(cfg: CouncilConfig) -> tuple[float, float]:
    """Mean stage entries over the horizon, and the most children open, when some stages
    never close (no steady state): the mean flows stepped day by day, each stage taken as
    exponential with its mean duration."""
    p, d = cfg.pathway, cfg.demand
    r = routing_matrix(p)
    means = np.array([getattr(p, s).duration.mean() for s in STAGES])
    x = np.array([getattr(cfg.initial_cases, s) for s in STAGES], dtype=float)
    arrivals = d.referrals_per_year / (1.0 - d.rereferral.probability) / DAYS_PER_YEAR
    entries = float(x.sum())
    for _ in range(round(cfg.horizon_months / 12 * DAYS_PER_YEAR)):
        out = x / means
        inflow = r.T @ out
        inflow[0] += arrivals
        entries += float(inflow.sum())
        x += inflow - out
    return entries, float(x.sum())


def steady_state_note(cfg: CouncilConfig) -> str | None:
    """A line for ``check`` when the pathway has no steady state (some stages never
    close): ``run`` accepts it, and open cases grow for as long as it lasts."""
    d = cfg.demand
    try:
        stage_entry_rates(cfg.pathway, d.referrals_per_year, d.rereferral.probability)
    except NoSteadyState as exc:
        return f"  {exc} (the run is valid; the time estimate follows the growth)"
    return None


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
        *filter(None, [steady_state_note(cfg)]),
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
        estimate_seconds(sc.config, sc.policies) * spec.max_replications
        for r in runs
        for sc in r.scenarios
    )
    cores = os.cpu_count() or 1
    lines.append(
        f"  estimated time: about {_duration(total)} on one core, "
        f"{_duration(total / cores / 0.9)} with --jobs -1 ({cores} cores)"
    )
    return "\n".join(lines)
