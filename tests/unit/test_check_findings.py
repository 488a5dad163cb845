"""`csc-sim check` warns about, or refuses, values that are each valid but together make a
run mean something else (issue 15 item 5): errors exit 2 naming the file, field, value and
the code that accepts them; warnings leave the exit code 0. (The brief first-year run is
tested in tests/integration/test_check_start.py; here it is off, --brief 0.)"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.config.provenance import Layer, origin, sets
from sim.experiment.findings import CODES
from tests.conftest import ROOT
from tests.support.experiments import BASELINE, SMALL_BASE, write_experiment

AGENCY = {"type": "agency_policy", "max_share": 0.1, "by": "2021-01-01"}


def check(path: Path, capsys, *extra: str) -> tuple[int, str, str]:
    code = main(["check", str(path), "--brief", "0", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def with_policy(tmp_path: Path, policy: dict, **extra) -> Path:
    scenario = {"name": "policy", "description": "one policy", "policies": [policy]}
    return write_experiment(tmp_path, [BASELINE, scenario], **extra)


def test_a_share_target_typed_as_a_percentage_is_an_error_unless_accepted(tmp_path, capsys):
    path = write_experiment(tmp_path, [BASELINE])
    spec = yaml.safe_load(path.read_text())
    spec["targets"][1]["max"] = 10  # agency_share "at most 10": met in every future
    path.write_text(yaml.safe_dump(spec))
    code, _, err = check(path, capsys)
    assert code == 2
    line = next(x for x in err.splitlines() if "targets.1.max" in x)
    assert line.startswith(f"error: {path}: field 'targets.1.max': value 10: ")
    assert "met in every future" in line and "write 0.1" in line
    assert "--accept share-target-above-1" in line
    code, _, err = check(path, capsys, "--accept", "share-target-above-1")
    assert code == 0
    assert "warning (accepted with --accept share-target-above-1)" in err


def test_a_policy_dated_before_the_run_is_an_error(tmp_path, capsys):
    path = with_policy(tmp_path, {**AGENCY, "start": "2017-03-01"})  # run starts 2020-01-01
    code, _, err = check(path, capsys)
    assert code == 2
    assert "field 'scenarios.1.policies.0.start': value 2017-03-01" in err
    assert "before the run starts (2020-01-01, 2.8 years earlier)" in err
    assert "--accept policy-before-start" in err


@pytest.mark.parametrize("command", ["experiment", "run", "backtest", "optimise", "sensitivity"])
def test_every_command_that_runs_a_file_refuses_what_check_refuses(tmp_path, capsys, command):
    path = with_policy(tmp_path, {**AGENCY, "start": "2017-03-01"})  # run starts 2020-01-01
    out = tmp_path / "out"
    extra = {
        "backtest": ["--observed", str(tmp_path / "none.csv")],
        "optimise": ["--target", "caseload"],
    }.get(command, [])
    code = main([command, str(path), "--out", str(out), *extra])
    _, err = capsys.readouterr()
    assert code == 2 and not out.exists(), err
    assert "field 'scenarios.1.policies.0.start': value 2017-03-01" in err
    assert "(if this is what you mean: --accept policy-before-start)" in err
    assert "Traceback" not in err


def test_a_run_goes_ahead_once_the_error_is_accepted(tmp_path, capsys):
    path = with_policy(tmp_path, {**AGENCY, "start": "2017-03-01"})
    out = tmp_path / "out"
    argv = ["run", str(path), "--scenario", "policy", "--out", str(out)]
    assert main([*argv, "--accept", "policy-before-start"]) == 0
    assert (out / "summary.json").is_file()
    assert main([*argv, "--force", "--accept", "no-such-code"]) == 2
    assert "not an error's code" in capsys.readouterr().err


def test_an_agency_deadline_before_its_start_is_an_error(tmp_path, capsys):
    path = with_policy(tmp_path, {**AGENCY, "start": "2020-06-01", "by": "2020-03-01"})
    code, _, err = check(path, capsys)
    assert code == 2
    assert "field 'scenarios.1.policies.0.by': value 2020-03-01" in err
    assert "deadline is before the policy starts (2020-06-01)" in err
    assert "policy-before-start" not in err


def test_an_agency_policy_above_the_cap_is_an_error(tmp_path, capsys):
    path = with_policy(tmp_path, {**AGENCY, "max_share": 0.35})  # SMALL_BASE's cap: 0.3
    code, _, err = check(path, capsys)
    assert code == 2
    assert "field 'scenarios.1.policies.0.max_share': value 0.35" in err
    assert "is 30% already" in err and "--accept agency-policy-raises-cap" in err
    # down to 10% from a cap of 30%: nothing to say
    assert check(with_policy(tmp_path, AGENCY), capsys)[0] == 0


def test_a_policy_after_the_run_and_a_late_deadline_are_warnings(tmp_path, capsys):
    late = {"type": "recruitment_campaign", "start": "2030-01-01", "applicant_multiplier": 2.0}
    code, _, err = check(with_policy(tmp_path, late), capsys)
    assert code == 0
    assert "warning: " in err and "starts after the run ends (2021-12-31)" in err
    code, _, err = check(with_policy(tmp_path, {**AGENCY, "by": "2023-01-01"}), capsys)
    assert code == 0
    assert "field 'scenarios.1.policies.0.by': value 2023-01-01" in err
    assert "still coming down" in err


def test_fewer_than_30_replications_is_a_warning(tmp_path, capsys):
    path = write_experiment(tmp_path, [BASELINE])  # 12 replications
    code, _, err = check(path, capsys)
    assert code == 0
    assert f"warning: {path}: field 'replications': value 12: fewer than 30" in err
    assert "+/-28 points" in err
    code, _, err = check(path, capsys, "--replications", "30")
    assert code == 0 and "fewer than 30" not in err


def template_and_child(tmp_path: Path, cap_in_child: bool) -> Path:
    """A template with an agency cap of 8% and a planner's config extending it with 26 of
    75 social workers agency (35%), as in issue 15."""
    template = copy.deepcopy(SMALL_BASE)
    template["recruitment"]["agency"]["max_share"] = 0.08
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(template))
    child: dict = {
        "extends": "template.yaml",
        "name": "my council",
        "initial_workforce": {"permanent_fte": 49, "asye_fte": 0, "agency_fte": 26},
        "establishment": {"fte": 75, "team_managers_fte": 9},
    }
    if cap_in_child:
        child["recruitment"] = {"agency": {"max_share": 0.08}}
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(child))
    return path


def test_an_inherited_cap_below_the_planners_agency_share_is_an_error(tmp_path, capsys):
    path = template_and_child(tmp_path, cap_in_child=False)
    code, _, err = check(path, capsys)
    assert code == 2
    template = tmp_path / "template.yaml"
    assert f"error: {template}: field 'recruitment.agency.max_share': value 0.08: " in err
    assert "inherited from a template" in err and "34.7% (26 agency of 75 in post" in err
    assert f"set in {path}" in err and "--accept inherited-contradiction" in err
    assert check(path, capsys, "--accept", "inherited-contradiction")[0] == 0


def test_the_planners_own_cap_below_their_agency_share_is_a_warning(tmp_path, capsys):
    path = template_and_child(tmp_path, cap_in_child=True)
    code, _, err = check(path, capsys)
    assert code == 0
    assert f"warning: {path}: field 'recruitment.agency.max_share': value 0.08" in err
    assert "inherited" not in err


def test_an_experiment_names_the_scenarios_a_finding_is_in(tmp_path, capsys):
    template_and_child(tmp_path, cap_in_child=False)
    scenario = {"name": "agency_down", "description": "x", "policies": [AGENCY]}
    spec = {
        "name": "e",
        "base": "mine.yaml",
        "replications": 30,
        "root_seed": 1,
        "targets": [{"name": "t", "metric": "avg_caseload", "max": 20, "date": "2021-06-30"}],
        "scenarios": [BASELINE, scenario],
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(spec))
    code, _, err = check(path, capsys)
    assert code == 2
    cap = next(x for x in err.splitlines() if "inherited-contradiction" in x)
    assert "[scenarios status_quo, agency_down]" in cap
    raise_cap = next(x for x in err.splitlines() if "policies.0.max_share" in x)
    assert "[scenario agency_down]" in raise_cap and "8% already" in raise_cap
    assert err.rstrip().endswith("fix the file, or accept each with --accept CODE")


def test_a_target_after_the_horizon_is_refused(tmp_path, capsys):
    path = write_experiment(tmp_path, [BASELINE])
    spec = yaml.safe_load(path.read_text())
    spec["targets"][0]["date"] = "2030-03-31"
    path.write_text(yaml.safe_dump(spec))
    code, _, err = check(path, capsys)
    assert code == 2
    assert "field 'targets.0.date': value 2030-03-31" in err and "after the run ends" in err


def test_an_unknown_accept_code_is_refused(tmp_path, capsys):
    path = write_experiment(tmp_path, [BASELINE])
    code, _, err = check(path, capsys, "--accept", "everything")
    assert code == 2 and "not an error's code" in err and CODES[0] in err


@pytest.mark.parametrize(
    "path", sorted([*ROOT.glob("configs/*.yaml"), *ROOT.glob("experiments/*.yaml")]), ids=str
)
def test_every_shipped_file_passes_without_an_error(path, capsys):
    code, out, err = check(path, capsys)
    assert code == 0, err
    assert "error" not in err
    assert "starting position" in out and "time: " in out


def test_a_field_comes_from_the_first_layer_that_sets_it():
    own = Layer("mine.yaml", {"recruitment": {"agency": {"cover_share": 1.0}}}, False)
    template = Layer("t.yaml", {"recruitment": {"agency": {"max_share": 0.08}}}, True)
    assert origin([own, template], "recruitment.agency.max_share") is template
    assert origin([own, template], "recruitment.agency.cover_share") is own
    assert origin([own, template], "leaving.caseload_strength") is None
    # a distribution, a probability table and a list replace their block whole
    assert sets({"delay": {"dist": "fixed", "days": 3}}, "delay.mean_days")
    assert sets({"pathway": {"cin": {"next": {"close": 1.0}}}}, "pathway.cin.next.cp")
    assert sets({"establishment": {"schedule": []}}, "establishment.schedule.fte")
    assert not sets({"pathway": {"cin": {"duration": {"mean_days": 3}}}}, "pathway.cp")
