"""One writer per output folder (sim/experiment/lock.py): a second run on a locked folder is
refused, with or without --force or --resume, naming the holder's command and start time; a
stale lock is cleared with a warning; the lock goes when its holder ends. (Two real
processes on one folder: tests/e2e/test_folder_lock_processes.py.)"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import yaml

from sim.cli import main
from sim.experiment.lock import LOCK, FolderLocked, acquire, locked
from tests.support.experiments import BASELINE, SMALL_BASE, write_experiment

HOLDER = "csc-sim experiment other.yaml --out X --seed 1"
STARTED = "2026-01-02T03:04:05+00:00"


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of a process that stays alive for the test."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def plant(folder, pid: int, host: str | None = None) -> None:
    """A lock in ``folder`` as another run would have left it."""
    folder.mkdir(parents=True, exist_ok=True)
    record = {"pid": pid, "host": host or socket.gethostname(), "command": HOLDER}
    (folder / LOCK).write_text(json.dumps({**record, "started": STARTED}))


def test_lock_holds_who_and_when_and_goes_on_exit(tmp_path):
    out = tmp_path / "out"
    with locked(out, "csc-sim run x.yaml --out out"):
        record = json.loads((out / LOCK).read_text())
        assert record["pid"] == os.getpid()
        assert record["host"] == socket.gethostname()
        assert record["command"] == "csc-sim run x.yaml --out out"
        assert record["started"][:4].isdigit()
        with locked(out, "csc-sim report out"):  # the same process may take it again
            pass
        assert (out / LOCK).exists()
    assert not out.exists(), "a folder the lock created and nothing filled is removed"


def test_lock_goes_when_the_holder_is_interrupted(tmp_path):
    (tmp_path / "keep").write_text("x")
    with pytest.raises(KeyboardInterrupt), locked(tmp_path, "csc-sim run x.yaml"):
        raise KeyboardInterrupt
    assert not (tmp_path / LOCK).exists()


def test_a_live_holder_refuses_the_second_run(tmp_path, live_pid):
    plant(tmp_path, live_pid)
    with pytest.raises(FolderLocked) as info:
        acquire(tmp_path, "csc-sim run")
    text = str(info.value)
    assert HOLDER in text and STARTED in text and str(live_pid) in text
    assert json.loads((tmp_path / LOCK).read_text())["pid"] == live_pid, "the lock was taken"


def test_a_lock_from_another_host_is_not_judged(tmp_path):
    plant(tmp_path, dead_pid(), host="some-other-host")
    with pytest.raises(FolderLocked, match="on host some-other-host"):
        acquire(tmp_path, "csc-sim run")


def test_a_stale_lock_is_cleared_with_a_warning(tmp_path, caplog):
    pid = dead_pid()
    plant(tmp_path, pid)
    with caplog.at_level(logging.WARNING, logger="sim.experiment.lock"):
        assert acquire(tmp_path, "csc-sim run") is True
    assert json.loads((tmp_path / LOCK).read_text())["pid"] == os.getpid()
    assert f"pid {pid}" in caplog.text and "no longer running" in caplog.text
    assert [p.name for p in tmp_path.iterdir()] == [LOCK], "nothing left beside the lock"


def test_an_unreadable_lock_is_stale_only_when_old(tmp_path):
    (tmp_path / LOCK).write_text("")  # killed between creating the lock and writing it
    with pytest.raises(FolderLocked, match="starting to write"):
        acquire(tmp_path, "csc-sim run")
    old = time.time() - 60
    os.utime(tmp_path / LOCK, (old, old))
    assert acquire(tmp_path, "csc-sim run") is True


@pytest.mark.parametrize("flags", [[], ["--force"], ["--resume"]], ids=["plain", "force", "resume"])
def test_experiment_on_a_locked_folder_is_refused_and_the_folder_untouched(
    tmp_path, live_pid, capsys, flags
):
    exp = write_experiment(tmp_path, [BASELINE], replications=2)
    out = tmp_path / "out"
    plant(out, live_pid)
    (out / "manifest.json").write_text('{"status": "running"}')
    code = main(["experiment", str(exp), "--out", str(out), "--quiet", *flags])
    err = capsys.readouterr().err
    assert code == 2, err
    assert HOLDER in err and STARTED in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == [LOCK, "manifest.json"]
    assert (out / "manifest.json").read_text() == '{"status": "running"}'


def test_run_and_report_on_a_locked_folder_are_refused(tmp_path, live_pid, capsys):
    config = tmp_path / "council.yaml"
    config.write_text(yaml.safe_dump(SMALL_BASE))
    out = tmp_path / "out"
    plant(out, live_pid)
    assert main(["run", str(config), "--out", str(out), "--force"]) == 2
    assert HOLDER in capsys.readouterr().err
    assert main(["report", str(out)]) == 2
    assert HOLDER in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [LOCK]


def test_run_clears_a_stale_lock_and_leaves_no_lock(tmp_path, caplog):
    config = tmp_path / "council.yaml"
    config.write_text(yaml.safe_dump(SMALL_BASE))
    out = tmp_path / "out"
    plant(out, dead_pid())
    with caplog.at_level(logging.WARNING, logger="sim.experiment.lock"):
        assert main(["run", str(config), "--out", str(out)]) == 0
    assert "no longer running" in caplog.text
    assert sorted(p.name for p in out.iterdir()) == [
        "config.resolved.yaml",
        "summary.json",
        "timeseries.csv",
    ]
