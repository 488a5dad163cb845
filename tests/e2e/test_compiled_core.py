"""The compiled core (sim/model/core.py, setup.py): installed compiled, the same bytes as its
Python source, and never run stale after an edit."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import sim
from sim.model import core

ROOT = Path(__file__).resolve().parents[2]
SUFFIXES = tuple(importlib.machinery.EXTENSION_SUFFIXES)

FINGERPRINTS = """
import hashlib, json, sys
import sim, sim.model.cases
from sim.model import core
from sim.config.experiment import load_experiment
from sim.config.loader import load_config
from sim.model.run import run_one

def digest(frame):
    return hashlib.sha256(frame.to_csv().encode()).hexdigest()

out = {"mode": core.MODE, "cases_file": sim.model.cases.__file__}
for name in ("manchester_2016", "cheshire_east_2017"):
    cfg = load_config(f"configs/{name}.yaml")
    for seed in (1, 2):
        out[f"{name}/{seed}"] = digest(run_one(cfg, seed)[0])
exp = load_experiment("experiments/manchester_2016_investment.yaml")
for scenario in exp.scenarios:
    frame, _ = run_one(scenario.config, 3, scenario.policies)
    out[f"investment/{scenario.name}"] = digest(frame)
print(json.dumps(out))
"""


def _run(code: str, pure: bool, path: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter, in ``path`` (importing the package there), or
    else in the repository."""
    env = {**os.environ, core.PURE_ENV: "1" if pure else "0"}
    if path is not None:
        env["PYTHONPATH"] = str(path)
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=path or ROOT,
        env=env,
    )


def test_the_installed_core_is_compiled_and_current():
    assert core.MODE == "compiled", (
        "the core runs from its Python source: compile it with `pip install -e .` "
        f"(changed since the build: {core.changed_since_build(core.HERE)})"
    )
    assert sim.model.cases.__file__.endswith(SUFFIXES)


def test_compiled_and_source_core_give_the_same_bytes():
    """Every shipped config and an experiment's policy scenarios, run once with the compiled
    core and once with its Python source: identical monthly outputs."""
    compiled = json.loads(_run(FINGERPRINTS, pure=False).stdout)
    source = json.loads(_run(FINGERPRINTS, pure=True).stdout)
    assert compiled.pop("mode") == "compiled"
    assert compiled.pop("cases_file").endswith(SUFFIXES)
    assert source.pop("mode") == "python"
    assert source.pop("cases_file").endswith("cases.py")
    assert len(compiled) >= 6
    assert compiled == source


def _copy_installed_package(dest: Path) -> Path:
    """A copy of the installed package, compiled modules, stamp and shared library
    included, importable from ``dest``."""
    shutil.copytree(core.HERE.parent, dest / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    for lib in core.HERE.parent.parent.glob("sim_core__mypyc*"):
        shutil.copy(lib, dest)
    return dest / "sim" / "model"


WHICH = (
    "import sim, sim.model.cases; from sim.model import core; "
    "print(core.MODE, sim.model.cases.__file__)"
)


def test_an_edited_core_module_runs_from_source_until_rebuilt(tmp_path):
    package = _copy_installed_package(tmp_path)
    mode, file = _run(WHICH, pure=False, path=tmp_path).stdout.split()
    assert (mode, Path(file).parent) == ("compiled", package)

    allocation = package / "allocation.py"
    allocation.write_text(allocation.read_text() + "\n# edited\n")
    run = _run(WHICH, pure=False, path=tmp_path)
    mode, file = run.stdout.split()
    assert (mode, file) == ("python", str(package / "cases.py"))  # all of the core, not a mix
    assert "allocation.py changed since the core was compiled" in run.stderr
    assert "pip install -e ." in run.stderr


def test_extension_modules_without_a_stamp_are_not_trusted(tmp_path):
    """A failed build leaves no stamp (setup.py removes it before compiling)."""
    package = _copy_installed_package(tmp_path)
    (package / core.STAMP).unlink()
    assert core.changed_since_build(package) == list(core.CORE_MODULES)
    mode, _ = _run(WHICH, pure=False, path=tmp_path).stdout.split()
    assert mode == "python"
