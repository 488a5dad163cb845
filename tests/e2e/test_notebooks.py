"""The notebooks are stored without outputs and run top to bottom (nbclient) on a small
experiment and a small council."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT
from tests.support.results import results_folder

NOTEBOOKS = ROOT / "notebooks"


def _run(name: str, monkeypatch, env: dict[str, str]) -> nbformat.NotebookNode:
    for k, v in env.items():
        monkeypatch.setenv(k, v)  # the kernel inherits the test's environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    ).execute()
    return nb


def _outputs(nb: nbformat.NotebookNode, kind: str) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if kind == "stdout" and o.get("name") == "stdout":
                out.append(o["text"])
            elif kind in o.get("data", {}):
                out.append(o["data"][kind])
    return out


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_analyse_experiment_notebook_runs(monkeypatch, tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(results_folder("five"), folder)
    nb = _run(
        "analyse_experiment.ipynb",
        monkeypatch,
        {"CSC_SIM_RESULTS": str(folder), "CSC_SIM_THRESHOLD": "50"},
    )
    printed = "".join(_outputs(nb, "stdout"))
    assert "Test experiment (5 scenarios)" in printed
    assert "Best:" in printed and "baseline" in printed
    assert len(_outputs(nb, "image/png")) >= 4, "the charts are drawn"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in results_folder("five").iterdir()
    ), "the notebook only reads the results folder"


def test_calibrate_council_notebook_runs(monkeypatch, tmp_path):
    nb = _run("calibrate_council.ipynb", monkeypatch, {"CSC_SIM_WORKDIR": str(tmp_path)})
    config = tmp_path / "my_council.yaml"
    assert config.exists() and "assumption" in config.read_text()
    import sim
    from sim.model.steady_state import expected_open_cases, stage_means_days

    cfg = sim.load_config(config)
    expected = expected_open_cases(
        cfg.pathway,
        cfg.demand.referrals_per_year,
        cfg.demand.rereferral.probability,
        lac_mean_days=stage_means_days(cfg)["lac"],
    )
    for stage, n in cfg.initial_cases.model_dump(exclude={"time_in_stage"}).items():
        assert expected[stage] == pytest.approx(n, rel=0.02), stage
    assert _outputs(nb, "image/png"), "the check plots are drawn"
