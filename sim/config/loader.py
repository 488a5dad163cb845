"""Safe YAML loading with ``extends`` and errors that name the file, field, value and rule."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.config.council import CouncilConfig

MAX_FILE_BYTES = 2_000_000  # a council config is a few KB; refuse anything absurd
REPLACED_WHOLE = frozenset({"outcomes", "next"})
ALTERNATIVES = (("duration", "routes"),)
"""Keys of one mapping that say the same thing two ways (``pathway.lac``: one length of stay
or routes): an override giving one drops the other from its base."""
MAX_EXPANDED_NODES = 100_000
MAX_DEPTH = 50  # mappings and lists nested in one another; a config nests about 6 deep
MAX_INT_DIGITS = 30  # an integer longer than this is a mistake, not a count


class ConfigError(ValueError):
    """A config problem a user must fix; ``str()`` is the message to show them."""


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse one YAML mapping safely (no code execution), with clear errors."""
    raw = _read_bounded(path)
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


def _read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_FILE_BYTES`. A folder, a device
    (``/dev/zero``) or a FIFO is refused without reading it (or waiting for a writer)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read file ({exc.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = (
            "is a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        )
        raise ConfigError(f"{path}: {what}; give a YAML file")
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            f"{path}: file is over {MAX_FILE_BYTES:,} bytes; the limit is {MAX_FILE_BYTES:,} "
            "(a config is a few KB)"
        )
    return raw


class _TooLarge(Exception):
    pass


class _Repeated(_TooLarge):
    """A key given twice in one mapping (YAML would silently keep the last)."""


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses nesting deeper than :data:`MAX_DEPTH` (PyYAML
    composes recursively), integers longer than :data:`MAX_INT_DIGITS` digits, and a key
    given twice in one mapping (PyYAML would keep the last without a word). Keys brought in
    by a merge (``<<: *anchor``) may be overridden: that is what a merge is for."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: PyYAML refuses it itself
                continue
            if first is None:
                seen[key] = key_node.start_mark.line + 1
            else:
                raise _Repeated(
                    f"line {key_node.start_mark.line + 1}: field {key!r} is given twice in "
                    f"one mapping (first at line {first}); YAML would silently keep the "
                    "last: give it once"
                )
        return super().construct_mapping(node, deep=deep)

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooLarge(
                    f"line {mark.line + 1}: nested more than {MAX_DEPTH} levels deep; the "
                    f"limit is {MAX_DEPTH} (a config nests about 6)"
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise _TooLarge(
                f"line {node.start_mark.line + 1}: an integer of {digits:,} digits; the limit "
                f"is {MAX_INT_DIGITS}"
            )
        return int(super().construct_yaml_int(node))


_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


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
    loader = _BoundedLoader(text)
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
    what the override means; so does one of ``ALTERNATIVES`` its other."""
    out = dict(base)
    for pair in ALTERNATIVES:
        for given, dropped in (pair, pair[::-1]):
            if given in override and dropped not in override:
                out.pop(dropped, None)
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
    target = named_file(str(path), path.parent, "extends", parent)
    return deep_merge(resolve_extends(target, (*_seen, path)), data)


def named_file(source: str, folder: Path, field: str, value: str) -> Path:
    """The YAML file that ``field`` of ``source`` names (relative to ``folder``), refused
    unless it is a regular file."""
    target = folder / value
    if not target.is_file():
        what = (
            "does not exist" if not target.exists() else "is not a file (a folder, device or FIFO)"
        )
        raise ConfigError(
            f"{source}: field '{field}': value {value!r}: {target} {what}; give a YAML file"
        )
    return target


FRIENDLY_RULES = {
    "extra_forbidden": "unknown field (check the spelling against configs/ or the README)",
    "missing": "required field is missing",
}


def _number_rule(err: Any) -> str | None:
    """A plain rule for a number written as something else (types are strict)."""
    if err["type"] not in ("float_type", "int_type", "int_from_float"):
        return None
    value = err.get("input")
    whole = err["type"] != "float_type"
    need = "a whole number" if whole else "a number"
    if isinstance(value, bool):
        return f"must be {need}; true/false (yes/no, on/off) is not a number"
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return f"must be {need}; text (in quotes, or with units) is not a number"
        return (
            f"must be {need}; YAML read this as text: it is in quotes, or an exponent "
            "without its sign (write 1.0e+6, not 1.0e6)"
        )
    if whole and isinstance(value, float):
        return "must be a whole number, written without a decimal point"
    return None


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: source, field path, value given, rule broken."""
    lines = []
    for err in exc.errors():
        parts = [str(p) for p in err["loc"] if not str(p).startswith(("function-", "<"))]
        loc = ".".join(p if p.isprintable() else repr(p) for p in parts)
        shown = "(none)" if err["type"] == "missing" else repr(err.get("input"))
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = _number_rule(err) or FRIENDLY_RULES.get(
            err["type"], err["msg"].removeprefix("Value error, ")
        )
        msg = "".join(c if c.isprintable() else repr(c)[1:-1] for c in msg)  # pydantic's
        # message may quote the value as given (a tag of "\r"): keep it on one line
        lines.append(f"{source}: field '{loc or '(top)'}': value {shown}: {msg}")
    return "\n".join(lines)


def check_own_target(cfg: CouncilConfig, source: str) -> CouncilConfig:
    """``cfg``, or :class:`ConfigError` if its own caseload target falls outside its run
    (before the start, after the horizon, or held for month ends before the start): a run
    would judge it at another date and label it with this one. Every command that loads a
    file checks this, ``check`` and ``run`` alike; code that shortens a run for its own
    purposes (the validation checks, tests) does not go through it."""
    t = cfg.target
    problem = cfg.target_problem(t.date, t.sustain_months)
    if problem is not None:
        field, why = problem
        value = t.date if field == "date" else t.sustain_months
        raise ConfigError(f"{source}: field 'target.{field}': value {value}: {why}")
    return cfg


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
        # Code (the validation checks, tests) that shortens or changes a run: its target is
        # the caller's to mind, and is not checked against the changed run.
        return validate_council(deep_merge(data, overrides), str(path))
    return check_own_target(validate_council(data, str(path)), str(path))


def to_plain(model: BaseModel) -> dict[str, Any]:
    """The model as plain JSON types (dates as ISO strings), defaults filled in."""
    return model.model_dump(mode="json")


def config_hash(model: BaseModel) -> str:
    """SHA-256 of the canonical JSON of the resolved config (first 16 hex digits)."""
    blob = json.dumps(to_plain(model), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
