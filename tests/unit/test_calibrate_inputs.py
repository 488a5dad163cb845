"""What calibration reads: the recorder's days as dates, bad or partial returns refused
with their file, row and column, nothing after the as-of date, and the YAML it writes
(every value with its comment, read back to the same values)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibrate import inputs
from sim.calibrate.build import censor
from sim.calibrate.errors import ReturnsError
from sim.calibrate.inputs import ReturnsTables, check_tables, from_recorder, from_returns_dir
from sim.calibrate.yaml_text import emit

START = dt.date(2020, 4, 1)


def recorder_tables() -> dict[str, pd.DataFrame]:
    """A few rows as ``Recorder.tables()`` gives them (days from START)."""
    return {
        "children": pd.DataFrame(
            {
                "child": [1, 2, 3],
                "born_day": [-3000.5, np.nan, -6000.0],
                "uasc": [False, False, True],
            }
        ),
        "referrals": pd.DataFrame(
            {"child": [1, 2, 3], "day": [0.2, 10.7, 30.0], "nfa": [False, True, False]}
        ),
        "spells": pd.DataFrame(
            {
                "child": [1, 1, 3],
                "stage": ["assessment", "cin", "lac"],
                "start_day": [-0.5, 40.2, 30.0],
                "end_day": [40.2, np.nan, 90.9],
                "legal_status": ["", "", "V2"],
                "how": ["cin", "", "return_home"],
            }
        ),
        "workers": pd.DataFrame(
            {
                "worker": [1, 2],
                "kind": ["permanent", "asye"],
                "team": ["cin_cp", "assessment"],
                "fte": [1.0, 1.0],
                "start_day": [-800.0, 5.0],
                "end_day": [100.0, np.nan],
                "reason": ["left", ""],
                "qualified_day": [np.nan, np.nan],
            }
        ),
    }


def tables() -> ReturnsTables:
    return check_tables(from_recorder(recorder_tables(), START, dt.date(2021, 3, 31)))


def test_recorder_days_become_the_dates_they_fall_in() -> None:
    t = tables()
    assert t.spells.loc[0, "start"] == pd.Timestamp("2020-03-31")  # day -0.5: the day before
    assert t.spells.loc[0, "end"] == pd.Timestamp("2020-05-11")
    assert pd.isna(t.spells.loc[1, "end"])
    assert pd.isna(t.children.loc[1, "dob"])
    assert t.workers.loc[0, "start"] == pd.Timestamp(START) - pd.Timedelta(days=800)
    # no monthly frame: vacancies unknown, agency counted from the workers
    assert t.council_sept["date"].tolist() == [pd.Timestamp("2020-09-30")]
    assert t.council_sept["vacancies_fte"].isna().all()


def test_a_recorded_asye_is_seen_as_the_census_sees_it() -> None:
    """The completion day is not a census item: the recorder's becomes the last 30 September
    listing the worker in the ASYE and the first listing them past it, and cutting at an
    as-of date forgets the censuses after it."""
    raw = recorder_tables()
    raw["workers"].loc[1, "qualified_day"] = 300.0  # 26 January 2021
    t = check_tables(from_recorder(raw, START, dt.date(2022, 3, 31)))
    nqsw = t.workers.loc[1]
    assert (nqsw["asye_seen"], nqsw["qualified_seen"]) == (
        pd.Timestamp("2020-09-30"), pd.Timestamp("2021-09-30")
    )  # fmt: skip
    assert "qualified" not in t.workers.columns
    cut = censor(t, pd.Timestamp("2021-06-30"))
    assert cut.workers.loc[1, "asye_seen"] == pd.Timestamp("2020-09-30")
    assert pd.isna(cut.workers.loc[1, "qualified_seen"])
    assert pd.isna(censor(t, pd.Timestamp("2020-08-31")).workers.loc[1, "asye_seen"])


def _bad(table: str, column: str, row: int, value: Any) -> ReturnsTables:
    t = tables()
    frame = getattr(t, table).copy()
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    return replace(t, **{table: frame})


@pytest.mark.parametrize(
    ("table", "column", "row", "value", "rule"),
    [
        ("spells", "stage", 1, "cinn", "must be one of"),
        ("spells", "end", 0, pd.Timestamp("2019-01-01"), "ends before it starts"),
        ("spells", "how", 2, "home", "a lac spell ends in one of"),
        ("spells", "legal_status", 2, "X9", "SSDA903 legal status"),
        ("spells", "child", 1, 99, "not in the children table"),
        ("referrals", "date", 2, "31/02/2021", "not a date"),
        ("referrals", "nfa", 0, "maybe", "true or false"),
        ("workers", "kind", 1, "locum", "must be one of"),
        ("workers", "fte", 0, 3.0, "FTE must be above 0"),
        ("workers", "reason", 0, "", "a leaver's reason"),
        ("children", "child", 2, 1, "each child is listed once"),
    ],
)
def test_bad_returns_name_the_file_row_and_column(
    table: str, column: str, row: int, value: Any, rule: str
) -> None:
    with pytest.raises(ReturnsError) as err:
        check_tables(_bad(table, column, row, value))
    msg = str(err.value)
    assert f"recorder table '{table}'" in msg
    assert f"row {row + 1}" in msg
    assert f"column '{column}'" in msg
    assert rule in msg


def test_a_readers_own_file_and_row_are_named() -> None:
    t = tables()
    spells = t.spells.assign(source_file="cin_census/2020-21/cin_plans.csv", source_row=[7, 8, 9])
    spells["stage"] = spells["stage"].astype(object)
    spells.loc[1, "stage"] = "plan"
    with pytest.raises(
        ReturnsError, match=r"cin_census/2020-21/cin_plans.csv: row 8: column 'stage'"
    ):
        check_tables(replace(t, spells=spells))


def test_a_missing_column_is_named() -> None:
    t = tables()
    with pytest.raises(ReturnsError, match=r"missing column.*how"):
        check_tables(replace(t, spells=t.spells.drop(columns="how")))


def test_nothing_after_the_as_of_date_survives() -> None:
    t = tables()
    day = pd.Timestamp("2020-04-30")
    cut = censor(t, day)
    assert cut.extracted == day
    assert (cut.referrals["date"] <= day).all()
    assert (cut.spells["start"] <= day).all()
    assert cut.spells["end"].isna().all()  # the assessment ended on 11 May: unknown then
    assert (cut.spells["how"] == "").all()
    assert cut.workers["end"].isna().all() and (cut.workers["reason"] == "").all()
    assert set(cut.children["child"]) == {1, 2}  # child 3 is first seen on 1 May


def test_without_the_reader_the_error_says_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing(name: str) -> Any:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    monkeypatch.setattr(inputs.importlib, "import_module", missing)
    with pytest.raises(NotImplementedError, match=r"sim\.returns\.read"):
        from_returns_dir(tmp_path)
    with pytest.raises(ReturnsError, match="not a folder"):
        from_returns_dir(tmp_path / "none")


def test_yaml_reads_back_the_same_values_each_with_its_comment() -> None:
    data = {
        "name": "A council: with a colon",
        "start_date": dt.date(2020, 4, 1),
        "demand": {
            "referrals_per_year": 5700.0,
            "trend_per_year": -1.5e-05,
            "seasonality": [1.01, 0.99],
            "rereferral": {"delay": {"mean_days": 180.0, "dist": "exponential"}},
        },
        "leaving": {"permanent": [{"from_years": 0.0, "per_year": 0.17}]},
        "pathway": {
            "cp": {
                "duration": {"dist": "banded", "bands": [{"upto_days": 91.0, "share": 1.0}]},
                "next": {"close": 1.0},
            }
        },
        "children": None,
        "steps": [],
    }
    notes = {
        ("name",): "n",
        ("start_date",): "s",
        ("demand", "referrals_per_year"): "CIN census # and more",
        ("demand", "trend_per_year"): "t",
        ("demand", "seasonality", 0): "jan",
        ("demand", "seasonality", 1): "feb",
        ("demand", "rereferral", "delay"): "d",
        ("leaving", "permanent", 0, "per_year"): "band",
        ("pathway", "cp", "duration"): "cp",
        ("pathway", "cp", "next", "close"): "c",
        ("children",): "none",
        ("steps",): "none",
    }
    text = emit(data, notes, ["header"])
    assert yaml.safe_load(text) == data
    for line in text.splitlines()[1:]:
        if not line.rstrip().endswith(":"):
            assert "  # " in line or "part of the distribution" in line, line
    assert "{dist: exponential, mean_days: 180.0}" in text  # the kind first
    assert "-1.5e-05" in text


@pytest.mark.parametrize(
    ("as_of", "rule"),
    [("2021-06-30", "the returns run to 2021-03-31"), ("2020-05-01", "at least 90 days")],
)
def test_an_as_of_date_outside_the_returns_is_refused(as_of: str, rule: str) -> None:
    from sim.calibrate.build import calibrate
    from sim.config.loader import load_config
    from tests.conftest import CONFIGS

    template = load_config(CONFIGS / "manchester_2016.yaml")
    with pytest.raises(ReturnsError, match=rule) as err:
        calibrate(tables(), dt.date.fromisoformat(as_of), template, "t")
    assert str(err.value).startswith("--as-of: value")
