"""The config reference (``docs/config_reference.md``), generated from the pydantic models
themselves: every field of the council config and of the experiment file (its targets,
scenarios, policies, uncertain values, councils and whatever blocks they grow), with its
type, unit, default, rule (the constraints the models enforce) and an example from the
shipped configs and experiments.

Nothing here names a field: a new field appears with its type and constraints as soon as a
model has it, and with its description once it has a docstring (the string below the
field) or a ``Field(description=...)``. ``csc-sim reference`` writes the file; a test fails
while the committed file differs from what this module generates.
"""

from __future__ import annotations

import ast
import datetime as dt
import enum
import inspect
import json
import re
import textwrap
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.config.council import CouncilConfig
from sim.config.experiment import Experiment, load_experiment
from sim.config.loader import ConfigError, load_config

ROOTS: tuple[tuple[str, type[BaseModel]], ...] = (
    ("Council config (configs/*.yaml)", CouncilConfig),
    ("Experiment (experiments/*.yaml)", Experiment),
)
REPOSITORY = Path(__file__).resolve().parents[2]
"""Where the shipped configs and experiments are, for the examples."""
PATH = Path("docs") / "config_reference.md"
"""The reference, relative to the repository."""
MAX_CELL = 70
"""A default or example longer than this is cut (a whole block is in its own section)."""

UNITS: tuple[tuple[str, str], ...] = (
    (r"_gbp_per_year_each$", "GBP a year each"),
    (r"_gbp_per_year$", "GBP a year"),
    (r"_gbp$", "GBP"),
    (r"_per_year$", "per year"),
    (r"_per_advert$", "per advert round"),
    (r"(^|_)days$", "days"),
    (r"(^|_)months$", "months"),
    (r"(^|_)years$", "years"),
    (r"(^|_)fte$", "FTE"),
    (r"(^|_)share$", "share, 0-1"),
    (r"(^|_)probability$", "probability, 0-1"),
    (r"(^|_)multiplier$", "multiplier, 1 = no change"),
    (r"_strength$", "strength, 0 = off"),
    (r"caseload", "children per FTE"),
    (r"_sd_log$", "sd of the log"),
)
"""Units from field names, the config's convention (``_days``, ``_per_year``, ``_gbp``,
``_fte``, ...): the first pattern that matches."""


# --- reading the models ---------------------------------------------------------------------


def attribute_docs(cls: type) -> dict[str, str]:
    """The docstrings written under fields (``x: int = 0`` then ``\"\"\"...\"\"\"``) of
    ``cls`` and its bases, a subclass's winning."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass in (object, BaseModel) or not issubclass(klass, BaseModel):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):  # defined where its source cannot be read
            continue
        node = ast.parse(source).body[0]
        if not isinstance(node, ast.ClassDef):
            continue
        for a, b in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(a, ast.AnnAssign)
                and isinstance(a.target, ast.Name)
                and isinstance(b, ast.Expr)
                and isinstance(b.value, ast.Constant)
                and isinstance(b.value.value, str)
            ):
                out[a.target.id] = b.value.value
    return out


def _strip(tp: Any) -> tuple[Any, list[Any]]:
    """``tp`` without ``Annotated`` layers, and their metadata (a FieldInfo's own
    constraints included)."""
    meta: list[Any] = []
    while get_origin(tp) is Annotated:
        tp, *extra = get_args(tp)
        for m in extra:
            meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
    return tp, meta


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (typing.Union, types.UnionType)


def _models_in(tp: Any) -> Iterator[type[BaseModel]]:
    """The models a field's type holds, at any depth (lists, mappings, unions)."""
    tp, _ = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        yield tp
        return
    for arg in get_args(tp):
        if not isinstance(arg, str | int | float | bool | type(None)) or isinstance(arg, type):
            yield from _models_in(arg)


def _anchor(cls: type) -> str:
    return cls.__name__.lower()


def type_text(tp: Any) -> str:
    """A field's type in words, models as links to their sections."""
    tp, _ = _strip(tp)
    if tp is type(None):
        return "none"
    if _is_union(tp):
        parts = [type_text(a) for a in get_args(tp)]
        return " or ".join(dict.fromkeys(parts))
    origin, args = get_origin(tp), get_args(tp)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (list, tuple, set, frozenset):
        inner = [a for a in args if a is not Ellipsis]
        return "list of " + (type_text(inner[0]) if inner else "any")
    if origin is dict:
        return f"mapping of {type_text(args[0])} to {type_text(args[1])}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return f"[`{tp.__name__}`](#{_anchor(tp)})"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in tp)
    names = {float: "number", int: "whole number", str: "text", bool: "true or false"}
    if tp in names:
        return names[tp]
    if tp is dt.date:
        return "date (YYYY-MM-DD)"
    if tp is Any:
        return "any"
    return getattr(tp, "__name__", str(tp))


def rules(cls: type[BaseModel], name: str) -> list[str]:
    """The constraints pydantic enforces on field ``name`` of ``cls``, in words: bounds,
    lengths, patterns, the project's named ceilings and meanings (``at_most``,
    ``at_least``, a policy effect's ``Meaning``), and the model's validators of the field
    (by their docstring's first sentence, or their name in words)."""
    info = cls.model_fields[name]
    _, inner = _strip(info.annotation)
    out: list[str] = []
    for m in [*info.metadata, *inner, *_union_metadata(info.annotation)]:
        text = _rule(m)
        if text and text not in out:
            out.append(text)
    for var, dec in cls.__pydantic_decorators__.field_validators.items():
        if name in dec.info.fields:
            doc = inspect.getdoc(dec.func)
            out.append("checked: " + (_sentence(doc) if doc else var.strip("_").replace("_", " ")))
    return out


def _union_metadata(tp: Any) -> list[Any]:
    """Constraints inside an optional type (``Annotated[float, Field(ge=0)] | None``)."""
    tp, _ = _strip(tp)
    if not _is_union(tp):
        return []
    return [m for arg in get_args(tp) for m in _strip(arg)[1]]


def _rule(m: Any) -> str | None:
    bounds = ((at.Ge, "ge", ">="), (at.Gt, "gt", ">"), (at.Le, "le", "<="), (at.Lt, "lt", "<"))
    for kind, attr, sign in bounds:
        if isinstance(m, kind):
            return f"{sign} {_value(getattr(m, attr))}"
    if isinstance(m, at.MinLen):
        return f"length >= {m.min_length}"
    if isinstance(m, at.MaxLen):
        return f"length <= {m.max_length}"
    pattern = getattr(m, "pattern", None)
    if isinstance(pattern, str):
        return f"matches `{pattern}`"
    func = getattr(m, "func", None)
    if func is None:
        return None
    owner = getattr(func, "__self__", None)
    if owner is not None and callable(getattr(owner, "rule", None)):
        return str(owner.rule())  # a policy effect's Meaning
    try:
        named = inspect.getclosurevars(func).nonlocals
    except TypeError:
        return None
    if "limit" in named and "why" in named:
        word = "at most" if func.__qualname__.startswith("at_most") else "at least"
        return f"{word} {named['limit']:,} ({named['why']})"
    doc = inspect.getdoc(func)
    return _sentence(doc) if doc else None


def model_checks(cls: type[BaseModel]) -> list[str]:
    """What the model's own validators check across its fields: each one's docstring's
    first sentence, or else the messages it raises (values shown as ...)."""
    out = []
    for dec in cls.__pydantic_decorators__.model_validators.values():
        doc = inspect.getdoc(dec.func)
        if doc:
            out.append(_sentence(doc))
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(dec.func)))
        except (OSError, TypeError, SyntaxError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                text = _literal(node.exc.args[0])
                if text and text not in out:
                    out.append(text)
    return out


def _literal(node: ast.expr) -> str:
    """A message as written: constant parts kept, placeholders as ``...``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_literal(v) if isinstance(v, ast.Constant) else "..." for v in node.values)
    return ""


def _sentence(text: str) -> str:
    first = " ".join(text.split()).split(". ")[0]
    return first.rstrip(".")


def unit(name: str, tp: Any) -> str:
    """The field's unit, from its type (a date) or its name (:data:`UNITS`)."""
    stripped, _ = _strip(tp)
    if stripped is dt.date or dt.date in [_strip(a)[0] for a in get_args(stripped)]:
        return "date"
    for pattern, words in UNITS:
        if re.search(pattern, name):
            return words
    return ""


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, enum.Enum):
        return str(v.value)
    if isinstance(v, BaseModel):
        v = v.model_dump(mode="json", exclude_unset=True)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple | dict):
        text = json.dumps(_plain(v), separators=(", ", ": "))
    else:
        text = str(v)
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 3] + "..."


def _plain(v: Any) -> Any:
    if isinstance(v, BaseModel):
        return v.model_dump(mode="json", exclude_unset=True)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, float):
        return float(f"{v:.4g}")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    factory = info.default_factory
    value = factory() if factory is not None else info.default  # type: ignore[call-arg]
    if value is None:
        return "none"
    if isinstance(value, list | dict | str) and not value:
        return '`""`' if isinstance(value, str) else "empty"
    if isinstance(value, BaseModel) and not value.model_fields_set:
        return "its defaults"
    return f"`{_value(value)}`"


# --- examples from the shipped files --------------------------------------------------------


def shipped_examples(root: Path = REPOSITORY) -> dict[tuple[type, str], tuple[Any, str]]:
    """(model class, field) -> (a value a shipped config or experiment gives it, the file),
    the first in file name order; only values written in a file, not defaults."""
    found: dict[tuple[type, str], tuple[Any, str]] = {}
    loaded: list[tuple[BaseModel, str]] = []
    for path in sorted((root / "configs").glob("*.yaml")):
        try:
            loaded.append((load_config(path), f"configs/{path.name}"))
        except ConfigError:  # a broken shipped file is the tests' business, not the reference's
            continue
    for path in sorted((root / "experiments").glob("*.yaml")):
        try:
            loaded.append((load_experiment(path).spec, f"experiments/{path.name}"))
        except ConfigError:
            continue
    for model, source in loaded:
        _collect(model, source, found)
    return found


def _collect(node: Any, source: str, found: dict[tuple[type, str], tuple[Any, str]]) -> None:
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            value = getattr(node, name)
            if name in node.model_fields_set:
                found.setdefault((type(node), name), (value, source))
            _collect(value, source, found)
    elif isinstance(node, list | tuple):
        for x in node:
            _collect(x, source, found)
    elif isinstance(node, dict):
        for x in node.values():
            _collect(x, source, found)


# --- the document ---------------------------------------------------------------------------


@dataclass
class Section:
    cls: type[BaseModel]
    paths: list[str] = field(default_factory=list)


def sections() -> list[Section]:
    """Every model reachable from :data:`ROOTS`, each once, in depth-first order of first
    appearance, with the YAML paths where it appears."""
    seen: dict[type, Section] = {}
    order: list[Section] = []

    def visit(cls: type[BaseModel], path: str) -> None:
        if cls in seen:
            if path not in seen[cls].paths:
                seen[cls].paths.append(path)
            return
        seen[cls] = Section(cls, [path])
        order.append(seen[cls])
        for name, info in cls.model_fields.items():
            for child in _models_in(info.annotation):
                visit(child, _child_path(path, name, info.annotation))

    for _, root in ROOTS:
        visit(root, "")
    return order


def _child_path(path: str, name: str, tp: Any) -> str:
    here = f"{path}.{name}" if path else name
    tp, _ = _strip(tp)
    if _is_union(tp):
        tp = next((a for a in get_args(tp) if a is not type(None)), tp)
        tp, _ = _strip(tp)
    origin = get_origin(tp)
    if origin in (list, tuple):
        return here + "[]"
    if origin is dict:
        return here + ".<key>"
    return here


def _cell(text: str) -> str:
    """Table-safe: one line, pipes escaped, RST double backticks as Markdown code."""
    text = re.sub(r":\w+:`", "`", text.replace("``", "`"))
    return " ".join(text.split()).replace("|", "\\|")


def render(root: Path = REPOSITORY) -> str:
    """The whole reference, as Markdown."""
    examples = shipped_examples(root)
    lines = [
        "# Config reference",
        "",
        "Every field of a council config (`configs/*.yaml`) and of an experiment file",
        "(`experiments/*.yaml`), generated from the pydantic models in `sim/config/` by",
        "`csc-sim reference`: do not edit it by hand (a test fails while it is out of date;",
        "run `csc-sim reference` to bring it up to date).",
        "",
        "Each block is a section; a field's type links to its block's section. **Unit** is",
        "read from the field's name (`_days`, `_per_year`, `_gbp`, `_fte`, `_share`, ...).",
        "**Rule** is what validation enforces (a value outside it is refused, naming the",
        "field, the value and the rule); **example** is the value the first shipped file",
        "that sets the field gives it. Policy figures say whether they are *absolute*",
        "(replace the config's value, or an amount) or *relative* (a multiplier or a",
        "share of the config's value).",
        "",
    ]
    roots = {cls: title for title, cls in ROOTS}
    for sec in sections():
        cls = sec.cls
        if cls in roots:
            lines += [f"## {roots[cls]}", ""]
        lines += [f'<a id="{_anchor(cls)}"></a>', f"### `{cls.__name__}`", ""]
        where = [p for p in sec.paths if p]
        if where:
            shown = ", ".join(f"`{p}`" for p in where[:6])
            more = f" and {len(where) - 6} more" if len(where) > 6 else ""
            lines += [f"At {shown}{more}.", ""]
        doc = inspect.getdoc(cls)
        if doc and doc != inspect.getdoc(BaseModel) and cls.__doc__:
            lines += [_cell(doc), ""]
        checks = model_checks(cls)
        if checks:
            text = "; ".join(_cell(c) for c in checks)
            lines += [f"Checks: {text}" + ("" if text.endswith(".") else "."), ""]
        lines += [
            "| field | type | unit | default | rule | example | description |",
            "|---|---|---|---|---|---|---|",
        ]
        docs = attribute_docs(cls)
        for name, info in cls.model_fields.items():
            example = examples.get((cls, name))
            shown_example = (
                f"`{_value(example[0])}` ({example[1]})"
                if example and not isinstance(example[0], BaseModel)
                else ""
            )
            desc = info.description or docs.get(name, "")
            row = [
                f"`{info.alias or name}`",
                type_text(info.annotation),
                unit(name, info.annotation),
                default_text(info),
                "; ".join(rules(cls, name)),
                shown_example,
                desc,
            ]
            lines.append("| " + " | ".join(_cell(c) for c in row) + " |")
        lines.append("")
    return "\n".join(lines)
