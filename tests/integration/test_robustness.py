"""Trustworthy under failure and extreme input: a failing replication, a full disk, `csc-sim
check` and `validate`, and councils at the edges. (Real signals on real processes:
tests/e2e/test_signals.py.)"""

from __future__ import annotations

import errno
import os

import numpy as np
import yaml

import sim.experiment.replication as replication_module
import sim.experiment.results_folder as store_module
from sim.cli import main
from sim.experiment.runner import run_experiment
from sim.model.simulation import CouncilModel
from tests.conftest import council
from tests.support.experiments import BASELINE, CAMPAIGN, write_experiment


def test_a_failing_replication_is_reported_and_the_rest_kept(tmp_path, monkeypatch, capsys):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=6)
    real = replication_module.run_one

    def flaky(cfg, seed, policies=()):
        if seed.spawn_key == (4,) and policies:
            raise ZeroDivisionError("boom")
        return real(cfg, seed, policies)

    monkeypatch.setattr(replication_module, "run_one", flaky)
    out = tmp_path / "out"
    code = main(["experiment", str(exp), "--out", str(out), "--quiet", "--chunk-size", "3"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "scenario campaign, replication 4, root seed 99" in err
    assert "ZeroDivisionError: boom" in err
    assert f"csc-sim run {exp} --scenario campaign --replication 4 --seed 99" in err
    assert (out / "failures.csv").exists()
    assert len(list((out / "parts").glob("*.rows.parquet"))) == 4  # every chunk kept
    assert not (out / "replications.parquet").exists()
    monkeypatch.setattr(replication_module, "run_one", real)
    assert main(["experiment", str(exp), "--out", str(out), "--resume", "--quiet"]) == 0
    reps = __import__("pandas").read_parquet(out / "replications.parquet")
    assert len(reps) == 12
    # the one-line command reproduces the replication alone
    assert (
        main(
            [
                "run",
                str(exp),
                "--scenario",
                "campaign",
                "--replication",
                "4",
                "--seed",
                "99",
                "--out",
                str(tmp_path / "alone"),
            ]
        )
        == 0
    )


def test_disk_full_gives_a_clear_error_and_keeps_finished_replications(
    tmp_path, monkeypatch, capsys
):
    exp = write_experiment(tmp_path, [BASELINE], replications=4)

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store_module.ResultsFolder, "write_timeseries", full)
    out = tmp_path / "out"
    assert main(["experiment", str(exp), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "--resume" in err
    assert list((out / "parts").glob("*.rows.parquet"))
    monkeypatch.undo()
    assert main(["experiment", str(exp), "--out", str(out), "--resume", "--quiet"]) == 0


def test_check_validates_and_describes_without_running(tmp_path, capsys):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN])
    assert main(["check", str(exp)]) == 0
    text = capsys.readouterr().out
    assert "valid experiment" in text and "campaign" in text and "estimated time" in text
    bad = yaml.safe_load(exp.read_text())
    bad["scenarios"][1]["policies"][0]["applicant_multiplier"] = {
        "dist": "uniform",
        "low": 2,
        "high": 1,
    }
    exp.write_text(yaml.safe_dump(bad))
    assert main(["check", str(exp)]) == 2
    assert "low 2.0 must not exceed high 1.0" in capsys.readouterr().err


# --- extreme but valid input ------------------------------------------------------------


def test_zero_referrals_empties_the_system():
    cfg = council(
        demand={"referrals_per_year": 0},
        initial_cases={"assessment": 10, "cin": 10, "cp": 10, "lac": 10},
    )
    f = CouncilModel(cfg, 0, audit=True).run()
    assert f["referrals"].sum() == 0 and f["open_cases"].iloc[-1] < 5


def test_ten_times_capacity_grows_the_waiting_list_without_bound():
    cfg = council(
        demand={"referrals_per_year": 20000},
        allocation={"when_full": "wait"},
        teams={t: {"caseload_cap": 20} for t in ("assessment", "cin_cp", "lac")},
    )
    f = CouncilModel(cfg, 0, audit=True).run()
    waiting = f["unallocated_cases"].to_numpy()
    assert waiting[-1] > 5000 and np.all(np.diff(waiting[6:]) > 0)
    assert f["max_worker_load"].max() <= 1


def test_one_month_horizon_and_one_replication(tmp_path):
    exp = write_experiment(tmp_path, [BASELINE], replications=1)
    data = yaml.safe_load(exp.read_text())
    (tmp_path / "base.yaml").write_text(
        (tmp_path / "base.yaml").read_text().replace("horizon_months: 24", "horizon_months: 1")
    )
    data["targets"] = [{"name": "t", "metric": "avg_caseload", "max": 50, "date": "2020-01-31"}]
    exp.write_text(yaml.safe_dump(data))
    res = run_experiment(exp)
    assert len(res.replications) == 1 and len(res.timeseries) == 2
    assert res.scenarios["replications"].iloc[0] == 1


def test_a_hundred_scenarios(tmp_path):
    scenarios = [BASELINE] + [
        {
            "name": f"s{i:03d}",
            "description": f"campaign x{1 + i / 50:.2f}",
            "policies": [{"type": "recruitment_campaign", "applicant_multiplier": 1 + i / 50}],
        }
        for i in range(99)
    ]
    exp = write_experiment(tmp_path, scenarios, replications=1)
    data = yaml.safe_load(exp.read_text())
    (tmp_path / "base.yaml").write_text(
        (tmp_path / "base.yaml").read_text().replace("horizon_months: 24", "horizon_months: 3")
    )
    data["targets"] = [{"name": "t", "metric": "avg_caseload", "max": 50, "date": "2020-03-31"}]
    exp.write_text(yaml.safe_dump(data))
    res = run_experiment(exp, jobs=-1, chunk_size=1)
    assert res.scenarios["scenario"].nunique() == 100


def test_validate_quick_prints_theory_and_published_tables(capsys):
    """Every theory check passes; the England (2023 and 2017) and Manchester configs'
    published figures follow, each with its verdict and source, and the exit code says
    whether any is outside its tolerance (tests/integration/test_published.py lists those
    known to be)."""
    code = main(["validate", "--quick"])
    out = capsys.readouterr().out
    theory, *sections = out.split("Against published statistics")
    assert "0 failed" in theory
    published = "".join(sections)
    assert [s.splitlines()[0] for s in sections] == [
        ": configs/england_2023.yaml against DfE 2023",
        ": configs/england_2017.yaml (the backtest's start) against DfE 2017",
        ": configs/manchester_2016.yaml against its report (M16)",
    ]
    assert "DfE Characteristics of children in need 2023" in sections[0]
    assert "DfE Characteristics of children in need 2017" in sections[1]
    assert "Manchester demand and capacity report, June 2016, table 3" in sections[2]
    outside = sum(" FAIL " in line for line in published.splitlines())
    assert f", {outside} outside," in published
    assert code == (0 if outside == 0 else 1)
    for name in (
        "M/G/inf",
        "Little's law",
        "Erlang C",
        "workforce stock",
        "ASYE",
        "conservation",
        "same seed",
        "serial == parallel",
    ):
        assert name in theory
