"""Shared test fixtures: a small synthetic council whose every part can be switched off,
so analytic results (M/G/inf, Erlang C, stock decay) can be checked exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.synthetic import SYNTHETIC, exp, synthetic_council

__all__ = ["BASE", "CONFIGS", "ROOT", "council", "exp"]

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"


council = synthetic_council
BASE = SYNTHETIC


@pytest.fixture(scope="session")
def manchester():
    from sim.loading import load_config

    return load_config(CONFIGS / "manchester_2016.yaml")
