"""The newly qualified programme: ASYE length and protected caseload, intakes, cohorts."""

from __future__ import annotations

import datetime as dt

import simpy

from sim.config.policies import NqswProgramme
from sim.model.policies.base import PolicyHost, PolicyRuntime
from sim.model.timeline import DAYS_PER_MONTH, DAYS_PER_YEAR


class NqswRuntime(PolicyRuntime):
    spec: NqswProgramme

    def __init__(self, spec: NqswProgramme, model: PolicyHost) -> None:
        super().__init__(spec, model)
        self.switched = False

    def _join_asye_on(self, day: float, n: int) -> None:
        wf, env = self.model.workforce, self.model.env

        def join_asye(_e: simpy.Event) -> None:  # simpy's callbacks return None
            wf.join("asye")

        for _ in range(n):
            env.timeout(max(0.0, day - env.now)).callbacks.append(join_asye)

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
