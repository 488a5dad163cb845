"""A small synthetic council whose every part can be switched off, so that analytic
results (M/G/inf, Erlang C, stock decay) can be checked exactly. Used by the validation
report and the tests."""

from __future__ import annotations

import copy
from typing import Any

from sim.config.council import CouncilConfig
from sim.config.loader import deep_merge, validate_council


def exp(mean_days: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean_days": mean_days}


SYNTHETIC: dict[str, Any] = {
    "name": "test council",
    "start_date": "2020-01-01",
    "horizon_months": 24,
    "demand": {"referrals_per_year": 1000},
    "pathway": {
        "assessment": {
            "duration": exp(30),
            "outcomes": {"nfa": 0.4, "cin": 0.4, "cp": 0.15, "lac": 0.05},
        },
        "cin": {"duration": exp(60), "next": {"close": 0.8, "cp": 0.15, "lac": 0.05}},
        "cp": {"duration": exp(90), "next": {"close": 0.5, "cin": 0.4, "lac": 0.1}},
        "lac": {"duration": exp(120), "next": {"close": 1.0}},
    },
    "initial_cases": {"assessment": 0, "cin": 0, "cp": 0, "lac": 0, "time_in_stage": "zero"},
    "teams": {
        "assessment": {"caseload_target": 15, "caseload_cap": 1000, "establishment_share": 0.2},
        "cin_cp": {"caseload_target": 18, "caseload_cap": 1000, "establishment_share": 0.5},
        "lac": {"caseload_target": 20, "caseload_cap": 1000, "establishment_share": 0.3},
    },
    "allocation": {"when_full": "over_cap"},
    "initial_workforce": {"permanent_fte": 10, "asye_fte": 0, "agency_fte": 0, "tenure": "zero"},
    "leaving": {
        "permanent": [{"from_years": 0, "per_year": 0.0}],
        "asye": [{"from_years": 0, "per_year": 0.0}],
        "agency": [{"from_years": 0, "per_year": 0.0}],
        "asye_end_probability": 0.0,
        "caseload_strength": 0.0,
        "notice_days_permanent": 0,
        "notice_days_agency": 0,
    },
    "establishment": {"fte": 10, "team_managers_fte": 2},
    "recruitment": {
        "appointable_per_advert": 0,
        "experienced_share": 1.0,
        "panel_interval_days": 7,
        "agency": {"cover_delay_days": 0, "max_share": 0.0, "conversion_per_year": 0.0},
    },
    "costs": {
        "asye_pay_gbp": 30000,
        "social_worker_pay_gbp": 36000,
        "senior_pay_gbp": 40000,
        "senior_share": 0.0,
        "team_manager_pay_gbp": 48000,
        "oncost_multiplier": 1.0,
        "agency_premium_gbp_per_year": 26000,
        "recruitment_cost_per_hire_gbp": 0,
    },
    "target": {"metric": "avg_caseload", "max": 18, "date": "2021-01-31", "sustain_months": 0},
}


def synthetic_council(**overrides: Any) -> CouncilConfig:
    """The synthetic council with nested ``overrides`` merged in (validated)."""
    return validate_council(deep_merge(copy.deepcopy(SYNTHETIC), overrides), "synthetic council")
