"""Recruitment and retention policies as data.

Each policy is a typed block with a ``start`` date (default: the run's start), a
``phase_in_months`` over which its effect ramps up linearly, and effect sizes that may be
uncertain: a fixed number, or a distribution sampled once per replication (from a stream
keyed by the policy and parameter, so every scenario holding the same policy draws the
same value in the same replication). ``bind(model)`` returns the run-time object that moves
the model's :class:`~sim.levers.Levers` at each month start and books the policy's costs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import Field, model_validator

from sim.calendar import DAYS_PER_MONTH, DAYS_PER_YEAR
from sim.config import Strict
from sim.entities import Worker

if TYPE_CHECKING:
    from sim.model import CouncilModel


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

    def bind(self, model: CouncilModel) -> PolicyRuntime:
        return RUNTIMES[self.type](self, model)  # type: ignore[attr-defined]


class Payment(Strict):
    at_service_years: float = Field(ge=0)
    amount_gbp: float = Field(ge=0)


class RetentionPayment(PolicyBase):
    """Payments to permanent social workers at given lengths of service (a lump sum, or
    instalments such as 3 x 666 at 2, 2.5 and 3 years), with clawback if they leave soon
    after. Eligible workers leave at ``hazard_multiplier_waiting`` times their usual rate
    while a payment is due within ``anticipation_years`` or clawback still applies, and at
    ``hazard_multiplier_after`` once they have had every payment."""

    type: Literal["retention_payment"]
    grades: list[Literal["social_worker", "senior"]] = Field(
        default_factory=lambda: ["social_worker"]
    )
    payments: list[Payment] = Field(min_length=1)
    clawback_months: float = Field(default=12, ge=0)
    clawback_share: float = Field(default=1.0, ge=0, le=1)
    anticipation_years: float = Field(default=1.0, ge=0)
    hazard_multiplier_waiting: Effect = 1.0
    hazard_multiplier_after: Effect = 1.0

    @model_validator(mode="after")
    def _ordered(self) -> RetentionPayment:
        years = [p.at_service_years for p in self.payments]
        if years != sorted(years):
            raise ValueError(f"payments must be in order of service; got {years}")
        return self


class MarketSupplement(PolicyBase):
    """A pay supplement for a grade: changes leaving (seniors) or vacancies (team
    managers) and the applicant rate."""

    type: Literal["market_supplement"]
    grade: Literal["senior", "team_manager"]

    def default_label(self) -> str:
        return self.grade

    amount_gbp_per_year: float = Field(ge=0)
    hazard_multiplier: Effect = 1.0
    applicant_multiplier: Effect = 1.0
    team_manager_vacancy_multiplier: Effect = 1.0


class RecruitmentCampaign(PolicyBase):
    """More applicants, faster panels, a different experienced/NQ mix, more agency
    conversions; costs a fixed amount a year while it runs."""

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


# --- run time -------------------------------------------------------------------------------


class PolicyRuntime:
    """A policy bound to one replication: sampled effects, ramp, costs."""

    def __init__(self, spec: PolicyBase, model: CouncilModel) -> None:
        self.spec = spec
        self.model = model
        self.levers = model.levers
        cal = model.calendar
        self.start_day = cal.day(spec.start) if spec.start else 0.0
        self.sampled: dict[str, float] = {}
        self.total_cost_gbp = 0.0

    def effect(self, name: str) -> float:
        """The value of effect ``name`` (a field of the policy) in this replication,
        sampled once."""
        if name not in self.sampled:
            self.sampled[name] = self.sample(getattr(self.spec, name), name)
        return self.sampled[name]

    def sample(self, value: Effect, name: str) -> float:
        """A fixed effect as it is; an uncertain one drawn from the stream keyed by this
        policy and ``name``, so every scenario holding the policy draws the same value."""
        if isinstance(value, (int, float)):
            return float(value)
        return value.sample(self.model.streams.keyed(f"{self.spec.key}/{name}"))

    def ramp(self, day: float) -> float:
        """Share of the full effect in force on ``day`` (0 before the start)."""
        if day < self.start_day:
            return 0.0
        if self.spec.phase_in_months == 0:
            return 1.0
        return min(1.0, (day - self.start_day) / (self.spec.phase_in_months * DAYS_PER_MONTH))

    def ramped(self, name: str, day: float) -> float:
        """Multiplier ``name`` phased in: 1 before the start, the full value once ramped."""
        return 1.0 + (self.effect(name) - 1.0) * self.ramp(day)

    def pay(self, gbp: float) -> None:
        self.model.counters.policy_cost_gbp += gbp
        self.total_cost_gbp += gbp

    def pay_for_period(self, gbp_per_year: float, start: float, end: float) -> None:
        """Pay ``gbp_per_year`` for the part of [start, end) the policy is in force."""
        days = max(0.0, end - max(start, self.start_day))
        if days > 0 and gbp_per_year > 0:
            self.pay(gbp_per_year * days / DAYS_PER_YEAR)

    def on_month(self, start: float, end: float) -> None:
        """Called at each month start (day ``start``); the month ends on day ``end``."""


class RetentionRuntime(PolicyRuntime):
    spec: RetentionPayment

    def __init__(self, spec: RetentionPayment, model: CouncilModel) -> None:
        super().__init__(spec, model)
        self.at_days = [p.at_service_years * DAYS_PER_YEAR for p in spec.payments]
        self.amounts = [p.amount_gbp for p in spec.payments]
        self.next_index: dict[int, int] = {}
        self.last_paid: dict[int, tuple[float, float]] = {}  # worker id -> (day, amount)
        self.clawback_days = spec.clawback_months * DAYS_PER_MONTH
        self.anticipation_days = spec.anticipation_years * DAYS_PER_YEAR
        self.effect("hazard_multiplier_waiting")
        self.effect("hazard_multiplier_after")
        self.levers.hazard_modifiers.append(self.hazard)
        self.levers.leave_hooks.append(self.on_leave)

    def eligible(self, w: Worker) -> bool:
        grade = "senior" if w.senior else "social_worker"
        return w.kind == "permanent" and grade in self.spec.grades

    def _index(self, w: Worker) -> int:
        """The next payment ``w`` can still receive (payments due before the policy
        started are never made)."""
        i = self.next_index.get(w.id)
        if i is None:
            i = 0
            while i < len(self.at_days) and w.start_day + self.at_days[i] < self.start_day:
                i += 1
            self.next_index[w.id] = i
        return i

    def hazard(self, w: Worker, now: float) -> float:
        if now < self.start_day or not self.eligible(w):
            return 1.0
        i = self._index(w)
        paid = self.last_paid.get(w.id)
        in_clawback = paid is not None and now - paid[0] <= self.clawback_days
        if i < len(self.at_days):
            due_in = w.start_day + self.at_days[i] - now
            if due_in <= self.anticipation_days or in_clawback:
                return self.sampled["hazard_multiplier_waiting"]
            return 1.0
        if in_clawback:
            return self.sampled["hazard_multiplier_waiting"]
        return self.sampled["hazard_multiplier_after"] if paid is not None else 1.0

    def on_month(self, start: float, end: float) -> None:
        if end <= self.start_day:
            return
        oncost = self.model.cfg.costs.oncost_multiplier
        for w in self.model.workforce.workers:
            if not self.eligible(w) or w.on_notice:
                continue
            i = self._index(w)
            while i < len(self.at_days) and w.start_day + self.at_days[i] < end:
                self.pay(self.amounts[i] * oncost)
                self.last_paid[w.id] = (max(start, w.start_day + self.at_days[i]), self.amounts[i])
                i += 1
            self.next_index[w.id] = i

    def on_leave(self, w: Worker, day: float) -> None:
        paid = self.last_paid.pop(w.id, None)
        if paid is not None and day - paid[0] <= self.clawback_days:
            oncost = self.model.cfg.costs.oncost_multiplier
            self.pay(-paid[1] * self.spec.clawback_share * oncost)


class SupplementRuntime(PolicyRuntime):
    spec: MarketSupplement

    def __init__(self, spec: MarketSupplement, model: CouncilModel) -> None:
        super().__init__(spec, model)
        for name in (
            "hazard_multiplier",
            "applicant_multiplier",
            "team_manager_vacancy_multiplier",
        ):
            self.effect(name)
        if spec.grade == "senior":
            self.levers.hazard_modifiers.append(self.hazard)

    def hazard(self, w: Worker, now: float) -> float:
        if w.kind == "permanent" and w.senior:
            return self.ramped("hazard_multiplier", now)
        return 1.0

    def on_month(self, start: float, end: float) -> None:
        mid = (start + end) / 2
        self.levers.applicant_factors[self.spec.key] = self.ramped("applicant_multiplier", mid)
        wf = self.model.workforce
        if self.spec.grade == "team_manager":
            factor = self.ramped("team_manager_vacancy_multiplier", mid)
            self.levers.team_manager_vacancy_factors[self.spec.key] = factor
            fte = wf.team_managers()
        else:
            fte = sum(w.fte for w in wf.workers if w.kind == "permanent" and w.senior)
        oncost = self.model.cfg.costs.oncost_multiplier
        self.pay_for_period(self.spec.amount_gbp_per_year * fte * oncost, start, end)


class CampaignRuntime(PolicyRuntime):
    spec: RecruitmentCampaign

    def __init__(self, spec: RecruitmentCampaign, model: CouncilModel) -> None:
        super().__init__(spec, model)
        self.effect("applicant_multiplier")
        self.switched = False

    def on_month(self, start: float, end: float) -> None:
        s, lv = self.spec, self.levers
        lv.applicant_factors[s.key] = self.ramped("applicant_multiplier", (start + end) / 2)
        if not self.switched and end > self.start_day:
            self.switched = True
            if s.panel_interval_days is not None:
                lv.panel_interval_days = s.panel_interval_days
            if s.experienced_share is not None:
                lv.experienced_share = s.experienced_share
            if s.conversion_per_year is not None:
                lv.conversion_per_year = s.conversion_per_year
        self.pay_for_period(s.cost_gbp_per_year, start, end)


class AgencyRuntime(PolicyRuntime):
    spec: AgencyPolicy

    def __init__(self, spec: AgencyPolicy, model: CouncilModel) -> None:
        super().__init__(spec, model)
        self.effect("cover_delay_multiplier")
        self.from_share = model.cfg.recruitment.agency.max_share
        self.by_day = model.calendar.day(spec.by)
        self.base_delay = model.cfg.recruitment.agency.cover_delay_days
        self.base_premium = model.cfg.costs.agency_premium_gbp_per_year

    def on_month(self, start: float, end: float) -> None:
        if end <= self.start_day:
            return
        s, lv = self.spec, self.levers
        span = self.by_day - self.start_day
        progress = 1.0 if span <= 0 else min(1.0, max(0.0, (start - self.start_day) / span))
        lv.agency_max_share = self.from_share + (s.max_share - self.from_share) * progress
        if s.premium_cap_gbp_per_year is not None:
            lv.agency_premium_gbp_per_year = min(self.base_premium, s.premium_cap_gbp_per_year)
            lv.agency_cover_delay_days = self.base_delay * self.effect("cover_delay_multiplier")


class NqswRuntime(PolicyRuntime):
    spec: NqswProgramme

    def __init__(self, spec: NqswProgramme, model: CouncilModel) -> None:
        super().__init__(spec, model)
        self.switched = False

    def _join_asye_on(self, day: float, n: int) -> None:
        wf, env = self.model.workforce, self.model.env
        for _ in range(n):
            env.timeout(max(0.0, day - env.now)).callbacks.append(lambda _e: wf.join("asye"))

    def on_month(self, start: float, end: float) -> None:
        s, lv, cal = self.spec, self.levers, self.model.calendar
        if not self.switched and end > self.start_day:
            self.switched = True
            if s.asye_duration_months is not None:
                lv.asye_days = s.asye_duration_months * DAYS_PER_MONTH
            if s.protected_caseload is not None:
                lv.asye_cap = lv.asye_target = s.protected_caseload
        if s.yearly_intake is not None:
            d = cal.date(start)
            intake = dt.date(d.year, s.yearly_intake.month, 1)
            if d.month != s.yearly_intake.month:
                intake = dt.date(
                    d.year + (s.yearly_intake.month < d.month), s.yearly_intake.month, 1
                )
            day = cal.day(intake)
            if start <= day < end and day >= self.start_day:
                self._join_asye_on(day, s.yearly_intake.size)
        for c in s.cohorts:
            begin = cal.day(c.start)
            qualify = begin + c.qualify_after_months * DAYS_PER_MONTH
            if start <= qualify < end:
                self._join_asye_on(qualify, c.size)
            days = max(0.0, min(end, qualify) - max(start, begin))
            if days > 0:
                self.pay(c.size * c.cost_gbp_per_year_each * days / DAYS_PER_YEAR)
        self.pay_for_period(s.cost_gbp_per_year, start, end)


class DemandRuntime(PolicyRuntime):
    spec: DemandManagement

    def __init__(self, spec: DemandManagement, model: CouncilModel) -> None:
        super().__init__(spec, model)
        if spec.early_help is not None:
            self.sampled["early_help_share"] = self.sample(spec.early_help.share, "share")
        if spec.guidance is not None:
            g = spec.guidance
            self.sampled["guidance_compliance"] = self.sample(g.compliance, "compliance")
            caps = {"cin": g.cin_days, "cp": g.cp_days, "lac": g.lac_days}
            self.caps = {k: v for k, v in caps.items() if v is not None}

    def on_month(self, start: float, end: float) -> None:
        r = self.ramp((start + end) / 2)
        lv = self.levers
        if "early_help_share" in self.sampled:
            lv.referral_factors[self.spec.key] = 1.0 - self.sampled["early_help_share"] * r
        if "guidance_compliance" in self.sampled and r > 0:
            lv.duration_caps_days.update(self.caps)
            lv.guidance_compliance = self.sampled["guidance_compliance"] * r
        self.pay_for_period(self.spec.cost_gbp_per_year, start, end)


RUNTIMES: dict[str, type[PolicyRuntime]] = {
    "retention_payment": RetentionRuntime,
    "market_supplement": SupplementRuntime,
    "recruitment_campaign": CampaignRuntime,
    "agency_policy": AgencyRuntime,
    "nqsw_programme": NqswRuntime,
    "demand_management": DemandRuntime,
}
