"""Uncertain council-config values of an experiment: an ``uncertain:`` block maps a dotted
path in the council config (e.g. ``pathway.drift_strength``) to a prior distribution, the
same uniform, triangular or normal blocks as a policy's uncertain effects
(``sim.config.policies``). Each replication draws one value per path
(``sim.experiment.uncertain``) and runs every scenario with it, so scenarios stay paired.

This module is the data side: the prior type, its support and mean, the checks that a path
names a real-valued field the council config accepts at both ends of its prior, and a
config with values set.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from statistics import NormalDist
from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError

from sim.config.council import CouncilConfig
from sim.config.councils import EXTENSIVE_FIELDS, EXTENSIVE_SCHEDULES
from sim.config.loader import ConfigError, format_validation_error
from sim.config.policies import (
    NormalEffect,
    TriangularEffect,
    UniformEffect,
    describe_effect,
    effect_support,
)

Prior = Annotated[UniformEffect | TriangularEffect | NormalEffect, Field(discriminator="dist")]
"""A prior for one uncertain value: ``{dist: uniform, low, high}``, ``{dist: triangular,
low, mode, high}`` or ``{dist: normal, mean, sd, low, high}`` (clipped to [low, high])."""

PREFIX = "uncertain."
"""Columns of ``replications`` holding each replication's sampled values: the prefix and
the path (e.g. ``uncertain.pathway.drift_strength``)."""


def column(path: str) -> str:
    """The ``replications`` column of the value sampled for ``path``."""
    return PREFIX + path


def support(prior: Prior) -> tuple[float, float]:
    """The lowest and highest value ``prior`` can give (infinite for an unbounded normal);
    the same as a policy effect's (``sim.config.policies.effect_support``)."""
    return effect_support(prior)


def prior_mean(prior: Prior) -> float:
    """The mean of ``prior`` as sampled (a normal's after clipping to [low, high])."""
    if isinstance(prior, UniformEffect):
        return (prior.low + prior.high) / 2
    if isinstance(prior, TriangularEffect):
        return (prior.low + prior.mode + prior.high) / 3
    mu, sd, a, b = prior.mean, prior.sd, prior.low, prior.high
    if sd == 0:
        return min(max(mu, a), b)
    # E[clip(X, a, b)] for X ~ N(mu, sd): the mass beyond each bound sits on it.
    z = NormalDist()
    alpha = (a - mu) / sd if math.isfinite(a) else -math.inf
    beta = (b - mu) / sd if math.isfinite(b) else math.inf
    cdf_a = z.cdf(alpha) if math.isfinite(alpha) else 0.0
    cdf_b = z.cdf(beta) if math.isfinite(beta) else 1.0
    pdf_a = z.pdf(alpha) if math.isfinite(alpha) else 0.0
    pdf_b = z.pdf(beta) if math.isfinite(beta) else 0.0
    lower = a * cdf_a if math.isfinite(a) else 0.0
    upper = b * (1 - cdf_b) if math.isfinite(b) else 0.0
    return lower + upper + mu * (cdf_b - cdf_a) + sd * (pdf_a - pdf_b)


def fixed(value: float) -> UniformEffect:
    """A prior that always gives ``value`` (to hold an uncertain value fixed, e.g. in a
    sensitivity run)."""
    return UniformEffect(dist="uniform", low=value, high=value)


def describe(prior: Prior) -> str:
    """The prior in a few words, e.g. ``uniform 0-0.3``."""
    return describe_effect(prior)


# --- paths in a council config ----------------------------------------------------------------


class PathError(ValueError):
    """A path that does not name a real-valued field of the council config."""


def value_at(cfg: CouncilConfig, path: str) -> float:
    """The real-valued field of ``cfg`` at dotted ``path`` (list items by index, e.g.
    ``leaving.permanent.0.per_year``); :class:`PathError` says why a path is not one."""
    node: Any = cfg
    done: list[str] = []
    for seg in path.split("."):
        where = ".".join(done) or "the council config"
        if isinstance(node, BaseModel):
            fields = type(node).model_fields
            if seg not in fields:
                raise PathError(f"no field '{seg}' in {where} (fields: {', '.join(fields)})")
            node = getattr(node, seg)
        elif isinstance(node, Mapping):
            if seg not in node:
                raise PathError(f"no key '{seg}' in {where} (keys: {', '.join(map(str, node))})")
            node = node[seg]
        elif isinstance(node, Sequence) and not isinstance(node, str):
            if not seg.isdigit() or int(seg) >= len(node):
                raise PathError(
                    f"{where} is a list of {len(node)}; give an index 0-{len(node) - 1}, "
                    f"not '{seg}'"
                )
            node = node[int(seg)]
        else:
            raise PathError(f"{where} is a single value; it has no field '{seg}'")
        done.append(seg)
    if isinstance(node, bool) or not isinstance(node, float):
        if isinstance(node, int) and not isinstance(node, bool):
            kind = "a whole number"
        elif isinstance(node, BaseModel | Mapping):
            kind = "a section"
        else:
            kind = f"a {type(node).__name__}"
        shown = "" if kind == "a section" else f" ({node!r} in the config)"
        raise PathError(
            f"{path} is {kind}{shown}, not a real number; rule: only real-valued fields can "
            "be uncertain"
        )
    return node


def with_values(cfg: CouncilConfig, values: Mapping[str, float]) -> CouncilConfig:
    """``cfg`` with the field at each dotted path set to its value, validated again (a
    pydantic ``ValidationError`` if the config refuses a value)."""
    if not values:
        return cfg
    data = cfg.model_dump(mode="python")
    for path, value in values.items():
        *parents, leaf = path.split(".")
        node = data
        for seg in parents:
            child = node[int(seg)] if isinstance(node, list) else node[seg]
            if isinstance(child, tuple):  # a tuple field: a list to set an item of
                child = list(child)
                if isinstance(node, list):
                    node[int(seg)] = child
                else:
                    node[seg] = child
            node = child
        if isinstance(node, list):
            node[int(leaf)] = float(value)
        else:
            node[leaf] = float(value)
    return CouncilConfig.model_validate(data)


def _overrides_set(overrides: Mapping[str, Any], path: str) -> bool:
    """Whether a scenario's ``overrides`` mapping sets ``path`` (or a section holding it)."""
    node: Any = overrides
    for seg in path.split("."):
        if isinstance(node, Mapping) and seg in node:
            node = node[seg]
        elif isinstance(node, list) and seg.isdigit() and int(seg) < len(node):
            node = node[int(seg)]
        else:
            return False
    return True


def _scaled_by_council(path: str) -> bool:
    """Whether a run by councils scales the field at ``path`` to each council's size."""
    segs = tuple(path.split("."))
    return segs[:2] in EXTENSIVE_FIELDS or segs[:2] in EXTENSIVE_SCHEDULES


def check_uncertain(
    priors: Mapping[str, Prior],
    scenarios: Sequence[tuple[str, Mapping[str, Any], CouncilConfig]],
    source: str,
    by_councils: bool = False,
) -> None:
    """Raise :class:`ConfigError`, one line per problem naming the field, the value and the
    rule, unless every path of ``priors`` names a real-valued field of every scenario's
    config (``(name, overrides, config)``) that no scenario overrides and that the config
    accepts at both ends of the prior. A run by councils also refuses counts it scales."""
    problems: list[str] = []
    for path, prior in priors.items():
        field = f"{source}: field 'uncertain.{path}'"
        if by_councils and _scaled_by_council(path):
            problems.append(
                f"{field}: prior {describe(prior)}: a run by councils scales this count to "
                "each council's size; rule: uncertain values of a region must be rates, "
                "shares, durations or strengths, which councils share"
            )
            continue
        low, high = support(prior)
        if not (math.isfinite(low) and math.isfinite(high)):
            problems.append(
                f"{field}: prior {describe(prior)}: give a normal prior finite low and high, "
                "so that every draw is a value the council config accepts"
            )
            continue
        for name, overrides, cfg in scenarios:
            try:
                value_at(cfg, path)
            except PathError as exc:
                problems.append(f"{field}: {exc}")
                break
            if _overrides_set(overrides, path):
                problems.append(
                    f"{field}: scenario '{name}' also sets it in its overrides; rule: a "
                    "value is either sampled for every scenario (uncertain) or set by "
                    "scenarios, not both"
                )
                break
            bad = _refused_end(cfg, path, prior, low, high, field, name)
            if bad:
                problems.append(bad)
                break
    if problems:
        raise ConfigError("\n".join(problems))


def _refused_end(
    cfg: CouncilConfig, path: str, prior: Prior, low: float, high: float, field: str, scenario: str
) -> str | None:
    """Why the config refuses ``path`` at the prior's low or high end, or None."""
    for end, value in (("low", low), ("high", high)):
        try:
            with_values(cfg, {path: value})
        except ValidationError as exc:
            rule = format_validation_error(f"scenario '{scenario}'", exc)
            return (
                f"{field}: value {value:g} (the {end} end of prior {describe(prior)}): the "
                f"council config refuses it: {rule}"
            )
    return None
