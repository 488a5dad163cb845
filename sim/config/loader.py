"""Safe YAML loading with ``extends`` and errors that name the file, field, value and rule."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.council import CouncilConfig

MAX_FILE_BYTES = 2_000_000  # a council config is a few KB; refuse anything absurd
REPLACED_WHOLE = frozenset({"outcomes", "next"})
MAX_EXPANDED_NODES = 100_000


class ConfigError(ValueError):
    """A config problem a user must fix; ``str()`` is the message to show them."""


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML mapping safely (no code execution), with clear errors."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read file ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: file is {size} bytes; the limit is {MAX_FILE_BYTES}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    try:
        data = _safe_load_bounded(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    except _TooLarge as exc:
        raise ConfigError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ConfigError(f"{path}: top level must be a mapping of fields; got {kind}")
    return data


class _TooLarge(Exception):
    pass


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """Nodes in the document once every alias is expanded (memoised, so a document
    whose aliases nest exponentially, a 'billion laughs', costs little to measure)."""
    key = id(node)
    if key not in memo:
        memo[key] = 0  # a recursive alias counts once
        if isinstance(node, yaml.MappingNode):
            size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            size = 1 + sum(_expanded_size(v, memo) for v in node.value)
        else:
            size = 1
        memo[key] = size
    return memo[key]


def _safe_load_bounded(text: str) -> object:
    """``yaml.safe_load`` (no code, no custom tags) that refuses documents whose aliases
    expand beyond :data:`MAX_EXPANDED_NODES`."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        size = _expanded_size(node, {})
        if size > MAX_EXPANDED_NODES:
            raise _TooLarge(
                f"YAML aliases expand to {size:,} nodes; the limit is "
                f"{MAX_EXPANDED_NODES:,} (a config is a few hundred)"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge key by key, anything else replaces.
    A distribution (a mapping with a ``dist`` key) and a probability table (``outcomes``,
    ``next``) replace their parent whole: a leftover entry of the parent would change
    what the override means."""
    out = dict(base)
    for key, value in override.items():
        whole = "dist" in value if isinstance(value, dict) else True
        if not whole and key not in REPLACED_WHOLE and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def resolve_extends(path: Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read ``path`` and, if it says ``extends: other.yaml``, merge it over that file."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, path))
        raise ConfigError(f"{path}: field 'extends': cycle {chain}")
    data = read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ConfigError(f"{path}: field 'extends': value {parent!r}: must be a file path")
    return deep_merge(resolve_extends(path.parent / parent, (*_seen, path)), data)


FRIENDLY_RULES = {
    "extra_forbidden": "unknown field (check the spelling against configs/ or the README)",
    "missing": "required field is missing",
}


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: source, field path, value given, rule broken."""
    lines = []
    for err in exc.errors():
        parts = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
        loc = ".".join(p if p.isprintable() else repr(p) for p in parts)
        shown = "(none)" if err["type"] == "missing" else repr(err.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = FRIENDLY_RULES.get(err["type"], err["msg"].removeprefix("Value error, "))
        lines.append(f"{source}: field '{loc or '(top)'}': value {shown}: {msg}")
    return "\n".join(lines)


def validate_council(data: dict[str, Any], source: str = "config") -> CouncilConfig:
    """Validate a mapping into a :class:`CouncilConfig` or raise :class:`ConfigError`."""
    try:
        return CouncilConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, exc)) from None


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> CouncilConfig:
    """Load a council config file (following ``extends``), apply ``overrides``, validate."""
    path = Path(path)
    data = resolve_extends(path)
    if overrides:
        data = deep_merge(data, overrides)
    return validate_council(data, str(path))


def to_plain(model: BaseModel) -> dict[str, Any]:
    """The model as plain JSON types (dates as ISO strings), defaults filled in."""
    return model.model_dump(mode="json")


def config_hash(model: BaseModel) -> str:
    """SHA-256 of the canonical JSON of the resolved config (first 16 hex digits)."""
    blob = json.dumps(to_plain(model), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
