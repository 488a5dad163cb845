"""csc-sim: children's social care caseload and workforce simulation."""

__version__ = "0.1.0"

# First, before any core module is imported: compiled core or its Python source.
from sim import core as _core

_core.select()

from sim.experiment import run_experiment  # noqa: E402
from sim.load import load_results  # noqa: E402
from sim.loading import ConfigError, load_config  # noqa: E402
from sim.model import run_one  # noqa: E402

__all__ = [
    "ConfigError",
    "__version__",
    "load_config",
    "load_results",
    "run_experiment",
    "run_one",
]
