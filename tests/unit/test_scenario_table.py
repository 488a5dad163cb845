"""The scenario table's months to target and cost per percentage point, and how the report
says them: the months are a survival estimate over every future (never the median of only
those that got there), a gain that may be nothing has no price, savings are said as
savings, pounds as £, and the baseline leads every table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.experiment.scenario_table import cost_per_point, months_to_target, with_months_to_target
from sim.report.charts.style import (
    at_extremes,
    fmt_cost_per_point,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_months,
    slide_order,
    target_info,
)

HORIZON = 60


def km_row(kept: np.ndarray) -> dict[str, float]:
    med, lo, hi = months_to_target(kept, HORIZON)
    return {
        "months_to_target_km": med,
        "months_to_target_km_low": lo,
        "months_to_target_km_high": hi,
        "horizon_months": HORIZON,
    }


# --- months to target ----------------------------------------------------------------------


def test_when_60_percent_of_futures_never_reach_the_target_it_is_not_within_the_horizon():
    kept = np.array([10.0, 15, 20, 25] + [np.nan] * 6)  # 4 of 10 futures meet it for good
    row = km_row(kept)
    assert math.isnan(row["months_to_target_km"])
    assert fmt_months(row) == "not within the horizon (60 months)"
    assert np.nanmedian(kept) == 17.5, "what the median of only those that got there says"


def test_the_median_counts_the_futures_that_never_get_there():
    # 6 of 10 meet it for good, at months 5-50; 4 never: half have by month 40, not 17.5.
    kept = np.array([5.0, 10, 20, 30, 40, 50] + [np.nan] * 4)
    med, lo, hi = months_to_target(kept, HORIZON)
    assert med == 40
    assert lo <= med and (math.isnan(hi) or hi >= med)
    assert fmt_months(km_row(kept)).startswith("40 (")


def test_every_future_meeting_it_from_the_start_and_none_at_all():
    assert months_to_target(np.zeros(8), HORIZON)[0] == 0
    assert all(math.isnan(x) for x in months_to_target(np.full(8, np.nan), HORIZON))
    assert all(math.isnan(x) for x in months_to_target(np.array([]), HORIZON))


def test_a_table_written_before_the_survival_estimate_gets_it_from_the_replications():
    reps = pd.DataFrame(
        {
            "scenario": ["a"] * 10,
            "replication": range(10),
            "t_kept_from_month": [10.0, 15, 20, 25] + [np.nan] * 6,
        }
    )
    old = pd.DataFrame({"scenario": ["a"], "target": ["t"], "months_to_target_median": [17.5]})
    new = with_months_to_target(old, reps, {"a": HORIZON})
    assert "months_to_target_median" not in new, "the median of those that got there is gone"
    assert math.isnan(new.loc[0, "months_to_target_km"]) and new.loc[0, "horizon_months"] == 60
    assert with_months_to_target(new, reps, {"a": HORIZON}) is new, "a current table is kept"


def test_months_are_not_invented_for_a_row_without_them():
    assert fmt_months({"horizon_months": 60}) == "n/a"


# --- cost per percentage point and money -----------------------------------------------------


def row(diff: float, low: float, extra: float, baseline: bool = False) -> pd.Series:
    return pd.Series(
        {
            "baseline": baseline,
            "diff_vs_baseline": diff,
            "diff_low": low,
            "extra_cost_per_year_gbp": extra,
        }
    )


def test_no_cost_per_point_when_the_paired_interval_includes_zero():
    # +3 points, interval -1 to +8, for GBP 2.7m a year: the GBP 895,903 per point
    assert math.isnan(cost_per_point(2_687_709, 0.03, -0.01))
    assert fmt_cost_per_point(row(0.03, -0.01, 2_687_709)) == "no clear gain"


def test_cost_per_point_when_the_gain_is_clear():
    assert cost_per_point(2_700_000, 0.17, 0.05) == pytest.approx(2_700_000 / 17)
    assert fmt_cost_per_point(row(0.17, 0.05, 2_700_000)) == "\u00a3159k a point"


def test_a_policy_that_gains_and_saves_money_is_said_to_save():
    assert math.isnan(cost_per_point(-661_000, 0.10, 0.02)), "no negative price per point"
    assert fmt_cost_per_point(row(0.10, 0.02, -661_000)) == "gains and saves \u00a3661k"
    assert fmt_gbp_delta(-661) == "saves \u00a3661"
    assert fmt_gbp_delta(-700_000) == "saves \u00a3700k"
    assert fmt_gbp_delta(1_900_000) == "+\u00a31.9m"
    assert fmt_gbp_delta(120) == "no extra cost"
    assert fmt_cost_per_point(row(0.0, 0.0, 0.0, baseline=True)) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (13_051_234, "\u00a313.1m"),
        (895_903, "\u00a3896k"),
        (999_600, "\u00a31.0m"),
        (650, "\u00a3650"),
        (-2_100_000, "\u2212\u00a32.1m"),
        (float("inf"), "not finite"),
    ],
)
def test_pounds_are_written_with_the_pound_sign_and_sensible_rounding(value, text):
    assert fmt_gbp(value) == text
    assert "GBP" not in fmt_gbp(value) + fmt_gbp_delta(value)


# --- order ---------------------------------------------------------------------------------


def table(p: list[float], names: list[str] | None = None) -> pd.DataFrame:
    names = names or [f"s{k}" for k in range(len(p))]
    return pd.DataFrame(
        {
            "scenario": names,
            "baseline": [n == "base" for n in names],
            "target": "t",
            "metric": "avg_caseload",
            "bound": "<= 18",
            "target_date": "2018-03-31",
            "p_met": p,
            "value_median": [20.0 + k for k in range(len(p))][::-1],
            "cost_per_year_gbp": [1e6] * len(p),
        }
    )


def test_the_baseline_leads_whatever_its_chance():
    rows = table([0.9, 0.1, 0.5], ["a", "base", "b"])
    order = slide_order(rows, target_info(rows))
    assert list(order["scenario"]) == ["base", "a", "b"]


def test_at_zero_or_a_hundred_percent_the_order_follows_the_kpi():
    rows = table([0.0, 0.0, 0.0], ["base", "a", "b"])  # medians 22, 21, 20: b is best
    assert at_extremes(rows)
    assert list(slide_order(rows, target_info(rows))["scenario"]) == ["base", "b", "a"]
    assert not at_extremes(table([0.0, 0.5]))
