"""csc-sim: children's social care caseload and workforce simulation."""

__version__ = "0.1.0"

from sim.experiment import run_experiment
from sim.load import load_results
from sim.loading import ConfigError, load_config
from sim.model import run_one

__all__ = [
    "ConfigError",
    "__version__",
    "load_config",
    "load_results",
    "run_experiment",
    "run_one",
]
