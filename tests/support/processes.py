"""A real ``csc-sim experiment`` process for the tests that signal or kill one part way."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def start_experiment(exp: Path, out: Path, *flags: str) -> subprocess.Popen:
    """``csc-sim experiment EXP --out OUT --quiet FLAGS`` in a new process, output piped."""
    command = [sys.executable, "-m", "sim.cli", "experiment", str(exp), "--out", str(out)]
    return subprocess.Popen(
        [*command, "--quiet", *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_parts(out: Path, n: int, proc: subprocess.Popen, limit: float = 60) -> None:
    """Wait until ``proc`` has written ``n`` parts (at most ``limit`` seconds); fail if it
    finished first, before the test could act on it part way."""
    t0 = time.time()
    while time.time() - t0 < limit:
        if len(list(out.glob("parts/*.rows.parquet"))) >= n:
            return
        assert proc.poll() is None, f"finished before the test could act: {proc.stderr.read()}"
        time.sleep(0.05)
    raise AssertionError("no parts written")
