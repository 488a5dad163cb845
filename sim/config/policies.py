"""Recruitment and retention policies as data.

Each policy is a typed block with a ``start`` date (default: the run's start), a
``phase_in_months`` over which its effect ramps up linearly, and effect sizes that may be
uncertain: a fixed number, or a distribution sampled once per replication (from a stream
keyed by the policy and parameter, so every scenario holding the same policy draws the
same value in the same replication). These are data only: what each policy does in a run is
its runtime in ``sim.model.policies``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.council import Strict

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

    def sample(self, rng: np.random.Generator) -> float:
        return float(np.clip(rng.normal(self.mean, self.sd), self.low, self.high))


Effect = (
    float | Annotated[UniformEffect | TriangularEffect | NormalEffect, Field(discriminator="dist")]
)


# --- policy blocks --------------------------------------------------------------------------


class PolicyBase(Strict):
    """Common to every policy: a label, when it starts and how fast it takes effect."""

    label: str | None = None
    start: dt.date | None = None
    phase_in_months: float = Field(default=0.0, ge=0)

    @property
    def key(self) -> str:
        """Names the policy in outputs and keys its random effects: type and label."""
        return f"{self.type}/{self.label or self.default_label()}"  # type: ignore[attr-defined]

    def default_label(self) -> str:
        return ""


class Payment(Strict):
    at_service_years: float = Field(ge=0)
    amount_gbp: float = Field(ge=0)


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
    payments: list[Payment] = Field(min_length=1)
    clawback_months: float = Field(default=12, ge=0)
    clawback_share: float = Field(default=1.0, ge=0, le=1)
    anticipation_years: float = Field(default=1.0, ge=0)
    hazard_multiplier_waiting: Effect = 1.0
    hazard_multiplier_after: Effect = 1.0
    applicant_multiplier: Effect = 1.0
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

    amount_gbp_per_year: float = Field(ge=0)
    hazard_multiplier: Effect = 1.0
    applicant_multiplier: Effect = 1.0
    team_manager_vacancy_multiplier: Effect = 1.0


class RecruitmentCampaign(PolicyBase):
    """More appointable applicants per advert (``applicant_multiplier``), faster panels
    (shorter advert rounds), a different experienced/NQ mix, more agency conversions;
    costs a fixed amount a year while it runs."""

    type: Literal["recruitment_campaign"]
    applicant_multiplier: Effect = 1.0
    panel_interval_days: float | None = Field(default=None, gt=0)
    experienced_share: float | None = Field(default=None, ge=0, le=1)
    conversion_per_year: float | None = Field(default=None, ge=0)
    cost_gbp_per_year: float = Field(default=0.0, ge=0)


class AgencyPolicy(PolicyBase):
    """Phase the agency ceiling down to ``max_share`` by ``by``; optionally cap the premium
    paid (which slows agency cover by ``cover_delay_multiplier``)."""

    type: Literal["agency_policy"]
    max_share: float = Field(ge=0, le=1)
    by: dt.date
    premium_cap_gbp_per_year: float | None = Field(default=None, ge=0)
    cover_delay_multiplier: Effect = 1.0


class Cohort(Strict):
    """Trainees (apprenticeship, Step Up, Frontline) who start as ASYE when qualified."""

    name: str
    start: dt.date
    size: int = Field(ge=0)
    qualify_after_months: float = Field(ge=0)
    cost_gbp_per_year_each: float = Field(default=0.0, ge=0)


class YearlyIntake(Strict):
    month: int = Field(ge=1, le=12)
    size: int = Field(ge=0)


class NqswProgramme(PolicyBase):
    """The newly qualified programme: ASYE length and protected caseload for NQSWs who
    start from ``start``, a yearly intake and trainee cohorts."""

    type: Literal["nqsw_programme"]
    asye_duration_months: float | None = Field(default=None, gt=0)
    protected_caseload: float | None = Field(default=None, gt=0)
    yearly_intake: YearlyIntake | None = None
    cohorts: list[Cohort] = Field(default_factory=list)
    cost_gbp_per_year: float = Field(default=0.0, ge=0)


class EarlyHelp(Strict):
    share: Effect
    """Share of referrals diverted at full effect."""


class Guidance(Strict):
    """Practice guidance on stage lengths (days), kept by a share of cases."""

    cin_days: float | None = Field(default=None, gt=0)
    cp_days: float | None = Field(default=None, gt=0)
    lac_days: float | None = Field(default=None, gt=0)
    compliance: Effect


class DemandManagement(PolicyBase):
    """Early Help diverting referrals, and practice guidance capping stage durations."""

    type: Literal["demand_management"]
    early_help: EarlyHelp | None = None
    guidance: Guidance | None = None
    cost_gbp_per_year: float = Field(default=0.0, ge=0)


Policy = Annotated[
    RetentionPayment
    | MarketSupplement
    | RecruitmentCampaign
    | AgencyPolicy
    | NqswProgramme
    | DemandManagement,
    Field(discriminator="type"),
]
