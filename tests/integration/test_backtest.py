"""``csc-sim backtest`` end to end on the small Cheshire East config: the files it writes, a
point at the model's own median inside its bands and one far off outside, the backtest in
``report.html``, and a run at half size scaled back up."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim.report.html as report
from sim.cli import main
from tests.conftest import CONFIGS

CONFIG = str(CONFIGS / "cheshire_east_2017.yaml")
HEADER = "date,metric,value,low,high,window_months,source,note\n"
POINTS = (
    "2018-03-31,open_cases,2500,2400,2600,,CIN (made up for the test),\n"
    "2018-09-30,agency_share,0.05,,,,SWW (made up),\n"
    "2019-03-31,referrals,347,,,12,CIN (made up),a year / 12\n"
)
FILES = (
    "backtest.csv",
    "coverage.csv",
    "backtest_summary.json",
    "backtest_fan.csv",
    "backtest.html",
    "backtest_open_cases.png",
    "backtest_agency_share.png",
    "backtest_referrals.png",
    "timeseries.parquet",
    "manifest.json",
)


def backtest(tmp_path, observed: str, out: str, *extra: str) -> int:
    path = tmp_path / f"{out}.csv"
    path.write_text(HEADER + observed)
    argv = ["backtest", CONFIG, "--observed", str(path), "--out", str(tmp_path / out)]
    return main([*argv, "--replications", "3", "--seed", "5", "--quiet", *extra])


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    """A backtest of three made-up points; returns its folder."""
    tmp = tmp_path_factory.mktemp("backtest")
    assert backtest(tmp, POINTS, "first") == 0
    return tmp


def test_it_writes_every_file_and_a_row_per_point(first):
    folder = first / "first"
    for name in FILES:
        assert (folder / name).stat().st_size > 0, name
    table = pd.read_csv(folder / "backtest.csv")
    assert list(table["metric"]) == ["open_cases", "agency_share", "referrals"]
    assert (table["replications"] == 3).all()
    assert (table["model_date"] == table["date"]).all()  # month ends: the same date
    assert (table["band90_low"] <= table["band50_low"]).all()
    assert (table["band50_high"] <= table["band90_high"]).all()
    summary = json.loads((folder / "backtest_summary.json").read_text())
    assert summary["replications"] == 3 and summary["root_seed"] == 5
    assert summary["coverage"]["points"] == 3
    assert set(summary["by_metric"]) == {"open_cases", "agency_share", "referrals"}
    fan = pd.read_csv(folder / "backtest_fan.csv")
    flows = fan[fan["metric"] == "referrals"]
    assert flows["date"].min() == "2018-05-31"  # the first 12 months end then


def test_a_point_at_the_models_median_is_inside_and_one_far_off_is_not(first, tmp_path):
    table = pd.read_csv(first / "first" / "backtest.csv")
    rows = []
    for r in table.itertuples():
        window = "" if r.window_months == 1 else r.window_months
        rows.append(f"{r.date},{r.metric},{r.median!r},,,{window},the model's median,")
        rows.append(f"{r.date},{r.metric},{3 * r.median!r},,,{window},far off,")
    assert backtest(tmp_path, "\n".join(rows) + "\n", "again") == 0
    again = pd.read_csv(tmp_path / "again" / "backtest.csv")
    at_median = again[again["source"] == "the model's median"]
    far = again[again["source"] == "far off"]
    assert at_median["inside_50"].all() and at_median["inside_90"].all()
    # the middle of three replications: 1/2, or between 1/3 and 2/3 where it ties with a
    # second one (mid-rank PIT; a share of whole workers can repeat)
    assert at_median["pit"].between(1 / 3, 2 / 3).all()
    assert not far["inside_50"].any() and not far["inside_90"].any()
    assert (far["pit"] == 1.0).all()
    cover = pd.read_csv(tmp_path / "again" / "coverage.csv").set_index("scope")
    assert cover.loc["all", "inside_90"] == 3 and cover.loc["all", "share_90"] == 0.5


def test_the_report_of_the_folder_includes_the_backtest(first):
    page = report.write_report(first / "first", slides=False).read_text()
    assert '<section id="backtest">' in page
    assert 'id="backtest_open_cases"' in page


def test_at_half_size_counts_are_scaled_back_up(first, tmp_path):
    assert backtest(tmp_path, POINTS, "half", "--scale", "0.5") == 0
    full = pd.read_csv(first / "first" / "backtest.csv").set_index("metric")
    half = pd.read_csv(tmp_path / "half" / "backtest.csv").set_index("metric")
    for metric in ("open_cases", "referrals"):
        assert half.loc[metric, "median"] == pytest.approx(full.loc[metric, "median"], rel=0.1)
    run = pd.read_parquet(tmp_path / "half" / "timeseries.parquet")
    assert run["open_cases"].iloc[0] < 0.6 * full.loc["open_cases", "median"]  # ran at half
    assert json.loads((tmp_path / "half" / "backtest_summary.json").read_text())[
        "scaled_back_up"
    ] == ["open_cases", "referrals"]
