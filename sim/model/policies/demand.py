"""Demand management: Early Help diverting referrals, practice guidance on stage lengths."""

from __future__ import annotations

from sim.config.policies import DemandManagement
from sim.model.policies.base import PolicyHost, PolicyRuntime


class DemandRuntime(PolicyRuntime):
    spec: DemandManagement

    def __init__(self, spec: DemandManagement, model: PolicyHost) -> None:
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
