"""The compiled core: the modules that run at every event, compiled to C by mypyc at install
time (``setup.py``), and the check that the compiled ones still match their source.

The core is plain, typed Python; mypyc makes it about a third faster (benchmarks/README.md)
and gives the same bytes (``tests/e2e/test_compiled_core.py``). Because an extension module
is imported in preference to the ``.py`` beside it, an edit to a core module would silently not take
effect until the next build. So the build writes a stamp of the sources' hashes, and at
import (``sim/model/__init__.py`` calls :func:`select`) the core runs from its Python source
whenever any core module differs from the stamp, with a warning, or when
``CSC_SIM_PURE=1`` asks for it. It is all or nothing: compiled modules call each other
directly in C, so a mixture would not run the edited code.

Standard library only: ``setup.py`` loads this file before the package's dependencies exist.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)

CORE_MODULES: tuple[str, ...] = (
    "entities",
    "counters",
    "rng",
    "agenda",
    "allocation",
    "cases",
    "demand",
    "workforce",
    "monitor",
)
"""Modules of ``sim.model`` compiled by mypyc: those on the path of every event."""
STAMP = "_core_stamp.json"
"""Hashes of the core sources as compiled (written by the build, not in git)."""
PURE_ENV = "CSC_SIM_PURE"
"""Set to 1 to run (or build) the core as plain Python."""
HERE = Path(__file__).resolve().parent


def pure_requested() -> bool:
    """True if ``CSC_SIM_PURE`` asks for the core as plain Python."""
    return os.environ.get(PURE_ENV, "") not in ("", "0")


def source_digests(folder: Path) -> dict[str, str]:
    """SHA-256 of each core module's source in ``folder``."""
    return {
        name: hashlib.sha256((folder / f"{name}.py").read_bytes()).hexdigest()
        for name in CORE_MODULES
    }


def write_stamp(folder: Path, digests: dict[str, str]) -> None:
    """Record the hashes of the sources just compiled (called by ``setup.py``)."""
    (folder / STAMP).write_text(json.dumps(digests, indent=1) + "\n")


def changed_since_build(folder: Path) -> list[str]:
    """Core modules whose source differs from the build's stamp (all of them if there is
    no stamp)."""
    try:
        built = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return list(CORE_MODULES)
    now = source_digests(folder)
    return [name for name in CORE_MODULES if built.get(name) != now[name]]


def compiled_modules(folder: Path) -> list[str]:
    """Core modules with an extension module beside their source."""
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    return [
        name
        for name in CORE_MODULES
        if any((folder / f"{name}{suffix}").exists() for suffix in suffixes)
    ]


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the core modules' ``.py`` files ahead of their extension modules."""

    def __init__(self, package: str, folder: Path, names: Sequence[str]) -> None:
        self.paths = {f"{package}.{name}": folder / f"{name}.py" for name in names}

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self.paths.get(fullname)
        return None if source is None else importlib.util.spec_from_file_location(fullname, source)


MODE = "python"
"""``compiled`` or ``python``: how this process runs the core (set by :func:`select`)."""


def select(package: str = "sim.model", folder: Path = HERE) -> str:
    """Decide, before any core module is imported, whether the core runs compiled or from
    source; returns the mode. Safe to call more than once."""
    global MODE
    compiled = compiled_modules(folder)
    if not compiled:
        MODE = "python"
        return MODE
    if not pure_requested():
        changed = changed_since_build(folder)
        missing = [name for name in CORE_MODULES if name not in compiled]
        if not changed and not missing:
            MODE = "compiled"
            return MODE
        problem = (
            f"{', '.join(f'{name}.py' for name in changed)} changed since the core was compiled"
            if changed
            else f"no compiled module for {', '.join(missing)}"
        )
        log.warning(
            "%s: running the core from its Python source (slower, same results). Run "
            "`pip install -e .` to compile it again.",
            problem,
        )
    if not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SourceFinder(package, folder, CORE_MODULES))
    MODE = "python"
    return MODE
