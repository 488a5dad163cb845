"""The notebooks are stored without outputs and run top to bottom (nbclient) on a small
experiment and on the shipped example returns."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from sim.config.loader import load_config
from sim.experiment.observed import read_observed
from tests.conftest import ROOT
from tests.support.results import results_folder

NOTEBOOKS = ROOT / "notebooks"
EXAMPLE = NOTEBOOKS / "example_returns"
NOTEBOOK_ENV = ("CSC_SIM_RESULTS", "CSC_SIM_THRESHOLD", "CSC_SIM_WORKDIR", "CSC_SIM_RETURNS",
                "CSC_SIM_AS_OF")  # fmt: skip


def _run(
    name: str, monkeypatch, env: dict[str, str], nb: nbformat.NotebookNode | None = None
) -> nbformat.NotebookNode:
    """Run notebook ``name`` (or ``nb``, read from it, whose outputs are kept if a cell
    fails) with only ``env`` of the notebooks' variables set."""
    for k in NOTEBOOK_ENV:
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)  # the kernel inherits the test's environment
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nb if nb is not None else nbformat.read(NOTEBOOKS / name, as_version=4)
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


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_calibrate_council_notebook_runs(monkeypatch, tmp_path):
    before = _digest(EXAMPLE)
    nb = _run("calibrate_council.ipynb", monkeypatch, {"CSC_SIM_WORKDIR": str(tmp_path)})
    # the calibrated config loads, as of the default date: the example's 30 September 2019
    config = tmp_path / "my_council.yaml"
    cfg = load_config(config)
    as_of = cfg.start_date - dt.timedelta(days=1)
    assert as_of == dt.date(2019, 9, 30)
    text = config.read_text()
    assert "95%" in text and "template (configs/cheshire_east_2017.yaml)" in text
    # the observed points come from the returns after as-of only: stocks on later days,
    # flows over windows that begin after it
    points = read_observed(tmp_path / "observed.csv")
    assert {"referrals", "open_lac", "open_cp", "agency_fte", "joiners", "leavers"} <= set(
        points["metric"]
    )
    for date, window in zip(points["date"], points["window_months"], strict=True):
        first = pd.Timestamp(date) - pd.DateOffset(months=window) + pd.Timedelta(days=1)
        assert (date if window == 1 else first.date()) > as_of, (date, window)
    # the backtest of the calibrated config against them wrote its coverage and charts
    cover = pd.read_csv(tmp_path / "backtest" / "coverage.csv")
    assert cover["scope"].iloc[0] == "all" and cover["points"].iloc[0] == len(points)
    summary = json.loads((tmp_path / "backtest" / "backtest_summary.json").read_text())
    assert summary["start_date"] == str(cfg.start_date) and summary["replications"] == 40
    charts = sorted((tmp_path / "backtest").glob("backtest_*.png"))
    assert len(charts) == points["metric"].nunique()
    assert len(_outputs(nb, "image/png")) == len(charts), "every chart is shown"
    assert "Thin data" in "".join(_outputs(nb, "stdout"))
    assert _digest(EXAMPLE) == before, "the notebook only reads the returns"


def test_calibrate_council_notebook_explains_bad_returns(monkeypatch, tmp_path):
    returns, work = tmp_path / "returns", tmp_path / "work"
    shutil.copytree(EXAMPLE, returns)
    census = returns / "cin_census" / "2020" / "cin_census.xml"
    text = census.read_text()
    first = text.index("<CINreferralDate>") + len("<CINreferralDate>")
    text = text[:first] + "2019-02-30" + text[first + len("2019-02-30") :]  # the first child's
    census.write_text(text)
    line = text[:first].count("\n") + 1
    child = re.findall(r"<LAchildID>([^<]*)</LAchildID>", text[:first])[-1]
    nb = nbformat.read(NOTEBOOKS / "calibrate_council.ipynb", as_version=4)
    env = {"CSC_SIM_WORKDIR": str(work), "CSC_SIM_RETURNS": str(returns)}
    with pytest.raises(CellExecutionError, match="ReturnsError"):
        _run("calibrate_council.ipynb", monkeypatch, env, nb)
    printed = "".join(_outputs(nb, "stdout"))
    assert f"The returns in {returns} cannot be read" in printed
    assert (
        f"cin_census/2020/cin_census.xml, line {line}, child {child}, element CINreferralDate: "
        "'2019-02-30': is not a date (YYYY-MM-DD)"
    ) in printed
    assert list(work.iterdir()) == [], "nothing is written from bad returns"
