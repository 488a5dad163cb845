"""The yearly figures of a run's returns (``sim.returns.observed``) are the run's own monthly
figures: a year's flow is the sum of its months, a stock the month end's value. So observed
points built from a council's returns count what the model's columns count."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.config.loader import load_config
from sim.returns import observed
from sim.returns.read import read_returns
from sim.returns.simulate import simulate
from sim.returns.writer import write_returns
from tests.conftest import CONFIGS


def test_complete_figures_are_the_runs_monthly_figures(tmp_path):
    cfg = load_config(CONFIGS / "cheshire_east_2017.yaml", {"horizon_months": 34})
    run = simulate(cfg, 4)
    write_returns(run, tmp_path)
    figures = observed.yearly_figures(read_returns(tmp_path))
    frame = run.frame.set_index("date")
    complete = figures[figures["complete"]]
    assert set(complete["metric"]) == set(observed.WHAT), "every figure has a whole year"
    for f in complete.to_dict("records"):
        if observed.WHAT[f["metric"]][1] == "flow":
            months = frame.index[1:][
                (frame.index[1:] >= f["first"]) & (frame.index[1:] <= f["date"])
            ]
            assert len(months) == 12, f
            model = frame.loc[months, f["metric"]].sum()
        else:
            model = frame.loc[f["date"], f["metric"]]
        assert f["value"] == pytest.approx(model, abs=1e-9), f
    # from 1 June 2017 to 31 March 2020: the first year and census years are partial
    first = figures[figures["period"].isin(["2017-18", "2017"])]
    assert not first.loc[first["first"] < first["date"], "complete"].any()
    assert pd.Timestamp("2020-03-31") in set(complete["date"])
