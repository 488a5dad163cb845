"""Which file set a config field: a config, the files it ``extends`` (templates) and an
experiment scenario's overrides are layers, the planner's own first; a field's value comes
from the first layer that sets it. ``csc-sim check`` uses this to tell a planner's own
value from one inherited from a template, and the report to leave out a template's notes
on fields the planner set."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.config.loader import REPLACED_WHOLE, read_yaml


@dataclass(frozen=True)
class Layer:
    """One source of config values."""

    label: str
    """Where the values are written, for messages: a file path, or a scenario's overrides."""
    data: Mapping[str, Any]
    inherited: bool
    """Reached through ``extends``: a template's value, not one the planner wrote."""


def sets(data: Mapping[str, Any], path: str) -> bool:
    """Whether ``data`` gives the field at dotted ``path``, itself or by giving a value that
    is not a mapping (a list, a distribution) at a prefix of it, which replaces it whole."""
    node: Any = data
    for seg in path.split("."):
        if not isinstance(node, Mapping):
            return True
        if seg not in node:
            return False
        node = node[seg]
        if seg in REPLACED_WHOLE or (isinstance(node, Mapping) and "dist" in node):
            return True  # replaces its whole block (loader.deep_merge)
    return True


def origin(layers: Sequence[Layer], path: str) -> Layer | None:
    """The layer the value at ``path`` comes from; None if none sets it (the model's
    default)."""
    return next((layer for layer in layers if sets(layer.data, path)), None)


def config_layers(path: Path) -> list[Layer]:
    """``path`` and the files it extends, in that order (each read as ``load_config`` reads
    it; a cycle stops the chain, as ``load_config`` has refused it already)."""
    layers: list[Layer] = []
    seen: set[Path] = set()
    current: Path | None = Path(os.path.normpath(path))
    while current is not None and current.resolve() not in seen:
        seen.add(current.resolve())
        data = read_yaml(current)
        layers.append(Layer(str(current), data, inherited=bool(layers)))
        parent = data.get("extends")
        current = (
            Path(os.path.normpath(current.parent / parent)) if isinstance(parent, str) else None
        )
    return layers


def text_layers(texts: Sequence[tuple[str, str]]) -> list[Layer]:
    """Layers from recorded ``(path, YAML text)`` pairs, the config first and then the
    files it extends (as a results folder's manifest keeps them)."""
    out = []
    for i, (label, text) in enumerate(texts):
        data = yaml.safe_load(text)
        out.append(Layer(label, data if isinstance(data, Mapping) else {}, inherited=i > 0))
    return out
