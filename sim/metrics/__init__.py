"""Every monthly KPI, defined once: its column, what it means and in what unit, whether it
is a flow over the month or a stock at its end, whether it is a share, how councils add
up into a region, and how charts and slides name it.

The monitor writes exactly these columns in this order (after ``date``); summaries, the
region's sums, the charts' labels and the README's column table
(``python -m sim.metrics``) all read them from here. Imports nothing from ``sim``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Sum:
    """A region's value is the councils' sum (counts, FTE, money)."""


@dataclass(frozen=True)
class Ratio:
    """A region's value is recomputed from its summed numerator over its summed
    denominator (the sum of ``denominator``'s columns), so it is exact."""

    numerator: str
    denominator: tuple[str, ...]


@dataclass(frozen=True)
class Largest:
    """A region's value is the largest council's."""


@dataclass(frozen=True)
class Weighted:
    """A region's value is the councils' weighted by the sum of ``weights``' columns: close to,
    not exactly, the region's own rate."""

    weights: tuple[str, ...]


Aggregate = Sum | Ratio | Largest | Weighted


@dataclass(frozen=True)
class Metric:
    """One column of the monthly series."""

    column: str
    meaning: str
    """What it counts, for the README's table."""
    unit: str
    """``children``, ``FTE``, ``workers``, ``referrals``, ``GBP``, ``share``, ``ratio``, ..."""
    timing: Literal["flow", "stock"]
    """A flow is counted over the month; a stock is read at its end."""
    region: Aggregate = Sum()
    label: str | None = None
    """Chart axis label (default: the column name in words)."""
    short: str | None = None
    """The metric inside a sentence: ``average caseload`` (default: the column in words)."""
    phrase: str | None = None
    """A target in a sentence, ``{value}`` standing for ``18 or less`` (default: from the
    label)."""

    @property
    def share(self) -> bool:
        """A share from 0 to 1 (shown as a percentage)."""
        return self.unit == "share"


_FTE = ("qualified_fte", "asye_fte", "agency_fte")

METRICS: tuple[Metric, ...] = (
    Metric(
        "referrals",
        "referrals in the month (re-referrals of closed cases included)",
        "referrals",
        "flow",
    ),
    Metric("rereferrals", "re-referrals of closed cases in the month", "referrals", "flow"),
    Metric(
        "rereferrals_12m",
        "referrals in the month within 12 months of the child's previous referral (DfE's "
        "re-referral definition; children whose previous referral was before the start date "
        "are not known, so the first year undercounts)",
        "referrals",
        "flow",
    ),
    Metric(
        "referrals_nfa",
        "referrals in the month closed with no further action before an assessment",
        "referrals",
        "flow",
    ),
    Metric("closures", "cases closed in the month", "children", "flow"),
    Metric("lac_started", "children starting to be looked after in the month", "children", "flow"),
    Metric(
        "lac_started_16_plus",
        "of lac_started, those aged 16 or over",
        "children",
        "flow",
    ),
    Metric("lac_ceased", "children ceasing to be looked after in the month", "children", "flow"),
    Metric("lac_ceased_home", "of lac_ceased, those returning home", "children", "flow"),
    Metric("lac_ceased_adopted", "of lac_ceased, those adopted", "children", "flow"),
    Metric(
        "lac_ceased_sgo",
        "of lac_ceased, those leaving on a special guardianship order",
        "children",
        "flow",
    ),
    Metric("lac_ceased_18_plus", "of lac_ceased, those leaving at 18", "children", "flow"),
    Metric("open_cases", "children open at month end", "children", "stock", label="Open children"),
    Metric("open_assessment", "children open at month end in assessment", "children", "stock"),
    Metric("open_cin", "children open at month end on a Child in Need plan", "children", "stock"),
    Metric("open_cp", "children open at month end on a Child Protection plan", "children", "stock"),
    Metric("open_lac", "children open at month end looked after", "children", "stock"),
    Metric(
        "unallocated_cases",
        "open children with no allocated worker (waiting for a place)",
        "children",
        "stock",
        label="Unallocated children",
    ),
    Metric("mean_open_cases", "time-average of open children over the month", "children", "flow"),
    Metric("establishment_fte", "funded social worker posts", "FTE", "stock"),
    Metric(
        "qualified_fte",
        "permanent qualified social workers in post",
        "FTE",
        "stock",
        label="Permanent qualified social workers (FTE)",
    ),
    Metric(
        "asye_fte",
        "newly qualified social workers in their ASYE in post",
        "FTE",
        "stock",
        label="NQSWs in the ASYE (FTE)",
    ),
    Metric(
        "agency_fte",
        "agency social workers in post",
        "FTE",
        "stock",
        label="Agency social workers (FTE)",
    ),
    Metric(
        "vacancy_fte",
        "funded establishment minus permanent FTE (qualified + ASYE), as DfE "
        "counts vacancies: agency cover still counts as a vacancy",
        "FTE",
        "stock",
        label="Vacancies (FTE)",
    ),
    Metric(
        "agency_share",
        "agency FTE over all social worker FTE in post",
        "share",
        "stock",
        region=Ratio("agency_fte", _FTE),
        label="Agency share of social workers",
        short="agency share",
        phrase="an agency share of {value}",
    ),
    Metric("absent_fte", "social workers absent at month end", "FTE", "stock"),
    Metric(
        "case_holder_fte",
        "FTE of case-holding social workers in post: permanent, agency and NQSWs in the ASYE "
        "(DfE's case holders), less those whose children were handed over during a long "
        "absence",
        "FTE",
        "stock",
    ),
    Metric(
        "cases_held",
        "open children allocated to case-holding social workers (DfE's cases)",
        "children",
        "stock",
    ),
    Metric(
        "avg_caseload",
        "**`cases_held` / `case_holder_fte`, as DfE counts caseload** (SWW: cases per "
        "case-holding FTE, agency and ASYE included; England 2023: 16.0). Undefined (empty) "
        "when nobody holds cases.",
        "children per FTE",
        "stock",
        region=Ratio("cases_held", ("case_holder_fte",)),
        label="Average caseload (children per case-holding FTE)",
        short="average caseload",
        phrase="an average caseload of {value}",
    ),
    Metric(
        "avg_caseload_qualified",
        "children allocated to qualified workers (permanent and agency) per qualified FTE: "
        "what the council reports call caseload (Manchester 2016: 24, and 22 for NQSWs, "
        "reported apart, para 4.17). NQSWs in their ASYE are left out of both numerator and "
        "denominator. Undefined (empty) when no qualified worker is in post.",
        "children per FTE",
        "stock",
        region=Ratio("qualified_cases_held", ("qualified_case_holder_fte",)),
        label="Average caseload of qualified social workers (children per FTE)",
        short="qualified workers' average caseload",
        phrase="an average caseload of {value} per qualified social worker",
    ),
    Metric(
        "avg_caseload_asye",
        "children allocated to NQSWs in their ASYE per ASYE FTE",
        "children per FTE",
        "stock",
        region=Ratio("asye_cases_held", ("asye_case_holder_fte",)),
        label="Average caseload of NQSWs in the ASYE",
        short="NQSW caseload",
    ),
    Metric(
        "share_over_target",
        "share of case-holding workers whose caseload is over "
        "their own target (team target x FTE x capacity; the ASYE target for NQSWs)",
        "share",
        "stock",
        region=Ratio("case_holders_over_target", ("case_holders",)),
        label="Share of workers over their caseload target",
        short="share of workers over target",
        phrase="{value} of workers over their caseload target",
    ),
    Metric(
        "share_25_plus",
        "share of case-holding workers holding 25 or more children (DfE's top caseload band; "
        "M16 4.3: 36% of Manchester's social workers held more than 24)",
        "share",
        "stock",
        region=Ratio("case_holders_25_plus", ("case_holders",)),
        label="Share of workers holding 25 or more children",
        short="share of workers with 25 or more",
        phrase="{value} of workers holding 25 or more children",
    ),
    Metric(
        "caseload_p90",
        "the caseload (children held) that 90% of case-holding workers hold at most (nearest "
        "rank); a region's is its councils' weighted by their case-holders (close to, not "
        "exactly, the region's own)",
        "children",
        "stock",
        region=Weighted(("case_holders",)),
        label="Caseload held by 90% of workers or fewer (children)",
        short="90th percentile caseload",
    ),
    Metric(
        "max_worker_load",
        "highest caseload / cap of any worker (at most 1 when `allocation.when_full: wait`)",
        "ratio",
        "stock",
        region=Largest(),
    ),
    Metric(
        "qualified_cases_held",
        "numerator of `avg_caseload_qualified`: children held by qualified workers",
        "children",
        "stock",
    ),
    Metric(
        "qualified_case_holder_fte",
        "denominator of `avg_caseload_qualified`: qualified case-holding FTE",
        "FTE",
        "stock",
    ),
    Metric("asye_cases_held", "numerator of `avg_caseload_asye`", "children", "stock"),
    Metric("asye_case_holder_fte", "denominator of `avg_caseload_asye`", "FTE", "stock"),
    Metric(
        "case_holders",
        "denominator of `share_over_target` and `share_25_plus`: case-holding workers",
        "workers",
        "stock",
    ),
    Metric("case_holders_over_target", "numerator of `share_over_target`", "workers", "stock"),
    Metric("case_holders_25_plus", "numerator of `share_25_plus`", "workers", "stock"),
    Metric("joiners", "permanent workers (qualified or ASYE) starting", "workers", "flow"),
    Metric("leavers", "permanent workers (qualified or ASYE) leaving", "workers", "flow"),
    Metric(
        "leavers_under_5y",
        "of `leavers`, those with under five years' service with the council (ASYE included; "
        "a converted agency worker's service counts from the conversion)",
        "workers",
        "flow",
    ),
    Metric(
        "leavers_to_council",
        "of `leavers`, those going to another council (0 unless `leaving.destinations`)",
        "workers",
        "flow",
    ),
    Metric("leavers_to_agency", "of `leavers`, those going to agency work", "workers", "flow"),
    Metric(
        "leavers_out",
        "of `leavers`, those leaving council children's social work",
        "workers",
        "flow",
    ),
    Metric("hires", "permanent appointments made by recruitment panels", "workers", "flow"),
    Metric("agency_joiners", "agency workers starting an assignment", "workers", "flow"),
    Metric("agency_leavers", "agency assignments ending", "workers", "flow"),
    Metric(
        "agency_returners",
        "of `agency_joiners`, the council's own leavers to agency work, back at once",
        "workers",
        "flow",
    ),
    Metric(
        "agency_conversions",
        "agency workers taking a permanent post (also in `joiners`): with them, the change "
        "in `agency_fte` is `agency_joiners` - `agency_leavers` - `agency_conversions`",
        "workers",
        "flow",
    ),
    Metric("asye_qualified", "NQSWs completing the ASYE", "workers", "flow"),
    Metric(
        "turnover_12m",
        "permanent leavers (FTE) in the last 12 months over the average "
        "permanent FTE in post in them (DfE's definition); annualised in the first year",
        "share",
        "stock",
        region=Weighted(("qualified_fte", "asye_fte")),
        label="Turnover of permanent staff (12 months)",
        short="turnover",
        phrase="turnover of {value}",
    ),
    Metric(
        "sw_changes",
        "allocations of a child to a new worker after a previous one (team "
        "moves, leavers, long absences)",
        "allocations",
        "flow",
    ),
    Metric(
        "sw_changes_workforce",
        "of `sw_changes`, children who lost a worker who left, went "
        "on long absence or whose agency assignment ended",
        "allocations",
        "flow",
    ),
    Metric("team_managers_fte", "team managers in post", "FTE", "stock"),
    Metric(
        "team_managers_needed",
        "team manager posts needed at the configured span (1:8) for the case-holders in post",
        "FTE",
        "stock",
    ),
    Metric("team_manager_shortfall", "team managers needed minus those in post", "FTE", "stock"),
    Metric(
        "cost_gbp",
        "pay with on-costs (permanent, ASYE), agency (pay + premium), team "
        "managers, recruitment and policies, over the month",
        "GBP",
        "flow",
    ),
    Metric(
        "cost_permanent_gbp", "of `cost_gbp`: permanent and ASYE pay with on-costs", "GBP", "flow"
    ),
    Metric("cost_agency_gbp", "of `cost_gbp`: agency pay and premium", "GBP", "flow"),
    Metric("cost_team_managers_gbp", "of `cost_gbp`: team managers", "GBP", "flow"),
    Metric("cost_recruitment_gbp", "of `cost_gbp`: recruitment", "GBP", "flow"),
    Metric(
        "cost_policy_gbp",
        "of `cost_gbp`: policies (payments, supplements, campaigns, programmes)",
        "GBP",
        "flow",
    ),
)
"""Every monthly column after ``date``, in the order the monitor writes them."""

BY_COLUMN: dict[str, Metric] = {m.column: m for m in METRICS}
COLUMNS: tuple[str, ...] = ("date", *BY_COLUMN)
"""The monthly series' columns, in order."""

COUNTS: tuple[str, ...] = tuple(m.column for m in METRICS if isinstance(m.region, Sum))
"""Columns that grow with a council's size (children, referrals, FTE, workers, GBP): those
a region adds up, and those a run at a share of a council's size scales back up."""

SUMMARY_KPIS: tuple[str, ...] = (
    "avg_caseload",
    "avg_caseload_qualified",
    "avg_caseload_asye",
    "open_cases",
    "unallocated_cases",
    "qualified_fte",
    "asye_fte",
    "agency_fte",
    "vacancy_fte",
    "agency_share",
    "turnover_12m",
    "share_over_target",
    "share_25_plus",
    "caseload_p90",
    "team_manager_shortfall",
)
"""KPIs a run's summary gives at the start, at the end and on average, in this order."""
SUMMARY_FLOWS: tuple[str, ...] = ("referrals", "joiners", "leavers", "sw_changes", "cost_gbp")
"""Flows a run's summary totals over the horizon."""


def _words(column: str) -> str:
    text = column.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def is_share(column: str) -> bool:
    """Whether ``column`` is a share from 0 to 1 (False for a column not in the registry)."""
    m = BY_COLUMN.get(column)
    return m.share if m is not None else column.endswith("_share")


def label(column: str) -> str:
    """Chart axis label: ``Average caseload (children per qualified FTE)``."""
    m = BY_COLUMN.get(column)
    return m.label if m is not None and m.label else _words(column)


def short(column: str) -> str:
    """The metric in lower case inside a sentence: ``average caseload``."""
    m = BY_COLUMN.get(column)
    return m.short if m is not None and m.short else column.replace("_", " ")


def phrase(column: str, value: str) -> str:
    """A target on ``column`` in a sentence, ``value`` being e.g. ``18 or less``: ``an
    average caseload of 18 or less`` (default: the label in lower case)."""
    m = BY_COLUMN.get(column)
    if m is not None and m.phrase:
        return m.phrase.format(value=value)
    return f"{label(column).lower()} of {value}"


def markdown_table() -> str:
    """The README's table of monthly columns."""
    lines = ["| column | unit | flow or stock | meaning |", "|---|---|---|---|"]
    for m in METRICS:
        lines.append(f"| `{m.column}` | {m.unit} | {m.timing} | {m.meaning} |")
    return "\n".join(lines) + "\n"
