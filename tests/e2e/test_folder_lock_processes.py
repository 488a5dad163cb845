"""Real processes on one results folder (issue 14, items 1, 6 and 15): a second run is refused
while the first writes, and the first's results stay its own; SIGTERM removes the lock; a
worker killed with kill -9 gives a clean message with the resume hint; the workers of a
parent killed with kill -9 exit within seconds, and --resume clears its stale lock."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.lock import LOCK
from sim.experiment.runner import run_experiment
from tests.support.experiments import BASELINE, CAMPAIGN, write_experiment
from tests.support.processes import start_experiment, wait_for_parts

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def workers(parent: int) -> list[int]:
    """The loky worker processes of ``parent``."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"LokyProcess" in cmd:
            out.append(int(stat.parent.name))
    return out


def test_a_second_run_on_the_folder_is_refused_and_the_first_keeps_its_results(tmp_path):
    """The issue's scenario: a run with seed 1, and while it writes, the same experiment
    with seed 2, --jobs 2 and --force on the same folder."""
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=30)
    out = tmp_path / "X"
    first = start_experiment(exp, out, "--chunk-size", "2", "--seed", "1", "--jobs", "1")
    wait_for_parts(out, 2, first)
    second = start_experiment(
        exp, out, "--chunk-size", "2", "--seed", "2", "--jobs", "2", "--force"
    )
    _, err = second.communicate(timeout=60)
    assert second.returncode == 2, err
    holder = json.loads((out / LOCK).read_text())
    assert f"started {holder['started']}" in err and "--seed 1 --jobs 1" in err, err
    assert "Traceback" not in err
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert not (out / LOCK).exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 1 and manifest["status"] == "complete"
    reps = pd.read_parquet(out / "replications.parquet")
    alone = run_experiment(exp, root_seed=1).replications
    pd.testing.assert_frame_equal(reps, alone)
    assert len(list(out.glob("parts/*.rows.parquet"))) == 30  # 2 scenarios x 15 chunks


def test_sigterm_removes_the_lock(tmp_path):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=40)
    out = tmp_path / "out"
    proc = start_experiment(exp, out, "--chunk-size", "2")
    wait_for_parts(out, 2, proc)
    assert (out / LOCK).exists()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not (out / LOCK).exists()


def test_a_killed_worker_gives_the_resume_hint_without_a_traceback(tmp_path):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=40)
    out = tmp_path / "out"
    proc = start_experiment(exp, out, "--chunk-size", "2", "--jobs", "2")
    wait_for_parts(out, 2, proc)
    pids = workers(proc.pid)
    assert pids, "no worker processes found"
    os.kill(pids[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "a worker process stopped part way" in err and "SIGKILL" in err, err
    assert f"Resume with: csc-sim experiment {exp} --resume --out {out}" in err
    assert "Traceback" not in err and not (out / LOCK).exists()
    resumed = start_experiment(exp, out, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err


def test_workers_exit_soon_after_their_parent_is_killed(tmp_path):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=40)
    out = tmp_path / "out"
    proc = start_experiment(exp, out, "--chunk-size", "2", "--jobs", "2")
    wait_for_parts(out, 2, proc)
    pids = workers(proc.pid)
    assert pids, "no worker processes found"
    proc.kill()
    proc.communicate(timeout=30)
    t0 = time.time()
    while any(running(p) for p in pids) and time.time() - t0 < 10:
        time.sleep(0.1)
    assert not any(running(p) for p in pids), "workers outlived their parent by 10 s"
    assert (out / LOCK).exists()  # a kill -9 leaves the lock: stale now
    resumed = start_experiment(exp, out, "--resume")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert "no longer running" in err and not (out / LOCK).exists()
