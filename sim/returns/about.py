"""``returns_about.md``: what a returns folder holds, which specification each return
follows, which fields are the model's and which are filled in, and which years are partial.
Its text about each return is that return's module docstring, so the file and the code say
the same."""

from __future__ import annotations

import inspect
from collections import defaultdict

import numpy as np
import pandas as pd
from lxml import etree

from sim.returns import cin_census, cin_xml, people, ssda903, workforce_census
from sim.returns.common import FILL_IN_KEY, april_years, census_years
from sim.returns.simulate import Run
from sim.version import __version__


def seed_label(seed: int | np.random.SeedSequence) -> str:
    """How ``csc-sim returns`` was given the seed: ``--seed S`` or ``--seed S
    --replication K``."""
    if isinstance(seed, np.random.SeedSequence):
        return f"--seed {seed.entropy} --replication {seed.spawn_key[0]}"
    return f"--seed {seed}"


def about(run: Run, files: dict[str, pd.DataFrame | bytes]) -> str:
    """The text of ``returns_about.md`` for ``run`` and its ``files``."""
    start, last = run.start, run.last_day
    years = april_years(start, last)
    censuses = census_years(start, last)
    lines = [
        f"# Simulated statutory returns: {run.cfg.name}",
        "",
        "These files are one simulated run of csc-sim, written in the formats a council "
        "submits to DfE. They are not a council's data.",
        "",
        f"- config: {run.cfg.name}, start date {start:%d/%m/%Y}, last day simulated "
        f"{last:%d/%m/%Y}",
        f"- run: `csc-sim returns CONFIG {seed_label(run.seed)}` (csc-sim {__version__}); "
        "the same seed's `csc-sim run` gives the same monthly figures",
        "- collection years (1 April to 31 March), each in the folder of the year it ends: "
        + ", ".join(f"{y.folder} ({y.label})" for y in years),
        f"- workforce censuses (30 September): {', '.join(c.label for c in censuses) or 'none'}",
        "",
        "## Partial years",
        "",
        f"Nothing before {start:%d/%m/%Y} is simulated. The first collection year "
        f"({years[0].label}) holds only the stays, episodes and plans open on that date and "
        "what followed; children open then have an unknown referral date (see the CIN "
        "census below).",
    ]
    if years[-1].last.date() > last:
        lines.append(
            f"The last collection year ({years[-1].label}) is an in-year extract to "
            f"{last:%d/%m/%Y}: what was open then has no end date."
        )
    if censuses and censuses[0].first.date() < start:
        lines.append(
            f"The first workforce census ({censuses[0].label}) lists no leaver before "
            f"{start:%d/%m/%Y}."
        )
    lines += [
        "",
        "## Fields the model does not have",
        "",
        "Each return's section says what is written for them. Where a value is drawn (a "
        "child's sex), it comes from its own random generator, derived from the run's seed "
        f"(`SeedSequence(seed, spawn_key=(..., {FILL_IN_KEY}, crc32(field)))`) apart from "
        "every model stream: the same seed gives the same files, and the fill-ins change "
        f"nothing the model draws. Sex: {people.FEMALE_SHARE:.0%} female.",
    ]
    for title, module in (
        ("SSDA903 (children looked after)", ssda903),
        ("Children in Need census", cin_census),
        ("Children's social work workforce census", workforce_census),
    ):
        doc = inspect.cleandoc(module.__doc__ or "").replace("``", "`")  # reST to Markdown
        if module is cin_census:  # and the format of its file
            doc += "\n\n" + inspect.cleandoc(cin_xml.__doc__ or "").replace("``", "`")
        lines += ["", f"## {title}", "", doc, ""]
        lines += _counts(files, module.FOLDER)
    return "\n".join(lines) + "\n"


def _counts(files: dict[str, pd.DataFrame | bytes], folder: str) -> list[str]:
    """A table of the rows in each file of ``folder`` (in an XML file, the elements of each
    kind under its root, the header apart), one line per year."""
    rows: dict[str, dict[str, int]] = defaultdict(dict)
    names: list[str] = []
    for path, table in files.items():
        top, year, _ = path.split("/")
        if top != folder:
            continue
        for key, n in file_counts(path, table).items():
            rows[year][key] = n
            if key not in names:
                names.append(key)
    out = [
        "| year | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for year, counts in rows.items():
        out.append(f"| {year} | " + " | ".join(str(counts.get(n, 0)) for n in names) + " |")
    out.append("")
    out.append("Rows in each file (in an XML file, elements of each kind).")
    return out


def file_counts(path: str, content: pd.DataFrame | bytes) -> dict[str, int]:
    """What one returns file at ``path`` holds: a table's rows under its name; in the CIN
    census's XML, its children, episodes and their modules (as many as its tables would
    have rows); in another XML file, the elements of each kind under its root."""
    if not isinstance(content, bytes):
        return {path.rsplit("/", 1)[-1]: len(content)}
    if path.startswith(cin_census.FOLDER + "/"):
        return cin_xml.counts(content)
    return _elements(content)


def _elements(data: bytes) -> dict[str, int]:
    """The elements under an XML file's root by tag, its ``Header`` apart."""
    counts: dict[str, int] = {}
    for el in etree.fromstring(data):
        if isinstance(el.tag, str) and el.tag != "Header":
            counts[el.tag] = counts.get(el.tag, 0) + 1
    return counts
