"""Inputs that used to change a run silently, or that `check` passed and `run` crashed on
(issue 14, items 3, 4, 8 and 11): each is refused at load time by `check`, `run` and
`experiment` alike, exit 2, with one message naming the file, the field, the value and the
rule (and, for a ceiling, why it exists); nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import main
from tests.support.experiments import BASELINE, write_experiment
from tests.support.mutations import SHIPPED, mutate

COUNCIL = SHIPPED["cheshire_east_2017"]
"""Starts 2017-06-01, 60 months (its last month end 2022-05-31); target 2018-03-31."""


def refused(argv: list[str], capsys) -> str:
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    return err


def council_file(tmp_path: Path, path: tuple, value: Any) -> Path:
    out = tmp_path / "council.yaml"
    out.write_text(yaml.safe_dump(mutate(COUNCIL, path, value, "set")))
    return out


# (id, path in the council config, value, field named, rule in the message)
COUNCIL_CASES = [
    ("bool-horizon", ("horizon_months",), True, "horizon_months", "true/false"),
    ("bool-number", ("demand", "referrals_per_year"), True, "demand.referrals_per_year", "true"),
    ("text-number", ("demand", "referrals_per_year"), "5700", "demand.referrals_per_year", "text"),
    ("text-in-dist", ("pathway", "cin", "duration", "mean_days"), "90", "mean_days", "text"),
    ("float-count", ("initial_cases", "cin"), 12.5, "initial_cases.cin", "whole number"),
    ("target-2010", ("target", "date"), dt.date(2010, 1, 1), "target.date", "before"),
    ("target-2040", ("target", "date"), dt.date(2040, 1, 1), "target.date", "after the run"),
    ("sustain", ("target", "sustain_months"), 40, "target.sustain_months", "reaches back"),
    ("start-9999", ("start_date",), dt.date(9999, 6, 1), "start_date", "between 1990-01-01"),
    ("start-0001", ("start_date",), dt.date(1, 1, 1), "start_date", "between 1990-01-01"),
    ("pay-1e308", ("costs", "social_worker_pay_gbp"), 1e308, "social_worker_pay_gbp", "limit"),
    ("referrals", ("demand", "referrals_per_year"), 1e9, "referrals_per_year", "England"),
    ("posts", ("establishment", "fte"), 1e7, "establishment.fte", "England"),
    ("managers", ("establishment", "team_managers_fte"), 1e7, "team_managers_fte", "England"),
    ("children", ("initial_cases", "cin"), 10**8, "initial_cases.cin", "England"),
    ("horizon", ("horizon_months",), 100_000, "horizon_months", "fifty years"),
    ("panel-1e-9", ("recruitment", "panel_interval_days"), 1e-9, "panel_interval_days", "daily"),
    ("hazard", ("leaving", "permanent", 0, "per_year"), 1e6, "per_year", "once a day"),
    ("absence", ("absence", "episodes_per_year"), 1e6, "episodes_per_year", "weekly"),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [c[1:] for c in COUNCIL_CASES],
    ids=[c[0] for c in COUNCIL_CASES],
)
def test_a_council_config_input_without_a_meaning_is_refused(
    tmp_path, capsys, path, value, field, rule
):
    config = council_file(tmp_path, path, value)
    err = refused(["check", str(config)], capsys)
    assert f"{config}: field '" in err and field in err and rule in err, err
    out = tmp_path / "out"
    assert refused(["run", str(config), "--out", str(out)], capsys) == err
    assert not out.exists()


def test_horizon_months_yes_is_not_one_month(tmp_path, capsys):
    config = council_file(tmp_path, ("horizon_months",), 60)
    config.write_text(config.read_text().replace("horizon_months: 60", "horizon_months: yes"))
    err = refused(["check", str(config)], capsys)
    assert "field 'horizon_months': value True: must be a whole number; true/false" in err


def test_a_duplicated_key_is_refused_not_the_last_kept(tmp_path, capsys):
    config = council_file(tmp_path, ("horizon_months",), 60)
    config.write_text(config.read_text() + "horizon_months: 12\n")
    err = refused(["check", str(config)], capsys)
    assert f"{config}: line " in err and "field 'horizon_months' is given twice" in err, err
    nested = council_file(tmp_path, ("horizon_months",), 60)
    nested.write_text(nested.read_text().replace("demand:\n", "demand:\n  trend_per_year: 0.5\n"))
    assert "field 'trend_per_year' is given twice" in refused(["check", str(nested)], capsys)


def test_a_merge_key_may_be_overridden(tmp_path, capsys):
    """``<<: *anchor`` then a key of its own is what a merge is for, not a duplicate."""
    text = yaml.safe_dump(COUNCIL).replace(
        "teams:\n  assessment:", "defaults: &team {caseload_cap: 99}\nteams:\n  assessment:"
    )
    text = text.replace("  cin_cp:\n", "  cin_cp:\n    <<: *team\n")
    config = tmp_path / "council.yaml"
    config.write_text(text)
    err = refused(["check", str(config)], capsys)
    assert "given twice" not in err and "field 'defaults'" in err, err


# --- experiments: targets, policy effects, sizes ----------------------------------------------
def hazard_policy(**effects: Any) -> dict[str, Any]:
    payments = [{"at_service_years": 1, "amount_gbp": 1}]
    return {"type": "retention_payment", "payments": payments} | effects


def supplement(**effects: Any) -> dict[str, Any]:
    spec = {"type": "market_supplement", "grade": "team_manager", "amount_gbp_per_year": 1}
    return spec | effects


def early_help(share: Any) -> dict[str, Any]:
    return {"type": "demand_management", "early_help": {"share": share}}


def guidance(compliance: Any) -> dict[str, Any]:
    return {"type": "demand_management", "guidance": {"cin_days": 90, "compliance": compliance}}


def campaign(**effects: Any) -> dict[str, Any]:
    return {"type": "recruitment_campaign"} | effects


def nqsw(**parts: Any) -> dict[str, Any]:
    return {"type": "nqsw_programme"} | parts


def cohort(size: Any) -> dict[str, Any]:
    return {"name": "c", "start": "2020-03-01", "size": size, "qualify_after_months": 3}


UNIFORM = {"dist": "uniform", "low": -0.5, "high": 0.5}
NORMAL = {"dist": "normal", "mean": 0.5, "sd": 0.1}
TRIANGULAR = {"dist": "triangular", "low": 0.5, "mode": 1.0, "high": 200.0}
POLICY_CASES = [
    ("early-help-minus-1", early_help(-1), "early_help.share", "below 0 would add referrals"),
    ("early-help-2.5", early_help(2.5), "early_help.share", "at most 1"),
    ("early-help-uniform", early_help(UNIFORM), "early_help.share", "the low end of uniform"),
    ("hazard-minus-5", hazard_policy(hazard_multiplier_waiting=-5), "waiting", "above 0"),
    ("hazard-zero", supplement(hazard_multiplier=0), "hazard_multiplier", "nobody ever leaves"),
    ("hazard-dist", hazard_policy(hazard_multiplier_after=TRIANGULAR), "after", "the high end"),
    (
        "tm-vacancy-minus-2",
        supplement(team_manager_vacancy_multiplier=-2),
        "team_manager_vacancy_multiplier",
        "more managers in post than are funded",
    ),
    ("compliance-7", guidance(7), "guidance.compliance", "at most 1"),
    ("compliance-normal", guidance(NORMAL), "guidance.compliance", "give a finite low"),
    (
        "guidance-days",
        guidance(0.5) | {"guidance": {"cin_days": 1e-9, "compliance": 0.5}},
        "guidance.cin_days",
        "greater than or equal to 1",
    ),
    ("pay-1e308", supplement(amount_gbp_per_year=1e308), "amount_gbp_per_year", "overflow"),
    ("cost-1e308", campaign(cost_gbp_per_year=1e308), "cost_gbp_per_year", "overflow"),
    (
        "payment-1e308",
        hazard_policy() | {"payments": [{"at_service_years": 1, "amount_gbp": 1e308}]},
        "amount_gbp",
        "overflow",
    ),
    ("applicants-1e6", campaign(applicant_multiplier=1e6), "applicant_multiplier", "100-fold"),
    ("applicants-neg", campaign(applicant_multiplier=-1), "applicant_multiplier", "at least 0"),
    ("panel-1e-9", campaign(panel_interval_days=1e-9), "panel_interval_days", "daily"),
    ("cohort-1e8", nqsw(cohorts=[cohort(10**8)]), "cohorts.0.size", "memory"),
    ("cohorts-sum", nqsw(cohorts=[cohort(50_000)] * 6), "nqsw_programme", "trainees in all"),
    ("intake-1e8", nqsw(yearly_intake={"month": 9, "size": 10**8}), "yearly_intake.size", "memory"),
    (
        "cover-delay",
        {
            "type": "agency_policy",
            "max_share": 0.1,
            "by": "2021-01-01",
            "cover_delay_multiplier": -1,
        },
        "cover_delay_multiplier",
        "at least 0",
    ),
    ("bool-effect", early_help(True), "early_help.share", "true/false"),
]


def experiment_with(tmp_path: Path, **changes: Any) -> Path:
    """The small test experiment (synthetic council from 2020-01-01, 24 months: its last
    month end 2021-12-31) with ``changes`` to its top-level fields."""
    path = write_experiment(tmp_path, [BASELINE])
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def assert_refused_everywhere(path: Path, tmp_path: Path, capsys, *needles: str) -> str:
    err = refused(["check", str(path)], capsys)
    assert f"{path}: field '" in err and all(n in err for n in needles), err
    out = tmp_path / "out"
    assert refused(["experiment", str(path), "--out", str(out), "--quiet"], capsys) == err
    assert refused(["run", str(path), "--out", str(out)], capsys) == err
    assert not out.exists()
    return err


@pytest.mark.parametrize(
    ("policy", "field", "rule"), [c[1:] for c in POLICY_CASES], ids=[c[0] for c in POLICY_CASES]
)
def test_a_policy_effect_without_a_meaning_is_refused(tmp_path, capsys, policy, field, rule):
    scenario = {"name": "plan", "description": "a policy", "policies": [policy]}
    path = experiment_with(tmp_path, scenarios=[BASELINE, scenario])
    err = assert_refused_everywhere(path, tmp_path, capsys, field, rule)
    assert "field 'scenarios.1.policies.0." in err, err


def target(**changes: Any) -> dict[str, Any]:
    return {"name": "t", "metric": "avg_caseload", "max": 20, "date": "2021-06-30"} | changes


TARGET_CASES = [
    ("2010", [target(date="2010-01-01")], "targets.0.date", "before the run starts"),
    ("2040", [target(date="2040-01-01")], "targets.0.date", "judged at 2021-12-31"),
    (
        "sustain",
        [target(date="2020-03-31", sustain_months=6)],
        "targets.0.sustain_months",
        "give at most 3",
    ),
    (
        "no-metric",
        [{"name": "t", "max": 0.1, "date": "2021-06-30"}],
        "targets.0.metric",
        "required field is missing",
    ),
    ("bool-max", [target(max=True)], "targets.0.max", "true/false"),
]


@pytest.mark.parametrize(
    ("targets", "field", "rule"), [c[1:] for c in TARGET_CASES], ids=[c[0] for c in TARGET_CASES]
)
def test_a_target_outside_the_run_or_without_a_metric_is_refused(
    tmp_path, capsys, targets, field, rule
):
    assert_refused_everywhere(
        experiment_with(tmp_path, targets=targets), tmp_path, capsys, field, rule
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"replications": 10**6}, "replications"),
        (
            {"replications": None, "precision": {"half_width": 0.01, "max_replications": 10**7}},
            "precision.max_replications",
        ),
    ],
    ids=["replications", "precision"],
)
def test_replications_have_a_ceiling(tmp_path, capsys, changes, field):
    path = experiment_with(tmp_path, **changes)
    assert_refused_everywhere(path, tmp_path, capsys, f"field '{field}'", "10,000")


def test_replications_on_the_command_line_have_the_same_ceiling(tmp_path, capsys):
    path = experiment_with(tmp_path)
    err = refused(
        ["experiment", str(path), "--out", str(tmp_path / "o"), "--replications", "1000000"], capsys
    )
    assert "field 'replications': value 1000000: above the limit of 10,000" in err


# --- item 8: check agrees with run -------------------------------------------------------------
def test_a_pathway_that_never_closes_is_checked_and_run(tmp_path, capsys):
    """`run` accepts it (children cycle between CiN and CP for ever), so `check` does too,
    saying there is no steady state instead of a LinAlgError."""
    data = mutate(COUNCIL, ("pathway", "cin", "next"), {"cp": 1.0}, "set")
    data = mutate(data, ("pathway", "cp", "next"), {"cin": 1.0}, "set")
    data = mutate(data, ("horizon_months",), 12, "set")
    config = tmp_path / "loop.yaml"
    config.write_text(yaml.safe_dump(data))
    assert main(["check", str(config)]) == 0
    out = capsys.readouterr().out
    assert "no steady state: a child in cin, cp never reaches a close" in out, out
    assert "one replication: about" in out
    assert main(["run", str(config), "--out", str(tmp_path / "out")]) == 0
