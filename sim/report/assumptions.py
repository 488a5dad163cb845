"""What an experiment assumed, for the report and the slides: the experiment file's own
list, its targets and scenarios, and the council config's comments marked ``assumption``,
each with the value in force in the run (after the experiment's overrides), and none from a
template for a field the planner's own file sets.

The config texts come from the results folder's manifest (kept by the run), so the report
is the same from any working folder; a folder from before the manifest kept them falls back
to the files on disk, read only when they still give exactly the configs that were run."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config.provenance import sets, text_layers

if TYPE_CHECKING:
    from sim.experiment.results_folder import SavedResults

log = logging.getLogger(__name__)

_KEY = re.compile(r"^(\s*)(?:-\s+)?([A-Za-z0-9_]+)\s*:")


@dataclass
class ConfigNotes:
    """``assumption`` comments of the council config files, or why there are none."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing_reason: str = ""


def clean(text: str) -> str:
    """Whitespace (including YAML folding) collapsed to single spaces."""
    return " ".join(str(text).split())


def experiment_assumptions(results: SavedResults) -> list[str]:
    return [clean(a) for a in results.assumptions]


@dataclass(frozen=True)
class Note:
    """One comment of a config file, and the field it is about."""

    path: str
    """Dotted path of the key it is about ("" if none)."""
    comment: str
    written: str | None = None
    """The value on the comment's own line (an end-of-line comment), as written."""

    def plain(self) -> str:
        """``path: written — comment`` (an end-of-line comment) or ``path: comment``."""
        if self.written is not None:
            return f"{self.path}: {self.written} — {self.comment}"
        return f"{self.path}: {self.comment}" if self.path else self.comment


def comment_notes(text: str, word: str = "assumption") -> list[str]:
    """Comments in YAML ``text`` that mention ``word``, each with the key it is about:
    a run of whole-line comments belongs to the key that follows it, an end-of-line
    comment to its own line's key."""
    return [n.plain() for n in parse_notes(text, word)]


def parse_notes(text: str, word: str = "assumption") -> list[Note]:
    """The comments of :func:`comment_notes`, with their paths apart."""
    notes: list[Note] = []
    stack: list[tuple[int, str]] = []
    block: list[str] = []

    def path_for(line: str) -> str:
        m = _KEY.match(line)
        if not m:
            return ".".join(k for _, k in stack)
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, m.group(2)))
        return ".".join(k for _, k in stack)

    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#"):
            block.append(stripped.lstrip("#").strip())
            continue
        if not stripped:
            continue
        code, _, comment = _split_comment(raw)
        where = path_for(code)
        if block:
            joined = clean(" ".join(block))
            if word in joined.lower():
                notes.append(Note(where, joined))
            block = []
        if comment and word in comment.lower():
            m = _KEY.match(code)
            value = code[m.end() :].strip() if m else code.strip().removeprefix("- ")
            notes.append(Note(where, clean(comment), value))
    if block:
        joined = clean(" ".join(block))
        if word in joined.lower():
            notes.append(Note("", joined))
    return notes


def _split_comment(line: str) -> tuple[str, str, str]:
    """Split a YAML line at its comment (a ``#`` after whitespace, outside quotes)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i], "#", line[i + 1 :]
    return line, "", ""


def config_notes(results: SavedResults, search: list[Path] | None = None) -> ConfigNotes:
    """The council config's ``assumption`` comments with the values in force: from the
    texts the manifest keeps, or (a folder from before it kept them) from the files on disk
    if they still give the configs that were run (the experiment hash matches)."""
    texts = results.config_texts
    if texts is None:
        found = _texts_on_disk(results, search)
        if isinstance(found, str):
            return ConfigNotes(missing_reason=found)
        texts = found
    return ConfigNotes(files=[Path(p) for p, _ in texts], notes=notes_in_force(results, texts))


def notes_in_force(results: SavedResults, texts: Sequence[tuple[str, str]]) -> list[str]:
    """The notes of ``texts`` (the base config first, then the templates it extends), each
    with the value its field had in the run; a template's note is left out where a file
    before it sets the field, and a note on a field every scenario overrides is left out
    (the experiment's own value stands, in its scenarios)."""
    layers = text_layers(texts)
    overrides = {s["name"]: s.get("overrides") or {} for s in results.spec["scenarios"]}
    configs = {name: results.config(name) for name in results.scenario_names}
    uncertain = results.uncertain
    out = []
    for i, (_, text) in enumerate(texts):
        for note in parse_notes(text):
            if note.path and any(sets(layer.data, note.path) for layer in layers[:i]):
                continue  # the planner's own file sets this field: its note stands, not this
            if note.path and all(sets(o, note.path) for o in overrides.values()):
                continue  # every scenario sets it: the experiment's value, not this note's
            overridden = [n for n, o in overrides.items() if note.path and sets(o, note.path)]
            out.append(_with_value(note, configs, uncertain.get(note.path), overridden))
    return out


MAX_VALUE_CHARS = 60
"""A value longer than this (a list of bands, a whole block) is not repeated in a note."""


def _with_value(
    note: Note,
    configs: Mapping[str, Any],
    prior: Mapping[str, Any] | None,
    overridden: Sequence[str] = (),
) -> str:
    """``path = value in force — comment``: one value, or each scenario's where they
    differ; where the value is too long to repeat, ``path: comment`` and the scenarios
    whose overrides set another (``overridden``)."""
    if not note.path:
        return note.comment
    if prior is not None:
        params = ", ".join(f"{k} {v:g}" for k, v in prior.items() if k != "dist")
        drawn = f"drawn each replication ({prior['dist']} {params})"
        return f"{note.path} = {drawn} — {note.comment}"
    by_value: dict[str, list[str]] = {}
    for name, cfg in configs.items():
        shown = _short(_value_at(cfg, note.path))
        if shown is None:
            by_value = {}
            break
        by_value.setdefault(shown, []).append(name)
    if len(by_value) == 1:
        return f"{note.path} = {next(iter(by_value))} — {note.comment}"
    if by_value:
        each = "; ".join(f"{v} in {', '.join(names)}" for v, names in by_value.items())
        return f"{note.path} = {each} — {note.comment}"
    also = f" (scenarios {', '.join(overridden)} set their own)" if overridden else ""
    return f"{note.path}: {note.comment}{also}"


_MISSING = object()


def _value_at(cfg: Mapping[str, Any], path: str) -> Any:
    node: Any = cfg
    for seg in path.split("."):
        if not isinstance(node, Mapping) or seg not in node:
            return _MISSING
        node = node[seg]
    return node


def _short(value: Any) -> str | None:
    """``value`` as a note shows it, or None if it is missing or too long to repeat."""
    if value is _MISSING or isinstance(value, Mapping):
        return None
    if isinstance(value, float):
        text = f"{value:g}"
    elif isinstance(value, str | int | bool) or value is None:
        text = str(value)
    else:
        text = json.dumps(value, separators=(", ", ": "))
    return text if len(text) <= MAX_VALUE_CHARS else None


def _texts_on_disk(results: SavedResults, search: list[Path] | None) -> list[tuple[str, str]] | str:
    """The base config's text and its templates', read from disk, or why they cannot be."""
    from sim.config.experiment import validate_experiment

    manifest = results.manifest
    given = Path(str(manifest.get("experiment_file", "")))
    here = results.folder.resolve()
    roots = search or [Path.cwd(), *here.parents]
    candidates = [given] if given.is_absolute() else [r / given for r in roots]
    exp_file = next((c for c in candidates if c.is_file()), None)
    if exp_file is None:
        return f"the experiment file {given} was not found"
    spec = results.spec
    try:
        again = validate_experiment(spec, str(exp_file), exp_file.resolve().parent)
    except Exception as exc:  # a moved or edited config: say so, do not fail the report
        log.info("config notes: %s", exc)
        return f"the council config no longer loads ({exc})"
    if again.hash() != manifest.get("experiment_hash"):
        return (
            "the council config files have changed since the run, so their comments may "
            "not describe the configs that were run"
        )
    texts: list[tuple[str, str]] = []
    path: Path | None = (exp_file.resolve().parent / spec["base"]).resolve()
    seen: set[Path] = set()
    while path is not None and path.is_file() and path not in seen:
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        texts.append((str(path), text))
        m = re.search(r"^extends:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", text, re.M)
        path = (path.parent / m.group(1).strip()).resolve() if m else None
    return texts
