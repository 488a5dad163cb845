"""What an experiment assumed, for the report and the slides: the experiment file's own
list, its targets and scenarios, and the council config's comments marked ``assumption``
(read only when the config files on disk still give exactly the configs that were run)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

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


def comment_notes(text: str, word: str = "assumption") -> list[str]:
    """Comments in YAML ``text`` that mention ``word``, each with the key it is about:
    a run of whole-line comments belongs to the key that follows it, an end-of-line
    comment to its own line's key."""
    notes: list[str] = []
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
                notes.append(f"{where}: {joined}" if where else joined)
            block = []
        if comment and word in comment.lower():
            m = _KEY.match(code)
            value = code[m.end() :].strip() if m else code.strip().removeprefix("- ")
            notes.append(f"{where}: {value} \u2014 {clean(comment)}")
    if block:
        joined = clean(" ".join(block))
        if word in joined.lower():
            notes.append(joined)
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
    """The council config's ``assumption`` comments, if its files can be found and still
    give the configs that were run (the experiment hash matches)."""
    from sim.config.experiment import validate_experiment

    manifest = results.manifest
    given = Path(str(manifest.get("experiment_file", "")))
    here = results.folder.resolve()
    roots = search or [Path.cwd(), *here.parents]
    candidates = [given] if given.is_absolute() else [r / given for r in roots]
    exp_file = next((c for c in candidates if c.is_file()), None)
    if exp_file is None:
        return ConfigNotes(missing_reason=f"the experiment file {given} was not found")
    spec = results.spec
    try:
        again = validate_experiment(spec, str(exp_file), exp_file.resolve().parent)
    except Exception as exc:  # a moved or edited config: say so, do not fail the report
        log.info("config notes: %s", exc)
        return ConfigNotes(missing_reason=f"the council config no longer loads ({exc})")
    if again.hash() != manifest.get("experiment_hash"):
        return ConfigNotes(
            missing_reason="the council config files have changed since the run, so their "
            "comments may not describe the configs that were run"
        )
    files, notes = [], []
    path: Path | None = (exp_file.resolve().parent / spec["base"]).resolve()
    seen: set[Path] = set()
    while path is not None and path.is_file() and path not in seen:
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        files.append(path)
        notes.extend(comment_notes(text))
        m = re.search(r"^extends:\s*['\"]?([^'\"#\n]+?)['\"]?\s*(?:#.*)?$", text, re.M)
        path = (path.parent / m.group(1).strip()).resolve() if m else None
    return ConfigNotes(files=files, notes=notes)
