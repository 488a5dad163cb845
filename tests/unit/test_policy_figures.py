"""Policies say whether each figure is absolute or relative, and an agency policy "down to
10%" never raises the config's own cap (issue 15 item 5)."""

from __future__ import annotations

import copy
import datetime as dt
import typing

import pytest
from pydantic import BaseModel

from sim.config import policies
from sim.config.loader import validate_council
from sim.config.policies import AgencyPolicy
from sim.config.reference import attribute_docs
from tests.support.experiments import SMALL_BASE

POLICY_MODELS = [
    c
    for c in vars(policies).values()
    if isinstance(c, type)
    and issubclass(c, BaseModel)
    and c.__module__ == policies.__name__
    and not c.__name__.endswith("Effect")  # a distribution's parameters, not a figure
]


def _numeric(tp: object) -> bool:
    """Whether a field holds a number (a fixed one, or an uncertain effect)."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if tp in (int, float):
        return True
    return any(_numeric(a) for a in typing.get_args(tp))


def test_every_figure_of_a_policy_says_absolute_or_relative():
    """Durations (``_months``, ``_years``, a month of the year) are what they say; every
    other number, and every date, says which it is."""
    vague = []
    for cls in POLICY_MODELS:
        docs = attribute_docs(cls)
        for name, info in cls.model_fields.items():
            if name.endswith(("_months", "_years")) or name == "month":
                continue
            if not _numeric(info.annotation) and info.annotation is not dt.date:
                continue
            doc = docs.get(name, "")
            if "Absolute" not in doc and "Relative" not in doc:
                vague.append(f"{cls.__name__}.{name}")
    assert POLICY_MODELS and not vague, vague


def test_a_multiplier_is_relative_and_the_agency_share_absolute():
    docs = attribute_docs(policies.RetentionPayment)
    assert docs["hazard_multiplier_waiting"].startswith("Relative")
    assert attribute_docs(AgencyPolicy)["max_share"].startswith("Absolute")


@pytest.mark.parametrize(
    ("policy", "config", "reached"),
    [(0.10, 0.08, 0.08), (0.10, 0.40, 0.10), (0.0, 0.3, 0.0), (1.0, 0.2, 0.2)],
)
def test_down_to_never_raises_the_cap(policy, config, reached):
    p = AgencyPolicy(type="agency_policy", max_share=policy, by=dt.date(2021, 1, 1))
    assert p.ceiling(config) == reached


def test_a_run_never_raises_the_cap_above_the_configs():
    from sim.model.simulation import CouncilModel

    data = copy.deepcopy(SMALL_BASE)
    data["horizon_months"] = 3
    data["recruitment"]["agency"]["max_share"] = 0.08
    cfg = validate_council(data)
    p = AgencyPolicy(type="agency_policy", max_share=0.10, by=dt.date(2020, 2, 1))
    model = CouncilModel(cfg, 0, [p])
    model.run()
    assert model.levers.agency_max_share <= 0.08
