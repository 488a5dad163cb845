"""The backtest's parts that need no run: the observed file's checks (each mistake names the
file, the line and the column; the CLI exits 2 and writes nothing), the arithmetic of bands,
PIT and coverage on hand-made fans, and the shipped observed file."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from sim.cli import main
from sim.config.loader import ConfigError
from sim.experiment.backtest_score import coverage, ks_uniform, pit_histogram, score
from sim.experiment.observed import ObservedError, nearest_row, read_observed
from sim.model.timeline import Calendar
from tests.conftest import CONFIGS, ROOT

HEADER = "date,metric,value,low,high,source,window_months\n"
CAL = Calendar(dt.date(2017, 6, 1), 60)  # configs/cheshire_east_2017.yaml
DATES = [CAL.start_label, *CAL.period_labels]


def write(tmp_path, rows: str, header: str = HEADER):
    path = tmp_path / "observed.csv"
    path.write_text(header + rows)
    return path


def test_a_good_file_reads_with_each_point_at_its_nearest_reporting_date(tmp_path):
    path = write(
        tmp_path,
        "2018-03-31,open_cases,2500,2400,2600,CIN 2018,\n"
        "2018-04-14,agency_share,0.1,,,SWW,\n"  # nearer 31 March than 30 April
        '2019-03-31,referrals,"4,100",,,CIN 2019 / 12,12\n',
    )
    points = read_observed(path, DATES)
    assert list(points["row"]) == [10, 10, 22]
    assert DATES[10] == dt.date(2018, 3, 31)
    assert points["value"].tolist() == [2500, 0.1, 4100]
    assert points["window_months"].tolist() == [1, 1, 12]
    assert math.isnan(points["low"].iloc[1])


@pytest.mark.parametrize(
    ("row", "column", "needle"),
    [
        ("2018-03-31,open_case,2500,,,x,", "metric", "did you mean open_cases"),
        ("2018-03-31,open_cases,,,,x,", "value", "finite number"),
        ("2018-03-31,open_cases,lots,,,x,", "value", "finite number"),
        ("2018-03-31,open_cases,nan,,,x,", "value", "finite number"),
        ("2018-03-31,agency_share,15.4,,,x,", "value", "share from 0 to 1"),
        ("2018-03-31,open_cases,2500,2600,,x,", "low", "at most the value"),
        ("2018-03-31,open_cases,2500,,2400,x,", "high", "at least the value"),
        ("2018-03-31,open_cases,2500,,,,", "source", "must cite its source"),
        ("31/03/2018,open_cases,2500,,,x,", "date", "YYYY-MM-DD"),
        ("2016-03-31,open_cases,2500,,,x,", "date", "outside the run"),
        ("2023-03-31,open_cases,2500,,,x,", "date", "--horizon-months"),
        ("2017-05-31,referrals,300,,,x,", "date", "counted over each month"),
        ("2018-03-31,referrals,300,,,x,12", "window_months", "begin before the run"),
        ("2018-03-31,referrals,300,,,x,0", "window_months", "1 or more"),
    ],
)
def test_each_mistake_names_the_file_line_and_column(tmp_path, row, column, needle):
    path = write(tmp_path, "2018-03-31,open_cases,2500,,,fine,\n" + row + "\n")
    with pytest.raises(ObservedError) as info:
        read_observed(path, DATES)
    message = str(info.value)
    assert isinstance(info.value, ConfigError)  # the CLI's exit code 2
    assert message.startswith(f"{path}: line 3, column '{column}'"), message
    assert needle in message
    assert "line 2" not in message  # the good row is not blamed


def test_header_mistakes_and_an_empty_file(tmp_path):
    path = write(tmp_path, "2018-03-31,open_cases,1,x\n", "date,metric,value,sorce\n")
    with pytest.raises(ObservedError, match="missing column 'source'") as info:
        read_observed(path)
    assert "unknown column 'sorce'" in str(info.value)
    with pytest.raises(ObservedError, match="no observed points"):
        read_observed(write(tmp_path, ""))
    with pytest.raises(ObservedError, match="cannot read it"):
        read_observed(tmp_path / "missing.csv")


def test_the_cli_exits_2_and_writes_nothing_for_a_bad_file(tmp_path, capsys):
    path = write(tmp_path, "2018-03-31,open_cases,2500,,,,\n")
    out = tmp_path / "out"
    argv = ["backtest", str(CONFIGS / "cheshire_east_2017.yaml"), "--observed", str(path)]
    assert main([*argv, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: line 2, column 'source'" in err
    assert not out.exists()


def test_nearest_reporting_date_ties_go_to_the_earlier():
    dates = [dt.date(2020, 1, 31), dt.date(2020, 2, 29), dt.date(2020, 3, 31)]
    assert nearest_row(dt.date(2020, 2, 14), dates) == 0  # 14 days either side
    assert nearest_row(dt.date(2020, 2, 16), dates) == 1


def test_a_point_at_the_median_has_pit_one_half_and_lies_in_both_bands():
    s = score(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), 3.0)
    assert (s.median, s.pit, s.inside_50, s.inside_90) == (3.0, 0.5, True, True)
    assert (s.band50_low, s.band50_high) == (2.0, 4.0)
    assert s.band90_low == pytest.approx(1.2) and s.band90_high == pytest.approx(4.8)


def test_ties_count_half_and_nans_are_left_out():
    s = score(np.array([1.0, 2.0, 2.0, 3.0, np.nan]), 2.0)
    assert s.replications == 4 and s.pit == 0.5
    assert score(np.array([1.0, 2.0, 3.0, 4.0]), 1.0).pit == 0.125


def test_points_outside_the_bands_are_flagged():
    fan = np.arange(1.0, 101.0)  # 5th-95th percentile: 5.95-95.05; 25th-75th: 25.75-75.25
    far = score(fan, 1000.0)
    assert (far.inside_50, far.inside_90, far.pit) == (False, False, 1.0)
    low = score(fan, 5.0)  # inside neither band: just under the 5th percentile
    assert (low.inside_50, low.inside_90, low.pit) == (False, False, 0.045)
    mid = score(fan, 20.0)  # in the 90% band, not the 50%
    assert (mid.inside_50, mid.inside_90) == (False, True)
    assert math.isnan(score(np.array([np.nan]), 1.0).median)


def test_coverage_counts_the_points_in_each_band_overall_and_per_metric():
    points = pd.DataFrame(
        {
            "metric": ["a", "a", "b", "b"],
            "replications": [10, 10, 10, 0],  # the last has no model value: left out
            "inside_50": [True, False, True, True],
            "inside_90": [True, True, False, True],
            "pit": [0.5, 0.7, 0.99, 0.5],
        }
    )
    table = coverage(points).set_index("scope")
    assert table.loc["all", "points"] == 3
    assert table.loc["all", "inside_50"] == 2 and table.loc["all", "inside_90"] == 2
    assert table.loc["all", "share_90"] == pytest.approx(2 / 3)
    assert table.loc["all", "expected_50"] == 0.5 and table.loc["all", "expected_90"] == 0.9
    assert table.loc["a", "mean_pit"] == pytest.approx(0.6)
    assert table.loc["b", "points"] == 1
    hist = [table.loc["all", c] for c in table.columns if c.startswith("pit_")]
    assert hist == [0, 0, 1, 1, 1]


def test_pit_histogram_and_uniformity():
    n = 20
    even = (np.arange(n) + 0.5) / n  # as even as n points can be
    d, p = ks_uniform(even)
    assert d == pytest.approx(0.5 / n) and p == 1.0
    d, p = ks_uniform(np.full(n, 0.99))  # every point above the model's fan
    assert d == pytest.approx(0.99) and p < 1e-6
    assert math.isnan(ks_uniform(np.array([0.5, 0.5]))[1])  # too few for a p-value
    assert pit_histogram(np.array([0.0, 0.19, 0.2, 0.5, 1.0])) == [2, 1, 1, 0, 1]


def test_the_shipped_england_file_reads_for_a_run_from_autumn_2017():
    """Every point cites its source and fits a run from 1 October 2017 to September 2024."""
    path = ROOT / "experiments" / "observed" / "england_2018_2024.csv"
    cal = Calendar(dt.date(2017, 10, 1), 84)
    points = read_observed(path, [cal.start_label, *cal.period_labels])
    assert len(points) >= 80
    assert points["source"].str.contains("https://").all()
    assert {d.month for d in points["date"]} == {3, 9}
    assert points["date"].min() >= dt.date(2018, 1, 1)
    assert points["date"].max() <= dt.date(2024, 12, 31)
    shares = points[points["metric"].isin(["agency_share", "turnover_12m"])]
    assert shares["value"].between(0.1, 0.2).all()
    flows = points[points["metric"].isin(["referrals", "joiners", "leavers"])]
    assert (flows["window_months"] == 12).all()
    assert flows[flows["metric"] == "referrals"]["value"].between(45_000, 60_000).all()
