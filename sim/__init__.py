"""csc-sim: children's social care caseload and workforce simulation."""

__version__ = "0.1.0"

from sim.loading import ConfigError, load_config
from sim.model import run_one

__all__ = ["ConfigError", "__version__", "load_config", "run_one"]
