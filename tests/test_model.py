"""Functional checks of one replication: conservation, calibration, reproducibility."""

from __future__ import annotations

import gc
import json

import numpy as np
import pandas as pd
import pytest

from sim import run_one
from sim.cli import main
from sim.loading import load_config
from sim.model import CouncilModel
from sim.validation import busy_council
from tests.conftest import CONFIGS, council

REQUIRED_COLUMNS = [
    "date",
    "referrals",
    "open_cases",
    "open_assessment",
    "open_cin",
    "open_cp",
    "open_lac",
    "unallocated_cases",
    "qualified_fte",
    "asye_fte",
    "agency_fte",
    "vacancy_fte",
    "avg_caseload",
    "share_workers_over_target",
    "joiners",
    "leavers",
    "turnover_12m",
    "sw_changes",
    "cost_gbp",
]


def test_children_are_conserved_every_month():
    """Children in (at start + referred) = open + closed at every month end; the audit
    checks each open child is held by one worker or waiting, never both."""
    cfg = busy_council()
    f = CouncilModel(cfg, 3, audit=True).run()
    initial = 50 + 100 + 30 + 40
    balance = initial + f["referrals"].cumsum() - f["closures"].cumsum() - f["open_cases"]
    assert (balance == 0).all(), f"children lost or created: {balance[balance != 0].head()}"
    stages = f[["open_assessment", "open_cin", "open_cp", "open_lac"]].sum(axis=1)
    assert (stages == f["open_cases"]).all()
    counts = f.drop(columns=["date"])
    assert (counts.fillna(0) >= 0).all().all(), "a negative count"
    assert f["unallocated_cases"].max() > 0, "nobody waited: the audit saw only one branch"


def test_manchester_starts_calibrated_and_stays_level_with_policies_off(manchester):
    """June 2016: average caseload about 24 with 4,953 open children (M16 4.17, table 3).
    With the establishment growth switched off it stays there, rather than drifting."""
    cfg = load_config(
        CONFIGS / "manchester_2016.yaml",
        {"establishment": {"schedule": [], "team_manager_schedule": []}},
    )
    frames = [run_one(cfg, s)[0] for s in range(6)]
    start = np.mean([f["avg_caseload"].iloc[0] for f in frames])
    assert 23 <= start <= 25.5, f"start caseload {start:.1f}, report says 24"
    assert frames[0]["open_cases"].iloc[0] == 4953
    last = pd.concat([f.iloc[-12:] for f in frames])
    assert abs(last["avg_caseload"].mean() - start) < 1.5, (
        f"caseload drifted from {start:.1f} to {last['avg_caseload'].mean():.1f}"
    )
    assert abs(last["open_cases"].mean() / 4953 - 1) < 0.04, last["open_cases"].mean()
    turnover = pd.concat([f.iloc[12:] for f in frames])["turnover_12m"].mean()
    assert 0.10 <= turnover <= 0.14, f"turnover {turnover:.3f}, report says 12%"
    agency = last["agency_share"].mean()
    assert 0.22 <= agency <= 0.40, f"agency share {agency:.2f}, report says 35% at start"


def test_manchester_growth_to_288_lowers_caseloads(manchester):
    frame, summary = run_one(manchester, 1)
    assert frame["establishment_fte"].iloc[-1] == 288
    assert summary["end"]["avg_caseload"] < summary["start"]["avg_caseload"] - 2
    assert set(REQUIRED_COLUMNS) <= set(frame.columns)
    assert summary["target"]["target_date"] == "2018-03-31"


def test_same_seed_same_files_and_different_seed_different(tmp_path):
    cfg = str(CONFIGS / "manchester_2016.yaml")
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        assert main(["run", cfg, "--seed", str(seed), "--out", str(tmp_path / name)]) == 0
    for fname in ("timeseries.csv", "config.resolved.yaml"):
        assert (tmp_path / "a" / fname).read_bytes() == (tmp_path / "b" / fname).read_bytes()
    sa, sb = (json.loads((tmp_path / n / "summary.json").read_text()) for n in "ab")
    sa.pop("wall_seconds"), sb.pop("wall_seconds")
    assert sa == sb
    assert (tmp_path / "a" / "timeseries.csv").read_bytes() != (
        tmp_path / "c" / "timeseries.csv"
    ).read_bytes()


def test_run_writes_the_promised_files(tmp_path, capsys):
    out = tmp_path / "m16"
    assert (
        main(["run", str(CONFIGS / "manchester_2016.yaml"), "--seed", "7", "--out", str(out)]) == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "config.resolved.yaml",
        "summary.json",
        "timeseries.csv",
    ]
    ts = pd.read_csv(out / "timeseries.csv")
    assert set(REQUIRED_COLUMNS) <= set(ts.columns)
    assert len(ts) == 61
    summary = json.loads((out / "summary.json").read_text())
    for key in ("seed", "config_hash", "version", "wall_seconds", "start", "end", "mean", "target"):
        assert key in summary
    assert summary["seed"] == 7
    text = capsys.readouterr().out
    assert "average caseload" in text and "target" in text
    # the resolved config runs again to the same result
    again = load_config(out / "config.resolved.yaml")
    assert again == load_config(CONFIGS / "manchester_2016.yaml")
    # a second run into the same folder refuses without --force
    assert main(["run", str(CONFIGS / "manchester_2016.yaml"), "--out", str(out)]) == 2


def test_run_one_matches_the_cli(tmp_path):
    frame, _ = run_one(load_config(CONFIGS / "manchester_2016.yaml"), 7)
    main(
        ["run", str(CONFIGS / "manchester_2016.yaml"), "--seed", "7", "--out", str(tmp_path / "x")]
    )
    ts = pd.read_csv(tmp_path / "x" / "timeseries.csv", parse_dates=["date"])
    pd.testing.assert_frame_equal(ts, frame, check_dtype=False)


def test_no_workers_gives_undefined_caseload_not_infinite():
    cfg = council(
        initial_workforce={"permanent_fte": 0}, establishment={"fte": 0}, horizon_months=3
    )
    f = CouncilModel(cfg, 0, audit=True).run()
    assert f["avg_caseload"].isna().all()
    assert f["unallocated_cases"].iloc[-1] == f["open_cases"].iloc[-1] > 0


@pytest.mark.parametrize("strength", [0.0, 1.0])
def test_drift_lengthens_stages_only_when_switched_on(strength):
    """Overloaded workers (caseload twice the target): drift keeps more children open."""
    kw = dict(
        demand={"referrals_per_year": 3000},
        horizon_months=24,
        initial_workforce={"permanent_fte": 5},
        establishment={"fte": 5},
    )
    plain = CouncilModel(council(**kw), 2).run()["open_cases"].iloc[12:].mean()
    drift = CouncilModel(council(pathway={"drift_strength": strength}, **kw), 2).run()
    ratio = drift["open_cases"].iloc[12:].mean() / plain
    if strength == 0:
        assert ratio == 1.0
    else:
        assert ratio > 1.3, f"drift on but open cases only x{ratio:.2f}"


def test_caseload_driven_leaving_raises_turnover():
    kw = dict(
        demand={"referrals_per_year": 4000},
        horizon_months=36,
        initial_workforce={"permanent_fte": 10},
        establishment={"fte": 10},
        recruitment={"applicants_per_month": 10},
    )
    base = {"permanent": [{"from_years": 0, "per_year": 0.15}]}
    off = [CouncilModel(council(leaving=base, **kw), s).run()["leavers"].sum() for s in range(8)]
    on = [
        CouncilModel(council(leaving={**base, "caseload_strength": 1.0}, **kw), s)
        .run()["leavers"]
        .sum()
        for s in range(8)
    ]
    assert np.mean(on) > 1.5 * np.mean(off), f"leavers off {np.mean(off)}, on {np.mean(on)}"


@pytest.mark.parametrize("name", ["manchester_2016_investment", "manchester_2020_retention"])
def test_a_run_creates_no_cyclic_garbage(name):
    """The model runs with the garbage collector off (``model._collector_off``); that is
    only safe if nothing it frees during a run needs the collector. Every shipped policy
    is exercised; a year is enough to see each kind of event."""
    from sim.experiment_config import load_experiment

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
