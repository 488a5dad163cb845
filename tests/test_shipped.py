"""Every shipped config and experiment validates and runs, as a planner would use them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment_config import load_experiment
from sim.loading import load_config
from tests.conftest import CONFIGS, ROOT

EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_config_validates(path: Path):
    cfg = load_config(path)
    assert cfg.name and cfg.description


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_experiment_runs_end_to_end(path: Path, tmp_path: Path, capsys):
    exp = load_experiment(path)
    assert exp.spec.assumptions, "a shipped experiment states its assumptions"
    out = tmp_path / "out"
    args = ["experiment", str(path), "--replications", "2", "--jobs", "-1", "--quiet"]
    code = main([*args, "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / "scenarios.csv")
    assert list(table["scenario"].unique()) == [s.name for s in exp.scenarios]
    assert set(table["target"]) == {t.name for t in exp.spec.targets}
    assert "P(met)" in capsys.readouterr().out
