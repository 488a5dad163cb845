"""The shipped Manchester 2016 config: it starts calibrated and stays level, the growth to
288 posts lowers caseloads; and `csc-sim run` on it writes the promised files, the same for
the same seed, equal to run_one."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from sim import run_one
from sim.cli import main
from sim.config.loader import load_config
from tests.conftest import CONFIGS

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
    "avg_caseload_qualified",
    "case_holder_fte",
    "cases_held",
    "share_over_target",
    "joiners",
    "leavers",
    "turnover_12m",
    "sw_changes",
    "cost_gbp",
]


def test_manchester_starts_calibrated_and_stays_level_with_policies_off(manchester):
    """June 2016: qualified workers' average caseload about 24 with 4,953 open children (M16
    4.17, table 3: per qualified worker, NQSWs apart).
    With the establishment growth switched off it stays there, rather than drifting."""
    cfg = load_config(
        CONFIGS / "manchester_2016.yaml",
        {"establishment": {"schedule": [], "team_manager_schedule": []}},
    )
    frames = [run_one(cfg, s)[0] for s in range(6)]
    start = np.mean([f["avg_caseload_qualified"].iloc[0] for f in frames])
    assert 23 <= start <= 25.5, f"start caseload {start:.1f}, report says 24"
    assert frames[0]["open_cases"].iloc[0] == 4953
    last = pd.concat([f.iloc[-12:] for f in frames])
    assert abs(last["avg_caseload_qualified"].mean() - start) < 1.5, (
        f"caseload drifted from {start:.1f} to {last['avg_caseload_qualified'].mean():.1f}"
    )
    assert abs(last["open_cases"].mean() / 4953 - 1) < 0.04, last["open_cases"].mean()
    turnover = pd.concat([f.iloc[12:] for f in frames])["turnover_12m"].mean()
    assert 0.10 <= turnover <= 0.14, f"turnover {turnover:.3f}, report says 12%"
    agency = last["agency_share"].mean()
    assert 0.22 <= agency <= 0.40, f"agency share {agency:.2f}, report says 35% at start"


def test_manchester_growth_to_288_lowers_caseloads(manchester):
    frame, summary = run_one(manchester, 1)
    assert frame["establishment_fte"].iloc[-1] == 288
    end, start = summary["end"], summary["start"]
    assert end["avg_caseload_qualified"] < start["avg_caseload_qualified"] - 2
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
