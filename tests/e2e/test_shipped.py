"""Every shipped config and experiment validates and runs, as a planner would use them
(England's region of 150 councils included), and a run of every shipped policy leaves no
cyclic garbage."""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.config.experiment import load_experiment
from sim.config.loader import load_config
from sim.model.simulation import CouncilModel
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


@pytest.mark.parametrize("name", ["manchester_2016_investment", "manchester_2020_retention"])
def test_a_run_creates_no_cyclic_garbage(name):
    """The model runs with the garbage collector off (``model._collector_off``); that is
    only safe if nothing it frees during a run needs the collector. Every shipped policy
    is exercised; a year is enough to see each kind of event."""
    for scenario in load_experiment(CONFIGS.parent / "experiments" / f"{name}.yaml").scenarios:
        cfg = scenario.config.model_copy(update={"horizon_months": 12})
        model = CouncilModel(cfg, 3, scenario.policies)
        gc.collect()
        gc.disable()  # else a routine collection after the run would hide what it left
        try:
            model.simulate()  # what run() does with the collector off
            found = gc.collect()
        finally:
            gc.enable()
        assert found == 0, f"{scenario.name}: the run left {found} objects of cyclic garbage"
