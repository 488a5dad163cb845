"""The agency ceiling phased down to a share by a date; a premium cap that slows cover."""

from __future__ import annotations

from sim.config.policies import AgencyPolicy
from sim.model.policies.base import PolicyHost, PolicyRuntime


class AgencyRuntime(PolicyRuntime):
    spec: AgencyPolicy

    def __init__(self, spec: AgencyPolicy, model: PolicyHost) -> None:
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
        # "down to" never raises the cap: the lower of the policy's and the config's own
        goal = s.ceiling(self.from_share)
        lv.agency_max_share = self.from_share + (goal - self.from_share) * progress
        if s.premium_cap_gbp_per_year is not None:
            lv.agency_premium_gbp_per_year = min(self.base_premium, s.premium_cap_gbp_per_year)
            lv.agency_cover_delay_days = self.base_delay * self.effect("cover_delay_multiplier")
