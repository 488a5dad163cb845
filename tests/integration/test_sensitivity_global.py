"""``csc-sim sensitivity --method morris|sobol`` on a small synthetic experiment built so that
one input (the referral rate) drives the caseload and the others barely touch it: that input
must rank first, every point must run the same futures with its own values, and the folder
must resume, refuse and report as the other commands do."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main
from sim.config.uncertain import column
from sim.report.sensitivity import find_analysis, report_section
from tests.support.experiments import BASELINE, write_experiment

DRIVER = "demand.referrals_per_year"
EFFECT = "effect.recruitment_campaign.applicant_multiplier"
UNCERTAIN = {
    # the driver: from well under to well over what 14 posts can hold at 30 a worker
    DRIVER: {"dist": "uniform", "low": 1000.0, "high": 3000.0},
    # weak: at most 5% longer stages with over-target workers
    "pathway.drift_strength": {"dist": "uniform", "low": 0.0, "high": 0.05},
    # none: a share of pay, which moves costs and nothing else
    "costs.senior_share": {"dist": "uniform", "low": 0.2, "high": 0.4},
}
CAMPAIGN = {
    "name": "campaign",
    "description": "a few more applicants",
    "policies": [
        {
            "type": "recruitment_campaign",
            "applicant_multiplier": {"dist": "uniform", "low": 1.0, "high": 1.1},
        }
    ],
}


@pytest.fixture(scope="module")
def morris(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gsa")
    path = write_experiment(tmp, [BASELINE, CAMPAIGN], uncertain=UNCERTAIN, replications=2)
    out = tmp / "sensitivity"
    args = ["sensitivity", str(path), "--samples", "3", "--replications", "2", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    return path, out, args


def test_the_input_that_drives_the_caseload_ranks_first(morris):
    _path, out, _args = morris
    idx = pd.read_csv(out / "indices.csv")
    assert set(idx["method"]) == {"morris"}
    assert set(idx["input"]) == {*UNCERTAIN, EFFECT}
    kpi = idx[(idx["target"] == "caseload_30") & (idx["output"] == "kpi_median")]
    for scenario, rows in kpi.groupby("scenario"):
        first = rows.sort_values("rank").iloc[0]
        assert first["input"] == DRIVER, (scenario, rows[["input", "mu_star"]])
        assert first["mu_star"] > 5 * rows["mu_star"].nlargest(2).iloc[1], scenario
        assert (rows["mu_star_conf"] >= 0).all() and rows["sigma"].notna().all()
    # costs.senior_share reaches no caseload: its elementary effects are exactly 0
    share = kpi[kpi["input"] == "costs.senior_share"]
    assert (share["mu_star"] == 0).all()
    # the campaign's effect is an input only where the policy is
    effect = kpi[kpi["input"] == EFFECT].set_index("scenario")["mu_star"]
    assert effect["status_quo"] == 0
    summary = (out / "sensitivity.md").read_text()
    assert "average caseload at 2021-06-30**\n\n- status_quo: ranges" in summary
    assert f"it hangs on {DRIVER} (mu* " in summary


def test_every_point_runs_the_same_futures_with_its_own_values(morris):
    _path, out, _args = morris
    design = pd.read_csv(out / "design.csv")
    assert len(design) == 3 * (4 + 1)  # Morris: trajectories x (inputs + 1)
    levels = [round(x, 9) for x in (0, 1 / 3, 2 / 3, 1)]  # Morris's 4 levels
    assert design[f"{DRIVER}:q"].round(9).isin(levels).all()
    outputs = pd.read_csv(out / "outputs.csv")
    assert len(outputs) == len(design) * 2 * 2  # points x scenarios x targets
    assert outputs["p_met"].between(0, 1).all()
    seeds = set()
    for p in (0, 7):
        reps = pd.read_parquet(out / "points" / f"p{p:05d}" / "replications.parquet")
        assert sorted(reps["replication"].unique()) == [0, 1]
        seeds.add(tuple(reps["root_seed"].unique()))
        assert (reps[column(DRIVER)] == design.loc[p, DRIVER]).all()
        campaign = reps[reps["scenario"] == "campaign"]
        drawn = campaign["effect.recruitment_campaign/.applicant_multiplier"]
        assert (drawn == design.loc[p, EFFECT]).all()
    assert len(seeds) == 1, "points ran different futures"


def test_the_charts_page_and_report_section(morris, tmp_path):
    _path, out, _args = morris
    for target in ("caseload_30", "agency_low"):
        for fmt in ("png", "svg"):
            assert (out / f"tornado_{target}.{fmt}").stat().st_size > 1000
    page = (out / "sensitivity.html").read_text()
    assert 'id="sensitivity"' in page and "What the answer hangs on" in page
    # a results folder beside the analysis gets its section in report.html
    beside = out.parent / "results"
    beside.mkdir(exist_ok=True)
    assert find_analysis(beside, "test experiment") == out
    section = report_section(beside, "test experiment")
    assert 'id="sensitivity"' in section and DRIVER in section
    assert report_section(beside, "another experiment") == ""


def test_resume_reads_back_the_points_and_refuses_another_design(morris, monkeypatch, capsys):
    _path, out, args = morris
    before = pd.read_csv(out / "indices.csv")

    def refuse(*_a, **_k):
        raise AssertionError("ran a finished point again")

    monkeypatch.setattr("sim.experiment.sensitivity.run_experiment", refuse)
    assert main([*args, "--quiet", "--resume"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "indices.csv"), before)
    assert main([*args, "--quiet"]) == 2  # not empty, and neither --resume nor --force
    assert "--resume to continue" in capsys.readouterr().err
    other = [a if a != "3" else "4" for a in args]  # more samples
    assert main([*other, "--quiet", "--resume"]) == 2
    assert "(samples differ" in capsys.readouterr().err


def test_sobol_on_two_inputs_ranks_the_driver_first(tmp_path):
    path = write_experiment(tmp_path, [BASELINE], uncertain=UNCERTAIN, replications=2)
    out = tmp_path / "sobol"
    args = ["sensitivity", str(path), "--method", "sobol", "--samples", "4"]
    args += ["--replications", "2", "--path", DRIVER, "--path", "costs.senior_share"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    idx = pd.read_csv(out / "indices.csv")
    assert len(pd.read_csv(out / "design.csv")) == 4 * (2 + 2)  # Sobol': N x (inputs + 2)
    kpi = idx[(idx["target"] == "caseload_30") & (idx["output"] == "kpi_median")]
    st = kpi.set_index("input")
    # The caseload depends on the referral rate alone (a share of pay reaches no caseload,
    # and every point runs the same futures), so the other input's ST is exactly 0.
    assert st.loc[DRIVER, "rank"] == 1 and st.loc[DRIVER, "ST"] > 0.3
    assert st.loc["costs.senior_share", "ST"] == pytest.approx(0, abs=1e-12)
    assert {"S1", "S1_conf", "ST", "ST_conf", "importance_low", "importance_high"} <= set(idx)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--method", "morris"], "--samples: required"),
        (["--samples", "6", "--method", "sobol"], "power of 2"),
        (["--samples", "2", "--scenario", "nope"], "--scenario nope: not a scenario"),
        (["--samples", "2", "--include", "salaries"], "--include salaries: not a group"),
        (["--samples", "2", "--path", "nope"], "--path nope: not an uncertain input"),
        (["--samples", "2", "--method", "oat"], "--samples: only with --method morris"),
    ],
)
def test_bad_settings_are_refused_naming_the_option(tmp_path, capsys, extra, message):
    path = write_experiment(tmp_path, [BASELINE], uncertain=UNCERTAIN, replications=2)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), *extra]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()
