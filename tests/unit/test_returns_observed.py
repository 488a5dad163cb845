"""``sim.returns.observed`` on the hand-made run of ``tests/support/returns_run.py``: the
yearly figures of its returns are worked out by hand from its story, and the observed
points after a date are only those the returns cover wholly after it, in the format
``csc-sim backtest --observed`` reads."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.observed import read_observed
from sim.returns import observed
from sim.returns.read import read_returns
from sim.returns.writer import write_returns
from tests.support.returns_run import tiny_run


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("tiny")
    write_returns(tiny_run(), folder)
    return observed.yearly_figures(read_returns(folder))


def _figure(figures: pd.DataFrame, period: str, metric: str) -> tuple[float, bool]:
    row = figures[(figures["period"] == period) & (figures["metric"] == metric)]
    assert len(row) == 1, (period, metric)
    return row["value"].iloc[0], bool(row["complete"].iloc[0])


def test_the_figures_are_those_of_the_story(figures):
    # 2016-17, from the start on 1 July 2016 (child 2's NFA referral closes on day 10, so the
    # returns cover July): referrals on days 5, 10, 20 and 50; care starts for child 4 (day
    # 5) and child 3 (day 60); on 31 March 2017 (day 273) children 1, 3 and 4 are open,
    # child 1 on a CP plan (days 100-400), children 3 and 4 looked after
    expected = {
        ("2016-17", "referrals"): (4, False),
        ("2016-17", "lac_started"): (2, False),
        ("2016-17", "open_cases"): (3, True),
        ("2016-17", "open_cp"): (1, True),
        ("2016-17", "open_lac"): (2, True),
        # 2017-18: child 1 comes into care on day 400; nothing happens after child 4's 18th
        # birthday (18 October 2017), so the year is covered to 31 October only
        ("2017-18", "referrals"): (0, False),
        ("2017-18", "lac_started"): (1, False),
        # census 2016 (day 91): worker 2 starts (day 30), worker 5 leaves (day 50); in post
        # workers 1 and 2 (1.8 FTE) and agency worker 3 (1 FTE); the frame's 30 September
        # gives 13 vacancies and 1 agency FTE
        ("2016", "joiners"): (1, False),
        ("2016", "leavers"): (1, False),
        ("2016", "agency_fte"): (1.0, True),
        ("2016", "vacancy_fte"): (13.0, True),
        ("2016", "agency_share"): (1 / 2.8, True),
        # census 2017 (day 456): worker 3 takes a permanent post (day 120.5); agency worker
        # 4 came and went between the censuses; no permanent leaver (worker 3 leaves day 500)
        ("2017", "joiners"): (1, True),
        ("2017", "leavers"): (0, True),
        ("2017", "agency_fte"): (1.0, True),
        ("2017", "vacancy_fte"): (25.0, True),
        ("2017", "agency_share"): (0.0, True),
    }
    got = {(p, m): _figure(figures, p, m) for p, m in expected}
    assert got.keys() == expected.keys()
    for key, (value, whole) in expected.items():
        assert got[key][0] == pytest.approx(value), key
        assert got[key][1] == whole, key
    assert len(figures) == len(expected), "no stock on 31 March 2018: the returns end before"


def test_points_after_a_date_are_whole_and_later(figures, tmp_path):
    after = dt.date(2016, 9, 30)
    points = observed.observed_points(figures, after, "tiny returns")
    assert list(zip(points["date"], points["metric"], strict=True)) == [
        ("2017-03-31", "open_cases"), ("2017-03-31", "open_cp"), ("2017-03-31", "open_lac"),
        ("2017-09-30", "agency_fte"), ("2017-09-30", "agency_share"),
        ("2017-09-30", "joiners"), ("2017-09-30", "leavers"), ("2017-09-30", "vacancy_fte"),
    ]  # fmt: skip
    flows = points[points["window_months"] == 12]
    assert set(flows["metric"]) == {"joiners", "leavers"}
    assert flows["value"].tolist() == pytest.approx([1 / 12, 0.0], abs=1e-4)
    assert all("tiny returns: workforce census 2017" in s for s in flows["source"])
    assert all("2016-10-01 to 2017-09-30" in s for s in flows["source"])
    # the backtest's own reader takes the file as written
    path = observed.write_observed(points, tmp_path / "observed.csv")
    back = read_observed(path)
    assert back["metric"].tolist() == points["metric"].tolist()
    assert back["window_months"].tolist() == points["window_months"].tolist()
    # a day later, the 2017 census year begins on the date: its flows are left out
    later = observed.observed_points(figures, dt.date(2016, 10, 1), "tiny returns")
    assert not set(later["metric"]) & {"joiners", "leavers"}
    assert set(later["date"]) == {"2017-03-31", "2017-09-30"}


def test_nothing_after_the_returns_end_gives_no_file(figures, tmp_path):
    points = observed.observed_points(figures, dt.date(2017, 9, 30), "tiny returns")
    assert points.empty
    with pytest.raises(ValueError, match="no observed points"):
        observed.write_observed(points, tmp_path / "observed.csv")
    assert not (tmp_path / "observed.csv").exists()


def test_the_summary_says_which_days_a_partial_year_covers(figures):
    years, censuses = observed.summary(figures).values()
    assert years.loc["2016-17", "covers"] == "01/07/2016 to 31/03/2017"
    assert years.loc["2016-17", "referrals"] == 4
    assert pd.isna(years.loc["2017-18", "looked after 31 Mar"])
    assert censuses.loc["2017", "covers"] == "whole year"
    assert censuses.loc["2016", "agency share 30 Sep"] == pytest.approx(0.357)


@pytest.mark.parametrize(
    ("after", "last", "months"),
    [
        ("2019-09-30", "2021-03-31", 18),  # October 2019 to March 2021
        ("2019-09-30", "2019-10-31", 1),
        ("2020-03-31", "2020-09-30", 6),
        # from 16 September the month ends fall on the 15th: 15 April is the first after
        ("2019-09-15", "2020-03-31", 7),
        ("2019-09-15", "2020-03-10", 6),
    ],
)
def test_the_backtest_runs_to_the_last_point(after, last, months):
    points = pd.DataFrame({"date": [after, last]})
    assert observed.months_to_cover(dt.date.fromisoformat(after), points) == months


def test_the_suggested_date_leaves_the_last_whole_year_and_census_year_out(figures):
    assert observed.suggest_as_of(figures) is None  # the tiny returns have no whole year
    whole = pd.DataFrame(
        {"return": observed.CIN, "metric": "referrals", "complete": [True, True, False],
         "date": pd.to_datetime(["2022-03-31", "2023-03-31", "2023-11-30"])}
    )  # fmt: skip
    assert observed.suggest_as_of(whole) == dt.date(2021, 9, 30)


def test_returns_without_any_ending_are_refused(tmp_path: Path):
    r = read_returns(_only_workforce(tmp_path))
    with pytest.raises(observed.NothingToCount, match="no spell or episode that ends"):
        observed.coverage(r)


def _only_workforce(tmp_path: Path) -> Path:
    folder = tmp_path / "returns"
    write_returns(tiny_run(), folder)
    shutil.rmtree(folder / "ssda903")
    shutil.rmtree(folder / "cin_census")
    return folder


# -- csc-sim observed ------------------------------------------------------------------------
def test_the_command_prints_the_years_and_writes_the_points(tmp_path, capsys):
    folder, out = tmp_path / "returns", tmp_path / "observed.csv"
    write_returns(tiny_run(), folder)
    assert main(["observed", str(folder), "--after", "2016-09-30", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "collection years (1 April to 31 March)" in printed
    assert "01/07/2016 to 31/03/2017" in printed
    assert f"wrote {out}: 8 points from 2017-03-31 to 2017-09-30" in printed
    assert "--horizon-months 12" in printed and "--as-of 2016-09-30" in printed
    assert len(read_observed(out)) == 8
    # an existing file is kept unless --force
    assert main(["observed", str(folder), "--after", "2016-09-30", "--out", str(out)]) == 2
    assert "use --force" in capsys.readouterr().err


def test_the_command_refuses_bad_returns_and_a_date_with_nothing_after(tmp_path, capsys):
    folder, out = tmp_path / "returns", tmp_path / "observed.csv"
    write_returns(tiny_run(), folder)
    assert main(["observed", str(folder), "--after", "2017-09-30", "--out", str(out)]) == 2
    assert "cover no whole year or census day after it" in capsys.readouterr().err
    header = folder / "ssda903" / "2017" / "header.csv"
    lines = header.read_text().splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[1], "X", 1)  # SEX of the first child
    header.write_text("\n".join(lines) + "\n")
    assert main(["observed", str(folder), "--after", "2016-09-30", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "ssda903/2017/header.csv, row 1 (line 2), column SEX: 'X'" in err
    assert not out.exists(), "nothing is written"
