"""Month-end snapshots: one tidy row per month of the KPIs planners read."""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from sim.config.council import NON_CASE_HOLDING, CouncilConfig
from sim.metrics import COLUMNS
from sim.model.cases import CaseSystem
from sim.model.counters import Counters
from sim.model.timeline import DAYS_PER_YEAR, Calendar
from sim.model.workforce import Workforce

MANY_CASES = 25
"""DfE's top caseload band is 25 or more (SWW 2021); M16 4.3 counts workers "over 24"."""
BAND_WIDTH = 5
"""DfE's caseload bands (SWW 2021): under 5, 5-9, 10-14, 15-19, 20-24 and 25 or more
children held."""
BANDS = MANY_CASES // BAND_WIDTH + 1


def _nearest_rank(values: list[int], q: float) -> float:
    """The ``q`` quantile of ``values`` by nearest rank (a value someone holds), or NaN when
    there are none."""
    if not values:
        return math.nan
    values.sort()
    return float(values[max(0, math.ceil(q * len(values)) - 1)])


def _ratio(num: float, den: float) -> float:
    """``num / den``, or NaN (undefined, not infinite) when nobody is in post."""
    return num / den if den > 0 else math.nan


class Monitor:
    """Reads the model's state and this month's counters into one row per month end."""

    def __init__(
        self,
        cfg: CouncilConfig,
        calendar: Calendar,
        cases: CaseSystem,
        workforce: Workforce,
        counters: Counters,
    ) -> None:
        self.cfg = cfg
        self.cal = calendar
        self.cases = cases
        self.wf = workforce
        self.counters = counters
        self.rows: list[dict[str, Any]] = []
        self.caseload_bands: list[list[int]] = []
        """Case-holders in each of DfE's caseload bands (``BANDS``, fewest children first)
        at each month end, one list per row: not a column (six would crowd the series);
        the published checks read it (``sim.checks.published``)."""
        self._turnover_window: deque[tuple[float, float]] = deque(maxlen=12)
        c = cfg.costs
        qualified_pay = (
            c.senior_share * c.senior_pay_gbp + (1 - c.senior_share) * c.social_worker_pay_gbp
        )
        day_cost = c.oncost_multiplier / DAYS_PER_YEAR
        self._gbp_per_fte_day = {
            "asye": c.asye_pay_gbp * day_cost,
            "permanent": qualified_pay * day_cost,
            "agency": qualified_pay * day_cost,
        }
        self._tm_gbp_per_fte_day = c.team_manager_pay_gbp * day_cost

    def snapshot(self, now: float, label: Any, period_days: float) -> None:
        """Record the month ending at ``now`` (``period_days`` long; 0 for the start row)."""
        wf, k = self.wf, self.counters
        row: dict[str, Any] = {"date": label}
        row.update(
            referrals=k.referrals,
            rereferrals=k.rereferrals,
            rereferrals_12m=k.rereferrals_12m,
            referrals_nfa=k.referrals_nfa,
            closures=k.closures,
            lac_started=k.lac_started,
            lac_started_16_plus=k.lac_started_16_plus,
            lac_ceased=k.lac_ceased,
            lac_ceased_home=k.lac_ceased_home,
            lac_ceased_adopted=k.lac_ceased_adopted,
            lac_ceased_sgo=k.lac_ceased_sgo,
            lac_ceased_18_plus=k.lac_ceased_18_plus,
        )
        row.update(self._cases(now, period_days))
        row.update(self._workforce())
        row.update(
            joiners=k.joiners,
            leavers=k.leavers,
            leavers_under_5y=k.leavers_under_5y,
            leavers_to_council=k.leavers_to_council,
            leavers_to_agency=k.leavers_to_agency,
            leavers_out=k.leavers_out,
            hires=k.hires,
            agency_joiners=k.agency_joiners,
            agency_leavers=k.agency_leavers,
            agency_returners=k.agency_returners,
            agency_conversions=k.agency_conversions,
            asye_qualified=k.asye_qualified,
            sw_changes=k.sw_changes,
            sw_changes_workforce=k.sw_changes_workforce,
        )
        row.update(self._costs(now, period_days))
        perm_fte_days = row.pop("_perm_fte_days")
        if period_days > 0:
            self._turnover_window.append((k.leavers_fte, perm_fte_days / period_days))
        row["turnover_12m"] = self._turnover()
        tm = wf.team_managers(now)
        needed = wf.team_managers_needed()
        row.update(
            team_managers_fte=tm,
            team_managers_needed=needed,
            team_manager_shortfall=max(0.0, needed - tm),
        )
        self.rows.append({c: row[c] for c in COLUMNS})
        k.reset()

    def _cases(self, now: float, period_days: float) -> dict[str, Any]:
        cs = self.cases
        unallocated = sum(p.n_waiting for p in self.wf.pools.values())
        area = cs.open_tw.take_area(now)
        return {
            "open_cases": cs.open_cases,
            "open_assessment": cs.open_by_stage["assessment"],
            "open_cin": cs.open_by_stage["cin"],
            "open_cp": cs.open_by_stage["cp"],
            "open_lac": cs.open_by_stage["lac"],
            "unallocated_cases": unallocated,
            "mean_open_cases": area / period_days if period_days > 0 else cs.open_cases,
        }

    def _workforce(self) -> dict[str, Any]:
        wf = self.wf
        fte = {kind: tw.value for kind, tw in wf.fte.items()}
        est = wf.establishment()
        held_q = fte_q = held_a = fte_a = 0.0
        holders = over = many = 0
        counts: list[int] = []  # children held by each case-holder, for the percentile
        bands = [0] * BANDS
        absent = max_load = 0.0
        for w in wf.workers:
            if w.absent:
                absent += w.fte
            if w.cases_handed_over or w.team == NON_CASE_HOLDING:
                continue
            holders += 1
            n = len(w.children)
            over += n > w.target
            many += n >= MANY_CASES
            counts.append(n)
            bands[min(n // BAND_WIDTH, BANDS - 1)] += 1
            max_load = max(max_load, w.load)
            if w.kind == "asye":
                held_a += n
                fte_a += w.fte
            else:
                held_q += n
                fte_q += w.fte
        self.caseload_bands.append(bands)
        return {
            "establishment_fte": est,
            "qualified_fte": fte["permanent"],
            "asye_fte": fte["asye"],
            "agency_fte": fte["agency"],
            "vacancy_fte": max(0.0, est - fte["permanent"] - fte["asye"]),
            "agency_share": _ratio(fte["agency"], sum(fte.values())),
            "absent_fte": absent,
            "case_holder_fte": fte_q + fte_a,
            "cases_held": held_q + held_a,
            "avg_caseload": _ratio(held_q + held_a, fte_q + fte_a),
            "avg_caseload_qualified": _ratio(held_q, fte_q),
            "avg_caseload_asye": _ratio(held_a, fte_a),
            "share_over_target": _ratio(over, holders),
            "share_25_plus": _ratio(many, holders),
            "caseload_p90": _nearest_rank(counts, 0.9),
            "max_worker_load": max_load,
            "qualified_cases_held": held_q,
            "qualified_case_holder_fte": fte_q,
            "asye_cases_held": held_a,
            "asye_case_holder_fte": fte_a,
            "case_holders": holders,
            "case_holders_25_plus": many,
            "case_holders_over_target": over,
        }

    def _costs(self, now: float, period_days: float) -> dict[str, Any]:
        area = {kind: tw.take_area(now) for kind, tw in self.wf.fte.items()}
        g = self._gbp_per_fte_day
        permanent = area["permanent"] * g["permanent"] + area["asye"] * g["asye"]
        # Policies change the premium only at month starts, so this month had one premium.
        premium = self.wf.levers.agency_premium_gbp_per_year / DAYS_PER_YEAR
        agency = area["agency"] * (g["agency"] + premium)
        tm = self.wf.team_managers(now - period_days / 2) * period_days * self._tm_gbp_per_fte_day
        hires = self.counters.hires * self.cfg.costs.recruitment_cost_per_hire_gbp
        policy = self.counters.policy_cost_gbp
        return {
            "cost_gbp": permanent + agency + tm + hires + policy,
            "cost_permanent_gbp": permanent,
            "cost_agency_gbp": agency,
            "cost_team_managers_gbp": tm,
            "cost_recruitment_gbp": hires,
            "cost_policy_gbp": policy,
            "_perm_fte_days": area["permanent"] + area["asye"],
        }

    def _turnover(self) -> float:
        """Permanent leavers (FTE) over the last 12 months (annualised while fewer months
        have passed) divided by the average permanent FTE in post over them."""
        if not self._turnover_window:
            return math.nan
        leavers = sum(x[0] for x in self._turnover_window)
        avg_fte = sum(x[1] for x in self._turnover_window) / len(self._turnover_window)
        return _ratio(leavers * 12 / len(self._turnover_window), avg_fte)
