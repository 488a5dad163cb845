"""Single mutations of the shipped configs (set, scale, delete or rename one item) and the
values Hypothesis tries, for the property tests of config refusals and runs."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from sim.config.loader import resolve_extends
from tests.conftest import CONFIGS

__all__ = ["FACTORS", "PATHS", "SHIPPED", "VALUES", "leaves", "mutate"]

SHIPPED = {
    p.stem: resolve_extends(p) for p in sorted(CONFIGS.glob("*.yaml")) if p.stem != "england_2023"
}  # England is too big to run in a property loop


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

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**7), 10**9),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from([0, 0.0, -1, 1, 1e-9, 1e12, "", "x", "2016-13-40", [], {}, [1, 2]]),
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
