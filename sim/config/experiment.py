"""Experiment files: a base council config, targets, replications and named scenarios, each
a description plus config overrides and policy blocks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from sim.config.council import CouncilConfig, Date, Strict, Unallocated, at_most
from sim.config.councils import Councils
from sim.config.levers_space import LeverSpace
from sim.config.loader import (
    ConfigError,
    deep_merge,
    format_validation_error,
    named_file,
    read_yaml,
    resolve_extends,
    to_plain,
    validate_council,
)
from sim.config.policies import Policy
from sim.config.uncertain import Prior, check_uncertain
from sim.metrics import BY_COLUMN

METRICS = tuple(BY_COLUMN)
MAX_REPLICATIONS = 10_000
WHY_REPLICATIONS = (
    "10,000 replications give a chance to within half a percentage point; every one "
    "adds its time and its rows of results in memory"
)
Replications = Annotated[int, Field(ge=1), at_most(MAX_REPLICATIONS, WHY_REPLICATIONS)]


class Target(Strict):
    """A KPI at most ``max`` (or at least ``min``) at ``date`` and at each of the
    ``sustain_months`` month ends before it."""

    name: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    description: str = ""
    metric: str
    """Required: a target without one would silently be read as some default KPI."""
    max: float | None = None
    min: float | None = None
    date: Date
    sustain_months: int = Field(default=0, ge=0)
    unallocated: Unallocated = "count"
    """Children waiting for a worker count against a caseload target (see
    ``sim.config.council.Unallocated``)."""

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric; choose one of {', '.join(METRICS)}")
        return v

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.max is None) == (self.min is None):
            raise ValueError("give exactly one of max and min")
        return self


class Precision(Strict):
    """Add replications in batches until every scenario's interval half-width on every
    target's probability is below ``half_width``, or ``max_replications`` is reached."""

    half_width: float = Field(gt=0, lt=0.5)
    max_replications: Replications
    batch: Replications = 50


class Scenario(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = Field(min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)
    policies: list[Policy] = Field(default_factory=list)


class Experiment(Strict):
    name: str = Field(min_length=1)
    description: str = ""
    base: str
    """Council config path, relative to the experiment file."""
    replications: Replications | None = None
    precision: Precision | None = None
    root_seed: int = Field(ge=0)
    targets: list[Target] = Field(min_length=1)
    scenarios: list[Scenario] = Field(min_length=1)
    assumptions: list[str] = Field(default_factory=list)
    uncertain: dict[str, Prior] = Field(default_factory=dict)
    """Council-config values sampled once per replication, the same in every scenario:
    a dotted path (``pathway.drift_strength``) -> its prior (``sim.config.uncertain``)."""
    councils: Councils | None = None
    """Run the region ``base`` describes as these councils side by side (sim.experiment.region)."""
    levers: LeverSpace | None = None
    """The choices ``csc-sim optimise`` searches over (sim.config.levers_space); other
    commands run the scenarios and leave it alone."""

    @model_validator(mode="after")
    def _check(self) -> Experiment:
        if (self.replications is None) == (self.precision is None):
            raise ValueError("give exactly one of replications and precision")
        if self.councils is not None and self.precision is not None:
            raise ValueError("a run by councils takes a fixed number: give replications")
        for what, names in (
            ("scenario", [s.name for s in self.scenarios]),
            ("target", [t.name for t in self.targets]),
        ):
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise ValueError(f"{what} names must be unique; repeated: {', '.join(dup)}")
        for s in self.scenarios:
            labels = [p.key for p in s.policies]
            if len(labels) != len(set(labels)):
                raise ValueError(
                    f"scenario {s.name}: two policies of one type need different labels"
                )
        return self

    @property
    def max_replications(self) -> int:
        return self.replications or self.precision.max_replications  # type: ignore[union-attr]


@dataclass(frozen=True)
class ResolvedScenario:
    name: str
    description: str
    config: CouncilConfig
    policies: tuple[Any, ...]


@dataclass(frozen=True)
class ResolvedExperiment:
    """An experiment with every scenario's council config resolved and validated."""

    spec: Experiment
    source: str
    scenarios: tuple[ResolvedScenario, ...]
    uncertain_seed: int | None = None
    """Root seed the ``uncertain`` values are drawn from, when not the spec's own: a
    council's experiment draws the region's, so every council of a replication shares them."""

    @property
    def baseline(self) -> ResolvedScenario:
        return self.scenarios[0]

    @property
    def uncertain_root_seed(self) -> int:
        """Root seed of the ``uncertain`` draws (replication k: its seed sequence k)."""
        return self.spec.root_seed if self.uncertain_seed is None else self.uncertain_seed

    def to_plain(self) -> dict[str, Any]:
        """Everything that determines the results, as plain JSON types."""
        experiment = self.spec.model_dump(mode="json")
        if not experiment["uncertain"]:
            # No uncertain values: the manifest and hash of experiments from before the
            # block existed stay as they were (a --resume of an old folder still matches).
            del experiment["uncertain"]
        if experiment.get("levers") is None:
            # Likewise for experiments without levers (every one before they existed).
            experiment.pop("levers", None)
        return {
            "experiment": experiment,
            "scenarios": {s.name: to_plain(s.config) for s in self.scenarios},
        }

    def hash(self) -> str:
        blob = json.dumps(self.to_plain(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _check_target_dates(spec: Experiment, scenarios: list[ResolvedScenario], source: str) -> None:
    """:class:`ConfigError`, one line per target, unless every target's date (and the
    month ends it is held at before it) falls within every scenario's run. (The base
    config's own ``target`` is not the experiment's: ``run`` checks it when it reports it.)"""
    problems = []
    for i, t in enumerate(spec.targets):
        for sc in scenarios:
            problem = sc.config.target_problem(t.date, t.sustain_months)
            if problem is not None:
                field, why = problem
                value = t.date if field == "date" else t.sustain_months
                whose = "" if len(scenarios) == 1 else f" (scenario '{sc.name}')"
                problems.append(
                    f"{source}: field 'targets.{i}.{field}': value {value}: target "
                    f"'{t.name}'{whose}: {why}"
                )
                break
    if problems:
        raise ConfigError("\n".join(problems))


def validate_experiment(data: dict[str, Any], source: str, base_dir: Path) -> ResolvedExperiment:
    """Validate an experiment mapping and resolve each scenario's config."""
    try:
        spec = Experiment.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, exc)) from None
    base = resolve_extends(named_file(source, base_dir, "base", spec.base))
    scenarios = []
    for i, s in enumerate(spec.scenarios):
        merged = deep_merge(base, s.overrides) if s.overrides else base
        where = f"{source}: scenarios[{i}] '{s.name}' (overrides on {spec.base})"
        cfg = validate_council(merged, where)
        scenarios.append(ResolvedScenario(s.name, s.description, cfg, tuple(s.policies)))
    _check_target_dates(spec, scenarios, source)
    check_uncertain(
        spec.uncertain,
        [(s.name, s.overrides, r.config) for s, r in zip(spec.scenarios, scenarios, strict=True)],
        source,
        by_councils=spec.councils is not None,
    )
    return ResolvedExperiment(spec, source, tuple(scenarios))


def load_experiment(
    path: str | Path, replications: int | None = None, root_seed: int | None = None
) -> ResolvedExperiment:
    """Load an experiment file; ``replications`` and ``root_seed`` override the file's."""
    path = Path(path)
    data = read_yaml(path)
    if replications is not None:
        data = {**data, "replications": replications, "precision": None}
    if root_seed is not None:
        data = {**data, "root_seed": root_seed}
    return validate_experiment(data, str(path), path.resolve().parent)
