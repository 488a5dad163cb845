"""The levers an experiment may pull, for ``csc-sim optimise``: an experiment's optional
``levers:`` block declares, starting from one of its scenarios, the choices a planner can
make (funded posts and when, which policies are on, their sizes and start dates, or any
named set of config overrides and policies), and every combination of one option per
lever is a candidate.

This module is the data side: the block's types and checks, and each candidate as a
scenario mapping (name, description, overrides, policies) that the experiment's own
validation then resolves (``sim.experiment.optimise``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from sim.config.council import Date, Strict, WorkersFte
from sim.config.loader import deep_merge
from sim.config.policies import Policy

NAME = r"^[A-Za-z0-9_\-]+$"
MAX_CANDIDATES = 1000
WHY_CANDIDATES = (
    "every candidate runs at least its first replications (a thousand is about 10,000 "
    "replications before any racing); split the question, or give fewer options"
)
SEPARATOR = "__"
"""Between the levers' parts of a candidate's name: ``posts-288__campaign-on``."""

_POLICY: TypeAdapter[Any] = TypeAdapter(Policy)


def _unique(what: str, names: list[str]) -> None:
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError(f"{what} names must be unique; repeated: {', '.join(dup)}")


class Option(Strict):
    """One option of an ``options`` lever: config overrides (merged over the starting
    scenario's, as a scenario's are over the base config) and policies (added to its)."""

    name: str = Field(pattern=NAME)
    """Names the option in the candidate's name (``lever-option``)."""
    label: str = ""
    """How the option reads in the tables and chart; empty: the option changes nothing
    worth naming (e.g. ``none``) and is left out of the candidate's label."""
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Council-config values, merged over the starting scenario's overrides."""
    policies: list[Policy] = Field(default_factory=list)
    """Policies added to the starting scenario's."""


class OptionsLever(Strict):
    """Any choice, as a list of named options."""

    kind: Literal["options"]
    name: str = Field(pattern=NAME)
    """Names the lever in candidates' names and in the table's ``lever.<name>`` column."""
    description: str = ""
    options: list[Option] = Field(min_length=1)
    """The choices; a candidate takes one."""

    @model_validator(mode="after")
    def _names(self) -> OptionsLever:
        _unique("option", [o.name for o in self.options])
        return self


class EstablishmentLever(Strict):
    """Funded social worker posts: each option funds ``fte`` posts from ``date`` (the
    starting scenario's schedule of posts is replaced by that one step), for every
    combination of the two lists."""

    kind: Literal["establishment"]
    name: str = Field(default="posts", pattern=NAME)
    """Names the lever in candidates' names and in the table's ``lever.<name>`` column."""
    description: str = ""
    fte: list[WorkersFte] = Field(min_length=1)
    """Funded social worker posts (FTE) to choose from."""
    date: list[Date] = Field(min_length=1)
    """Dates from which they may be funded."""
    team_managers: Literal["span", "keep"] = "span"
    """``span``: team manager posts funded from the same date at the config's
    ``establishment.team_manager_span`` (posts / span, rounded up); ``keep``: as the
    starting scenario has them."""

    @model_validator(mode="after")
    def _distinct(self) -> EstablishmentLever:
        for what, values in (("fte", self.fte), ("date", self.date)):
            if len(set(values)) != len(values):
                raise ValueError(f"{what}: a value is given twice")
        return self


class PolicyLever(Strict):
    """One policy: off (if ``off``) or on, at each of its ``sizes`` (named changes merged
    over ``policy``; none: the policy as written) and each ``start`` date (none: the
    policy's own)."""

    kind: Literal["policy"]
    name: str = Field(pattern=NAME)
    """Names the lever in candidates' names and in the table's ``lever.<name>`` column."""
    description: str = ""
    label: str = ""
    """How the policy reads in the tables and chart (default: the lever's name)."""
    policy: Policy
    """The policy as a scenario's ``policies`` would hold it."""
    off: bool = True
    """Whether leaving the policy out is an option."""
    sizes: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Named sizes: each the fields that change (e.g. ``{big: {amount_gbp_per_year:
    5000}}``), merged over ``policy``; checked as the policy itself would be."""
    start: list[Date] = Field(default_factory=list)
    """Start dates to choose from (empty: the policy's own)."""

    @model_validator(mode="after")
    def _variants(self) -> PolicyLever:
        bad = [s for s in self.sizes if not _is_name(s)]
        if bad:
            raise ValueError(f"sizes: names must be letters, digits, _ or -; got {bad}")
        if len(set(self.start)) != len(self.start):
            raise ValueError("start: a date is given twice")
        for size in self.sizes:
            try:
                self.variant(size, None)
            except ValidationError as exc:
                first = exc.errors()[0]
                # the first part of the place names the policy type (the union's tag)
                where = ".".join(str(p) for p in first["loc"][1:] if not str(p).startswith("<"))
                raise ValueError(
                    f"sizes.{size}: the policy with this size is refused: field '{where}': "
                    f"{first['msg'].removeprefix('Value error, ')}"
                ) from None
        return self

    def variant(self, size: str | None, start: Any) -> dict[str, Any]:
        """The policy at ``size`` (None: as written) from ``start`` (None: its own), as a
        mapping a scenario's ``policies`` accepts; refused as the policy itself would be."""
        plain = self.policy.model_dump(exclude_unset=True)
        if size is not None:
            plain = deep_merge(plain, self.sizes[size])
        if start is not None:
            plain["start"] = start
        _POLICY.validate_python(plain)
        return plain


def _is_name(text: str) -> bool:
    return re.fullmatch(NAME, text) is not None


Lever = Annotated[OptionsLever | EstablishmentLever | PolicyLever, Field(discriminator="kind")]


class LeverSpace(Strict):
    """An experiment's ``levers:`` block: the candidates start from ``from_scenario``
    (default: the first scenario) and take one option of each lever in ``choose``."""

    from_scenario: str | None = None
    """The scenario every candidate starts from (its overrides and policies)."""
    choose: list[Lever] = Field(min_length=1)
    """The levers: every combination of one option of each is a candidate."""

    @model_validator(mode="after")
    def _check(self) -> LeverSpace:
        _unique("lever", [lv.name for lv in self.choose])
        count = math.prod(_option_count(lv) for lv in self.choose)
        if count > MAX_CANDIDATES:
            raise ValueError(
                f"{count:,} combinations of options; the limit is {MAX_CANDIDATES:,}: "
                f"{WHY_CANDIDATES}"
            )
        return self


def _option_count(lever: OptionsLever | EstablishmentLever | PolicyLever) -> int:
    if isinstance(lever, OptionsLever):
        return len(lever.options)
    if isinstance(lever, EstablishmentLever):
        return len(lever.fte) * len(lever.date)
    return int(lever.off) + max(1, len(lever.sizes)) * max(1, len(lever.start))


@dataclass(frozen=True)
class Choice:
    """One option of one lever, as it changes the starting scenario."""

    lever: str
    option: str
    label: str
    """How it reads (empty: changes nothing worth naming)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    policies: tuple[dict[str, Any], ...] = ()


def choices(
    lever: OptionsLever | EstablishmentLever | PolicyLever, team_manager_span: float
) -> list[Choice]:
    """Every option of ``lever``; ``team_manager_span`` is the starting scenario's
    ``establishment.team_manager_span`` (social workers per team manager)."""
    if isinstance(lever, OptionsLever):
        return [
            Choice(
                lever.name,
                o.name,
                o.label,
                o.overrides,
                tuple(p.model_dump(exclude_unset=True) for p in o.policies),
            )
            for o in lever.options
        ]
    if isinstance(lever, EstablishmentLever):
        out = []
        for fte in lever.fte:
            for date in lever.date:
                est: dict[str, Any] = {"schedule": [{"date": date, "fte": fte}]}
                if lever.team_managers == "span":
                    managers = math.ceil(fte / team_manager_span)
                    est["team_manager_schedule"] = [{"date": date, "fte": managers}]
                name = f"{fte:g}" + (f"-{date}" if len(lever.date) > 1 else "")
                label = f"{fte:,.0f} posts from {date:%b %Y}"
                out.append(Choice(lever.name, name, label, {"establishment": est}))
        return out
    label = lever.label or lever.name.replace("_", " ")
    out = [Choice(lever.name, "off", "")] if lever.off else []
    sizes: list[str | None] = [*lever.sizes] or [None]
    starts: list[dt.date | None] = [*lever.start] or [None]
    for size in sizes:
        for start in starts:
            parts = [p for p in (size, None if start is None else str(start)) if p]
            name = "-".join(parts) or "on"
            words = (
                label
                + (f" {size}" if size else "")
                + (f" from {start:%b %Y}" if start is not None else "")
            )
            out.append(Choice(lever.name, name, words, policies=(lever.variant(size, start),)))
    return out


def candidate_name(picked: tuple[Choice, ...]) -> str:
    """A candidate's name: each lever and its option, ``posts-288__campaign-on``."""
    return SEPARATOR.join(f"{c.lever}-{c.option}" for c in picked)


def candidate_label(picked: tuple[Choice, ...]) -> str:
    """A candidate in words: the options that change something, ``; `` between them."""
    return "; ".join(c.label for c in picked if c.label) or "no change"


def candidate_scenario(start: dict[str, Any], picked: tuple[Choice, ...]) -> dict[str, Any]:
    """The scenario mapping of one candidate: the starting scenario's mapping (as in the
    experiment file) with each choice's overrides merged over its overrides, in lever
    order, and each choice's policies added to its policies."""
    overrides = dict(start.get("overrides") or {})
    policies = list(start.get("policies") or [])
    for c in picked:
        overrides = deep_merge(overrides, c.overrides)
        policies.extend(c.policies)
    return {
        "name": candidate_name(picked),
        "description": candidate_label(picked),
        "overrides": overrides,
        "policies": policies,
    }
