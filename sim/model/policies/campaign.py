"""A recruitment campaign: applicants, panels, the experienced share, agency conversions."""

from __future__ import annotations

from sim.config.policies import RecruitmentCampaign
from sim.model.policies.base import PolicyHost, PolicyRuntime


class CampaignRuntime(PolicyRuntime):
    spec: RecruitmentCampaign

    def __init__(self, spec: RecruitmentCampaign, model: PolicyHost) -> None:
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
