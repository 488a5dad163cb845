"""A market pay supplement for senior social workers or team managers."""

from __future__ import annotations

from sim.config.policies import MarketSupplement
from sim.model.entities import Worker
from sim.model.policies.base import PolicyHost, PolicyRuntime


class SupplementRuntime(PolicyRuntime):
    spec: MarketSupplement

    def __init__(self, spec: MarketSupplement, model: PolicyHost) -> None:
        super().__init__(spec, model)
        for name in (
            "hazard_multiplier",
            "applicant_multiplier",
            "team_manager_vacancy_multiplier",
        ):
            self.effect(name)

    def changes_leaving(self) -> bool:
        return self.spec.grade == "senior"

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
