"""The atomic writer gives a new file the permissions a plain ``open()`` would (0666 less
the umask, not tempfile's 0600) and keeps a replaced file's own (issue 14, the
permission-respecting writer)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.experiment.atomic import is_temporary, write_json, write_text
from tests.support.experiments import SMALL_BASE


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process's umask after a test that sets it."""
    old = os.umask(0o022)
    os.umask(old)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077, 0o027])
def test_a_new_file_gets_the_mode_open_would_give_it(tmp_path, umask, mask):
    os.umask(mask)
    write_text(tmp_path / "atomic.txt", "x")
    (tmp_path / "plain.txt").write_text("x")
    assert mode(tmp_path / "atomic.txt") == mode(tmp_path / "plain.txt") == 0o666 & ~mask


@pytest.mark.parametrize("kept", [0o640, 0o600, 0o664, 0o444])
def test_a_replaced_file_keeps_its_mode(tmp_path, umask, kept):
    os.umask(0o022)
    path = tmp_path / "summary.json"
    path.write_text("{}")
    path.chmod(kept)
    write_json(path, {"a": 1})
    assert mode(path) == kept
    assert path.read_text() == '{\n  "a": 1\n}\n'
    assert not [p for p in tmp_path.iterdir() if is_temporary(p)]


def test_run_writes_results_others_may_read_under_a_usual_umask(tmp_path, umask):
    os.umask(0o022)
    config = tmp_path / "council.yaml"
    config.write_text(yaml.safe_dump(SMALL_BASE | {"horizon_months": 13}))
    out = tmp_path / "out"
    assert main(["run", str(config), "--out", str(out)]) == 0
    written = sorted(out.iterdir())
    assert [p.name for p in written] == [
        "config.resolved.yaml",
        "summary.json",
        "timeseries.csv",
    ]
    assert {mode(p) for p in written} == {0o644}
