"""Outputs colleagues can open (issue 15 item 6): every file an experiment writes, the
workbook included, gets the user's normal permissions; ``--excel`` writes the scenario table
and the monthly series as a workbook; the manifest keeps the experiment's and configs'
texts, so the report's assumptions are the same from any folder, with the values in force."""

from __future__ import annotations

import copy
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim.experiment.excel as excel
from sim.cli import main
from sim.experiment.results_folder import load_results
from sim.report.assumptions import config_notes
from tests.support.experiments import BASELINE, CAMPAIGN, SMALL_BASE, write_experiment


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_experiment_files_and_workbook_are_readable_by_colleagues(tmp_path, umask_022, capsys):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=4)
    out = tmp_path / "out"
    assert main(["experiment", str(exp), "--out", str(out), "--quiet", "--excel"]) == 0
    assert f"wrote {out}/results.xlsx" in capsys.readouterr().out
    modes = {str(p.relative_to(out)): stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")}
    assert "results.xlsx" in modes and "manifest.json" in modes
    assert any(name.startswith("parts/") for name in modes)
    wrong = {n: oct(m) for n, m in modes.items() if m != (0o755 if (out / n).is_dir() else 0o644)}
    assert not wrong, wrong


def test_the_workbook_holds_the_scenario_table_and_the_monthly_series(tmp_path, capsys):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=4)
    out = tmp_path / "out"
    assert main(["experiment", str(exp), "--out", str(out), "--quiet", "--excel"]) == 0
    book = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert list(book) == [
        "About",
        "Scenarios",
        "Monthly median",
        "Monthly 5th percentile",
        "Monthly 95th percentile",
        "Monthly, every replication",
        "Columns",
    ]
    saved = load_results(out)
    table = book["Scenarios"]
    assert list(table.columns) == list(saved.scenarios.columns)
    assert table["p_met"].tolist() == pytest.approx(saved.scenarios["p_met"].tolist())
    series = saved.timeseries
    median = book["Monthly median"]
    assert median["scenario"].tolist()[:1] == ["status_quo"]
    want = series.groupby(["scenario", "date"])["avg_caseload"].median()
    got = median.set_index(["scenario", "date"])["avg_caseload"]
    assert got.sort_index().to_numpy() == pytest.approx(want.sort_index().to_numpy())
    assert len(book["Monthly, every replication"]) == len(series)
    columns = book["Columns"].set_index("column")
    assert columns.loc["agency_share", "unit"] == "share"


def test_a_series_too_large_for_a_sheet_is_left_out_and_said(tmp_path, capsys, monkeypatch):
    exp = write_experiment(tmp_path, [BASELINE], replications=2)
    out = tmp_path / "out"
    assert main(["experiment", str(exp), "--out", str(out), "--quiet"]) == 0
    monkeypatch.setattr(excel, "MAX_SERIES_CELLS", 10)
    book = pd.read_excel(excel.write_workbook(out), sheet_name=None)
    assert "Monthly, every replication" not in book and "Monthly median" in book
    about = book["About"].set_index("item")["value"]
    assert "left out: too large for a sheet" in about["Monthly, every replication"]


def council_with_template(tmp_path: Path) -> Path:
    """A template with its assumption notes, a planner's config extending it (overriding
    one noted field with a note of its own), and an experiment overriding another in one
    scenario."""
    template = copy.deepcopy(SMALL_BASE)
    text = yaml.safe_dump(template, sort_keys=False)
    text = text.replace(
        "  referrals_per_year: 2500\n",
        "  referrals_per_year: 2500  # assumption: the template's demand, not mine\n",
    ).replace(
        "    max_share: 0.3\n",
        "    max_share: 0.3  # assumption: a cap of 30% from the template\n",
    )
    assert text.count("assumption") == 2
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "template.yaml").write_text(text)
    (tmp_path / "configs" / "mine.yaml").write_text(
        "extends: template.yaml\n"
        "demand:\n"
        "  referrals_per_year: 2600  # assumption: our own referrals, 2024\n"
    )
    scenarios = [
        BASELINE,
        {
            "name": "tight_cap",
            "description": "agency cap 20%",
            "overrides": {"recruitment": {"agency": {"max_share": 0.2}}},
        },
    ]
    exp = write_experiment(tmp_path, scenarios, replications=2)
    spec = yaml.safe_load(exp.read_text())
    spec["base"] = "configs/mine.yaml"
    exp.write_text(yaml.safe_dump(spec, sort_keys=False))
    return exp


def test_the_assumptions_are_the_same_from_any_folder_with_the_values_in_force(
    tmp_path, capsys, monkeypatch
):
    exp = council_with_template(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["experiment", "exp.yaml", "--out", "out", "--quiet"]) == 0
    # the files move away, and the report is made from elsewhere: the manifest has them
    shutil.rmtree(tmp_path / "configs")
    exp.unlink()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    notes = config_notes(load_results(tmp_path / "out"))
    assert notes.missing_reason == ""
    assert [p.name for p in notes.files] == ["mine.yaml", "template.yaml"]
    assert notes.notes == [
        "demand.referrals_per_year = 2600 \u2014 assumption: our own referrals, 2024",
        "recruitment.agency.max_share = 0.3 in status_quo; 0.2 in tight_cap \u2014 "
        "assumption: a cap of 30% from the template",
    ]
    assert main(["report", str(tmp_path / "out"), "--no-slides"]) == 0
    page = (tmp_path / "out" / "report.html").read_text()
    assert "our own referrals, 2024" in page and "was not found" not in page
    assert "the template&#x27;s demand" not in page and "the template's demand" not in page


def test_the_manifest_keeps_the_texts_the_run_read(tmp_path, capsys, monkeypatch):
    exp = council_with_template(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["experiment", "exp.yaml", "--out", "out", "--quiet"]) == 0
    sources = load_results("out").manifest["sources"]
    assert sources["experiment"] == {"path": "exp.yaml", "text": exp.read_text()}
    assert [c["path"] for c in sources["configs"]] == [
        "configs/mine.yaml",
        "configs/template.yaml",
    ]
    assert sources["configs"][1]["text"] == (tmp_path / "configs/template.yaml").read_text()
