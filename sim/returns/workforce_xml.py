"""The children's social work workforce census as the XML file a council submits to DfE
COLLECT: one ``Message`` per census (30 September), written from the census's two tables
(:func:`sim.returns.workforce_census.build`) and read back into the same tables, which the
census's checks then read as they read a council's CSV export.

Specification: DfE's children's social work workforce census, the 2022 collection's XML
schema (the latest whose schema is public: the transcription of it in Social Finance's
liia-tools, ``liiatools/spec/social_work_workforce/social_work_workforce_2022.xsd``, against
which ``tests/support/csww_2022.xsd``, our transcription that the tests validate against,
was checked). DfE's guides for the 2023 to 2025 censuses were not available to check.

The file: ``Message`` holds ``Header`` (``CollectionDetails``: ``Collection`` CSWW, ``Year``,
``ReferenceDate``; no ``Source``, optional in the schema, as a simulated council has no LEA
number), one ``LALevelVacancies`` (NumberOfVacancies, NoAgencyFTE, NoAgencyHeadcount) and one
``CSWWWorker`` per worker, its items in the schema's order (:data:`WORKER_ITEMS`). A blank
item is left out (every item but AgencyWorker, SWENo and QualInst may be), QualInst, which
the schema requires, is written empty when not known.

Reading is tolerant as the CSV reader is: items the census does not use (or a later year
adds) are ignored, a repeated item (the schema lets QualInst, ContractWeeks, Absat30Sept,
ReasonAbsence and CFKSSstatus repeat) gives its first value, and a problem names the file,
the line, the worker (its SWENo, or ``CSWWWorker 3`` if it has none), the item, the value
and the rule. Entities are not expanded and nothing is fetched from the network.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from lxml import etree

from sim.returns.errors import Problem, ReturnsError
from sim.returns.table import Table

MESSAGE, HEADER, LA_LEVEL, WORKER = "Message", "Header", "LALevelVacancies", "CSWWWorker"
WORKER_ITEMS = (
    "AgencyWorker", "SWENo", "FTE", "PersonBirthDate", "GenderCurrent", "Ethnicity",
    "QualInst", "QualLevel", "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin",
    "RoleEndDate", "LeaverDestination", "ReasonLeave", "FTE30", "Cases30", "WorkingDaysLost",
    "ContractWeeks", "FrontlineGrad", "Absat30Sept", "ReasonAbsence", "CFKSSstatus",
)  # fmt: skip
"""``CSWWWorker``'s items in the 2022 schema's order."""
LA_ITEMS = ("NumberOfVacancies", "NoAgencyFTE", "NoAgencyHeadcount")
ALWAYS_WRITTEN = ("AgencyWorker", "SWENo", "QualInst")
"""Items the schema requires in every ``CSWWWorker`` (minOccurs 1), written even if blank."""


def file_name(year: str) -> str:
    """The census file's name in its year's folder: ``csww_2019.xml``."""
    return f"csww_{year}.xml"


def to_xml(workers: pd.DataFrame, la_level: pd.DataFrame, reference: pd.Timestamp) -> bytes:
    """The census file: ``workers`` and ``la_level`` are the census's tables (columns named
    by the data items, values as text, ``""`` for blank)."""
    root = etree.Element(MESSAGE)
    details = etree.SubElement(etree.SubElement(root, HEADER), "CollectionDetails")
    for tag, text in (
        ("Collection", "CSWW"),
        ("Year", f"{reference.year}"),
        ("ReferenceDate", f"{reference:%Y-%m-%d}"),
    ):
        etree.SubElement(details, tag).text = text
    la = etree.SubElement(root, LA_LEVEL)
    row = la_level.iloc[0]
    for item in LA_ITEMS:
        etree.SubElement(la, item).text = str(row[item])
    items = [c for c in WORKER_ITEMS if c in workers.columns]
    for values in workers[items].itertuples(index=False, name=None):
        el = etree.SubElement(root, WORKER)
        for item, value in zip(items, values, strict=True):
            if value != "" or item in ALWAYS_WRITTEN:
                etree.SubElement(el, item).text = str(value) if value != "" else None
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")


class WorkerTable(Table):
    """``CSWWWorker`` (or ``LALevelVacancies``) elements as a table: a problem names the
    line of the element and the worker it belongs to."""

    def __init__(
        self, frame: pd.DataFrame, name: str, lines: dict[str, list[int | None]], who: list[str]
    ) -> None:
        super().__init__(frame, name, lines)
        self.who = who

    def problem(self, i: int, column: str | None, value: str | None, rule: str) -> Problem:
        p = super().problem(i, column, value, rule)
        return Problem(p.file, None, column, value, rule, line=p.line, worker=self.who[i] or None)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def read_xml(source: Path | bytes, name: str) -> tuple[WorkerTable, WorkerTable, str]:
    """The census file at ``source`` (or its bytes; ``name`` as errors give it): its
    ``CSWWWorker`` and ``LALevelVacancies`` elements as tables of their items' text, and
    the header's ReferenceDate (``""`` if not given)."""
    try:
        if isinstance(source, bytes):
            root = etree.fromstring(source, _PARSER)
        else:
            root = etree.parse(str(source), _PARSER).getroot()
    except etree.XMLSyntaxError as exc:
        raise ReturnsError([Problem(name, None, None, None, f"is not XML: {exc}")]) from None
    if _local(root.tag) != MESSAGE:
        raise ReturnsError(
            [Problem(name, None, None, None,
                     f"is not a workforce census file: its root element is {_local(root.tag)}, "
                     f"not {MESSAGE}")]
        )  # fmt: skip
    by_tag: dict[str, list[etree._Element]] = {}
    for el in root:
        if isinstance(el.tag, str):  # not a comment or processing instruction
            by_tag.setdefault(_local(el.tag), []).append(el)
    la = by_tag.get(LA_LEVEL, [])
    if len(la) > 1:
        raise ReturnsError(
            [Problem(name, None, None, None, f"has {len(la)} {LA_LEVEL} elements; the schema "
                     "has one", line=la[1].sourceline)]
        )  # fmt: skip
    ref = ""
    for header in by_tag.get(HEADER, []):
        for found in header.iter():
            if _local(str(found.tag)) == "ReferenceDate" and found.text:
                ref = found.text.strip()
    workers = by_tag.get(WORKER, [])
    table = _table(workers, WORKER_ITEMS, name)
    who = [
        sweno or f"{WORKER} {k}" for k, sweno in enumerate(table.frame["SWENo"].tolist(), start=1)
    ]
    council = _table(la, LA_ITEMS, name)
    return (
        WorkerTable(table.frame, name, table.lines or {}, who),
        WorkerTable(council.frame, name, council.lines or {}, [""] * len(la)),
        ref,
    )


def _table(elements: list[etree._Element], items: tuple[str, ...], name: str) -> Table:
    """``elements`` as a table of ``items`` (each its first occurrence's stripped text,
    ``""`` if absent), with the line of each element and of each item."""
    rows: list[dict[str, str]] = []
    lines: dict[str, list[int | None]] = {"": [el.sourceline for el in elements]}
    for item in items:
        lines[item] = []
    for el in elements:
        row: dict[str, str] = {}
        at: dict[str, int | None] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tag = _local(child.tag)
            if tag not in row:
                row[tag] = (child.text or "").strip()
                at[tag] = child.sourceline
        rows.append(row)
        for item in items:
            lines[item].append(at.get(item))
    frame = pd.DataFrame(rows, columns=list(items), dtype=object).fillna("")
    return Table(frame.reset_index(drop=True), name, lines)


def _local(tag: str) -> str:
    """A tag without its namespace (a council's software may add one)."""
    return tag.rsplit("}", 1)[-1]
