"""Each policy moves the model the way its description says, and books its cost."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.config.policies import Policy
from sim.model.simulation import CouncilModel
from tests.conftest import council

POLICY = TypeAdapter(Policy)


def run(cfg, seed=0, *policies):
    model = CouncilModel(cfg, seed, [POLICY.validate_python(p) for p in policies], audit=True)
    return model, model.run()


STABLE = dict(
    demand={"referrals_per_year": 0}, horizon_months=40, initial_workforce={"permanent_fte": 20}
)


def test_retention_lump_sum_and_instalments_are_paid_once_each():
    cfg = council(**STABLE, costs={"senior_share": 0.0})
    lump = {"type": "retention_payment", "payments": [{"at_service_years": 2, "amount_gbp": 2000}]}
    inst = {
        "type": "retention_payment",
        "label": "inst",
        "payments": [{"at_service_years": y, "amount_gbp": 666} for y in (2, 2.5, 3)],
    }
    _, f = run(cfg, 0, lump)
    assert f["cost_policy_gbp"].sum() == pytest.approx(20 * 2000)
    assert f["cost_policy_gbp"].iloc[:24].sum() == 0, "paid before two years' service"
    _, f = run(cfg, 0, inst)
    assert f["cost_policy_gbp"].sum() == pytest.approx(20 * 3 * 666)


def test_retention_only_pays_service_reached_after_the_policy_starts():
    cfg = council(**STABLE, costs={"senior_share": 0.0})
    late = {
        "type": "retention_payment",
        "start": "2022-06-01",
        "payments": [{"at_service_years": 2, "amount_gbp": 2000}],
    }
    _, f = run(cfg, 0, late)
    assert f["cost_policy_gbp"].sum() == 0  # everyone reached two years on 2022-01-01


def test_retention_clawback_refunds_early_leavers():
    cfg = council(
        **STABLE,
        leaving={
            "permanent": [{"from_years": 0, "per_year": 0.0}, {"from_years": 2.05, "per_year": 3.0}]
        },
        costs={"senior_share": 0.0},
    )
    pol = {
        "type": "retention_payment",
        "clawback_months": 12,
        "payments": [{"at_service_years": 2, "amount_gbp": 1000}],
    }
    _, f = run(cfg, 0, pol)
    leavers_in_window = f["leavers"].iloc[24:36].sum()
    assert leavers_in_window > 5
    assert f["cost_policy_gbp"].sum() == pytest.approx(1000 * (20 - leavers_in_window))


def test_retention_effect_on_leaving_is_sampled_once_per_replication_and_lowers_leaving():
    kw = dict(
        demand={"referrals_per_year": 0},
        horizon_months=36,
        initial_workforce={"permanent_fte": 200, "tenure": "equilibrium"},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.2}]},
        costs={"senior_share": 0.0},
    )
    pol = {
        "type": "retention_payment",
        "anticipation_years": 3,
        "clawback_months": 36,
        "payments": [{"at_service_years": 3, "amount_gbp": 2000}],
        "hazard_multiplier_waiting": {"dist": "uniform", "low": 0.3, "high": 0.5},
    }
    without = [run(council(**kw), s)[1]["leavers"].sum() for s in range(4)]
    models = [run(council(**kw), s, pol) for s in range(4)]
    with_policy = [f["leavers"].sum() for _, f in models]
    assert np.mean(with_policy) < 0.8 * np.mean(without)
    effects = [m.policies[0].sampled["hazard_multiplier_waiting"] for m, _ in models]
    assert all(0.3 <= e <= 0.5 for e in effects) and len(set(effects)) == 4
    again = run(council(**kw), 0, pol)[0].policies[0].sampled["hazard_multiplier_waiting"]
    assert again == effects[0], "the same replication must draw the same effect"


def test_senior_supplement_costs_per_senior_and_cuts_their_leaving():
    kw = dict(
        demand={"referrals_per_year": 0},
        horizon_months=24,
        initial_workforce={"permanent_fte": 100},
        costs={"senior_share": 1.0},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.3}]},
    )
    sup = {
        "type": "market_supplement",
        "grade": "senior",
        "amount_gbp_per_year": 5000,
        "hazard_multiplier": 0.5,
    }
    _, base = run(council(**kw), 1)
    _, f = run(council(**kw), 1, sup)
    assert f["leavers"].sum() < 0.75 * base["leavers"].sum()
    first = f.iloc[1]
    days = (f["date"].iloc[1] - f["date"].iloc[0]).days
    assert first["cost_policy_gbp"] == pytest.approx(5000 * 100 * days / 365.25, rel=0.02)


def test_team_manager_supplement_fills_posts_and_supervision_cuts_leaving():
    kw = dict(
        demand={"referrals_per_year": 0},
        horizon_months=24,
        initial_workforce={"permanent_fte": 80},
        establishment={"fte": 80, "team_managers_fte": 10, "team_manager_vacancy_rate": 0.5},
        leaving={"permanent": [{"from_years": 0, "per_year": 0.2}], "supervision_strength": 2.0},
    )
    sup = {
        "type": "market_supplement",
        "grade": "team_manager",
        "amount_gbp_per_year": 5487,
        "team_manager_vacancy_multiplier": 0.2,
    }
    base = [run(council(**kw), s)[1] for s in range(3)]
    pol = [run(council(**kw), s, sup)[1] for s in range(3)]
    assert base[0]["team_managers_fte"].iloc[2] == 5 and pol[0]["team_managers_fte"].iloc[2] == 9
    assert sum(f["leavers"].sum() for f in pol) < sum(f["leavers"].sum() for f in base)


def test_nqsw_intake_and_cohorts_join_as_asye_on_their_dates():
    kw = dict(
        demand={"referrals_per_year": 0},
        horizon_months=36,
        initial_workforce={"permanent_fte": 5},
        establishment={"fte": 50},
    )
    pol = {
        "type": "nqsw_programme",
        "asye_duration_months": 24,
        "protected_caseload": 10,
        "yearly_intake": {"month": 9, "size": 4},
        "cohorts": [
            {
                "name": "apprentices",
                "start": "2020-01-01",
                "size": 3,
                "qualify_after_months": 18,
                "cost_gbp_per_year_each": 10000,
            }
        ],
    }
    model, f = run(council(**kw), 0, pol)
    by_month = f.set_index(f["date"].dt.strftime("%Y-%m"))["asye_fte"]
    assert by_month["2020-08"] == 0 and by_month["2020-09"] == 4
    assert by_month["2021-06"] == 4 and by_month["2021-07"] == 7  # apprentices qualify July 2021
    assert by_month["2021-09"] == 11
    assert by_month["2022-09"] == 15 - 4  # the 2020 intake finished its two-year ASYE
    assert f["cost_policy_gbp"].sum() == pytest.approx(3 * 10000 * 1.5, rel=0.01)
    asye = [w for w in model.workforce.workers if w.kind == "asye"]
    assert asye and all(w.cap == 10 for w in asye)


def test_early_help_diverts_referrals_after_phase_in():
    kw = dict(
        demand={"referrals_per_year": 12000},
        horizon_months=36,
        pathway={"assessment": {"outcomes": {"nfa": 1.0}}},
    )
    pol = {"type": "demand_management", "phase_in_months": 12, "early_help": {"share": 0.25}}
    _, base = run(council(**kw), 3)
    _, f = run(council(**kw), 3, pol)
    late = f["referrals"].iloc[13:].sum() / base["referrals"].iloc[13:].sum()
    assert late == pytest.approx(0.75, abs=0.02)
    assert f["referrals"].iloc[1] > 0.95 * base["referrals"].iloc[1]


def test_practice_guidance_caps_stage_lengths_for_compliant_cases():
    kw = dict(
        demand={"referrals_per_year": 3000},
        horizon_months=36,
        pathway={"cin": {"duration": {"dist": "exponential", "mean_days": 300}}},
    )
    pol = {"type": "demand_management", "guidance": {"cin_days": 90, "compliance": 1.0}}
    _, base = run(council(**kw), 2)
    _, f = run(council(**kw), 2, pol)
    assert f["open_cin"].iloc[24:].mean() < 0.5 * base["open_cin"].iloc[24:].mean()
