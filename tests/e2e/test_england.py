"""The shipped England config split into 150 councils of lognormal sizes keeps the
national totals. (The England experiment by councils runs in tests/e2e/test_shipped.py.)"""

from __future__ import annotations

import pytest

from sim.config.councils import Councils, scale_config
from sim.config.loader import load_config
from tests.conftest import CONFIGS


def test_england_split_keeps_the_national_totals():
    england = load_config(CONFIGS / "england_2023.yaml")
    shares = Councils(count=150, size_sd_log=0.6).share_of()
    parts = [scale_config(england, s, n) for n, s in shares.items()]
    assert sum(p.demand.referrals_per_year for p in parts) == pytest.approx(
        england.demand.referrals_per_year
    )
    for stage in ("assessment", "cin", "cp", "lac"):
        total = sum(getattr(p.initial_cases, stage) for p in parts)
        assert abs(total - getattr(england.initial_cases, stage)) <= 75, stage  # rounding
    assert sum(p.establishment.fte for p in parts) == pytest.approx(england.establishment.fte)
    assert all(p.leaving == england.leaving and p.teams == england.teams for p in parts)
