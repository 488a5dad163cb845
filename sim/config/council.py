"""Typed, frozen council configuration. Units are in field names (``_days``, ``_per_year``,
``_gbp``, ``_fte``); unknown keys are rejected so that a typo never passes silently."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.config.distributions import Duration, Exponential, Lognormal

STAGES = ("assessment", "cin", "cp", "lac")
TEAMS = ("assessment", "cin_cp", "lac")
NON_CASE_HOLDING = "non_case_holding"
"""The posts of social workers who hold no children's cases (establishment.case_holding_share)."""
POSTS = (*TEAMS, NON_CASE_HOLDING)
"""Where a worker can be: a case-holding team, or a post without cases."""
TEAM_OF_STAGE = {"assessment": "assessment", "cin": "cin_cp", "cp": "cin_cp", "lac": "lac"}
WORKER_TYPES = ("permanent", "asye", "agency")

Prob = Field(ge=0, le=1, allow_inf_nan=False)
NonNeg = Field(ge=0, allow_inf_nan=False)

# Limits that keep a run within memory and time: far above any English council (England:
# about 650,000 referrals and 400,000 open children a year, 33,000 social workers in about
# 41,000 funded posts). Each comes with the reason a refusal gives.
MAX_REFERRALS_PER_YEAR = 5_000_000
WHY_REFERRALS = (
    "about 8 times England's 650,000 referrals a year; a larger rate would take hours and "
    "gigabytes a replication"
)
MAX_CHILDREN = 5_000_000
WHY_CHILDREN = "more than 10 times England's 400,000 open children; more would not fit in memory"
MAX_WORKERS = 250_000
WHY_WORKERS = (
    "6 times England's 41,000 funded social worker posts; more would not fit in memory and time"
)
MAX_HORIZON_MONTHS = 600
WHY_HORIZON = "fifty years; a run's time and memory grow with its length"
MAX_PAY_GBP = 1_000_000
WHY_PAY = (
    "GBP a year per FTE (or per hire): about 20 times a social worker's pay; a larger figure "
    "is a typing mistake, and would overflow the costs"
)
MAX_RATE_PER_YEAR = 365.0
WHY_RATE = "once a day; a faster rate has no meaning for a person and floods the run with events"
MIN_STAGE_MEAN_DAYS = 1.0  # shorter stages could loop a child through CiN/CP without end
EARLIEST_START = dt.date(1990, 1, 1)
LATEST_START = dt.date(2100, 12, 31)
WHY_START = (
    "the evidence the model rests on is from the 2000s on, and its calendar (pandas "
    "timestamps) cannot go past 2262"
)


class Strict(BaseModel):
    """Base: frozen, no unknown keys, no NaN, and strict types: a number must be written as
    a number (``true`` and ``"5700"`` are not numbers), a whole number as a whole number,
    text as text. Dates alone are lax (:data:`Date`): YAML reads ``2020-01-01`` as a date,
    and code gives ISO strings."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


Date = Annotated[dt.date, Field(strict=False)]
"""A date: a YAML date (``2020-01-01``) or its ISO string."""


def at_most(limit: float, why: str) -> AfterValidator:
    """A ceiling on a size, refused with the reason it exists (use inside ``Annotated``)."""

    def check(value: float) -> float:
        if value is not None and value > limit:
            raise ValueError(f"above the limit of {limit:,}: {why}")
        return value

    return AfterValidator(check)


def at_least(limit: float, why: str) -> AfterValidator:
    """A floor on a size, refused with the reason it exists (use inside ``Annotated``)."""

    def check(value: float) -> float:
        if value is not None and value < limit:
            raise ValueError(f"below the least of {limit:g}: {why}")
        return value

    return AfterValidator(check)


def month_ends(start: dt.date, horizon_months: int) -> list[dt.date]:
    """The month ends a run from ``start`` reports, as ``sim.model.timeline.Calendar``
    labels them (the last is the run's last day)."""
    ends = pd.date_range(
        pd.Timestamp(start), periods=horizon_months + 1, freq=pd.DateOffset(months=1)
    )
    return [(e - pd.Timedelta(days=1)).date() for e in ends[1:]]


def target_outside_run(
    start: dt.date, horizon_months: int, date: dt.date, sustain_months: int
) -> tuple[str, str] | None:
    """The field (``date`` or ``sustain_months``) and the reason why a target at ``date``
    (held at the ``sustain_months`` month ends before it too) cannot be judged in a run
    from ``start`` for ``horizon_months``, or None."""
    ends = month_ends(start, horizon_months)
    run = (
        f"the run covers {start} to {ends[-1]} (start_date {start}, horizon_months "
        f"{horizon_months})"
    )
    if date < start:
        return "date", f"{date} is before the run starts; {run}; give a date within it"
    if date > ends[-1]:
        return "date", (
            f"{date} is after the run ends, so it would be judged at {ends[-1]} and labelled "
            f"{date}; {run}; give a date within it, or a longer horizon_months"
        )
    before = sum(e <= date for e in ends)
    if sustain_months > before:
        return "sustain_months", (
            f"sustain_months {sustain_months} reaches back before the start: {run}, with "
            f"{before} month end(s) before the one {date} is judged at (the start counted "
            f"as one); give at most {before}"
        )
    return None


def _probability_table(table: dict[str, float], what: str) -> dict[str, float]:
    """Check each entry is a probability and together they sum to 1."""
    for k, v in table.items():
        if not 0 <= v <= 1:
            raise ValueError(f"{what} {k}={v} must be between 0 and 1")
    _sums_to_one(table, what)
    return table


def _sums_to_one(probs: dict[str, float], what: str) -> None:
    total = sum(probs.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} probabilities must sum to 1; they sum to {total:.6g}")


# --- demand -------------------------------------------------------------------------------


class RateStep(Strict):
    """From ``date`` on, the referral rate is multiplied by ``factor``."""

    date: Date
    factor: float = NonNeg


class PhasedReduction(Strict):
    """A share of referrals diverted (e.g. by Early Help), phased in linearly."""

    share: float = Prob
    start: Date
    phase_in_months: float = NonNeg


class Rereferral(Strict):
    """Closed cases return as new referrals with ``probability`` after ``delay``."""

    probability: float = Field(ge=0, le=0.95, allow_inf_nan=False)
    """At most 0.95: with 1, every child would return for ever."""
    delay: Duration = Exponential(dist="exponential", mean_days=120.0)

    @field_validator("delay")
    @classmethod
    def _not_instant(cls, d: Duration) -> Duration:
        if d.mean() < MIN_STAGE_MEAN_DAYS:
            raise ValueError(
                f"mean delay {d.mean():g} days must be at least {MIN_STAGE_MEAN_DAYS:g}"
            )
        return d


class Demand(Strict):
    """Referrals: a Poisson process whose rate varies month by month."""

    referrals_per_year: Annotated[
        float, Field(ge=0, allow_inf_nan=False), at_most(MAX_REFERRALS_PER_YEAR, WHY_REFERRALS)
    ]
    trend_per_year: float = Field(default=0.0, gt=-1, le=1, allow_inf_nan=False)
    steps: list[RateStep] = []
    reduction: PhasedReduction | None = None
    seasonality: list[float] | None = Field(default=None, min_length=12, max_length=12)
    rereferral: Rereferral = Rereferral(probability=0.0)
    nfa_at_referral: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    """Share of referrals closed with no further action at the front door, before any
    assessment (DfE's "referrals with no further action"); they take no worker's time."""
    uasc_per_year: Annotated[
        float, Field(default=0.0, ge=0, allow_inf_nan=False), at_most(100_000, WHY_CHILDREN)
    ]
    """Unaccompanied asylum-seeking children a year, looked after on arrival without an
    assessment first, on the ``uasc`` route of ``pathway.lac.routes`` at the ages of
    ``children.uasc_age``."""

    @model_validator(mode="after")
    def _check(self) -> Demand:
        season = self.seasonality
        if season is not None and (any(x < 0 for x in season) or sum(season) <= 0):
            raise ValueError("seasonality multipliers must be >= 0 and not all 0")
        dates = [s.date for s in self.steps]
        if dates != sorted(dates):
            raise ValueError(f"steps must be in date order; got {[str(d) for d in dates]}")
        return self


# --- case pathway ---------------------------------------------------------------------------


class AssessmentStage(Strict):
    """Assessment duration and where an assessment leads (``nfa`` = no further action)."""

    duration: Duration
    outcomes: dict[Literal["nfa", "cin", "cp", "lac"], float]

    _outcomes_sum = field_validator("outcomes")(lambda v: _probability_table(v, "outcome"))


class PlanStage(Strict):
    """A CiN, CP or LAC stage: its duration and the next step (``close`` or a stage)."""

    duration: Duration
    next: dict[Literal["close", "cin", "cp", "lac"], float]

    _next_sum = field_validator("next")(lambda v: _probability_table(v, "transition"))


AgeBand = Literal["under_1", "1_to_4", "5_to_9", "10_to_15", "16_to_17"]
AGE_BANDS_YEARS: dict[AgeBand, tuple[float, float]] = {
    "under_1": (0.0, 1.0),
    "1_to_4": (1.0, 5.0),
    "5_to_9": (5.0, 10.0),
    "10_to_15": (10.0, 16.0),
    "16_to_17": (16.0, 18.0),
}
"""DfE's age bands (CIN census and SSDA903 tables): [from, to) years of age."""
CARE_LEAVING_AGE_YEARS = 18.0
"""Everyone leaves care by their 18th birthday (Children Act 1989)."""
LacExit = Literal["return_home", "adoption", "special_guardianship", "other"]
PERMANENCE_EXITS: frozenset[str] = frozenset({"return_home", "adoption", "special_guardianship"})
"""The exits that end looked-after status by a permanence decision; long-term fostering
does not (the child stays looked after until 18)."""
LEGAL_STATUSES = frozenset(
    {"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"}
)
"""SSDA903 legal status codes (DfE, CLA SSDA903 guide)."""


class ChildProfile(Strict):
    """The children's ages: each child gets a date of birth when first referred."""

    age_at_referral: dict[AgeBand, float]
    """Share of referred children in each of DfE's age bands (uniform within a band)."""
    uasc_age: dict[AgeBand, float] = {"10_to_15": 0.15, "16_to_17": 0.85}
    """Ages of unaccompanied asylum-seeking children on arrival (``demand.uasc_per_year``).
    assumption: most are 16 or 17 (DfE CLA 2023: 27% of all starters 16+ with UASC 21% of
    starters implies most UASC are 16+)."""

    _referral_sum = field_validator("age_at_referral")(
        lambda v: _probability_table(v, "age_at_referral")
    )
    _uasc_sum = field_validator("uasc_age")(lambda v: _probability_table(v, "uasc_age"))


class CareRoute(Strict):
    """One way of being looked after: the legal status, which children take it (by age on
    starting care), how long stays last and how they end before 18."""

    legal_status: str
    """SSDA903 legal status code at the start of care, e.g. C2 (full care order), V2
    (section 20 voluntary accommodation), E1 (placement order), J2 (PACE)."""
    share_by_age: dict[AgeBand, float] = {}
    """Of the children starting care at each age (referred children, not UASC), the share
    who take this route; bands left out are 0. Over the routes each band sums to 1."""
    duration: Duration
    """Length of stay if the child does not reach 18 first (days)."""
    exits: dict[LacExit, float]
    """How stays that end before 18 end (shares summing to 1)."""

    _exits_sum = field_validator("exits")(lambda v: _probability_table(v, "exit"))

    @field_validator("legal_status")
    @classmethod
    def _known_status(cls, v: str) -> str:
        if v not in LEGAL_STATUSES:
            raise ValueError(
                f"{v!r} is not an SSDA903 legal status; use one of {sorted(LEGAL_STATUSES)}"
            )
        return v


UASC_ROUTE = "uasc"
"""The care route of unaccompanied asylum-seeking children (``demand.uasc_per_year``)."""


class LacStage(Strict):
    """Looked after: one length of stay (``duration``), or ``routes`` by legal status and
    age (then ``children`` must give ages). ``next`` is where a child goes after returning
    home or another ending; adoption, special guardianship and leaving at 18 close the case."""

    duration: Duration | None = None
    routes: dict[str, CareRoute] = {}
    next: dict[Literal["close", "cin", "cp", "lac"], float]

    _next_sum = field_validator("next")(lambda v: _probability_table(v, "transition"))

    @model_validator(mode="after")
    def _one_way(self) -> LacStage:
        if (self.duration is None) == (not self.routes):
            raise ValueError(
                "give either duration (one length of stay) or routes (stays by legal status "
                "and age), not both and not neither"
            )
        if self.routes:
            taken = [r for n, r in self.routes.items() if n != UASC_ROUTE]
            if not taken:
                raise ValueError("routes: give at least one route besides uasc")
            for band in AGE_BANDS_YEARS:
                total = sum(r.share_by_age.get(band, 0.0) for r in taken)
                if abs(total - 1.0) > 1e-6:
                    raise ValueError(
                        f"routes: the share_by_age of age {band} must sum to 1 over the routes "
                        f"(uasc apart); they sum to {total:.6g}"
                    )
            uasc = self.routes.get(UASC_ROUTE)
            if uasc is not None and any(uasc.share_by_age.values()):
                raise ValueError(
                    "routes.uasc.share_by_age: the uasc route is taken by arrivals "
                    "(demand.uasc_per_year), not by referred children; leave it out"
                )
        return self


class Pathway(Strict):
    """The CiN/CP/LAC case pathway."""

    assessment: AssessmentStage
    cin: PlanStage
    cp: PlanStage
    lac: LacStage
    drift_strength: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """A stage's duration is multiplied by 1 + drift_strength x (load/target - 1) when the
    allocated worker is over target at the start of the stage, divided by that factor's
    mean over the children held at the start date: the durations above are those observed
    at the start's caseloads (``CaseSystem.anchor_drift``). 0 switches drift off."""

    @model_validator(mode="after")
    def _stages_take_time(self) -> Pathway:
        durations = [(n, getattr(self, n).duration) for n in ("assessment", "cin", "cp")]
        if self.lac.duration is not None:
            durations.append(("lac", self.lac.duration))
        durations += [(f"lac.routes.{k}", r.duration) for k, r in self.lac.routes.items()]
        for name, duration in durations:
            mean = duration.mean()
            if mean < MIN_STAGE_MEAN_DAYS:
                raise ValueError(
                    f"{name}.duration: mean {mean:g} days must be at least {MIN_STAGE_MEAN_DAYS:g}"
                )
        return self

    @model_validator(mode="after")
    def _no_self_loops(self) -> Pathway:
        for name in ("cin", "cp", "lac"):
            if getattr(self, name).next.get(name, 0) > 0:
                raise ValueError(f"{name}.next.{name}: a stage cannot step to itself")
        return self


Children = Annotated[int, Field(ge=0), at_most(MAX_CHILDREN, WHY_CHILDREN)]
Workers = Annotated[int, Field(ge=0), at_most(MAX_WORKERS, WHY_WORKERS)]
WorkersFte = Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(MAX_WORKERS, WHY_WORKERS)]
Pay = Annotated[float, Field(ge=0, allow_inf_nan=False), at_most(MAX_PAY_GBP, WHY_PAY)]
RatePerYear = Annotated[
    float, Field(ge=0, allow_inf_nan=False), at_most(MAX_RATE_PER_YEAR, WHY_RATE)
]
PanelDays = Annotated[
    float,
    Field(allow_inf_nan=False),
    at_least(
        1,
        "panels at most daily; advert rounds last weeks, so a shorter interval "
        "only floods the run with events",
    ),
    at_most(365, "a panel at least once a year; rarer is not a recruitment process"),
]


class InitialCases(Strict):
    """Open children at the start date, by stage."""

    assessment: Children
    cin: Children
    cp: Children
    lac: Children
    time_in_stage: Literal["equilibrium", "zero"] = "equilibrium"


# --- teams and workforce -------------------------------------------------------------------


class Team(Strict):
    """One kind of team: its caseload target and cap (children per FTE) and its share of
    the funded establishment."""

    caseload_target: float = Field(gt=0, allow_inf_nan=False)
    caseload_cap: float = Field(gt=0, allow_inf_nan=False)
    establishment_share: float = Prob

    @model_validator(mode="after")
    def _check(self) -> Team:
        if self.caseload_cap < self.caseload_target:
            raise ValueError(
                f"caseload_cap {self.caseload_cap} must be >= caseload_target "
                f"{self.caseload_target}"
            )
        return self


class Teams(Strict):
    assessment: Team
    cin_cp: Team
    lac: Team

    @model_validator(mode="after")
    def _check(self) -> Teams:
        _sums_to_one(
            {t: getattr(self, t).establishment_share for t in TEAMS}, "establishment_share"
        )
        return self


class HazardBand(Strict):
    """Leaving hazard ``per_year`` from ``from_years`` of tenure on."""

    from_years: float = NonNeg
    per_year: RatePerYear


def _check_bands(bands: list[HazardBand]) -> list[HazardBand]:
    starts = [b.from_years for b in bands]
    if not bands or starts[0] != 0 or starts != sorted(set(starts)):
        raise ValueError(f"bands must start at from_years 0 and increase; got {starts}")
    return bands


class Destinations(Strict):
    """Where permanent and ASYE leavers go, as shares of leavers (summing to 1). A leaver to
    agency work can fill this council's next agency order at once (no time to fill) for
    ``agency_available_days`` after leaving."""

    other_council: float = Prob
    agency: float = Prob
    out: float = Prob
    """Out of council children's social work (another sector, retirement, a break)."""
    agency_available_days: float = Field(default=28, ge=0, le=3650, allow_inf_nan=False)

    @model_validator(mode="after")
    def _sum(self) -> Destinations:
        _sums_to_one(
            {"other_council": self.other_council, "agency": self.agency, "out": self.out},
            "destinations",
        )
        return self


class Leaving(Strict):
    """Leaving hazards by worker type and tenure, as observed at the start date.
    ``caseload_strength`` multiplies a worker's hazard by 1 + strength x (own caseload /
    target - 1) when over target, and ``supervision_strength`` by 1 + strength x the share of
    needed team managers missing, each divided by its value at the start
    (``Workforce.anchor_loops``): the loops move leaving as caseloads and supervision move
    from the start's, and leave the start's rates as given (0 = off)."""

    permanent: list[HazardBand]
    asye: list[HazardBand]
    agency: list[HazardBand]
    asye_end_probability: float = Prob
    caseload_strength: float = NonNeg
    notice_days_permanent: float = NonNeg
    notice_days_agency: float = NonNeg
    supervision_strength: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Hazard x (1 + strength x share of needed team managers missing), relative to the
    start (see the class); 0 = off."""
    destinations: Destinations | None = None
    """Where leavers go (none: not recorded, and no leaver returns as agency)."""

    _bands = field_validator("permanent", "asye", "agency")(_check_bands)


AsyeMonths = Annotated[
    float,
    Field(gt=0, allow_inf_nan=False),
    at_most(60, "the ASYE is a first year in practice; five years is no longer one"),
]


class Asye(Strict):
    """Assessed and Supported Year in Employment for newly qualified workers."""

    duration_months: AsyeMonths = 12
    caseload_cap: float = Field(default=15, gt=0, allow_inf_nan=False)
    caseload_target: float = Field(default=15, gt=0, allow_inf_nan=False)


class Absence(Strict):
    """Absence episodes (sickness, parental leave) start at ``episodes_per_year`` per FTE and
    last ``duration``; longer than ``reallocate_after_days`` and the children are reallocated."""

    episodes_per_year: Annotated[
        float, Field(ge=0, allow_inf_nan=False), at_most(52, "weekly: more is not absence")
    ]
    duration: Duration = Lognormal(dist="lognormal", mean_days=10, sd_days=20)
    reallocate_after_days: float = Field(default=28, ge=0, allow_inf_nan=False)


class InitialWorkforce(Strict):
    """Social workers in post at the start (FTE; whole workers of 1 FTE each)."""

    permanent_fte: Workers
    asye_fte: Workers
    agency_fte: Workers
    tenure: Literal["equilibrium", "zero"] = "equilibrium"


class EstablishmentStep(Strict):
    date: Date
    fte: WorkersFte


class Establishment(Strict):
    """Funded social worker posts (FTE), changing by dated steps."""

    fte: WorkersFte
    schedule: list[EstablishmentStep] = []
    team_managers_fte: WorkersFte
    team_manager_schedule: list[EstablishmentStep] = []
    team_manager_span: float = Field(default=8, gt=0, allow_inf_nan=False)
    team_manager_vacancy_rate: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    """Share of funded team manager posts unfilled."""
    growth_per_year: float = Field(default=0.0, ge=-0.5, le=1, allow_inf_nan=False)
    """Funded posts (social workers and team managers) grow by this share a year beyond
    ``schedule``, compounding (0 = only the schedule)."""
    case_holding_share: float = Field(default=1.0, gt=0, le=1, allow_inf_nan=False)
    """Share of the funded posts (``fte``) that hold children's cases; the rest are social
    workers in post, leaving and recruited like the others, who hold no cases (DfE 2023:
    21,111 case-holding FTE among 33,119 in post and 7,178 agency)."""

    @model_validator(mode="after")
    def _check(self) -> Establishment:
        for name in ("schedule", "team_manager_schedule"):
            dates = [s.date for s in getattr(self, name)]
            if dates != sorted(dates):
                raise ValueError(f"{name} must be in date order; got {[str(d) for d in dates]}")
        return self


class Agency(Strict):
    """Agency cover, bought in a market: the council orders cover for a share of its
    vacancies (and for other needs), an order is filled after a time to fill, an assignment
    ends at the agency leaving hazard, and a cap stops new orders. Above the cap or with
    fewer vacancies, assignments end only as permanent starters arrive to take the children
    (one for each starter), never by dismissal."""

    cover_delay_days: float = NonNeg
    """Mean days from an order to the agency worker starting (the time to fill)."""
    time_to_fill_sd_days: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    """Spread of the time to fill (lognormal with the mean above); 0: always the mean."""
    cover_share: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)
    """Share of vacant permanent posts the council seeks agency cover for."""
    other_cover_share: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    """Agency FTE ordered for other needs (absence, maternity, extra capacity), as a share
    of the funded establishment."""
    max_share: float = Prob
    """Cap: at most this share of the social workers in post are agency (agency / (agency +
    permanent + ASYE) FTE: the ``agency_share`` metric, and DfE's agency rate)."""
    conversion_per_year: RatePerYear
    """Rate at which an agency worker takes a vacant permanent post (per worker per year)."""


UNIFORM_MONTHS = (1 / 12,) * 12
REPLACED_RECRUITMENT_FIELDS = {
    "applicants_per_month": "appointable_per_advert",
    "selection_rate": "appointable_per_advert",
}
"""Fields of the fixed applicant stream that recruitment to vacancies replaced (issue 12)."""


class Recruitment(Strict):
    """Permanent recruitment to vacancies. Every vacant funded post not under offer is
    advertised; an advert round lasts ``advert_to_offer`` and is decided at the next panel
    (every ``panel_interval_days``), which offers the post if the round drew an appointable
    applicant and re-advertises it otherwise; the appointee starts after ``start_delay``.
    Appointable applicants per round are Poisson with mean ``appointable_per_advert`` /
    (1 + open adverts / ``pool_adverts``): the council's share of the regional pool is split
    between its open adverts, so appointments grow with vacancies with diminishing returns
    and never exceed about ``appointable_per_advert`` x ``pool_adverts`` a round.
    ``sim.config.recruitment_rates`` derives the rate from a council's starters and
    vacancies (workforce census)."""

    appointable_per_advert: float = Field(ge=0, le=1000, allow_inf_nan=False)
    """Mean appointable applicants one advert round draws while few posts are open."""
    pool_adverts: Annotated[
        float | None, Field(gt=0, allow_inf_nan=False), at_most(MAX_WORKERS, WHY_WORKERS)
    ] = None
    """Open adverts at which each draws half as many appointable applicants; none: no limit."""
    advert_to_offer: Duration = Lognormal(dist="lognormal", mean_days=42, sd_days=14)
    """One advert round: advertising, shortlisting and interview, before the panel decides."""
    panel_interval_days: PanelDays
    start_delay: Duration = Lognormal(dist="lognormal", mean_days=60, sd_days=20)
    """From offer to start (checks, notice elsewhere, registration for NQSWs)."""
    experienced_share: float = Prob
    """Share of appointable applicants who are experienced (the rest newly qualified), over
    a year."""
    newly_qualified_by_month: Annotated[tuple[StrictFloat, ...], Field(strict=False)] = (
        UNIFORM_MONTHS
    )
    """Share of a year's newly qualified applicants who apply in each month, January first
    (graduation brings most in the summer); 12 shares summing to 1."""
    agency: Agency

    @model_validator(mode="before")
    @classmethod
    def _replaced(cls, data: object) -> object:
        if isinstance(data, dict):
            for old, new in REPLACED_RECRUITMENT_FIELDS.items():
                if old in data:
                    raise ValueError(
                        f"{old} is no longer used: recruitment now works to vacancies; give "
                        f"{new} (see sim.config.recruitment_rates and the README)"
                    )
        return data

    @field_validator("newly_qualified_by_month")
    @classmethod
    def _twelve_months(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if len(v) != 12 or any(not 0 <= x <= 1 for x in v):
            raise ValueError(f"give 12 shares between 0 and 1, January first; got {list(v)}")
        _sums_to_one({str(m): x for m, x in enumerate(v, start=1)}, "newly_qualified_by_month")
        return v


class Costs(Strict):
    """Annual pay (GBP per FTE per year, before on-costs) and other costs."""

    asye_pay_gbp: Pay
    social_worker_pay_gbp: Pay
    senior_pay_gbp: Pay
    senior_share: float = Prob
    team_manager_pay_gbp: Pay
    oncost_multiplier: float = Field(default=1.0, ge=1, le=3, allow_inf_nan=False)
    """Employer's on-costs (pension, National Insurance) as a multiplier of pay: about 1.3."""
    agency_premium_gbp_per_year: Pay
    recruitment_cost_per_hire_gbp: Pay


Unallocated = Literal["count", "ignore"]
"""How children waiting for a worker count against a caseload target: ``count`` adds them
to the cases held (the caseload the case-holders would carry with every child allocated),
so a target cannot be met by leaving children unallocated; ``ignore`` leaves them out, as
DfE's caseload does (then give the waiting list a target of its own on
``unallocated_cases``). Other metrics are read as they are."""


class CaseloadTarget(Strict):
    """The council's headline caseload target: ``metric`` at most ``max`` at ``date`` and at
    every month end in the ``sustain_months`` before it. Say which average the source means:
    ``avg_caseload`` as DfE counts it (cases per case-holding FTE, NQSWs and agency
    included), or ``avg_caseload_qualified`` as council reports often do (per qualified
    worker, NQSWs apart)."""

    metric: Literal["avg_caseload", "avg_caseload_qualified"]
    max: float = Field(gt=0, allow_inf_nan=False)
    date: Date
    sustain_months: int = Field(default=0, ge=0)
    unallocated: Unallocated = "count"
    """Children waiting for a worker count against the target (see ``Unallocated``)."""


class Allocation(Strict):
    when_full: Literal["wait", "over_cap"] = "over_cap"
    """When every eligible worker is at cap: the child waits unallocated, or is allocated
    over cap to the least-loaded worker."""
    held_share: float = Field(default=1.0, ge=0, le=1, allow_inf_nan=False)
    """Share of open children whose case a case-holding social worker holds; the rest are
    open to others and are never allocated (nor counted unallocated). DfE 2023: 337,055
    cases held against 403,090 children in need."""
    # A worker's capacity is their share of a full caseload: their caseload cap and target
    # are the team's times it (the team's are then the case-holders' averages), so the
    # least-loaded worker (children / own cap) first gives caseloads in proportion to it.
    # The next four fields spread it (sim.model.capacity; the capacities drawn are scaled
    # to mean 1); at their defaults everyone's is 1, as before them.
    part_caseload_share: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    """Share of qualified and agency case-holders who join holding a part caseload (senior
    or advanced practitioners, part-time workers, workers with other duties): a capacity
    drawn uniformly between none and ``part_caseload_max``; NQSWs starting the ASYE hold a
    full one. 0: everyone holds a full one."""
    part_caseload_max: float = Field(default=0.6, gt=0, le=1, allow_inf_nan=False)
    """The largest part caseload, as a share of a full one."""
    capacity_sd: float = Field(default=0.0, ge=0, le=1, allow_inf_nan=False)
    """Spread of the full case-holders' capacity (experience, the weight of the cases each
    holds): lognormal with mean 1 and this standard deviation of its log. 0: all the same."""
    build_up_months: float = Field(default=0.0, ge=0, le=24, allow_inf_nan=False)
    """A permanent or ASYE starter's capacity rises linearly from none to their own over
    this many months (a step a month); agency workers start full. 0: full from the first
    day."""


def _sane_start(start: dt.date) -> dt.date:
    if not EARLIEST_START <= start <= LATEST_START:
        raise ValueError(f"must be between {EARLIEST_START} and {LATEST_START}: {WHY_START}")
    return start


class CouncilConfig(Strict):
    """Everything one replication needs."""

    name: str = Field(min_length=1)
    description: str = ""
    start_date: Annotated[Date, AfterValidator(_sane_start)]
    horizon_months: Annotated[int, Field(ge=1), at_most(MAX_HORIZON_MONTHS, WHY_HORIZON)]
    demand: Demand
    children: ChildProfile | None = None
    """Ages (dates of birth); without them nobody ages out of care."""
    pathway: Pathway
    initial_cases: InitialCases
    teams: Teams
    allocation: Allocation = Allocation()
    initial_workforce: InitialWorkforce
    asye: Asye = Asye()
    leaving: Leaving
    absence: Absence = Absence(episodes_per_year=0.0)
    establishment: Establishment
    recruitment: Recruitment
    costs: Costs
    target: CaseloadTarget

    @field_validator("demand")
    @classmethod
    def _rate_stays_finite(cls, demand: Demand, info: ValidationInfo) -> Demand:
        months = info.data.get("horizon_months")
        if months is None:
            return demand
        peak = demand.referrals_per_year * (1 + max(0.0, demand.trend_per_year)) ** (months / 12)
        for step in demand.steps:
            peak *= max(1.0, step.factor)
        if demand.seasonality:
            peak *= 12 * max(demand.seasonality) / sum(demand.seasonality)
        if peak > MAX_REFERRALS_PER_YEAR:
            raise ValueError(
                f"the referral rate would reach {peak:,.0f} a year within the "
                f"horizon; the limit is {MAX_REFERRALS_PER_YEAR:,}: {WHY_REFERRALS}"
            )
        return demand

    @model_validator(mode="after")
    def _routes_need_ages(self) -> CouncilConfig:
        lac = self.pathway.lac
        if lac.routes and self.children is None:
            raise ValueError(
                "pathway.lac.routes: routes depend on age; give children.age_at_referral"
            )
        if self.demand.uasc_per_year > 0 and UASC_ROUTE not in lac.routes:
            raise ValueError(
                f"demand.uasc_per_year: {self.demand.uasc_per_year:g} needs a route named "
                f"{UASC_ROUTE!r} in pathway.lac.routes (their legal status and stays)"
            )
        return self

    @field_validator("target")
    @classmethod
    def _target_after_start(cls, target: CaseloadTarget, info: ValidationInfo) -> CaseloadTarget:
        start = info.data.get("start_date")
        if start is not None and target.date < start:
            raise ValueError(f"target.date {target.date} is before start_date {start}")
        return target

    def target_problem(self, date: dt.date, sustain_months: int = 0) -> tuple[str, str] | None:
        """The field and the reason why a target at ``date`` (and the ``sustain_months``
        month ends before it) falls outside this run, or None (:func:`target_outside_run`)."""
        return target_outside_run(self.start_date, self.horizon_months, date, sustain_months)


__all__ = [
    "AGE_BANDS_YEARS",
    "CARE_LEAVING_AGE_YEARS",
    "NON_CASE_HOLDING",
    "PERMANENCE_EXITS",
    "POSTS",
    "STAGES",
    "TEAMS",
    "TEAM_OF_STAGE",
    "UASC_ROUTE",
    "CouncilConfig",
    "Unallocated",
]
