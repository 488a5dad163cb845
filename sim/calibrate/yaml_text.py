"""A config as YAML text with a comment on every value (PyYAML writes no comments): block
mappings, one line per scalar, distributions and list items in flow style, each with the
comment its path has."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

Path = tuple[str | int, ...]


def scalar(value: Any) -> str:
    """One scalar as YAML reads it back to the same value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} cannot be written to a config")
        text = repr(value)
        # YAML 1.1 (PyYAML) reads 1e-05 as text: give the exponent a sign and a decimal point
        if "e" in text:
            mantissa, exp = text.split("e")
            if "." not in mantissa:
                mantissa += ".0"
            sign = "" if exp.startswith(("-", "+")) else "+"
            text = f"{mantissa}e{sign}{exp}"
        return text
    if isinstance(value, dt.date):
        return value.isoformat()
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text.removesuffix("\n...").strip()


def flow(value: Any) -> str:
    """A mapping or list on one line."""
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: kv[0] != "dist")  # the kind first
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in items) + "}"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return scalar(value)


def _comment(note: str | None) -> str:
    if not note:
        return ""
    return "  # " + " ".join(note.split())


def _is_flow(value: Any) -> bool:
    """Written on one line: a distribution without bands, or a list of scalars."""
    if isinstance(value, Mapping):
        return "dist" in value and "bands" not in value
    return False


def emit(data: Mapping[str, Any], notes: Mapping[Path, str], header: Sequence[str] = ()) -> str:
    """``data`` as YAML, each value with ``notes[path]`` as its comment (a path is the keys
    and list positions leading to the value)."""
    lines = [f"# {h}" if h else "#" for h in header]
    _mapping(data, (), 0, notes, lines)
    return "\n".join(lines) + "\n"


def _mapping(
    data: Mapping[str, Any],
    path: Path,
    indent: int,
    notes: Mapping[Path, str],
    lines: list[str],
    part_of: str | None = None,
) -> None:
    """Write ``data``; ``part_of``: the note for lines of a distribution written over
    several lines (a banded one), whose own note is on its first line."""
    pad = " " * indent
    for key, value in data.items():
        here = (*path, key)
        note = _comment(notes.get(here, part_of))
        if isinstance(value, Mapping) and value and not _is_flow(value):
            lines.append(f"{pad}{key}:{note}")
            inner = "part of the distribution above" if "dist" in value else part_of
            _mapping(value, here, indent + 2, notes, lines, inner)
        elif isinstance(value, list) and value and _needs_block(value, here, notes):
            lines.append(f"{pad}{key}:{note}")
            for i, item in enumerate(value):
                item_note = _comment(_item_note(item, (*here, i), notes) or part_of)
                if isinstance(item, Mapping) and not _flat(item):
                    lines.append(f"{pad}  -{item_note}")
                    _mapping(item, (*here, i), indent + 4, notes, lines)
                else:
                    lines.append(f"{pad}  - {flow(item)}{item_note}")
        elif isinstance(value, Mapping | list):
            lines.append(f"{pad}{key}: {flow(value)}{note}")
        else:
            lines.append(f"{pad}{key}: {scalar(value)}{note}")


def _item_note(item: Any, path: Path, notes: Mapping[Path, str]) -> str | None:
    """A list item's comment: its own, or those of its fields (an item on one line)."""
    if path in notes:
        return notes[path]
    if isinstance(item, Mapping) and _flat(item):
        parts = [notes[(*path, k)] for k in item if notes.get((*path, k))]
        return "; ".join(parts) if parts else None
    return None


def _flat(item: Mapping[str, Any]) -> bool:
    return all(not isinstance(v, Mapping | list) or _is_flow(v) for v in item.values())


def _needs_block(value: list[Any], path: Path, notes: Mapping[Path, str]) -> bool:
    """A list is written one item a line when its items have notes or are mappings."""
    return any(isinstance(v, Mapping) for v in value) or any(
        (*path, i) in notes for i in range(len(value))
    )
