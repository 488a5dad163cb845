"""Recruitment and retention policies as data.

Each policy is a typed block with a ``start`` date (default: the run's start), a
``phase_in_months`` over which its effect ramps up linearly, and effect sizes that may be
uncertain: a fixed number, or a distribution sampled once per replication (from a stream
keyed by the policy and parameter, so every scenario holding the same policy draws the
same value in the same replication). These are data only: what each policy does in a run is
its runtime in ``sim.model.policies``.

Every figure says whether it is **absolute** (it replaces the config's value while the
policy runs, or is an amount in its own unit) or **relative** (a multiplier of the config's
value, or a share of it): a ``*_multiplier`` is always relative (1 = no change), a share
or a number of days is absolute, and an agency policy's ``max_share`` is the absolute
agency share it brings the cap *down to*, never a cut *by* that much, and never a rise.
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
    """Names the policy in outputs (default: its type, or its grade); two policies of one
    type in a scenario need different labels."""
    start: Date | None = None
    """Absolute date the policy starts (default: the run's ``start_date``); on or after the
    run's start: the starting figures already hold what earlier policies did."""
    phase_in_months: Months = 0.0
    """Months over which its effect ramps up linearly from none to full (0: at once)."""

    @property
    def key(self) -> str:
        """Names the policy in outputs and keys its random effects: type and label."""
        return f"{self.type}/{self.label or self.default_label()}"  # type: ignore[attr-defined]

    def default_label(self) -> str:
        return ""


class Payment(Strict):
    """One payment of a retention scheme."""

    at_service_years: Years
    """Absolute: years of service with the council at which it is paid."""
    amount_gbp: Pay
    """Absolute: GBP paid to each eligible worker, before on-costs."""


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
    """Grades of permanent social workers who are paid."""
    payments: list[Payment] = Field(min_length=1, max_length=120)
    """The payments, in order of service."""
    clawback_months: Months = 12
    """A worker leaving within this many months of a payment repays ``clawback_share``."""
    clawback_share: float = Field(default=1.0, ge=0, le=1)
    """Absolute share of the last payment repaid by a worker leaving within the clawback."""
    anticipation_years: Years = 1.0
    """Years before a payment falls due during which it holds a worker."""
    hazard_multiplier_waiting: Hazard = 1.0
    """Relative: an eligible worker's leaving hazard x this while a payment is due within
    ``anticipation_years`` or clawback applies (1 = no change)."""
    hazard_multiplier_after: Hazard = 1.0
    """Relative: leaving hazard x this once every payment has been made (1 = no change)."""
    applicant_multiplier: Applicants = 1.0
    """Relative: appointable applicants per advert x this while the payments are offered (a
    post with a retention payment draws more applicants; 1 = no change)."""

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
    """Absolute: GBP a year per FTE of the grade, before on-costs."""
    hazard_multiplier: Hazard = 1.0
    """Relative: a senior's leaving hazard x this (1 = no change)."""
    applicant_multiplier: Applicants = 1.0
    """Relative: appointable applicants per advert x this (1 = no change)."""
    team_manager_vacancy_multiplier: TeamManagerVacancies = 1.0
    """Relative: the share of team manager posts vacant
    (``establishment.team_manager_vacancy_rate``) x this (1 = no change)."""


class RecruitmentCampaign(PolicyBase):
    """More appointable applicants per advert (``applicant_multiplier``), faster panels
    (shorter advert rounds), a different experienced/NQ mix, more agency conversions;
    costs a fixed amount a year while it runs."""

    type: Literal["recruitment_campaign"]
    applicant_multiplier: Applicants = 1.0
    """Relative: appointable applicants per advert x this (1 = no change)."""
    panel_interval_days: PanelDays | None = None
    """Absolute: replaces ``recruitment.panel_interval_days`` from the start (none: kept)."""
    experienced_share: float | None = Field(default=None, ge=0, le=1)
    """Absolute: replaces ``recruitment.experienced_share`` from the start (none: kept)."""
    conversion_per_year: (
        Annotated[float, Field(ge=0), at_most(MAX_RATE_PER_YEAR, WHY_RATE)] | None
    ) = None
    """Absolute: replaces ``recruitment.agency.conversion_per_year`` from the start (none:
    kept)."""
    cost_gbp_per_year: CostPerYear = 0.0
    """Absolute: GBP a year while it runs."""


class AgencyPolicy(PolicyBase):
    """Phase the agency ceiling down to ``max_share`` by ``by``; optionally cap the premium
    paid (which slows agency cover by ``cover_delay_multiplier``). "Down to" is literal: the
    ceiling falls from the config's own (``recruitment.agency.max_share``) to the lower of
    the two (:meth:`ceiling`), so a policy never raises it."""

    type: Literal["agency_policy"]
    max_share: float = Field(ge=0, le=1)
    """Absolute: the agency share of social workers in post (0.2 = 20%, the
    ``agency_share`` metric) the ceiling comes down to by ``by``; not a cut *by* this much.
    Above the config's own cap it changes nothing (``csc-sim check`` refuses it)."""
    by: Date
    """Absolute date by which the ceiling reaches ``max_share``, on or after ``start``."""
    premium_cap_gbp_per_year: Pay | None = None
    """Absolute: the most paid as agency premium, GBP a year per FTE (the lower of this and
    ``costs.agency_premium_gbp_per_year``); none: no cap."""
    cover_delay_multiplier: CoverDelay = 1.0
    """Relative: with a premium cap, the days agency cover takes to fill
    (``recruitment.agency.cover_delay_days``) x this (1 = no change)."""

    def ceiling(self, config_share: float) -> float:
        """The agency share the ceiling comes down to from the config's cap
        ``config_share``: ``max_share``, or ``config_share`` if that is already lower
        ("down to 10%" leaves a cap of 8% at 8%)."""
        return min(self.max_share, config_share)


class Cohort(Strict):
    """Trainees (apprenticeship, Step Up, Frontline) who start as ASYE when qualified."""

    name: str
    start: Date
    """Absolute date the trainees start their course."""
    size: CohortSize
    """Absolute: trainees in the cohort (workers, 1 FTE each)."""
    qualify_after_months: Annotated[
        float, Field(ge=0), at_most(120, "a qualifying course takes up to about 3 years")
    ]
    """Months from ``start`` to joining as NQSWs in the ASYE."""
    cost_gbp_per_year_each: Pay = 0.0
    """Absolute: GBP a year per trainee while training."""


class YearlyIntake(Strict):
    """Newly qualified social workers taken on each year, beyond recruitment to vacancies."""

    month: int = Field(ge=1, le=12)
    """Month of the year they join (1 = January)."""
    size: CohortSize
    """Absolute: workers joining as NQSWs each year."""


class NqswProgramme(PolicyBase):
    """The newly qualified programme: ASYE length and protected caseload for NQSWs who
    start from ``start``, a yearly intake and trainee cohorts."""

    type: Literal["nqsw_programme"]
    asye_duration_months: AsyeMonths | None = None
    """Absolute: replaces ``asye.duration_months`` from the start (none: kept)."""
    protected_caseload: float | None = Field(default=None, gt=0, le=1000)
    """Absolute: replaces the ASYE caseload cap and target (``asye.caseload_cap``,
    ``asye.caseload_target``) from the start, children per FTE (none: kept)."""
    yearly_intake: YearlyIntake | None = None
    """NQSWs taken on each year from the start (none: only recruitment to vacancies)."""
    cohorts: list[Cohort] = Field(default_factory=list, max_length=600)
    """Trainee cohorts who join as NQSWs when qualified."""
    cost_gbp_per_year: CostPerYear = 0.0
    """Absolute: GBP a year while it runs."""

    @model_validator(mode="after")
    def _cohorts_fit(self) -> NqswProgramme:
        total = sum(c.size for c in self.cohorts)
        if total > MAX_WORKERS:
            raise ValueError(
                f"cohorts: {total:,} trainees in all; the limit is {MAX_WORKERS:,}: {WHY_WORKERS}"
            )
        return self


class EarlyHelp(Strict):
    """Early Help diverting a share of referrals from children's social care."""

    share: ShareDiverted
    """Relative: the share of referrals diverted at full effect (0.1 = the referral rate
    x 0.9), not a number of referrals."""


class Guidance(Strict):
    """Practice guidance on stage lengths (days), kept by a share of cases."""

    cin_days: GuidanceDays = None
    """Absolute: the longest a CiN plan lasts when the guidance is kept, days (none: no cap)."""
    cp_days: GuidanceDays = None
    """Absolute: the longest a CP plan lasts when the guidance is kept, days (none: no cap)."""
    lac_days: GuidanceDays = None
    """Absolute: the longest a child is looked after when the guidance is kept, days (none:
    no cap)."""
    compliance: Compliance
    """Absolute share of stages that keep to the guidance at full effect."""


class DemandManagement(PolicyBase):
    """Early Help diverting referrals, and practice guidance capping stage durations."""

    type: Literal["demand_management"]
    early_help: EarlyHelp | None = None
    """Referrals diverted (none: no Early Help)."""
    guidance: Guidance | None = None
    """Stage lengths capped (none: no guidance)."""
    cost_gbp_per_year: CostPerYear = 0.0
    """Absolute: GBP a year while it runs."""


Policy = Annotated[
    RetentionPayment
    | MarketSupplement
    | RecruitmentCampaign
    | AgencyPolicy
    | NqswProgramme
    | DemandManagement,
    Field(discriminator="type"),
]
