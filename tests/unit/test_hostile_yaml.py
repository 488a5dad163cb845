"""Hostile files given as a config, ``extends`` or ``base`` (issue 14, item 7): each is refused
quickly with a message naming the file and the rule, exit 2, without a traceback, a hang or
a MemoryError."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.config.loader import MAX_DEPTH, MAX_FILE_BYTES, MAX_INT_DIGITS
from tests.support.experiments import BASELINE, write_experiment


def deep_flow(path: Path) -> Path:
    path.write_text("a: " + "[" * 5000 + "]" * 5000 + "\n")
    return path


def deep_block(path: Path) -> Path:
    path.write_text("".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "x\n")
    return path


def long_int(path: Path) -> Path:
    path.write_text("horizon_months: " + "7" * 5000 + "\n")
    return path


def folder(path: Path) -> Path:
    path.mkdir()
    return path


def fifo(path: Path) -> Path:
    os.mkfifo(path)  # nobody writes: reading it would block for ever
    return path


def huge(path: Path) -> Path:
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    return path


CASES = [
    (deep_flow, f"nested more than {MAX_DEPTH} levels deep"),
    (deep_block, f"nested more than {MAX_DEPTH} levels deep"),
    (long_int, f"an integer of 5,000 digits; the limit is {MAX_INT_DIGITS}"),
    (folder, "is a folder"),
    (fifo, "not a regular file"),
    (huge, f"the limit is {MAX_FILE_BYTES:,}"),
]
IDS = ["deep-flow", "deep-block", "long-int", "folder", "fifo", "huge"]


def refused(argv: list[str], capsys) -> str:
    t0 = time.perf_counter()
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert time.perf_counter() - t0 < 5, "took too long"
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(("make", "rule"), CASES, ids=IDS)
def test_a_hostile_config_is_refused(tmp_path, capsys, make, rule):
    path = make(tmp_path / "council.yaml")
    err = refused(["check", str(path)], capsys)
    assert str(path) in err and rule in err, err
    assert refused(["run", str(path), "--out", str(tmp_path / "out")], capsys) == err
    assert not (tmp_path / "out").exists()


def test_dev_zero_is_refused_without_reading_it(capsys):
    err = refused(["check", "/dev/zero"], capsys)
    assert "/dev/zero: not a regular file" in err


@pytest.mark.parametrize(("make", "rule"), CASES, ids=IDS)
def test_a_hostile_extends_is_refused(tmp_path, capsys, make, rule):
    target = make(tmp_path / "parent.yaml")
    child = tmp_path / "council.yaml"
    child.write_text(yaml.safe_dump({"extends": "parent.yaml", "name": "x"}))
    err = refused(["check", str(child)], capsys)
    if rule in ("is a folder", "not a regular file"):  # named by the field that points to it
        assert f"{child}: field 'extends': value 'parent.yaml': {target} is not a file" in err
    else:
        assert str(target) in err and rule in err, err


@pytest.mark.parametrize("make", [folder, fifo], ids=["folder", "fifo"])
def test_a_hostile_base_is_refused(tmp_path, capsys, make):
    exp = write_experiment(tmp_path, [BASELINE])
    (tmp_path / "base.yaml").unlink()
    make(tmp_path / "base.yaml")
    err = refused(["check", str(exp)], capsys)
    assert f"{exp}: field 'base': value 'base.yaml'" in err and "is not a file" in err, err
    err = refused(["experiment", str(exp), "--out", str(tmp_path / "out")], capsys)
    assert "field 'base'" in err and not (tmp_path / "out").exists()
