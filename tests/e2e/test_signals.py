"""Trustworthy under interruption: SIGINT, SIGTERM and SIGKILL sent to a real `csc-sim
experiment` process part way through; finished replications are kept and --resume ends
with the files of an uninterrupted run."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from sim.cli import main
from tests.support.experiments import BASELINE, CAMPAIGN, FILES, write_experiment
from tests.support.processes import start_experiment, wait_for_parts


def _slow_experiment(tmp_path: Path) -> Path:
    """Enough work (about 10 s) that a signal lands part way through."""
    return write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=40)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[Path, Path]:
    """The experiment and the folder of one run without interruption."""
    root = tmp_path_factory.mktemp("whole")
    exp = _slow_experiment(root)
    assert main(["experiment", str(exp), "--out", str(root / "out"), "--quiet"]) == 0
    return exp, root / "out"


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
def test_signal_part_way_then_resume_gives_identical_files(tmp_path, sig, uninterrupted):
    exp, whole = uninterrupted
    cut = tmp_path / "cut"
    proc = start_experiment(exp, cut, "--chunk-size", "2")
    wait_for_parts(cut, 3, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    kept = len(list((cut / "parts").glob("*.rows.parquet")))
    assert kept >= 3, "finished replications were lost"
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, err
        assert "--resume" in err and str(cut) in err, err
    assert not (cut / "replications.parquet").exists()
    leftovers = [p for p in cut.rglob("*") if p.name.endswith(".tmp")]
    if sig != signal.SIGKILL:
        assert not leftovers, f"half-written files left: {leftovers}"
    assert main(["experiment", str(exp), "--out", str(cut), "--resume", "--quiet"]) == 0
    for name in FILES:
        assert (whole / name).read_bytes() == (cut / name).read_bytes(), name
