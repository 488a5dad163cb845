"""Retention payments at lengths of service, with clawback."""

from __future__ import annotations

from sim.config.policies import RetentionPayment
from sim.model.entities import Worker
from sim.model.policies.base import PolicyHost, PolicyRuntime
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR


class RetentionRuntime(PolicyRuntime):
    spec: RetentionPayment

    def __init__(self, spec: RetentionPayment, model: PolicyHost) -> None:
        super().__init__(spec, model)
        self.at_days = [p.at_service_years * DAYS_PER_YEAR for p in spec.payments]
        self.amounts = [p.amount_gbp for p in spec.payments]
        self.next_index: dict[int, int] = {}
        self.last_paid: dict[int, tuple[float, float]] = {}  # worker id -> (day, amount)
        self.clawback_days = spec.clawback_months * DAYS_PER_MONTH
        self.anticipation_days = spec.anticipation_years * DAYS_PER_YEAR
        self.effect("hazard_multiplier_waiting")
        self.effect("hazard_multiplier_after")
        self.effect("applicant_multiplier")

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
        mid = (start + end) / 2
        self.levers.applicant_factors[self.spec.key] = self.ramped("applicant_multiplier", mid)
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
