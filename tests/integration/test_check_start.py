"""`csc-sim check` runs the baseline's first year briefly (issue 15 item 5): it shows the
starting position as the model reads it, the drift over the first year, warns when open
children drift, and estimates the experiment's time from this machine's measured speed."""

from __future__ import annotations

import copy
import re
import time

import yaml

import sim.experiment.first_year as first_year
from sim.cli import main
from tests.support.experiments import BASELINE, CAMPAIGN, SMALL_BASE, write_experiment


def seconds(line: str, where: str) -> float:
    """The estimate ``about X s|min|h`` after ``where`` in ``line``, in seconds."""
    m = re.search(re.escape(where) + r".*?about ([\d.]+) (s|min|h)", line)
    assert m, line
    return float(m.group(1)) * {"s": 1, "min": 60, "h": 3600}[m.group(2)]


def test_check_shows_the_start_and_the_first_year(tmp_path, capsys):
    path = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=30)
    assert main(["check", str(path), "--brief", "3"]) == 0
    out = capsys.readouterr().out
    start = out[out.index("starting position") :]
    # SMALL_BASE: 8 permanent, 2 ASYE, 2 agency in post; 14 funded posts
    assert "starting position (2020-01-01, the baseline, status_quo):" in start
    assert re.search(r"open children +[\d,]+: assessment [\d,]+, CiN [\d,]+, CP", start)
    assert "of 12 social workers in post (permanent 8, ASYE 2, agency 2)" in start
    assert "agency share    16.7% of social workers in post (cap 30.0%" in start
    assert "vacancy rate    28.6%: 4 of 14 funded posts" in start
    assert re.search(r"caseload +[\d.]+ children per case-holding FTE", start)
    table = out[out.index("first year as it stands") :]
    assert "3 replications of 12 months" in table
    for row in ("open children", "case holders (FTE)", "caseload (per case holder)"):
        number = r" +[\d,.]+"
        changed = r" +[+-][\d.]+%"
        assert re.search(rf"\n  {re.escape(row)}{number * 3}{changed}{number} to", table), row
    assert re.search(r"\n  agency share +16.7% +[\d.]+% +[\d.]+% +[+-][\d.]+ pts", table)
    assert "from this machine's speed: a 12-month replication took" in out


def test_a_config_shows_its_start_too(tmp_path, capsys):
    path = tmp_path / "council.yaml"
    path.write_text(yaml.safe_dump(SMALL_BASE))
    assert main(["check", str(path), "--brief", "2"]) == 0
    out = capsys.readouterr().out
    assert "starting position (2020-01-01, the config):" in out
    assert "first year as it stands (the config, 2 replications of 12 months" in out
    assert re.search(r"time: one replication: about [\d.]+ s on one core, for its 24 months", out)


def test_open_children_drifting_in_the_first_year_is_a_warning(tmp_path, capsys):
    busy = copy.deepcopy(SMALL_BASE)
    busy["demand"] = {"referrals_per_year": 10_000}  # four times the pathway's steady flow
    path = tmp_path / "busy.yaml"
    path.write_text(yaml.safe_dump(busy))
    assert main(["check", str(path), "--brief", "2"]) == 0
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "open children move" in x)
    assert line.startswith(f"warning: {path}: the baseline's open children move +")
    assert "demand.referrals_per_year" in line


def test_the_time_estimate_follows_the_measured_speed(tmp_path, capsys, monkeypatch):
    """The estimate scales with how long the brief run took here: the same experiment on a
    machine (made) half a second slower per brief replication is estimated far longer."""
    path = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=30)
    assert main(["check", str(path), "--brief", "2", "--jobs", "1"]) == 0
    fast = seconds(capsys.readouterr().out, "time: ")
    run_one = first_year.run_one

    def slow(*args, **kwargs):
        time.sleep(0.5)
        return run_one(*args, **kwargs)

    monkeypatch.setattr(first_year, "run_one", slow)
    assert main(["check", str(path), "--brief", "2", "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    slowed = seconds(out, "time: ")
    # 2 scenarios x 30 replications of 24 months, each at least 2 x 0.5 s: 60 s or more
    assert slowed >= 60 > fast, out
    assert "2 scenarios x 30 replications x 24 months" in out


def test_without_a_brief_run_the_reference_speed_is_said(tmp_path, capsys):
    path = write_experiment(tmp_path, [BASELINE], replications=30)
    assert main(["check", str(path), "--brief", "0"]) == 0
    out = capsys.readouterr().out
    assert "first year as it stands" not in out
    assert "agency share    16.7%" in out  # from the config
    assert "at the reference machine's speed" in out
