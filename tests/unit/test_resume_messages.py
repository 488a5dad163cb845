"""A damaged or half-written results folder is named precisely and --resume rebuilds what it
can; bad counts are refused before anything is written; a file that cannot be written gives
one clear message from every command; a failed replication is one line on the terminal and
its traceback goes to failures.log; `report` names the file at fault. (Issue 14, items 6, 9,
10, 12-14.)"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import sim.experiment.replication as replication_module
from sim.cli import main
from sim.experiment.atomic import is_temporary
from sim.experiment.lock import LOCK
from tests.support.experiments import BASELINE, CAMPAIGN, SMALL_BASE, write_experiment

RUN = ["--quiet", "--chunk-size", "2"]


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, Path]:
    """An experiment file and the folder of its finished run (2 scenarios x 4)."""
    root = tmp_path_factory.mktemp("finished")
    exp = write_experiment(root, [BASELINE, CAMPAIGN], replications=4)
    assert main(["experiment", str(exp), "--out", str(root / "out"), *RUN]) == 0
    return exp, root / "out"


@pytest.fixture
def copy(finished, tmp_path) -> tuple[Path, Path]:
    """A copy of the finished folder to damage."""
    exp, out = finished
    shutil.copytree(out, tmp_path / "out")
    return exp, tmp_path / "out"


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if is_temporary(p)]


def fail_fsync_of(monkeypatch, name: str, code: int) -> None:
    """``os.fsync`` fails with ``code`` for the temporary file of ``name`` (as a full or
    read-only disk would), and works for every other file."""
    real = os.fsync

    def fsync(fd: int) -> None:
        if f".{name}." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(code, os.strerror(code))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


# --- item 6: a truncated manifest -----------------------------------------------------------
def test_a_truncated_manifest_is_named_and_force_overwrites_it(copy, capsys):
    exp, out = copy
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text()[:200])
    for flags in (["--resume"], []):
        assert main(["experiment", str(exp), "--out", str(out), *RUN, *flags]) == 2
        err = capsys.readouterr().err
        assert f"{manifest}: damaged" in err and "--force" in err, err
        assert "Traceback" not in err and "Unterminated string" in err
    assert main(["experiment", str(exp), "--out", str(out), *RUN, "--force"]) == 0
    assert json.loads(manifest.read_text())["status"] == "complete"


# --- item 12: killed in the first second, or while writing ---------------------------------
@pytest.mark.parametrize("flags", [["--resume"], []], ids=["resume", "plain"])
def test_a_folder_left_with_only_a_temporary_manifest_runs(tmp_path, flags):
    exp = write_experiment(tmp_path, [BASELINE], replications=2)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".manifest.json.k9x_2abc.tmp").write_text('{"experi')
    assert main(["experiment", str(exp), "--out", str(out), *RUN, *flags]) == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    assert temporaries(out) == []


def test_resume_removes_stray_temporaries_and_reruns_a_damaged_part(copy, finished):
    exp, out = copy
    part = sorted((out / "parts").glob("*.rows.parquet"))[1]
    part.write_bytes(b"junk")
    (out / "replications.parquet").unlink()
    (out / "parts" / ".001-0000000-0000002.rows.parquet.ab12cd34.tmp").write_bytes(b"x")
    (out / ".timeseries.parquet.zz99yy88.tmp").write_bytes(b"x")
    assert main(["experiment", str(exp), "--out", str(out), *RUN, "--resume"]) == 0
    assert temporaries(out) == []
    whole = pd.read_parquet(finished[1] / "replications.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(out / "replications.parquet"), whole)


def test_a_damaged_part_read_at_the_end_is_named(copy, monkeypatch, capsys):
    """A part damaged after it was checked: the message names it and --resume mends it."""
    exp, out = copy
    parts = sorted((out / "parts").glob("*.rows.parquet"))
    real = replication_module.run_chunk

    def damage_then_run(*a, **k):
        parts[0].write_bytes(b"junk")
        return real(*a, **k)

    (out / "parts" / parts[1].name).unlink()  # one chunk to run, so the damage comes after
    monkeypatch.setattr("sim.experiment.parallel.run_chunk", damage_then_run)
    assert main(["experiment", str(exp), "--out", str(out), *RUN, "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"{parts[0]}: damaged" in err and "--resume" in err and "Traceback" not in err
    monkeypatch.undo()
    assert main(["experiment", str(exp), "--out", str(out), *RUN, "--resume"]) == 0


def test_plain_run_suggests_resume_only_when_it_would_work(copy, tmp_path, capsys):
    exp, out = copy
    assert main(["experiment", str(exp), "--out", str(out), *RUN]) == 2
    assert "use --resume" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    other = write_experiment(tmp_path / "other", [BASELINE], replications=3)
    assert main(["experiment", str(other), "--out", str(out), *RUN]) == 2
    err = capsys.readouterr().err
    assert "another experiment" in err and "--resume" not in err
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("x")
    assert main(["experiment", str(exp), "--out", str(tmp_path / "notes"), *RUN]) == 2
    err = capsys.readouterr().err
    assert "not a csc-sim results folder" in err and "--resume" not in err


# --- item 9: counts refused while parsing --------------------------------------------------
@pytest.mark.parametrize(
    "flags",
    [["--chunk-size", "0"], ["--chunk-size", "-1"], ["--jobs", "0"], ["--replications", "0"]],
)
def test_bad_counts_are_refused_before_anything_is_written(tmp_path, capsys, flags):
    exp = write_experiment(tmp_path, [BASELINE], replications=2)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as info:
        main(["experiment", str(exp), "--out", str(out), *flags])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {flags[0]}: '{flags[1]}': must be a whole number of at least 1" in err
    assert not out.exists()


# --- item 10: a file that cannot be written -------------------------------------------------
@pytest.mark.parametrize(
    ("code", "advice"),
    [(errno.ENOSPC, "Free space"), (errno.EROFS, "Write to a writable file system")],
    ids=["full", "read-only"],
)
def test_run_that_cannot_write_says_which_file_and_why(tmp_path, monkeypatch, capsys, code, advice):
    config = tmp_path / "council.yaml"
    config.write_text(yaml.safe_dump(SMALL_BASE))
    out = tmp_path / "out"
    fail_fsync_of(monkeypatch, "summary.json", code)
    assert main(["run", str(config), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"could not write {out / 'summary.json'}: {os.strerror(code)}" in err, err
    assert advice in err and "--force" in err and "--resume" not in err
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["timeseries.csv"], "no lock nor temporary"


def test_experiment_that_cannot_start_writing_does_not_suggest_resume(
    tmp_path, monkeypatch, capsys
):
    exp = write_experiment(tmp_path, [BASELINE], replications=2)
    out = tmp_path / "out"
    real = os.open

    def read_only(path, *a, **k):
        if str(path).endswith(LOCK):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(os, "open", read_only)
    assert main(["experiment", str(exp), "--out", str(out), *RUN]) == 1
    err = capsys.readouterr().err
    assert f"could not write {out / LOCK}: Read-only file system" in err
    assert "--resume" not in err and "Traceback" not in err
    assert not out.exists()


def test_experiment_out_is_a_file(tmp_path, capsys):
    exp = write_experiment(tmp_path, [BASELINE], replications=2)
    assert main(["experiment", str(exp), "--out", str(exp), *RUN]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


# --- item 13: a failed replication ----------------------------------------------------------
def test_a_failed_replication_is_one_line_and_its_traceback_goes_to_a_log(
    tmp_path, monkeypatch, capsys, caplog
):
    exp = write_experiment(tmp_path, [BASELINE], replications=4)
    real = replication_module.run_one

    def flaky(cfg, seed, policies=()):
        if seed.spawn_key == (1,):
            raise ZeroDivisionError("boom")
        return real(cfg, seed, policies)

    monkeypatch.setattr(replication_module, "run_one", flaky)
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO):
        assert main(["experiment", str(exp), "--out", str(out), *RUN]) == 3
    err = capsys.readouterr().err
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.WARNING]
    assert "Traceback" not in err and len(err.splitlines()) <= 4, err
    assert "replication 1, root seed 99: ZeroDivisionError: boom" in err
    assert str(out / "failures.log") in err
    assert "After a fix in the code" in err and "--force" in err
    log = (out / "failures.log").read_text()
    assert "Traceback (most recent call last)" in log and "ZeroDivisionError: boom" in log
    manifest = json.loads((out / "manifest.json").read_text())
    assert "traceback" not in manifest["failures"][0]
    assert "traceback" not in pd.read_csv(out / "failures.csv").columns


# --- item 14: report -------------------------------------------------------------------------
def test_report_names_a_truncated_manifest_and_a_missing_series(copy, capsys):
    exp, out = copy
    (out / "timeseries.parquet").unlink()
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'timeseries.parquet'}: missing" in err
    assert f"csc-sim experiment {exp} --resume --out {out}" in err
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text()[:100])
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{manifest}: damaged" in err and "Traceback" not in err


def test_report_of_infinite_costs_and_a_target_without_a_description(copy, capsys):
    from pptx import Presentation

    _, out = copy
    table = pd.read_csv(out / "scenarios.csv")
    assert table["target_description"].isna().all(), "the test's targets have no description"
    table["cost_per_year_gbp"] = np.inf
    table.to_csv(out / "scenarios.csv", index=False)
    assert main(["report", str(out)]) == 0, capsys.readouterr().err
    page = (out / "report.html").read_text()
    assert "not finite" in page  # the infinite cost is said, not printed as inf or nan
    assert "Target: nan" not in page and "target: nan" not in page.lower()
    slides = Presentation(str(out / "slides.pptx")).slides
    text = " ".join(s.text_frame.text for sl in slides for s in sl.shapes if s.has_text_frame)
    assert "nan" not in text.split() and "nan." not in text
    assert not (out / LOCK).exists()


def test_report_onto_a_full_disk_says_so_without_a_traceback(copy, monkeypatch, capsys):
    _, out = copy
    fail_fsync_of(monkeypatch, "report.html", errno.ENOSPC)
    assert main(["report", str(out), "--no-slides"]) == 1
    err = capsys.readouterr().err
    assert f"could not write {out / 'report.html'}: No space left on device" in err
    assert "Free space" in err and "--resume" not in err and "Traceback" not in err
    assert temporaries(out) == [] and not (out / LOCK).exists()
