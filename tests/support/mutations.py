"""Single mutations of the shipped configs (set, scale, delete or rename one item) and the
values Hypothesis tries, for the property tests of config refusals and runs."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import strategies as st

from sim.config.loader import resolve_extends
from tests.conftest import CONFIGS

__all__ = ["EXAMPLES", "FACTORS", "ISSUE_14", "PATHS", "SHIPPED", "VALUES", "leaves", "mutate"]

EXAMPLES = int(os.environ.get("CSC_SIM_FUZZ_EXAMPLES", "150"))
"""Mutations each property test tries: 150 in CI; set CSC_SIM_FUZZ_EXAMPLES for a longer
run (README, "Reliability")."""

NATIONAL = {"england_2017", "england_2023"}
"""England as one system: too big to run in a property loop."""
SHIPPED = {
    p.stem: resolve_extends(p) for p in sorted(CONFIGS.glob("*.yaml")) if p.stem not in NATIONAL
}


def leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a scalar (and to each list and mapping) in a config."""
    out = [path] if path else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += leaves(v, (*path, i))
    return out


PATHS = [(name, p) for name, data in SHIPPED.items() for p in leaves(data)]

ISSUE_14 = [
    # issue 14's hostile values: text and yes/no for numbers, effects outside their meaning,
    # sizes beyond memory and time, dates outside a run or the calendar
    "5700",
    "yes",
    True,
    -5,
    -2,
    2.5,
    7,
    1e6,
    1e8,
    10**8,
    1e308,
    "9999-06-01",
    "0001-01-01",
    "2010-01-01",
    "2040-01-01",
    {"dist": "uniform", "low": -1, "high": 2},
    {"dist": "normal", "mean": 0.5, "sd": 1},
]
"""The issue's mutations, tried by Hypothesis alongside the generated values."""

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**7), 10**9),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0, 0.0, -1, 1, 1e-9, 1e12, "", "x", "2016-13-40", [], {}, [1, 2]]),
    st.sampled_from(ISSUE_14),
    st.text(max_size=8),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


FACTORS = [0, 0.01, 0.5, 2, 10, 100, -1]


def mutate(data: dict, path: tuple, value: Any, how: str, factor: float = 1.0) -> dict:
    """Set, scale (numbers only), delete or rename the item at ``path``."""
    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node[key]
    last = path[-1]
    old = node[last]
    if how == "scale" and isinstance(old, (int, float)) and not isinstance(old, bool):
        node[last] = type(old)(old * factor) if isinstance(old, float) else int(old * factor)
    elif how == "delete" and isinstance(node, dict):
        del node[last]
    elif how == "rename" and isinstance(node, dict):
        node[f"{last}x"] = node.pop(last)
    else:
        node[last] = value
    return data
