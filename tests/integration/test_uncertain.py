"""Uncertain config values in a run: the drawn value reaches the model (a replication equals
a run with that value fixed in the config), every scenario of a replication has it, the
results record it (``uncertain.<path>`` columns, ``load_results``), the files do not depend
on the number of jobs, a replication rerun alone from the command line draws it again, and
a region's councils share it. (Draws and errors: tests/unit/test_uncertain.py.)"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.config.experiment import load_experiment
from sim.config.uncertain import column, with_values
from sim.experiment.results_folder import load_results
from sim.experiment.runner import run_experiment
from sim.experiment.sensitivity import variants
from sim.experiment.uncertain import sample_uncertain
from sim.model.rng import replication_seed
from sim.model.run import run_one
from tests.integration.test_region import REGION_BASE
from tests.support.experiments import BASELINE, CAMPAIGN, FILES, write_experiment

LOOPS = {
    "pathway.drift_strength": {"dist": "uniform", "low": 0.0, "high": 0.3},
    "leaving.caseload_strength": {"dist": "uniform", "low": 0.0, "high": 1.0},
    "leaving.supervision_strength": {"dist": "uniform", "low": 0.0, "high": 1.0},
}
COLUMNS = [column(p) for p in LOOPS]


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("uncertain")
    path = write_experiment(tmp, [BASELINE, CAMPAIGN], uncertain=LOOPS, replications=6)
    out = tmp / "serial"
    run_experiment(path, jobs=1, out=out, chunk_size=4)
    return path, out


def test_every_scenario_of_a_replication_has_the_same_recorded_values(experiment):
    path, out = experiment
    exp = load_experiment(path)
    reps = load_results(out).replications
    for k, rows in reps.groupby("replication"):
        drawn = sample_uncertain(exp, int(k))
        for p, col in zip(LOOPS, COLUMNS, strict=True):
            assert (rows[col] == drawn[p]).all(), (k, col)
    per_rep = reps[reps.scenario == BASELINE["name"]][COLUMNS]
    assert per_rep.nunique().min() == len(per_rep), "replications drew the same value"


def test_the_drawn_value_reaches_the_model(experiment):
    """Replication k of the experiment is the same run as the base config with the values
    replication k drew written into it, and a different value gives a different run."""
    path, out = experiment
    exp = load_experiment(path)
    series = pd.read_parquet(out / "timeseries.parquet")
    k = 3
    values = sample_uncertain(exp, k)
    sc = exp.scenarios[0]
    fixed = with_values(sc.config, values)
    assert fixed.pathway.drift_strength == values["pathway.drift_strength"]
    frame, _ = run_one(fixed, replication_seed(exp.spec.root_seed, k), sc.policies)
    mine = series[(series.scenario == sc.name) & (series.replication == k)]
    mine = mine.drop(columns=["scenario", "replication"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, frame, check_dtype=False)  # parquet stores ms dates
    # the loops act here: the same replication with every strength at 0 differs
    off = with_values(sc.config, dict.fromkeys(values, 0.0))
    frame_off, _ = run_one(off, replication_seed(exp.spec.root_seed, k), sc.policies)
    assert not frame_off.equals(frame)


def test_results_expose_the_priors_and_the_draws(experiment):
    path, out = experiment
    saved = load_results(out)
    assert saved.uncertain == LOOPS
    draws = saved.uncertain_draws()
    assert list(draws.columns) == list(LOOPS)
    assert list(draws.index) == list(range(6))
    exp = load_experiment(path)
    assert draws.loc[2].to_dict() == sample_uncertain(exp, 2)
    assert json.loads((out / "manifest.json").read_text())["resolved"]["experiment"]["uncertain"]


def test_files_are_identical_whatever_the_jobs(experiment):
    path, out = experiment
    parallel = out.parent / "parallel"
    run_experiment(path, jobs=-1, out=parallel, chunk_size=3)
    for name in FILES:
        assert (out / name).read_bytes() == (parallel / name).read_bytes(), name


def test_a_replication_rerun_alone_draws_its_values_again(experiment, tmp_path, capsys):
    path, out = experiment
    one = tmp_path / "one"
    args = ["run", str(path), "--scenario", "campaign", "--replication", "4", "--out", str(one)]
    assert main(args) == 0
    assert "pathway.drift_strength = " in capsys.readouterr().out
    summary = json.loads((one / "summary.json").read_text())
    row = load_results(out).replications.query("scenario == 'campaign' and replication == 4")
    assert summary["uncertain"] == {p: row[column(p)].item() for p in LOOPS}
    resolved = yaml.safe_load((one / "config.resolved.yaml").read_text())
    assert resolved["pathway"]["drift_strength"] == summary["uncertain"]["pathway.drift_strength"]


def test_a_regions_councils_run_with_the_regions_draws(tmp_path):
    base = copy.deepcopy(REGION_BASE)
    base["horizon_months"] = 6
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    spec = {
        "name": "region",
        "base": "base.yaml",
        "replications": 2,
        "root_seed": 3,
        "councils": {"shares": {"north": 1.0, "south": 2.0}},
        "uncertain": LOOPS,
        "targets": [{"name": "cl", "metric": "avg_caseload", "max": 18, "date": "2020-06-30"}],
        "scenarios": [{"name": "status_quo", "description": "as is"}],
    }
    path = tmp_path / "region.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "out"
    run_experiment(path, out=out)
    exp = load_experiment(path)
    region = load_results(out).replications
    for name in ("north", "south"):
        council = load_results(out / "councils" / name).replications
        np.testing.assert_array_equal(council[COLUMNS], region[COLUMNS])
    for k in range(2):
        assert region.loc[region.replication == k, COLUMNS].iloc[0].tolist() == list(
            sample_uncertain(exp, k).values()
        )


def test_sensitivity_varies_each_value_with_the_others_at_their_means(tmp_path, monkeypatch):
    path = write_experiment(tmp_path, [BASELINE, CAMPAIGN], uncertain=LOOPS, replications=3)
    exp = load_experiment(path)
    vs = variants(exp)
    assert [v.name for v in vs] == ["means"] + [f"{p}@{e}" for p in LOOPS for e in ("low", "high")]
    means = {"pathway.drift_strength": 0.15, "leaving.caseload_strength": 0.5}
    means["leaving.supervision_strength"] = 0.5
    assert vs[0].values == pytest.approx(means)
    assert vs[2].values == pytest.approx({**means, "pathway.drift_strength": 0.3})

    out = tmp_path / "sens"
    oat = ["--method", "oat"]
    args = ["sensitivity", str(path), *oat, "--replications", "3", "--out", str(out), "--quiet"]
    assert main([*args, "--path", "pathway.drift_strength"]) == 0
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["path"]) == {"pathway.drift_strength"}
    assert len(table) == 2 * 2  # scenarios x targets
    assert table[["p_low", "p_high", "p_means"]].stack().between(0, 1).all()
    low = pd.read_parquet(out / "exp" / "pathway.drift_strength@low" / "replications.parquet")
    assert (low[column("pathway.drift_strength")] == 0).all()
    assert (low[column("leaving.caseload_strength")] == 0.5).all()
    assert list(low["replication"].unique()) == [0, 1, 2]  # the same futures in every variant
    headline = (out / "sensitivity_headline.md").read_text()
    assert "caseload_30" in headline and "agency_low" not in headline
    assert "agency_low" in (out / "sensitivity.md").read_text()

    # a folder already there is not overwritten unless asked; --resume reads it back
    assert main([*args, "--path", "pathway.drift_strength"]) == 2

    def refuse(*_a, **_k):
        raise AssertionError("ran a finished variant again")

    monkeypatch.setattr("sim.experiment.sensitivity.run_experiment", refuse)
    assert main([*args, "--path", "pathway.drift_strength", "--resume"]) == 0
    assert (
        main(["sensitivity", str(write_experiment(tmp_path, [BASELINE])), "--out", str(out), *oat])
        == 2
    )
