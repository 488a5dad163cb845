"""The CIN census as councils submit it to DfE (COLLECT): one XML file a collection year,
written from the module tables of ``sim.returns.cin_census`` and read back into them.

Specification followed: DfE, "Children in need census 2024 to 2025: business and technical
specification" (version 1.2, November 2024), its XML message: a ``<Message>`` with a
``<Header>`` (``<CollectionDetails>``: ``<Collection>`` CIN, ``<Year>`` the year the census
ends, ``<ReferenceDate>`` its 31 March; ``<Source>``: ``<SourceLevel>`` L, ``<LEA>`` ...) and
``<Children>``, one ``<Child>`` each with ``<ChildIdentifiers>``, ``<ChildCharacteristics>``
and one ``<CINdetails>`` per CIN episode holding its ``<Assessments>``, ``<CINPlanDates>``,
``<Section47>`` and ``<ChildProtectionPlans>`` groups. :data:`STRUCTURE` lists every
element's children in the specification's order (the order since 2017-18, with 2024-25's
``<Sex>``, M/F/U, in the place of ``<GenderCurrent>``); dates are ``xs:date`` (YYYY-MM-DD),
flags ``true``/``false``. An item with no value is left out (each is optional unless the
specification says otherwise, and the model fills in every required one).

The header's items a simulated council does not have, written as: ``<LEA>`` ``000`` (no
DfE local authority number: a council's file has its own), ``<SoftwareCode>`` csc-sim,
``<Release>`` its version, ``<SerialNo>`` 001, ``<DateTime>`` midnight after the last day
the file covers (the same run gives the same bytes).

Read back: the items of each group as the module tables (:data:`GROUPS`); an episode's
modules are linked to it by where they are in the file (the tables get ``CINdetailsID``
as the episode's ``CINreferralDate``, `` NFA`` added for a referral closed with no further
action and ``#2`` ... for another the same day, so that an episode seen in two years is the
same one). Elements this reader does
not use (disabilities, assessment factors, reviews, a later census's new groups) are left
alone. A file that is not well-formed XML, is not a ``<Message>`` with ``<Children>``, or
repeats an item that occurs once, is refused naming its line (and child); the items are
then checked as the CSV tables are, each problem naming the file, the line, the child
(``LAchildID``), the element, its value and the rule.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from lxml import etree

from sim.returns.common import Period
from sim.returns.errors import Problem, ReturnsError
from sim.returns.table import Table
from sim.version import __version__

log = logging.getLogger(__name__)

FILE = "cin_census.xml"
"""The name a year's file is written under (a council's may have any name ending .xml)."""
LEA = "000"
SOFTWARE = "csc-sim"
SERIAL_NO = "001"

STRUCTURE: dict[str, tuple[str, ...]] = {
    "Message": ("Header", "Children"),
    "Header": ("CollectionDetails", "Source"),
    "CollectionDetails": ("Collection", "Year", "ReferenceDate"),
    "Source": ("SourceLevel", "LEA", "SoftwareCode", "Release", "SerialNo", "DateTime"),
    "Children": ("Child",),
    "Child": ("ChildIdentifiers", "ChildCharacteristics", "CINdetails"),
    "ChildIdentifiers": (
        "LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate",
        "ExpectedPersonBirthDate", "Sex", "PersonDeathDate",
    ),
    "ChildCharacteristics": ("Ethnicity", "Disabilities"),
    "Disabilities": ("Disability",),
    "CINdetails": (
        "CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
        "ReasonForClosure", "DateOfInitialCPC", "Assessments", "CINPlanDates", "Section47",
        "ReferralNFA", "ChildProtectionPlans",
    ),
    "Assessments": (
        "AssessmentActualStartDate", "AssessmentInternalReviewDate",
        "AssessmentAuthorisationDate", "FactorsIdentifiedAtAssessment",
    ),
    "FactorsIdentifiedAtAssessment": ("AssessmentFactors",),
    "CINPlanDates": ("CINPlanStartDate", "CINPlanEndDate"),
    "Section47": ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"),
    "ChildProtectionPlans": (
        "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
        "NumberOfPreviousCPP", "Reviews",
    ),
    "Reviews": ("CPPreviewDate",),
}  # fmt: skip
"""Each element's child elements, in the order the specification gives them."""
REPEATED = frozenset(
    {"Child", "CINdetails", "Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans",
     "Disability", "AssessmentFactors", "CPPreviewDate"}
)  # fmt: skip
"""Elements that may occur more than once in their parent; every other occurs at most once."""
OLD_NAMES = {"GenderCurrent": "Sex"}
"""Items of earlier censuses read in the place of their successor (``GenderCurrent`` 1/2/0/9
until 2023-24)."""
FLAGS = ("ReferralNFA", "ICPCnotRequired")
"""Items written as ``true``/``false`` (``1``/``0`` in the tables)."""

CHILDREN, CIN_DETAILS = "children.csv", "cin_details.csv"
GROUPS: dict[str, str] = {
    CIN_DETAILS: "CINdetails",
    "assessments.csv": "Assessments",
    "cin_plans.csv": "CINPlanDates",
    "section47.csv": "Section47",
    "cp_plans.csv": "ChildProtectionPlans",
}
"""The group each module table of ``sim.returns.cin_census`` is, below ``<CINdetails>`` (the
children table is ``<ChildIdentifiers>`` with ``<ChildCharacteristics>``)."""
START = {
    "Assessments": "AssessmentActualStartDate",
    "CINPlanDates": "CINPlanStartDate",
    "Section47": "S47ActualStartDate",
    "ChildProtectionPlans": "CPPstartDate",
}
"""The item a group's entries are written in the order of."""


# -- writing ---------------------------------------------------------------------------------
def to_xml(tables: Mapping[str, pd.DataFrame], year: Period, last_day: pd.Timestamp) -> bytes:
    """The census file of ``year`` from its module tables (``cin_census.build``); the run's
    ``last_day`` dates the extract."""
    root = etree.Element("Message")
    header = etree.SubElement(root, "Header")
    covered = min(year.last, last_day)
    _items(
        etree.SubElement(header, "CollectionDetails"),
        "CollectionDetails",
        {"Collection": "CIN", "Year": year.folder, "ReferenceDate": f"{year.last:%Y-%m-%d}"},
    )
    _items(etree.SubElement(header, "Source"), "Source", {
        "SourceLevel": "L", "LEA": LEA, "SoftwareCode": SOFTWARE, "Release": __version__,
        "SerialNo": SERIAL_NO,
        "DateTime": f"{covered + pd.Timedelta(days=1):%Y-%m-%d}T00:00:00"})  # fmt: skip
    children = etree.SubElement(root, "Children")
    modules: dict[str, dict[tuple[str, str], list[dict[str, str]]]] = {}
    for name, group in GROUPS.items():
        if name == CIN_DETAILS:
            continue
        by_episode: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
        table = tables[name].sort_values(START[group], kind="stable")
        for rec in _records(table):
            by_episode[(rec["LAchildID"], rec["CINdetailsID"])].append(rec)
        modules[group] = by_episode
    details: dict[str, list[dict[str, str]]] = defaultdict(list)
    table = tables[CIN_DETAILS]
    order = table.assign(_id=pd.to_numeric(table["CINdetailsID"], errors="coerce"))
    for rec in _records(order.sort_values(["CINreferralDate", "_id"], kind="stable")):
        details[rec["LAchildID"]].append(rec)
    for kid in _records(tables[CHILDREN]):
        child = etree.SubElement(children, "Child")
        _items(etree.SubElement(child, "ChildIdentifiers"), "ChildIdentifiers", kid)
        _items(etree.SubElement(child, "ChildCharacteristics"), "ChildCharacteristics", kid)
        for ep in details[kid["LAchildID"]]:
            key = (ep["LAchildID"], ep["CINdetailsID"])
            parts = {group: by_episode.get(key, []) for group, by_episode in modules.items()}
            _items(etree.SubElement(child, "CINdetails"), "CINdetails", ep, parts)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _records(table: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as text, flags as ``true``/``false``."""
    text = table.astype(str)
    for col in FLAGS:
        if col in text:
            text[col] = text[col].replace({"1": "true", "0": "false"})
    return list(text.to_dict("records"))  # type: ignore[arg-type]


def _items(
    el: etree._Element,
    group: str,
    values: Mapping[str, str],
    parts: Mapping[str, list[dict[str, str]]] | None = None,
) -> None:
    """Fill ``el`` (a ``group``) with its items from ``values``, blanks left out, and its
    groups from ``parts``, each where the specification puts it."""
    for tag in STRUCTURE[group]:
        if parts and tag in parts:
            for rec in parts[tag]:
                _items(etree.SubElement(el, tag), tag, rec)
        elif values.get(tag, "") != "":
            etree.SubElement(el, tag).text = values[tag]


def counts(data: bytes) -> dict[str, int]:
    """How many children, episodes and module entries a census file holds, by element."""
    root = etree.fromstring(data)
    tags = ("Child", *GROUPS.values())
    return {tag: len(root.findall(f".//{tag}")) for tag in tags}


# -- reading ---------------------------------------------------------------------------------
def read_tables(path: Path, name: str, columns: Mapping[str, tuple[str, ...]]) -> dict[str, Table]:
    """The module tables of the census file at ``path`` (``name`` as errors give it), with
    ``columns`` (``sim.returns.cin_census.COLUMNS``), each row knowing its line and child."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        raise ReturnsError(
            [Problem(name, None, None, None, f"is not well-formed XML: {exc.msg}",
                     line=exc.lineno)]
        ) from None  # fmt: skip
    reader = _Reader(name)
    if _local(root) != "Message":
        reader.fail(root, None, f"has <{_local(root)}> as its root element, not <Message>")
    else:
        _, _, parts = reader.items(root, "Message", None)
        if not parts["Children"]:
            reader.fail(root, None, "has no <Children> element")
        for children in parts["Children"][:1]:
            for child in reader.items(children, "Children", None)[2]["Child"]:
                reader.child(child)
    if reader.problems:
        raise ReturnsError(reader.problems)
    return reader.tables(columns)


def _local(el: etree._Element) -> str:
    """An element's name without a namespace ('' for a comment or processing instruction)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[1] if tag[:1] == "{" else tag


class _Reader:
    """The rows of each module table, and their lines, as the file is walked child by child."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[Problem] = []
        self.rows: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.lines: dict[str, list[dict[str, int]]] = defaultdict(list)
        self.old_names: set[str] = set()

    def fail(self, el: etree._Element, child: str | None, rule: str, item: str | None = None,
             value: str | None = None) -> None:  # fmt: skip
        self.problems.append(
            Problem(self.name, None, item, value, rule, child=child, line=el.sourceline)
        )

    def items(
        self, el: etree._Element, group: str, child: str | None
    ) -> tuple[dict[str, str], dict[str, int], dict[str, list[etree._Element]]]:
        """What ``el`` (a ``group``) holds, as the specification lists it: the text of each
        item and its line, and the elements of each group in it. Unknown elements are left
        alone; one that occurs once, given twice, is a problem."""
        values: dict[str, str] = {}
        lines: dict[str, int] = {"": el.sourceline or 0}
        parts: dict[str, list[etree._Element]] = {t: [] for t in STRUCTURE[group] if t in STRUCTURE}
        for item in el:
            tag = _local(item)
            if tag in OLD_NAMES:
                self.old_names.add(tag)
            elif tag not in STRUCTURE[group]:
                if tag:
                    log.debug("%s line %s: <%s> in <%s> not read", self.name, item.sourceline,
                              tag, group)  # fmt: skip
                continue
            text = (item.text or "").strip()
            if tag in values or (tag in parts and parts[tag] and tag not in REPEATED):
                self.fail(item, child, f"appears twice in <{group}>; it occurs once", tag,
                          None if tag in parts else text)  # fmt: skip
            elif tag in parts:
                parts[tag].append(item)
            else:
                values[tag] = text
                lines[tag] = item.sourceline or 0
        return values, lines, parts

    def add(self, table: str, values: dict[str, str], lines: dict[str, int]) -> None:
        self.rows[table].append(values)
        self.lines[table].append(lines)

    def child(self, el: etree._Element) -> None:
        """One ``<Child>``: its identifiers and characteristics, then each episode."""
        _, _, parts = self.items(el, "Child", None)
        if not parts["ChildIdentifiers"]:
            self.fail(el, None, "<Child> has no <ChildIdentifiers>")
            return
        values, lines, _ = self.items(parts["ChildIdentifiers"][0], "ChildIdentifiers", None)
        la = values.get("LAchildID", "")
        for chars in parts["ChildCharacteristics"][:1]:
            more, more_lines, _ = self.items(chars, "ChildCharacteristics", la)
            values.update(more)
            lines.update({k: v for k, v in more_lines.items() if k})
        self.add(CHILDREN, values, lines)
        referred: Counter[str] = Counter()
        for det in parts["CINdetails"]:
            values, lines, modules = self.items(det, "CINdetails", la)
            # an episode closed at the door closes on its referral date, so is in one year
            # only: kept apart from a same-day referral that goes on (the next year's file
            # must give that one the same key)
            date = values.get("CINreferralDate", "")
            nfa = values.get("ReferralNFA", "").lower() in ("1", "true")
            ident = f"{date} NFA" if nfa else date
            referred[ident] += 1
            if not date or referred[ident] > 1:
                ident += f"#{referred[ident]}"
            link = {"LAchildID": la, "CINdetailsID": ident}
            self.add(CIN_DETAILS, {**link, **values}, lines)
            for table, group in GROUPS.items():
                for part in modules.get(group, []) if table != CIN_DETAILS else []:
                    values, lines, _ = self.items(part, group, la)
                    self.add(table, {**link, **values}, lines)

    def tables(self, spec: Mapping[str, tuple[str, ...]]) -> dict[str, Table]:
        """The rows gathered, as one :class:`Table` per module of ``spec`` (its columns,
        blank where the element is absent)."""
        out = {}
        for table, spec_columns in spec.items():
            columns = list(spec_columns)
            rows = self.rows[table]
            if table == CHILDREN and self.old_names and not any("Sex" in r for r in rows):
                columns += sorted(self.old_names)  # an earlier census: GenderCurrent, no Sex
                columns.remove("Sex")
            frame = pd.DataFrame(
                [[r.get(c, "") for c in columns] for r in rows], columns=columns, dtype=object
            )
            lines: dict[str, list[int | None]] = {
                c: [ln.get(c) for ln in self.lines[table]] for c in ["", *columns]
            }
            out[table] = Table(frame, self.name, lines)
        return out
