"""Experiments: common random numbers, identical files whatever the jobs, resume, direction
of effect, interval coverage and precision mode."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim.experiment as experiment_module
from sim.experiment import ExperimentError, run_experiment
from sim.experiment_config import load_experiment
from sim.loading import ConfigError
from sim.stats import newcombe_paired, wilson
from tests.conftest import BASE

FILES = ("replications.parquet", "replications.csv", "timeseries.parquet", "scenarios.csv")

SMALL_BASE = copy.deepcopy(BASE)
SMALL_BASE.update(
    horizon_months=24,
    demand={"referrals_per_year": 2500},
    initial_workforce={"permanent_fte": 8, "asye_fte": 2, "agency_fte": 2, "tenure": "equilibrium"},
    establishment={"fte": 14, "team_managers_fte": 2},
    leaving={
        **BASE["leaving"],
        "permanent": [{"from_years": 0, "per_year": 0.25}],
        "agency": [{"from_years": 0, "per_year": 0.5}],
        "notice_days_permanent": 28,
    },
    recruitment={
        **BASE["recruitment"],
        "applicants_per_month": 1.0,
        "selection_rate": 0.5,
        "experienced_share": 0.5,
        "agency": {"cover_delay_days": 14, "max_share": 0.3, "conversion_per_year": 0.1},
    },
)


def write_experiment(tmp_path: Path, scenarios: list[dict], **extra) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(SMALL_BASE))
    spec = {
        "name": "test experiment",
        "base": "base.yaml",
        "replications": 12,
        "root_seed": 99,
        "targets": [
            {
                "name": "caseload_30",
                "metric": "avg_caseload",
                "max": 30.0,
                "date": "2021-06-30",
                "sustain_months": 2,
            },
            {"name": "agency_low", "metric": "agency_share", "max": 0.15, "date": "2021-12-31"},
        ],
        "scenarios": scenarios,
        **extra,
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


BASELINE = {"name": "status_quo", "description": "no change"}
CAMPAIGN = {
    "name": "campaign",
    "description": "more applicants",
    "policies": [{"type": "recruitment_campaign", "applicant_multiplier": 3.0}],
}


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
    monkeypatch.setattr("sim.store.ROW_GROUP_ROWS", 70)  # several row groups, cut mid-part
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


def test_wilson_interval_covers_a_known_probability_at_the_nominal_rate():
    rng = np.random.default_rng(1)
    for p, n in ((0.3, 50), (0.05, 200), (0.9, 100)):
        k = rng.binomial(n, p, size=4000)
        cover = np.mean([lo <= p <= hi for lo, hi in (wilson(int(x), n) for x in k)])
        assert 0.93 <= cover <= 0.975, f"p={p} n={n}: coverage {cover:.3f}"


def test_paired_interval_covers_a_known_difference():
    rng = np.random.default_rng(2)
    hits = 0
    for _ in range(1000):
        u = rng.random(100)
        base, policy = u < 0.4, u < 0.55  # correlated pairs, true difference 0.15
        _, lo, hi = newcombe_paired(policy, base)
        hits += lo <= 0.15 <= hi
    assert 0.93 <= hits / 1000 <= 0.985


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"scenarios": [BASELINE, BASELINE]}, "scenario names must be unique"),
        (
            {"replications": 5, "precision": {"half_width": 0.1, "max_replications": 10}},
            "exactly one of replications and precision",
        ),
        ({"scenarios": [{**BASELINE, "policies": [{"type": "bonus_scheme"}]}]}, "bonus_scheme"),
        (
            {"targets": [{"name": "x", "metric": "happiness", "max": 1, "date": "2021-01-01"}]},
            "unknown metric",
        ),
        (
            {"scenarios": [{**BASELINE, "overrides": {"demand": {"referrals_per_year": -1}}}]},
            "scenarios[0] 'status_quo'",
        ),
    ],
)
def test_bad_experiment_files(tmp_path, change, needle):
    path = write_experiment(tmp_path, [BASELINE])
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
