"""``csc-sim check``: validate a config or experiment and say what would run: the starting
position and the baseline's first year (run briefly), warnings and errors on values that
contradict one another (``sim.experiment.findings``), and a time estimate from this
machine's measured speed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.config.council import STAGES, CouncilConfig
from sim.config.experiment import ResolvedExperiment, load_experiment
from sim.config.loader import load_config, read_yaml
from sim.config.uncertain import describe as describe_prior
from sim.config.uncertain import prior_mean, value_at
from sim.experiment.findings import (
    Finding,
    drift_findings,
    experiment_findings,
    file_findings,
    start_agency_share,
)
from sim.experiment.first_year import (
    BRIEF_MONTHS,
    BRIEF_REPLICATIONS,
    BUDGET_SECONDS,
    FirstYear,
    config_first_year,
    experiment_first_year,
    scenario_seconds,
)
from sim.experiment.region import council_experiments
from sim.metrics import BY_COLUMN
from sim.model import core
from sim.model.steady_state import (
    NoSteadyState,
    routing_matrix,
    stage_entry_rates,
    stage_means_days,
)
from sim.model.timeline import DAYS_PER_YEAR

# Fitted to the 2-core reference machine (benchmarks/README.md, 2026-11-26). Compiled
# core: a 5-year Manchester replication (69,000 stage entries, 5,000 children open) 0.185 s;
# Cheshire East (39,000, 2,500) 0.10 s; England (6.0 million, 403,000) 38 s. Core from
# Python source: 0.27 s, 0.15 s, 62 s. The cost of a stage entry grows with the number of
# children open (a larger event queue, more cache misses): (seconds per stage entry with
# about 5,000 children open, exponent of that growth), by how the core runs (sim/model/core.py).
SECONDS_PER_STAGE_ENTRY = {"compiled": (2.45e-6, 0.20), "python": (3.7e-6, 0.22)}
SECONDS_PER_WORKER_MONTH = 1.2e-6
PARALLEL_EFFICIENCY = 0.9
"""Share of each extra core's time that goes to replications (the rest: results passed
back, workers started)."""
AUTO_BRIEF_SECONDS = 20.0
"""Above this estimate for one replication of the first year (England at full size: about
10 s on the reference machine), ``check`` runs it only when asked (``--brief N``)."""
START_SECONDS = 2.0
"""An experiment's fixed cost: loading, starting workers, writing the results files."""
REPLICATION_SECONDS = 0.03
"""An experiment's cost per replication beyond the simulation: its series collected, its
row computed, its part written (Manchester 2016, 5 x 20 replications: 40.7 s against 35.4 s
of simulation, 2026-12-01)."""


def estimate_seconds(cfg: CouncilConfig, policies: Sequence[object] = ()) -> float:
    """Rough seconds for one replication on one core: proportional to the stage entries
    over the horizon plus the workforce's monthly draws (the funded posts, or more if more
    start in post or ``policies`` bring trainees in)."""
    d = cfg.demand
    years = cfg.horizon_months / 12
    open_children = sum(getattr(cfg.initial_cases, s) for s in STAGES)
    try:
        rates = stage_entry_rates(
            cfg.pathway,
            d.referrals_per_year,
            d.rereferral.probability,
            d.nfa_at_referral,
            d.uasc_per_year,
        )
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
    stage_means = stage_means_days(cfg)
    means = np.array([stage_means[s] for s in STAGES])
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
    if seconds < 10:
        return f"{seconds:.1f} s"
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


@dataclass
class CheckResult:
    """What ``check`` prints, and the findings behind its exit code."""

    lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class CheckOptions:
    """``brief``: replications of the baseline's first year (0: no run, and the time
    estimate at the reference machine's speed); ``replications``: as ``experiment
    --replications`` (None: the file's); ``jobs``: as ``experiment --jobs`` (-1: every
    core)."""

    brief: int | None = None
    """None: :data:`BRIEF_REPLICATIONS`, unless one brief replication would take more than
    :data:`AUTO_BRIEF_SECONDS` (then none: say how to ask for it)."""
    replications: int | None = None
    jobs: int = -1


def check(path: Path, opts: CheckOptions = CheckOptions()) -> CheckResult:
    """Validate ``path`` (raises ConfigError if invalid) and describe what it would run."""
    if "scenarios" not in read_yaml(path):
        return _check_config(path, opts)
    return _check_experiment(path, opts)


def refusals(path: Path, accepted: Sequence[str] = ()) -> list[Finding]:
    """The errors ``check`` refuses ``path`` for, less those ``accepted`` by code: those
    read from the file alone (not the first year's drift, which needs a run), so that
    every command running a file refuses what ``check`` refuses, before running anything."""
    if "scenarios" not in read_yaml(path):
        found = file_findings(path, load_config(path))
    else:
        found = experiment_findings(load_experiment(path))
    return [f for f in found if f.blocks(accepted)]


def _check_config(path: Path, opts: CheckOptions) -> CheckResult:
    cfg = load_config(path)
    out = CheckResult([f"{path}: valid council config", *_council_lines(cfg)])
    out.findings += file_findings(path, cfg)
    brief = _brief(cfg, (), opts, out)
    first = config_first_year(cfg, brief) if brief else None
    out.lines += _starting_position(cfg, first, "the config")
    if first is not None:
        out.lines += _first_year_lines(first, cfg.target.metric, "the config")
        out.findings += drift_findings(first, str(path))
    seconds = estimate_seconds(cfg) * _speed_factor(first, ())
    out.lines.append(
        f"estimated time: one replication: about {_duration(seconds)} on one core, for its "
        f"{cfg.horizon_months} months{_measured(first)}"
    )
    return out


def _experiment_lines(exp: ResolvedExperiment, path: Path) -> list[str]:
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
    return lines + _council_lines(exp.baseline.config)


def _check_experiment(path: Path, opts: CheckOptions) -> CheckResult:
    exp = load_experiment(path, opts.replications)
    spec = exp.spec
    out = CheckResult(_experiment_lines(exp, path))
    if spec.councils is None:
        runs = [exp]
    else:
        councils = council_experiments(exp)
        shares = [share for _, share, _ in councils]
        out.lines.append(
            f"  run as {len(councils)} councils side by side (shares {min(shares):.2%} to "
            f"{max(shares):.2%}), added up into the region"
        )
        runs = [c for _, _, c in councils]
    out.findings += experiment_findings(exp)
    brief = _brief(exp.baseline.config, exp.baseline.policies, opts, out)
    first = experiment_first_year(exp, brief) if brief else None
    who = f"the baseline, {exp.baseline.name}"
    out.lines += _starting_position(exp.baseline.config, first, who)
    if first is not None:
        out.lines += _first_year_lines(first, _headline_caseload(exp), who)
        out.findings += drift_findings(first, str(path))
    base = _speed_factor(first, exp.baseline.policies)
    factors = {0: base}
    if first is not None:
        left = max(0.0, BUDGET_SECONDS - sum(first.seconds))
        for i, timed in scenario_seconds(exp, left).items():
            factors[i] = _speed_factor(timed, exp.scenarios[i].policies)
    one_core = START_SECONDS + sum(
        (factors.get(i, base) * estimate_seconds(sc.config, sc.policies) + REPLICATION_SECONDS)
        * spec.max_replications
        for r in runs
        for i, sc in enumerate(r.scenarios)
    )
    cores = os.cpu_count() or 1
    jobs = cores if opts.jobs == -1 else min(opts.jobs, cores)
    flag = "-1" if opts.jobs == -1 else str(opts.jobs)
    efficiency = PARALLEL_EFFICIENCY if jobs > 1 else 1.0
    parallel = START_SECONDS + (one_core - START_SECONDS) / (jobs * efficiency)
    scale = "at most " if spec.precision is not None else ""
    out.lines.append(
        f"estimated time: {len(exp.scenarios)} scenario{'s' if len(exp.scenarios) > 1 else ''} x "
        f"{scale}{spec.max_replications} replications "
        f"x {exp.baseline.config.horizon_months} months"
        + (f" in each of {len(runs)} councils" if len(runs) > 1 else "")
        + f": about {_duration(one_core)} on one core, {_duration(parallel)} with --jobs "
        f"{flag} ({jobs} core{'s' if jobs > 1 else ''}){_measured(first)}"
    )
    return out


def _brief(
    cfg: CouncilConfig, policies: Sequence[object], opts: CheckOptions, out: CheckResult
) -> int:
    """Replications of the brief run: as asked, or by default :data:`BRIEF_REPLICATIONS`
    unless one would take more than :data:`AUTO_BRIEF_SECONDS` (then 0, and a line saying
    how to ask for it)."""
    if opts.brief is not None:
        return opts.brief
    months = min(BRIEF_MONTHS, cfg.horizon_months)
    seconds = estimate_seconds(cfg.model_copy(update={"horizon_months": months}), policies)
    if seconds <= AUTO_BRIEF_SECONDS:
        return BRIEF_REPLICATIONS
    out.lines.append(
        f"first year: not run (one replication of {months} months would take about "
        f"{_duration(seconds)}); --brief N runs N replications of it"
    )
    return 0


def _headline_caseload(exp: ResolvedExperiment) -> str:
    """The caseload the experiment's targets read (the first caseload target's metric), or
    DfE's average caseload."""
    for t in exp.spec.targets:
        if t.metric.startswith("avg_caseload"):
            return t.metric
    return "avg_caseload"


def _speed_factor(first: FirstYear | None, policies: Sequence[object]) -> float:
    """This machine's speed against the reference machine's (measured seconds of the brief
    run over :func:`estimate_seconds` for it); 1 without a brief run."""
    if first is None:
        return 1.0
    expected = estimate_seconds(first.config, policies)
    return first.seconds_per_replication / expected if expected > 0 else 1.0


def _measured(first: FirstYear | None) -> str:
    if first is None:
        return " (at the reference machine's speed: this machine was not measured)"
    return (
        f" (from this machine's speed: a {first.months}-month replication took "
        f"{first.seconds_per_replication:.2f} s, median of {first.replications})"
    )


def _starting_position(cfg: CouncilConfig, first: FirstYear | None, who: str) -> list[str]:
    """Open children by stage, case holders, caseload, agency share and vacancy rate at the
    start: the model's first reading of ``cfg`` (or, without a brief run, the config's)."""
    ic, w = cfg.initial_cases, cfg.initial_workforce
    open_children = ic.assessment + ic.cin + ic.cp + ic.lac
    in_post = w.permanent_fte + w.asye_fte + w.agency_fte
    cap = cfg.recruitment.agency.max_share
    lines = [
        f"starting position ({cfg.start_date}, {who}):",
        f"  open children   {open_children:,}: assessment {ic.assessment:,}, CiN {ic.cin:,}, "
        f"CP {ic.cp:,}, LAC {ic.lac:,}",
    ]
    if first is None:
        vacant = max(0.0, cfg.establishment.fte - w.permanent_fte - w.asye_fte)
        lines += [
            f"  social workers  {in_post:,} in post (permanent {w.permanent_fte:,}, ASYE "
            f"{w.asye_fte:,}, agency {w.agency_fte:,})",
            f"  agency share    {_pct(start_agency_share(cfg))} of social workers in post "
            f"(cap {_pct(cap)}, recruitment.agency.max_share)",
            f"  vacancy rate    {_pct(_ratio(vacant, cfg.establishment.fte))}: {vacant:,.0f} of "
            f"{cfg.establishment.fte:,.0f} funded posts without a permanent worker",
        ]
        return lines
    m = {c: first.median(c, 0) for c in _START_COLUMNS}
    lines += [
        f"  case holders    {m['case_holder_fte']:,.0f} FTE holding {m['cases_held']:,.0f} "
        f"children, of {in_post:,} social workers in post (permanent {w.permanent_fte:,}, "
        f"ASYE {w.asye_fte:,}, agency {w.agency_fte:,})",
        f"  caseload        {_num(m['avg_caseload'])} children per case-holding FTE; "
        f"{_num(m['avg_caseload_qualified'])} per qualified FTE (NQSWs apart)",
        f"  agency share    {_pct(m['agency_share'])} of social workers in post (cap "
        f"{_pct(cap)}, recruitment.agency.max_share)",
        f"  vacancy rate    {_pct(_ratio(m['vacancy_fte'], m['establishment_fte']))}: "
        f"{m['vacancy_fte']:,.0f} of {m['establishment_fte']:,.0f} funded posts without a "
        "permanent worker (agency cover counts as vacant, as DfE counts it)",
    ]
    return lines


_CASELOAD_LABELS = {
    "avg_caseload": "caseload (per case holder)",
    "avg_caseload_qualified": "caseload (qualified)",
}
_START_COLUMNS = (
    "case_holder_fte",
    "cases_held",
    "avg_caseload",
    "avg_caseload_qualified",
    "agency_share",
    "vacancy_fte",
    "establishment_fte",
)


def _first_year_lines(first: FirstYear, caseload: str, who: str) -> list[str]:
    """Start, month 1 and month 12 (median over the brief run's replications, and the
    range at month 12) of open children, case holders, the caseload and the agency share."""
    last = first.months
    rows = [
        ("open children", "open_cases"),
        ("case holders (FTE)", "case_holder_fte"),
        (_CASELOAD_LABELS.get(caseload, caseload), caseload),
        ("agency share", "agency_share"),
    ]
    width = max(len(label) for label, _ in rows) + 2
    lines = [
        f"first year as it stands ({who}, {first.replications} replication"
        f"{'s' if first.replications > 1 else ''} of {last} months; medians):",
        f"  {'':<{width}}{'start':>9}{'month 1':>9}{f'month {last}':>10}"
        f"{f'1 to {last}':>10}   range at month {last}",
    ]
    for label, col in rows:
        share = BY_COLUMN[col].share
        fmt = _pct if share else _num
        low, high = first.spread(col, last)
        m1, m12 = first.median(col, 1), first.median(col, last)
        lines.append(
            f"  {label:<{width}}{fmt(first.median(col, 0)):>9}{fmt(m1):>9}{fmt(m12):>10}"
            f"{_change(m1, m12, share):>10}   {fmt(low)} to {fmt(high)}"
        )
    return lines


def _change(before: float, after: float, share: bool) -> str:
    """``after`` against ``before``: points for a share, per cent otherwise."""
    if np.isnan(before) or np.isnan(after) or (not share and before == 0):
        return ""
    if share:
        return f"{100 * (after - before):+.1f} pts"
    return f"{100 * (after / before - 1):+.1f}%"


def _num(x: float) -> str:
    if np.isnan(x):
        return "undefined"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}"


def _pct(x: float) -> str:
    return "undefined" if np.isnan(x) else f"{100 * x:.1f}%"


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else float("nan")
