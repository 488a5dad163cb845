"""The run-time settings that policies move. Model components read them here, not from the
frozen config, so that a policy can phase a change in month by month."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sim.config.council import CouncilConfig
from sim.model.entities import Worker
from sim.model.timeline import DAYS_PER_YEAR


@dataclass
class Levers:
    """Current values; policies change them only at month starts."""

    experienced_share: float
    panel_interval_days: float
    conversion_per_year: float
    agency_max_share: float
    agency_cover_delay_days: float
    agency_premium_gbp_per_year: float
    asye_days: float
    asye_cap: float
    asye_target: float
    base_team_manager_vacancy_rate: float
    referral_factors: dict[str, float] = field(default_factory=dict)
    """Multipliers of the referral rate, one per policy."""
    applicant_factors: dict[str, float] = field(default_factory=dict)
    """Multipliers of the appointable applicants per advert, one per policy."""
    team_manager_vacancy_factors: dict[str, float] = field(default_factory=dict)
    duration_caps_days: dict[str, float] = field(default_factory=dict)
    """Practice guidance: the longest a stage should last, by stage."""
    guidance_compliance: float = 0.0
    """Share of stages that keep to ``duration_caps_days``."""
    hazard_modifiers: list[Callable[[Worker, float], float]] = field(default_factory=list)
    """Each returns a multiplier of a worker's leaving hazard at a time (days)."""
    leave_hooks: list[Callable[[Worker, float], None]] = field(default_factory=list)
    """Called when a worker leaves (worker, day)."""

    @classmethod
    def from_config(cls, cfg: CouncilConfig) -> Levers:
        rc = cfg.recruitment
        return cls(
            experienced_share=rc.experienced_share,
            panel_interval_days=rc.panel_interval_days,
            conversion_per_year=rc.agency.conversion_per_year,
            agency_max_share=rc.agency.max_share,
            agency_cover_delay_days=rc.agency.cover_delay_days,
            agency_premium_gbp_per_year=cfg.costs.agency_premium_gbp_per_year,
            asye_days=cfg.asye.duration_months / 12 * DAYS_PER_YEAR,
            asye_cap=cfg.asye.caseload_cap,
            asye_target=cfg.asye.caseload_target,
            base_team_manager_vacancy_rate=cfg.establishment.team_manager_vacancy_rate,
        )

    @property
    def referral_multiplier(self) -> float:
        return math.prod(self.referral_factors.values())

    @property
    def applicant_multiplier(self) -> float:
        return math.prod(self.applicant_factors.values())

    @property
    def team_manager_vacancy_rate(self) -> float:
        rate = self.base_team_manager_vacancy_rate
        return min(1.0, rate * math.prod(self.team_manager_vacancy_factors.values()))
