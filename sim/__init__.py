"""csc-sim: children's social care caseload and workforce simulation.

The package is in layers, each a sub-package that imports only those below it:
``config`` (typed configs and experiment files, as data) < ``model`` (the SimPy model;
its hot core compiled by mypyc) < ``experiment`` (replications, regions, statistics, the
results folder) < ``report`` (charts, HTML, slides) and ``checks`` (theory checks behind
``csc-sim validate``) < ``cli``. ``metrics`` (every monthly KPI, defined once) and
``version`` sit below them all.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from sim.config.loader import ConfigError, load_config
from sim.experiment.results_folder import load_results
from sim.experiment.runner import run_experiment
from sim.model.run import run_one
from sim.version import __version__

__all__ = [
    "ConfigError",
    "__version__",
    "load_config",
    "load_results",
    "run_experiment",
    "run_one",
]


def __getattr__(name: str) -> ModuleType:
    """``sim.charts``: the chart functions (``sim.report.charts``), imported on first use so
    that ``import sim`` does not load matplotlib."""
    if name == "charts":
        return importlib.import_module("sim.report.charts")
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
