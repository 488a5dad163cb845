"""What ``csc-sim check`` warns about, or refuses, in a config or experiment that validates:
values that are each allowed but together make a run mean something other than what its
author meant.

An **error** is a contradiction that makes the run's answer meaningless (a share target met
in every future, a deadline before its start, a policy dated before the figures it starts
from, an agency policy "down to" a share above the cap, an inherited value contradicting
the planner's own): ``check`` exits 2 unless the author accepts it by its code
(``--accept CODE``). A **warning** is printed and the exit code stays 0: the run means what
it says, but perhaps not what was meant (few replications, a policy that starts after the
run, the planner's own two values in tension, a baseline drifting in its first year).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sim.config.council import CouncilConfig, month_ends
from sim.config.experiment import ResolvedExperiment
from sim.config.policies import AgencyPolicy
from sim.config.provenance import Layer, config_layers, origin
from sim.experiment.first_year import FirstYear
from sim.metrics import BY_COLUMN

Severity = Literal["error", "warning"]

SHARE_TARGET = "share-target-above-1"
POLICY_BEFORE_START = "policy-before-start"
DEADLINE_BEFORE_START = "deadline-before-start"
POLICY_RAISES_CAP = "agency-policy-raises-cap"
INHERITED = "inherited-contradiction"
CODES = (SHARE_TARGET, POLICY_BEFORE_START, DEADLINE_BEFORE_START, POLICY_RAISES_CAP, INHERITED)
"""The errors an author can accept with ``--accept CODE``."""

MIN_REPLICATIONS = 30
DRIFT_SHARE = 0.10
"""Open children moving by more than this share from month 1 to month 12 of the baseline."""
AGENCY_JUMP = 0.05
"""The agency share moving by more than this (5 points) from the start to month 1."""


@dataclass(frozen=True)
class Finding:
    severity: Severity
    text: str
    """One line: the file, the field, the value and what it would do."""
    code: str | None = None
    """For an error: the code that accepts it (``--accept CODE``)."""

    def line(self, accepted: Sequence[str] = ()) -> str:
        """As ``check`` prints it: ``error: ...`` or ``warning: ...``."""
        if self.severity == "error" and self.code in accepted:
            return f"warning (accepted with --accept {self.code}): {self.text}"
        if self.severity == "error":
            return f"error: {self.text} (if this is what you mean: --accept {self.code})"
        return f"warning: {self.text}"

    def blocks(self, accepted: Sequence[str] = ()) -> bool:
        return self.severity == "error" and self.code not in accepted


def _field(source: str, field: str, value: object) -> str:
    return f"{source}: field '{field}': value {value}"


def _run_end(cfg: CouncilConfig) -> dt.date:
    return month_ends(cfg.start_date, cfg.horizon_months)[-1]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%".replace(".0%", "%")


# --- the council config ---------------------------------------------------------------------


def start_agency_share(cfg: CouncilConfig) -> float:
    """Agency FTE over all social workers in post at the start (the ``agency_share``
    metric), from ``initial_workforce``; 0 if nobody is in post."""
    w = cfg.initial_workforce
    total = w.permanent_fte + w.asye_fte + w.agency_fte
    return w.agency_fte / total if total else 0.0


def _where(layer: Layer | None) -> str:
    if layer is None:
        return "the model's default"
    return f"{layer.label}" + (", a template extended" if layer.inherited else "")


def config_findings(cfg: CouncilConfig, layers: Sequence[Layer], source: str) -> list[Finding]:
    """Findings on one council config whose values come from ``layers`` (the planner's own
    first)."""
    out: list[Finding] = []
    w = cfg.initial_workforce
    cap = cfg.recruitment.agency.max_share
    share = start_agency_share(cfg)
    if cap < share:
        cap_from = origin(layers, "recruitment.agency.max_share")
        start_from = origin(layers, "initial_workforce.agency_fte")
        inherited = [x is not None and x.inherited for x in (cap_from, start_from)]
        what = (
            f"this agency cap{' (inherited from a template)' if inherited[0] else ''} is "
            f"below the agency share at the start, {_pct(share)} ({w.agency_fte:,} agency of "
            f"{w.permanent_fte + w.asye_fte + w.agency_fte:,} in post: initial_workforce, "
            f"set in {_where(start_from)}): no agency cover is ordered from the first week, "
            "and agency falls from month 1 as assignments end"
        )
        where = cap_from.label if cap_from is not None else source
        text = f"{_field(where, 'recruitment.agency.max_share', f'{cap:g}')}: {what}"
        if inherited[0] != inherited[1]:
            out.append(
                Finding(
                    "error",
                    f"{text}; one of the two comes from a template: set the one you mean in "
                    f"your own file (a cap of at least {share:.2f} keeps today's agency)",
                    INHERITED,
                )
            )
        else:
            out.append(Finding("warning", text))
    permanent = w.permanent_fte + w.asye_fte
    if permanent > cfg.establishment.fte:
        out.append(
            Finding(
                "warning",
                f"{_field(source, 'establishment.fte', f'{cfg.establishment.fte:g}')}: "
                f"fewer funded posts than the {permanent:,} permanent and ASYE social "
                f"workers in post at the start (initial_workforce): no vacancy is advertised "
                "until enough of them leave",
            )
        )
    return out


def file_findings(path: Path, cfg: CouncilConfig) -> list[Finding]:
    """Findings on the council config file at ``path`` (and the templates it extends)."""
    return config_findings(cfg, config_layers(path), str(path))


# --- the experiment ------------------------------------------------------------------------


def _scenario_layers(exp: ResolvedExperiment, index: int) -> list[Layer]:
    spec = exp.spec
    sc = spec.scenarios[index]
    own = Layer(f"{exp.source} (scenario '{sc.name}' overrides)", sc.overrides, inherited=False)
    return [own, *config_layers(Path(exp.source).parent / spec.base)]


def experiment_findings(exp: ResolvedExperiment) -> list[Finding]:
    """Findings on an experiment: its replications, its targets, each scenario's config
    and policies (a finding shared by scenarios is given once, naming them)."""
    out = _replication_findings(exp) + _target_findings(exp)
    by_text: dict[str, tuple[Finding, list[str]]] = {}
    for i, sc in enumerate(exp.scenarios):
        layers = _scenario_layers(exp, i)
        found = config_findings(sc.config, layers, exp.source) + _policy_findings(exp, i)
        for f in found:
            key = f.text.replace(f"scenarios.{i}.", "scenarios.*.")
            if key in by_text:
                by_text[key][1].append(sc.name)
            else:
                by_text[key] = (f, [sc.name])
    for f, names in by_text.values():
        which = f"scenario {names[0]}" if len(names) == 1 else f"scenarios {', '.join(names)}"
        out.append(Finding(f.severity, f"{f.text} [{which}]", f.code))
    return out


def _replication_findings(exp: ResolvedExperiment) -> list[Finding]:
    spec = exp.spec
    n, field = (
        (spec.replications, "replications")
        if spec.replications
        else (spec.max_replications, "precision.max_replications")
    )
    if n >= MIN_REPLICATIONS:
        return []
    half = 196 * math.sqrt(0.25 / n)
    return [
        Finding(
            "warning",
            f"{_field(exp.source, field, n)}: fewer than {MIN_REPLICATIONS} replications a "
            f"scenario: a chance of 50% is then known only to within about +/-{half:.0f} "
            "points (95% interval); give at least 30 (100 for about +/-10 points), in the "
            "file or with --replications",
        )
    ]


def _target_findings(exp: ResolvedExperiment) -> list[Finding]:
    out = []
    for i, t in enumerate(exp.spec.targets):
        metric = BY_COLUMN[t.metric]
        if not metric.share:
            continue
        for bound, value in (("max", t.max), ("min", t.min)):
            if value is None or value <= 1:
                continue
            meets = "met in every future" if bound == "max" else "never met"
            out.append(
                Finding(
                    "error",
                    f"{_field(exp.source, f'targets.{i}.{bound}', f'{value:g}')}: target "
                    f"'{t.name}': {t.metric} is a share from 0 to 1 (0.2 = 20%), so "
                    f"'{'at most' if bound == 'max' else 'at least'} {value:g}' is {meets}; "
                    f"typed as a percentage? write {value / 100:g}",
                    SHARE_TARGET,
                )
            )
    return out


def _policy_findings(exp: ResolvedExperiment, index: int) -> list[Finding]:
    sc = exp.scenarios[index]
    cfg, source = sc.config, exp.source
    start, end = cfg.start_date, _run_end(cfg)
    out: list[Finding] = []
    for j, p in enumerate(sc.policies):
        at = f"scenarios.{index}.policies.{j}"
        name = f"policy {p.key.rstrip('/')}"
        begins = p.start or start
        if p.start is not None and p.start < start:
            years = (start - p.start).days / 365.25
            ago = f", {years:.1f} years earlier" if years >= 1 else ""
            out.append(
                Finding(
                    "error",
                    f"{_field(source, f'{at}.start', p.start)}: {name} starts before the run "
                    f"starts ({start}{ago}): the starting figures already hold whatever it "
                    "did, and the run would apply it again from the first day as if it had "
                    f"run since {p.start}; give a start on or after {start} (or leave start "
                    "out: the run's start)",
                    POLICY_BEFORE_START,
                )
            )
        elif begins > end:
            out.append(
                Finding(
                    "warning",
                    f"{_field(source, f'{at}.start', begins)}: {name} starts after the run "
                    f"ends ({end}): it changes nothing in this run",
                )
            )
        if isinstance(p, AgencyPolicy):
            out += _agency_findings(p, cfg, source, at, name, begins, end)
    return out


def _agency_findings(
    p: AgencyPolicy,
    cfg: CouncilConfig,
    source: str,
    at: str,
    name: str,
    begins: dt.date,
    end: dt.date,
) -> list[Finding]:
    out = []
    cap = cfg.recruitment.agency.max_share
    if p.by < begins:
        out.append(
            Finding(
                "error",
                f"{_field(source, f'{at}.by', p.by)}: {name}: the deadline is before the "
                f"policy starts ({begins}), so there is no phasing: the ceiling would drop to "
                f"{_pct(p.ceiling(cap))} at once on {begins}; give a date after the start",
                DEADLINE_BEFORE_START,
            )
        )
    elif p.by > end and begins <= end:
        reached = (end - begins).days / max(1, (p.by - begins).days)
        now = cap + (p.ceiling(cap) - cap) * reached
        out.append(
            Finding(
                "warning",
                f"{_field(source, f'{at}.by', p.by)}: {name}: the deadline is after the run "
                f"ends ({end}): the ceiling is still coming down then, at {_pct(now)} on "
                f"its way to {_pct(p.ceiling(cap))}",
            )
        )
    if p.max_share > cap:
        out.append(
            Finding(
                "error",
                f"{_field(source, f'{at}.max_share', f'{p.max_share:g}')}: {name} brings "
                f"the agency ceiling down to {_pct(p.max_share)}, but the config's cap "
                f"(recruitment.agency.max_share) is {_pct(cap)} already: a policy lowers the "
                "cap and never raises it, so as written it cannot do what it says; if the config's "
                "cap is not what you meant (inherited from a template?), set it in the "
                "config or in the scenario's overrides",
                POLICY_RAISES_CAP,
            )
        )
    return out


# --- the baseline's first year --------------------------------------------------------------


def drift_findings(first: FirstYear, source: str) -> list[Finding]:
    """Warnings from the baseline's brief run: open children drifting over the first year
    (demand and the pathway out of balance with the starting figures), and the agency share
    jumping in the first month (the starting workforce against the agency rules)."""
    out = []
    last = first.months
    if last >= 2:
        m1, m12 = first.median("open_cases", 1), first.median("open_cases", last)
        if m1 > 0 and abs(m12 / m1 - 1) > DRIFT_SHARE:
            out.append(
                Finding(
                    "warning",
                    f"{source}: the baseline's open children move {100 * (m12 / m1 - 1):+.0f}% "
                    f"from month 1 to month {last} ({m1:,.0f} to {m12:,.0f}, median of "
                    f"{first.replications} replications) before any policy: the referral "
                    "rate and the pathway (demand.referrals_per_year, stage durations and "
                    "outcomes) are out of balance with initial_cases, and every scenario "
                    "is judged against that drift",
                )
            )
    a0, a1 = first.median("agency_share", 0), first.median("agency_share", 1)
    if not (math.isnan(a0) or math.isnan(a1)) and abs(a1 - a0) > AGENCY_JUMP:
        out.append(
            Finding(
                "warning",
                f"{source}: the baseline's agency share moves from {_pct(a0)} at the start "
                f"to {_pct(a1)} in month 1: the starting workforce (initial_workforce) and "
                "the agency rules (recruitment.agency: max_share, cover_share, "
                "other_cover_share) disagree",
            )
        )
    return out
