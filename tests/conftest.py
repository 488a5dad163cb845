"""Shared test fixtures: a small synthetic council whose every part can be switched off,
so analytic results (M/G/inf, Erlang C, stock decay) can be checked exactly.

The tests are in three tiers, one folder each; every test is marked with its folder's name
(``pytest -m "not e2e"`` is the fast loop):

- ``unit/``: one part at a time, no simulation longer than a few seconds;
- ``integration/``: simulations of the synthetic council and small experiments, the theory
  checks, regions, robustness, charts and the report, the golden outputs;
- ``e2e/``: the shipped configs and experiments, England, the notebooks, headless Chromium,
  Dask, signals to real processes, the compiled core.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.checks.synthetic import SYNTHETIC, exp, synthetic_council

__all__ = ["BASE", "CONFIGS", "ROOT", "TIERS", "council", "exp"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIGS = ROOT / "configs"
TIERS = ("unit", "integration", "e2e")
"""The tier folders under tests/, fastest first; each is also a marker (pyproject.toml)."""


council = synthetic_council
BASE = SYNTHETIC


def tier_of(path: Path) -> str | None:
    """The first folder of ``path`` under tests/ (a tier, if the file is where it should
    be), or None for a path outside tests/."""
    try:
        return Path(path).resolve().relative_to(HERE).parts[0]
    except ValueError:
        return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test under tests/ with its tier (``unit``, ``integration`` or ``e2e``); a
    test file outside the tier folders is an error, so that none escapes ``-m``."""
    loose = set()
    for item in items:
        tier = tier_of(item.path)
        if tier in TIERS:
            item.add_marker(getattr(pytest.mark, tier))
        elif tier is not None:
            loose.add(str(item.path))
    if loose:
        raise pytest.UsageError(
            "tests must be in a tier folder (tests/unit, tests/integration or tests/e2e); "
            f"outside them: {', '.join(sorted(loose))}"
        )


@pytest.fixture(scope="session")
def manchester():
    from sim.config.loader import load_config

    return load_config(CONFIGS / "manchester_2016.yaml")
