"""The uncertain inputs of an experiment, for a global sensitivity analysis
(``sim.experiment.global_sensitivity``), and the experiment with each held at a chosen value.

Three kinds of input:

- ``uncertain``: each path of the experiment's ``uncertain:`` block (e.g. the feedback-loop
  strengths), with its prior;
- ``effect``: each policy effect given as a distribution (e.g. a campaign's
  ``applicant_multiplier``), named ``effect.<policy>.<field>``. A policy's effect is one
  unknown in every scenario holding that policy (the experiment draws it from one keyed
  stream), so it is one input here too;
- ``scale``: asked for with ``--include``, a multiplier on a group of council-config rates
  (recruitment, leaving, agency, stage durations, referrals), uniform on 1 +- a half-width
  (0.2 unless given): the config's figures are one year's estimates, so they are
  uncertain too, but the experiment states no prior for them.

An input's value at a design point is a quantile of its prior (``quantile``), so SALib
samples the unit cube whatever the priors are.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ValidationError
from scipy import stats

from sim.config.council import STAGES, CouncilConfig
from sim.config.experiment import ResolvedExperiment, ResolvedScenario
from sim.config.loader import format_validation_error
from sim.config.policies import NormalEffect, TriangularEffect, UniformEffect
from sim.config.uncertain import Prior, describe, fixed, prior_mean, support, value_at, with_values

log = logging.getLogger(__name__)

Kind = Literal["uncertain", "effect", "scale"]
DEFAULT_SCALE_RANGE = 0.2
"""Half-width of a scale input's prior: uniform 0.8-1.2 times the config's value (assumption:
a council's rates and durations come from one year's figures, which move by about a tenth
from year to year, DfE workforce census 2021-2023; twice that covers the estimate's error)."""

LABELS = {
    "pathway.drift_strength": "drift with caseload",
    "leaving.caseload_strength": "leaving with caseload",
    "leaving.supervision_strength": "leaving with missing team managers",
}
"""Words for the usual uncertain paths (any other is labelled by its path)."""


def _duration_paths(cfg: CouncilConfig) -> list[str]:
    """Every day-valued field of every stage's duration (mean, sd, band edges)."""
    out = []
    for stage in STAGES:
        base = f"pathway.{stage}.duration"
        dist = value_of(cfg, base)
        for key, v in dist.model_dump().items():
            if key in ("days", "mean_days", "sd_days", "from_days"):
                out.append(f"{base}.{key}")
            elif key == "bands":
                out += [f"{base}.bands.{i}.upto_days" for i in range(len(v))]
    return out


def _bands(kind: str) -> Callable[[CouncilConfig], list[str]]:
    def paths(cfg: CouncilConfig) -> list[str]:
        return [f"leaving.{kind}.{i}.per_year" for i in range(len(getattr(cfg.leaving, kind)))]

    return paths


@dataclasses.dataclass(frozen=True)
class ScaleGroup:
    """Council-config fields moved together by one multiplier."""

    label: str
    paths: Callable[[CouncilConfig], list[str]]


SCALE_GROUPS: dict[str, ScaleGroup] = {
    "referrals": ScaleGroup("referral rate", lambda c: ["demand.referrals_per_year"]),
    "recruitment": ScaleGroup(
        "appointable applicants per advert", lambda c: ["recruitment.appointable_per_advert"]
    ),
    "leaving": ScaleGroup(
        "permanent and ASYE leaving rates", lambda c: _bands("permanent")(c) + _bands("asye")(c)
    ),
    "agency_leaving": ScaleGroup("agency workers' leaving rates", _bands("agency")),
    "agency_conversion": ScaleGroup(
        "agency workers taking permanent posts",
        lambda c: ["recruitment.agency.conversion_per_year"],
    ),
    "agency_fill": ScaleGroup(
        "time to fill an agency order", lambda c: ["recruitment.agency.cover_delay_days"]
    ),
    "durations": ScaleGroup("every stage's duration", _duration_paths),
}
"""``--include`` groups: name -> what it scales (each a multiplier on the config's values)."""
GROUP_ALIASES: dict[str, tuple[str, ...]] = {
    "agency": ("agency_leaving", "agency_conversion", "agency_fill"),
    "all": tuple(SCALE_GROUPS),
}


@dataclasses.dataclass(frozen=True)
class Input:
    """One uncertain input: ``name`` (a column of the design and the indices), ``label`` in
    words, its ``kind``, its ``prior``; an effect's ``policy`` key, field ``path`` in the
    policy and the ``scenarios`` holding it; a scale's ``group``; an uncertain value's
    config ``path``."""

    name: str
    label: str
    kind: Kind
    prior: Prior
    path: str = ""
    policy: str = ""
    scenarios: tuple[str, ...] = ()
    group: str = ""

    @property
    def prior_text(self) -> str:
        text = describe(self.prior)
        return f"{text} x the config's values" if self.kind == "scale" else text


def value_of(model: Any, path: str) -> Any:
    """The field of a pydantic model (or list) at dotted ``path``, whatever its type."""
    node = model
    for seg in path.split("."):
        node = node[int(seg)] if isinstance(node, list | tuple) else getattr(node, seg)
    return node


def set_field(model: Any, path: str, value: Any) -> Any:
    """A copy of frozen pydantic ``model`` with the field at dotted ``path`` set to
    ``value`` (not validated again: the value is one the field's prior allows)."""
    head, _, rest = path.partition(".")
    if isinstance(model, list | tuple):
        items = list(model)
        items[int(head)] = set_field(items[int(head)], rest, value) if rest else value
        return type(model)(items)
    child = set_field(getattr(model, head), rest, value) if rest else value
    return model.model_copy(update={head: child})


def _distributions(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, Prior]]:
    """(dotted path, distribution) of every effect of a policy spec given as a distribution."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, UniformEffect | TriangularEffect | NormalEffect):
            yield path, value
        elif isinstance(value, BaseModel):
            yield from _distributions(value, f"{path}.")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _distributions(item, f"{path}.{i}.")


def varies(prior: Prior) -> bool:
    """Whether a prior gives more than one value."""
    low, high = support(prior)
    return high > low and not (isinstance(prior, NormalEffect) and prior.sd == 0)


def quantile(prior: Prior, u: np.ndarray | float) -> np.ndarray:
    """The values of ``prior`` at quantiles ``u`` in [0, 1] (a normal's clipped to its
    bounds, as it is sampled: the mass beyond each bound sits on it)."""
    u = np.asarray(u, dtype=float)
    if isinstance(prior, UniformEffect):
        return prior.low + u * (prior.high - prior.low)
    if isinstance(prior, TriangularEffect):
        width = prior.high - prior.low
        c = (prior.mode - prior.low) / width
        return np.asarray(stats.triang.ppf(u, c, loc=prior.low, scale=width), dtype=float)
    if prior.sd == 0:
        return np.full_like(u, min(max(prior.mean, prior.low), prior.high))
    q = stats.norm.ppf(u, loc=prior.mean, scale=prior.sd)
    return np.clip(np.asarray(q, dtype=float), prior.low, prior.high)


def restrict(exp: ResolvedExperiment, names: Sequence[str]) -> ResolvedExperiment:
    """``exp`` with only the scenarios ``names`` (in the file's order; the first kept is the
    baseline); a ValueError names any that is not in it."""
    if not names:
        return exp
    known = [s.name for s in exp.scenarios]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"--scenario {', '.join(unknown)}: not a scenario of {exp.source} "
            f"(scenarios: {', '.join(known)})"
        )
    keep = [i for i, n in enumerate(known) if n in names]
    spec = exp.spec.model_copy(update={"scenarios": [exp.spec.scenarios[i] for i in keep]})
    return dataclasses.replace(exp, spec=spec, scenarios=tuple(exp.scenarios[i] for i in keep))


def _words(name: str) -> str:
    """A field or policy name as words: ``early_help.share`` -> ``early help share``."""
    return name.replace("_", " ").replace(".", " ").replace("/", " ")


def _effect_inputs(exp: ResolvedExperiment) -> list[Input]:
    """One input per policy effect given as a distribution: per policy key and field, the
    scenarios holding it; a policy given different priors in different scenarios is one
    input per prior (named with its scenarios)."""
    found: dict[tuple[str, str], dict[str, list[str]]] = {}
    priors: dict[tuple[str, str, str], Prior] = {}
    for sc in exp.scenarios:
        for policy in sc.policies:
            for path, prior in _distributions(policy):
                if not varies(prior):
                    continue
                text = prior.model_dump_json()
                found.setdefault((policy.key, path), {}).setdefault(text, []).append(sc.name)
                priors[(policy.key, path, text)] = prior
    out = []
    for (key, path), by_prior in found.items():
        for text, scenarios in by_prior.items():
            policy = key.rstrip("/")
            name = f"effect.{policy}.{path}"
            if len(by_prior) > 1:
                name += "@" + "+".join(scenarios)
            out.append(
                Input(
                    name=name,
                    label=f"{_words(policy)} {_words(path)}",
                    kind="effect",
                    prior=priors[(key, path, text)],
                    path=path,
                    policy=key,
                    scenarios=tuple(scenarios),
                )
            )
    return out


def parse_include(items: Sequence[str], default_range: float = DEFAULT_SCALE_RANGE) -> dict:
    """``--include`` values (``GROUP`` or ``GROUP:HALF_WIDTH``, comma-separated or
    repeated; ``agency`` and ``all`` stand for several) -> group -> half-width."""
    out: dict[str, float] = {}
    for item in (x.strip() for raw in items for x in raw.split(",")):
        if not item:
            continue
        name, _, width = item.partition(":")
        try:
            r = float(width) if width else default_range
        except ValueError:
            r = -1.0
        if not 0 < r < 1:
            raise ValueError(
                f"--include {item}: half-width {width or default_range!r} must be a number "
                "above 0 and below 1 (0.2: uniform 0.8-1.2 times the config's values)"
            )
        groups = GROUP_ALIASES.get(name, (name,))
        for g in groups:
            if g not in SCALE_GROUPS:
                raise ValueError(
                    f"--include {name}: not a group; choose from "
                    f"{', '.join([*SCALE_GROUPS, *GROUP_ALIASES])}"
                )
            out[g] = r
    return out


def _scale_inputs(exp: ResolvedExperiment, include: dict[str, float]) -> list[Input]:
    """One multiplier input per ``--include`` group, checked against every scenario's
    config at both ends of its prior; fields the experiment's ``uncertain:`` block already
    varies are left to it."""
    if include and exp.spec.councils is not None:
        raise ValueError(
            f"--include: {exp.source} is a run by councils, whose configs are scaled to each "
            "council; vary its rates through its uncertain: block instead"
        )
    out = []
    for group, r in include.items():
        spec = SCALE_GROUPS[group]
        prior = UniformEffect(dist="uniform", low=1 - r, high=1 + r)
        for sc in exp.scenarios:
            paths = [p for p in spec.paths(sc.config) if p not in exp.spec.uncertain]
            if not paths:
                raise ValueError(
                    f"--include {group}: every field it scales is in the experiment's "
                    "uncertain: block already, which varies it with its own prior"
                )
            for s in (prior.low, prior.high):
                try:
                    _scaled(sc.config, paths, s)
                except ValidationError as exc:
                    rule = format_validation_error(f"scenario '{sc.name}'", exc)
                    raise ValueError(
                        f"--include {group}:{r:g}: the config refuses its values x {s:g}: {rule}"
                    ) from None
        out.append(
            Input(
                name=f"scale.{group}",
                label=spec.label,
                kind="scale",
                prior=prior,
                group=group,
            )
        )
    return out


def _scaled(cfg: CouncilConfig, paths: Sequence[str], factor: float) -> CouncilConfig:
    """``cfg`` with each field at ``paths`` multiplied by ``factor`` (validated again)."""
    return with_values(cfg, {p: value_at(cfg, p) * factor for p in paths})


def discover(
    exp: ResolvedExperiment,
    include: dict[str, float] | None = None,
    only: Sequence[str] | None = None,
) -> list[Input]:
    """Every uncertain input of ``exp``: its ``uncertain:`` paths, its policy effects given
    as distributions, and a multiplier per ``include`` group; ``only`` keeps those named
    (the others are held at their prior means). A ValueError says why there is none."""
    inputs = [
        Input(name=p, label=LABELS.get(p, p), kind="uncertain", prior=prior, path=p)
        for p, prior in exp.spec.uncertain.items()
        if varies(prior)
    ]
    inputs += _effect_inputs(exp)
    inputs += _scale_inputs(exp, include or {})
    if only:
        names = [i.name for i in inputs]
        unknown = [n for n in only if n not in names]
        if unknown:
            raise ValueError(
                f"--path {', '.join(unknown)}: not an uncertain input of {exp.source} "
                f"(inputs: {', '.join(names) or 'none'})"
            )
        inputs = [i for i in inputs if i.name in only]
    if not inputs:
        raise ValueError(
            f"{exp.source}: nothing uncertain to analyse: no uncertain: block, no policy "
            "effect given as a distribution, and no --include group"
        )
    return inputs


def point_experiment(
    exp: ResolvedExperiment,
    inputs: Sequence[Input],
    values: dict[str, float],
    replications: int,
    label: str,
) -> ResolvedExperiment:
    """``exp`` with ``replications`` and every input held at its value in ``values`` (input
    name -> value): uncertain paths fixed, policy effects set in each scenario holding
    them, scale groups applied to each scenario's config; uncertain values and effects
    that are not inputs held at their prior means. Its name gets ``label`` in brackets."""
    by_name = {i.name: i for i in inputs}
    fixed_values = {p: prior_mean(prior) for p, prior in exp.spec.uncertain.items()}
    fixed_values |= {i.path: values[i.name] for i in inputs if i.kind == "uncertain"}
    effects = {
        (i.policy, i.path, s): values[i.name]
        for i in inputs
        if i.kind == "effect"
        for s in i.scenarios
    }
    scales = [(by_name[n], v) for n, v in values.items() if by_name[n].kind == "scale"]
    spec_scenarios, resolved = [], []
    for spec_sc, sc in zip(exp.spec.scenarios, exp.scenarios, strict=True):
        policies = []
        for policy in sc.policies:
            for path, prior in _distributions(policy):
                value = effects.get((policy.key, path, sc.name), prior_mean(prior))
                policy = set_field(policy, path, float(value))
            policies.append(policy)
        cfg = sc.config
        for inp, factor in scales:
            paths = [p for p in SCALE_GROUPS[inp.group].paths(cfg) if p not in fixed_values]
            cfg = _scaled(cfg, paths, factor)
        spec_scenarios.append(spec_sc.model_copy(update={"policies": policies}))
        resolved.append(ResolvedScenario(sc.name, sc.description, cfg, tuple(policies)))
    spec = exp.spec.model_copy(
        update={
            "name": f"{exp.spec.name} [{label}]",
            "uncertain": {p: fixed(v) for p, v in fixed_values.items()},
            "replications": replications,
            "precision": None,
            "scenarios": spec_scenarios,
        }
    )
    return dataclasses.replace(exp, spec=spec, scenarios=tuple(resolved))
