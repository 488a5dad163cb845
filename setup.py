"""Build hook: compiles the simulation's hot core to C with mypyc.

The core modules (listed in ``sim/model/core.py``) stay plain, typed Python; mypyc turns them
into extension modules that run the same code faster (benchmarks/README.md). After a
successful build, a stamp of the compiled sources' hashes goes beside them, so that an
edited module is noticed at import and the Python source used until the next
``pip install -e .``. ``CSC_SIM_PURE=1 pip install -e .`` skips compiling (for a machine
with no C compiler); results are the same bytes either way (tests/e2e/test_compiled_core.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
MODEL = ROOT / "sim" / "model"  # the compiled core lives in the model layer


def _load_core():
    """sim/model/core.py, loaded on its own (the package's dependencies need not be installed
    when this runs)."""
    spec = importlib.util.spec_from_file_location("_sim_core", MODEL / "core.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


core = _load_core()
compiled_sources = core.source_digests(MODEL)


class BuildCore(build_ext):
    """build_ext, then the stamp of the compiled sources beside the extension modules."""

    def run(self) -> None:
        super().run()
        if self.extensions:
            folder = MODEL if self.inplace else Path(self.build_lib) / "sim" / "model"
            core.write_stamp(folder, compiled_sources)


def ext_modules() -> list:
    if sys.argv[1:2] in (["egg_info"], ["dist_info"], ["sdist"]):
        return []  # metadata only: pip asks for it twice before it builds
    # No stamp until a build succeeds: extension modules left by an earlier build are then
    # treated as out of date (sim/model/core.py runs the source instead).
    (MODEL / core.STAMP).unlink(missing_ok=True)
    if core.pure_requested():
        return []
    from mypyc.build import mypycify

    paths = [f"sim/model/{name}.py" for name in core.CORE_MODULES]
    return mypycify(paths, opt_level="3", group_name="sim_core")


setup(ext_modules=ext_modules(), cmdclass={"build_ext": BuildCore})
