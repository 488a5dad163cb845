"""Experiments on a small synthetic council: common random numbers, identical files
whatever the jobs, resume, direction of effect, the scenario table and precision mode.
(Interval coverage: tests/unit/test_stats.py; bad experiment files:
tests/unit/test_experiment_errors.py.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim.experiment.parallel as experiment_module
from sim.experiment.outcome import ExperimentError
from sim.experiment.runner import run_experiment
from sim.experiment.stats import newcombe_paired, wilson
from tests.support.experiments import BASELINE, CAMPAIGN, FILES, write_experiment


def test_a_policy_that_changes_nothing_reproduces_the_baseline(tmp_path):
    """Common random numbers: replication k is the same simulated future in every scenario."""
    null = {
        "name": "null_policy",
        "description": "a campaign with no effect and no cost",
        "policies": [
            {"type": "recruitment_campaign", "applicant_multiplier": 1.0},
            {"type": "retention_payment", "payments": [{"at_service_years": 1, "amount_gbp": 0}]},
        ],
    }
    res = run_experiment(write_experiment(tmp_path, [BASELINE, null, CAMPAIGN]))
    reps = res.replications
    reps = reps[[c for c in reps.columns if not c.startswith("effect.")]]
    a = reps[reps.scenario == "status_quo"].drop(columns="scenario").reset_index(drop=True)
    b = reps[reps.scenario == "null_policy"].drop(columns="scenario").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    c = reps[reps.scenario == "campaign"].reset_index(drop=True)
    assert not np.allclose(a["mean_qualified_fte"], c["mean_qualified_fte"]), "campaign did nothing"
    # demand does not depend on the workforce here: same referrals in every scenario
    ts = res.timeseries
    ref = ts.pivot_table(index=["replication", "date"], columns="scenario", values="referrals")
    assert (ref.nunique(axis=1) == 1).all()


def test_results_identical_for_any_jobs_and_chunk_size(tmp_path, monkeypatch):
    # several row groups, cut mid-part
    monkeypatch.setattr("sim.experiment.results_folder.ROW_GROUP_ROWS", 70)
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN])
    run_experiment(exp, jobs=1, out=tmp_path / "serial", chunk_size=5)
    run_experiment(exp, jobs=-1, out=tmp_path / "parallel", chunk_size=3)
    for name in FILES:
        assert (tmp_path / "serial" / name).read_bytes() == (
            tmp_path / "parallel" / name
        ).read_bytes(), name


def test_interrupted_run_resumes_to_identical_files_without_recomputing(tmp_path, monkeypatch):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN])
    run_experiment(exp, out=tmp_path / "whole", chunk_size=4)
    real = experiment_module.run_chunk
    calls: list[tuple] = []

    def interrupting(e, s, a, b):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append((s, a, b))
        return real(e, s, a, b)

    monkeypatch.setattr(experiment_module, "run_chunk", interrupting)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(exp, out=tmp_path / "cut", chunk_size=4)
    assert not (tmp_path / "cut" / "replications.parquet").exists()
    done = list(calls)
    calls.clear()
    monkeypatch.setattr(
        experiment_module,
        "run_chunk",
        lambda e, s, a, b: (calls.append((s, a, b)), real(e, s, a, b))[1],
    )
    with pytest.raises(ExperimentError, match="not empty"):
        run_experiment(exp, out=tmp_path / "cut", chunk_size=4)
    run_experiment(exp, out=tmp_path / "cut", chunk_size=4, resume=True)
    assert not set(done) & set(calls), "finished chunks were recomputed"
    assert len(done) + len(calls) == 6
    for name in FILES:
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "cut" / name).read_bytes()


def test_resume_refuses_a_changed_experiment(tmp_path):
    exp = write_experiment(tmp_path, [BASELINE])
    run_experiment(exp, out=tmp_path / "r")
    with pytest.raises(ExperimentError, match="different experiment"):
        run_experiment(exp, out=tmp_path / "r", resume=True, replications=13)


def test_direction_of_effect(tmp_path):
    """More applicants never means fewer workers on average; no leaving, no turnover."""
    no_leaving = {
        "name": "no_leaving",
        "description": "nobody leaves",
        "overrides": {
            "leaving": {
                "permanent": [{"from_years": 0, "per_year": 0}],
                "asye": [{"from_years": 0, "per_year": 0}],
                "agency": [{"from_years": 0, "per_year": 0}],
            }
        },
    }
    res = run_experiment(write_experiment(tmp_path, [BASELINE, CAMPAIGN, no_leaving]))
    r = res.replications.set_index(["scenario", "replication"])
    perm = r["mean_qualified_fte"] + r["mean_asye_fte"]
    assert perm.loc["campaign"].mean() >= perm.loc["status_quo"].mean()
    assert (r.loc["no_leaving", "mean_turnover_12m"] == 0).all()
    assert r.loc["status_quo", "mean_turnover_12m"].mean() > 0.1


def test_scenario_table_matches_replications(tmp_path):
    res = run_experiment(write_experiment(tmp_path, [BASELINE, CAMPAIGN]))
    t = res.scenarios.set_index(["scenario", "target"])
    reps = res.replications
    for sc in ("status_quo", "campaign"):
        met = reps.loc[reps.scenario == sc, "caseload_30_met"]
        row = t.loc[(sc, "caseload_30")]
        assert row["met"] == met.sum() and row["replications"] == len(met) == 12
        assert (row["p_low"], row["p_high"]) == pytest.approx(wilson(int(met.sum()), 12))
    base = reps.loc[reps.scenario == "status_quo", "caseload_30_met"].to_numpy()
    camp = reps.loc[reps.scenario == "campaign", "caseload_30_met"].to_numpy()
    d, lo, hi = newcombe_paired(camp, base)
    row = t.loc[("campaign", "caseload_30")]
    assert (row["diff_vs_baseline"], row["diff_low"], row["diff_high"]) == pytest.approx(
        (d, lo, hi)
    )
    assert t.loc[("status_quo", "caseload_30"), "diff_vs_baseline"] == 0


def test_precision_mode_stops_when_intervals_are_narrow_enough(tmp_path):
    exp = write_experiment(
        tmp_path,
        [BASELINE],
        replications=None,
        precision={"half_width": 0.25, "max_replications": 60, "batch": 6},
    )
    res = run_experiment(exp)
    n = res.manifest["replications"]
    assert n < 60, "never stopped early"
    for _, row in res.scenarios.iterrows():
        assert (row["p_high"] - row["p_low"]) / 2 < 0.25
