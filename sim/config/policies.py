"""Recruitment and retention policies as data.

Each policy is a typed block with a ``start`` date (default: the run's start), a
``phase_in_months`` over which its effect ramps up linearly, and effect sizes that may be
uncertain: a fixed number, or a distribution sampled once per replication (from a stream
keyed by the policy and parameter, so every scenario holding the same policy draws the
same value in the same replication). These are data only: what each policy does in a run is
its runtime in ``sim.model.policies``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, Discriminator, Field, Tag, model_validator

from sim.config.council import (
    MAX_PAY_GBP,
    MAX_RATE_PER_YEAR,
    MAX_WORKERS,
    MIN_STAGE_MEAN_DAYS,
    WHY_PAY,
    WHY_RATE,
    WHY_WORKERS,
    AsyeMonths,
    Date,
    PanelDays,
    Strict,
    at_most,
)
from sim.config.distributions import MAX_DAYS

MAX_COST_GBP_PER_YEAR = 100e9
WHY_COST = (
    "about 8 times England's whole children's social care spending (GBP 12bn a year); a "
    "larger figure is a typing mistake, and would overflow the costs"
)
MAX_COHORT = 50_000
WHY_COHORT = (
    "about 10 times the newly qualified social workers England takes on in a year; more "
    "would not fit in memory and time"
)
MAX_MULTIPLIER = 100.0
MAX_MONTHS = 600
WHY_MONTHS = "fifty years, the longest run"

# --- uncertain effect sizes -----------------------------------------------------------------


class UniformEffect(Strict):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> UniformEffect:
        if self.low > self.high:
            raise ValueError(f"low {self.low} must not exceed high {self.high}")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))


class TriangularEffect(Strict):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _order(self) -> TriangularEffect:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high; got {self.low}, {self.mode}, {self.high}"
            )
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.triangular(self.low, self.mode, self.high))


class NormalEffect(Strict):
    """Normal, clipped to [low, high] when given."""

    dist: Literal["normal"]
    mean: float
    sd: float = Field(ge=0)
    low: float = -math.inf
    high: float = math.inf

    @model_validator(mode="after")
    def _order(self) -> NormalEffect:
        if self.low > self.high:
            raise ValueError(f"low {self.low} must not exceed high {self.high}")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        return float(np.clip(rng.normal(self.mean, self.sd), self.low, self.high))


Distribution = Annotated[
    UniformEffect | TriangularEffect | NormalEffect, Field(discriminator="dist")
]


def _effect_kind(value: object) -> str:
    """Which branch of :data:`Effect` a value is for: a mapping is a distribution, anything
    else a number (so ``true`` or ``"2"`` is told it is not a number, not both errors)."""
    return "<distribution>" if isinstance(value, dict | BaseModel) else "<number>"


Effect = Annotated[
    Annotated[float, Tag("<number>")] | Annotated[Distribution, Tag("<distribution>")],
    Discriminator(_effect_kind),
]
"""A fixed number, or a distribution sampled once per replication. (The tags, in angle
brackets, are left out of the field names in messages.)"""


def effect_support(effect: Effect) -> tuple[float, float]:
    """The lowest and highest value ``effect`` can give: a fixed number's itself, a
    distribution's low and high (infinite for a normal without them)."""
    if isinstance(effect, int | float):
        return float(effect), float(effect)
    return effect.low, effect.high


def describe_effect(effect: Effect) -> str:
    """The effect in a few words, e.g. ``uniform 0-0.3``."""
    if isinstance(effect, int | float):
        return f"{effect:g}"
    if isinstance(effect, UniformEffect):
        return f"uniform {effect.low:g}-{effect.high:g}"
    if isinstance(effect, TriangularEffect):
        return f"triangular {effect.low:g}-{effect.mode:g}-{effect.high:g}"
    return (
        f"normal mean {effect.mean:g} sd {effect.sd:g}, clipped to [{effect.low:g}, "
        f"{effect.high:g}]"
    )


@dataclass(frozen=True)
class Meaning:
    """The values an effect has a meaning for: ``low`` to ``high`` (``low`` itself
    excluded if ``above_low``), and what the effect is, for the message."""

    low: float
    high: float
    what: str
    above_low: bool = False

    def holds(self, x: float) -> bool:
        above = x > self.low if self.above_low else x >= self.low
        return math.isfinite(x) and above and x <= self.high

    def rule(self) -> str:
        low = f"above {self.low:g}" if self.above_low else f"at least {self.low:g}"
        return f"must be {low} and at most {self.high:g}: {self.what}"

    def check(self, effect: Effect) -> Effect:
        """``effect`` if it (a fixed number, or both ends of a distribution) has a meaning;
        a ValueError naming the end and the rule otherwise."""
        if isinstance(effect, int | float):
            if not self.holds(effect):
                raise ValueError(self.rule())
            return effect
        for end, x in zip(("low", "high"), effect_support(effect), strict=True):
            if not self.holds(x):
                raise ValueError(
                    f"the {end} end of {describe_effect(effect)} is {x:g}; every draw "
                    f"{self.rule()}" + ("" if math.isfinite(x) else f" (give a finite {end})")
                )
        return effect


def _effect(meaning: Meaning) -> AfterValidator:
    return AfterValidator(meaning.check)


BEYOND = f"a {MAX_MULTIPLIER:g}-fold change is beyond any evidence"
Hazard = Annotated[
    Effect,
    _effect(
        Meaning(
            0,
            MAX_MULTIPLIER,
            f"it multiplies the leaving hazard; 0 would mean nobody ever leaves, and {BEYOND}",
            above_low=True,
        )
    ),
]
Applicants = Annotated[
    Effect,
    _effect(
        Meaning(
            0,
            MAX_MULTIPLIER,
            f"it multiplies the appointable applicants per advert (0: none), and {BEYOND}",
        )
    ),
]
TeamManagerVacancies = Annotated[
    Effect,
    _effect(
        Meaning(
            0,
            MAX_MULTIPLIER,
            "it multiplies the share of team manager posts vacant (capped at every post "
            "vacant): below 0 would put more managers in post than are funded",
        )
    ),
]
CoverDelay = Annotated[
    Effect,
    _effect(
        Meaning(
            0,
            MAX_MULTIPLIER,
            f"it multiplies the days agency cover takes to fill (0: no time), and {BEYOND}",
        )
    ),
]
ShareDiverted = Annotated[
    Effect,
    _effect(Meaning(0, 1, "a share of referrals diverted (below 0 would add referrals)")),
]
Compliance = Annotated[
    Effect, _effect(Meaning(0, 1, "the share of stages that keep to the guidance"))
]

Pay = Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(MAX_PAY_GBP, WHY_PAY)]
CostPerYear = Annotated[
    float, Field(ge=0, allow_inf_nan=False), at_most(MAX_COST_GBP_PER_YEAR, WHY_COST)
]
Months = Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(MAX_MONTHS, WHY_MONTHS)]
Years = Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(MAX_MONTHS / 12, WHY_MONTHS)]
CohortSize = Annotated[int, Field(ge=0), at_most(MAX_COHORT, WHY_COHORT)]
GuidanceDays = Annotated[
    float | None,
    Field(ge=MIN_STAGE_MEAN_DAYS, le=MAX_DAYS, allow_inf_nan=False),
]


# --- policy blocks --------------------------------------------------------------------------


class PolicyBase(Strict):
    """Common to every policy: a label, when it starts and how fast it takes effect."""

    label: str | None = None
    start: Date | None = None
    phase_in_months: Months = 0.0

    @property
    def key(self) -> str:
        """Names the policy in outputs and keys its random effects: type and label."""
        return f"{self.type}/{self.label or self.default_label()}"  # type: ignore[attr-defined]

    def default_label(self) -> str:
        return ""


class Payment(Strict):
    at_service_years: Years
    amount_gbp: Pay


def _social_workers_only() -> list[Literal["social_worker", "senior"]]:
    """RetentionPayment's default ``grades`` (a named function: mypy reads a lambda's list
    as ``list[str]``)."""
    return ["social_worker"]


class RetentionPayment(PolicyBase):
    """Payments to permanent social workers at given lengths of service (a lump sum, or
    instalments such as 3 x 666 at 2, 2.5 and 3 years), with clawback if they leave soon
    after. Eligible workers leave at ``hazard_multiplier_waiting`` times their usual rate
    while a payment is due within ``anticipation_years`` or clawback still applies, and at
    ``hazard_multiplier_after`` once they have had every payment."""

    type: Literal["retention_payment"]
    grades: list[Literal["social_worker", "senior"]] = Field(default_factory=_social_workers_only)
    payments: list[Payment] = Field(min_length=1, max_length=120)
    clawback_months: Months = 12
    clawback_share: float = Field(default=1.0, ge=0, le=1)
    anticipation_years: Years = 1.0
    hazard_multiplier_waiting: Hazard = 1.0
    hazard_multiplier_after: Hazard = 1.0
    applicant_multiplier: Applicants = 1.0
    """Appointable applicants per advert x this while the payments are offered (a post
    with a retention payment draws more applicants)."""

    @model_validator(mode="after")
    def _ordered(self) -> RetentionPayment:
        years = [p.at_service_years for p in self.payments]
        if years != sorted(years):
            raise ValueError(f"payments must be in order of service; got {years}")
        return self


class MarketSupplement(PolicyBase):
    """A pay supplement for a grade: changes leaving (seniors) or vacancies (team
    managers) and the appointable applicants per advert."""

    type: Literal["market_supplement"]
    grade: Literal["senior", "team_manager"]

    def default_label(self) -> str:
        return self.grade

    amount_gbp_per_year: Pay
    hazard_multiplier: Hazard = 1.0
    applicant_multiplier: Applicants = 1.0
    team_manager_vacancy_multiplier: TeamManagerVacancies = 1.0


class RecruitmentCampaign(PolicyBase):
    """More appointable applicants per advert (``applicant_multiplier``), faster panels
    (shorter advert rounds), a different experienced/NQ mix, more agency conversions;
    costs a fixed amount a year while it runs."""

    type: Literal["recruitment_campaign"]
    applicant_multiplier: Applicants = 1.0
    panel_interval_days: PanelDays | None = None
    experienced_share: float | None = Field(default=None, ge=0, le=1)
    conversion_per_year: (
        Annotated[float, Field(ge=0), at_most(MAX_RATE_PER_YEAR, WHY_RATE)] | None
    ) = None
    cost_gbp_per_year: CostPerYear = 0.0


class AgencyPolicy(PolicyBase):
    """Phase the agency ceiling down to ``max_share`` by ``by``; optionally cap the premium
    paid (which slows agency cover by ``cover_delay_multiplier``)."""

    type: Literal["agency_policy"]
    max_share: float = Field(ge=0, le=1)
    by: Date
    premium_cap_gbp_per_year: Pay | None = None
    cover_delay_multiplier: CoverDelay = 1.0


class Cohort(Strict):
    """Trainees (apprenticeship, Step Up, Frontline) who start as ASYE when qualified."""

    name: str
    start: Date
    size: CohortSize
    qualify_after_months: Annotated[
        float, Field(ge=0), at_most(120, "a qualifying course takes up to about 3 years")
    ]
    cost_gbp_per_year_each: Pay = 0.0


class YearlyIntake(Strict):
    month: int = Field(ge=1, le=12)
    size: CohortSize


class NqswProgramme(PolicyBase):
    """The newly qualified programme: ASYE length and protected caseload for NQSWs who
    start from ``start``, a yearly intake and trainee cohorts."""

    type: Literal["nqsw_programme"]
    asye_duration_months: AsyeMonths | None = None
    protected_caseload: float | None = Field(default=None, gt=0, le=1000)
    yearly_intake: YearlyIntake | None = None
    cohorts: list[Cohort] = Field(default_factory=list, max_length=600)
    cost_gbp_per_year: CostPerYear = 0.0

    @model_validator(mode="after")
    def _cohorts_fit(self) -> NqswProgramme:
        total = sum(c.size for c in self.cohorts)
        if total > MAX_WORKERS:
            raise ValueError(
                f"cohorts: {total:,} trainees in all; the limit is {MAX_WORKERS:,}: {WHY_WORKERS}"
            )
        return self


class EarlyHelp(Strict):
    share: ShareDiverted
    """Share of referrals diverted at full effect."""


class Guidance(Strict):
    """Practice guidance on stage lengths (days), kept by a share of cases."""

    cin_days: GuidanceDays = None
    cp_days: GuidanceDays = None
    lac_days: GuidanceDays = None
    compliance: Compliance


class DemandManagement(PolicyBase):
    """Early Help diverting referrals, and practice guidance capping stage durations."""

    type: Literal["demand_management"]
    early_help: EarlyHelp | None = None
    guidance: Guidance | None = None
    cost_gbp_per_year: CostPerYear = 0.0


Policy = Annotated[
    RetentionPayment
    | MarketSupplement
    | RecruitmentCampaign
    | AgencyPolicy
    | NqswProgramme
    | DemandManagement,
    Field(discriminator="type"),
]
