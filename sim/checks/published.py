"""Shipped configs against published statistics: the section "against published statistics"
of ``csc-sim validate``.

Each :class:`Figure` is one published number (value, source, reporting date) and how the
model measures the same thing from runs of a config: for England (``england_2023.yaml``
and ``england_2017.yaml``, the start of the backtest) a stock (30 September, or 31 March
for children in need and looked after) as held over the first simulated year, or a flow a
year over the first two, set beside the year to 30 September the config was calibrated on;
for Manchester 2016, its own report's figures. The runs check that a config's rates hold
the figures they came from; they are not a forecast (``csc-sim backtest`` is). Figures the
model cannot measure yet are reported as such, not passed.

The run is England scaled down to ``SCALE`` of its size (``sim.config.councils``: counts of
children, referrals, workers, posts and applicants scale; rates do not), with counts
scaled back up, so that the section takes seconds, not minutes.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.council import CouncilConfig
from sim.config.councils import scale_config
from sim.config.loader import load_config
from sim.metrics import COUNTS
from sim.model.monitor import BAND_WIDTH, BANDS
from sim.model.simulation import CouncilModel

DATA = Path(__file__).with_name("dfe_england_2017_2024.csv")
"""DfE's national series 2017-2024, one figure a row with its source (shared/data)."""
CONFIGS = Path(__file__).resolve().parents[2] / "configs"
ENGLAND = CONFIGS / "england_2023.yaml"
ENGLAND_2017 = CONFIGS / "england_2017.yaml"
MANCHESTER = CONFIGS / "manchester_2016.yaml"
SCALE = 0.05  # England at a twentieth: about 20,000 children and 1,300 workers
YEARS = 2  # flows are counted over the first two years, as a yearly average
MONTHS = 12 * YEARS

SWW_2021_BANDS = "DfE Children's social work workforce 2021 (caseload bands, 30 Sep 2021)"
CASELOAD_BANDS_2021 = (0.092, 0.112, 0.192, 0.282, 0.200, 1 - 0.878)
"""Share of case-holders holding under 5, 5-9, 10-14, 15-19, 20-24 and 25 or more cases
(SWW 2021, as in the domain brief; the last is the rest): the spread before the config's
start (October 2023), when the average was 16.3 (16.0 in 2023)."""


@cache
def dfe(series: str, quantity: str, year: int) -> float:
    """One value of DfE's national series (``sim/checks/dfe_england_2017_2024.csv``)."""
    with DATA.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if (row["series"], row["quantity"], int(row["year"])) == (series, quantity, year):
                return float(row["value"])
    raise KeyError(f"{DATA.name}: no {series}/{quantity} for {year}")


@dataclass(frozen=True)
class Run:
    """A replication's monthly series, counts already scaled back to all of England."""

    frame: pd.DataFrame
    other_cover_share: float = 0.0
    """The config's agency ordered for other needs than vacancies, a share of the posts."""

    def held(self, column: str) -> float:
        """``column`` held over the year to the next census: its mean over the first 12
        month ends (a stock the config starts from must stay there, not only start there;
        a longer window would compare a snapshot with where a trend, such as the growth of
        funded posts, has taken it since)."""
        return float(self.frame[column].iloc[1:13].mean())

    def year(self, column: str) -> float:
        """``column`` a year: its sum over the first ``YEARS`` years, divided by ``YEARS``."""
        return float(self.frame[column].iloc[1 : MONTHS + 1].sum()) / YEARS

    def second_year(self, column: str) -> float:
        """``column`` summed over the second year (months 13-24): for flows the first year
        cannot measure, such as re-referrals of children referred before the start."""
        return float(self.frame[column].iloc[13:25].sum())

    def at_year_end(self, column: str) -> float:
        """``column`` at each year end, averaged (e.g. 12-month turnover)."""
        return float(self.frame[column].iloc[12 : MONTHS + 1 : 12].mean())


def _agency_cover(r: Run) -> float:
    """Share of vacancies covered by agency workers: the agency FTE less those ordered for
    other needs (``other_cover_share`` of the posts), at most all the vacancies."""
    vacant = r.held("vacancy_fte")
    covering = r.held("agency_fte") - r.other_cover_share * r.held("establishment_fte")
    return min(max(covering, 0.0), vacant) / vacant if vacant > 0 else math.nan


@dataclass(frozen=True)
class Figure:
    """One published figure and the model's measure of the same thing. The tolerance is
    ``within`` of the published value for counts, or ``points`` (absolute) for shares and
    caseloads."""

    name: str
    published: float
    source: str
    measure: Callable[[Run], float]
    unit: str
    within: float = 0.0
    points: float = 0.0

    @property
    def tolerance(self) -> float:
        """Largest acceptable |model - published|, in the figure's own unit."""
        return self.within * abs(self.published) + self.points

    def fmt(self, value: float) -> str:
        """``value`` as people read this figure: a percentage, a count or a caseload."""
        if math.isnan(value):
            return "n/a"
        if self.unit == "share":
            return f"{100 * value:.1f}%"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def national_figures(year: int) -> tuple[Figure, ...]:
    """DfE's national figures of ``year`` that an England config starting that autumn is
    checked against: stocks at 31 March and 30 September, flows in the years to them."""
    sww_at = f"DfE Children's social work workforce {year} (30 Sep {year})"
    sww_year = f"DfE Children's social work workforce {year} (year to 30 Sep {year})"
    cin_at = f"DfE Characteristics of children in need {year} (31 Mar {year})"
    cin_year = f"DfE Characteristics of children in need {year} (year to 31 Mar {year})"
    cla_at = f"DfE Children looked after in England {year} (31 Mar {year})"
    cla_year = f"DfE Children looked after in England {year} (year to 31 Mar {year})"

    def sww(quantity: str) -> float:
        return dfe("workforce", quantity, year)

    def cin(quantity: str) -> float:
        return dfe("children_in_need", quantity, year)

    return (
        # Stocks the config starts from: within 2%.
        Figure("children in need", cin("children_in_need_31_march"), cin_at,
               lambda r: r.held("open_cases"), "children", within=0.02),
        Figure("on child protection plans", cin("cp_plans_31_march"), cin_at,
               lambda r: r.held("open_cp"), "children", within=0.02),
        Figure("looked after", dfe("children_looked_after", "cla_31_march", year), cla_at,
               lambda r: r.held("open_lac"), "children", within=0.02),
        # The workforce at 30 September: counts within 5%, rates within 1.5 points.
        Figure("case-holding FTE (agency and ASYE included)", sww("case_holding_fte"),
               sww_at, lambda r: r.held("case_holder_fte"), "FTE", within=0.05),
        Figure("cases held by case-holders", sww("number_of_cases"), sww_at,
               lambda r: r.held("cases_held"), "cases", within=0.05),
        Figure("average caseload (cases / case-holding FTE)", sww("average_caseload"),
               sww_at, lambda r: r.held("avg_caseload"), "cases per FTE", points=0.5),
        Figure("agency FTE", sww("agency_fte"), sww_at, lambda r: r.held("agency_fte"),
               "FTE", within=0.05),
        Figure("agency rate", sww("agency_rate") / 100, sww_at,
               lambda r: r.held("agency_share"), "share", points=0.015),
        Figure("vacancies", sww("vacancies_fte"), sww_at, lambda r: r.held("vacancy_fte"),
               "FTE", within=0.05),
        Figure("vacancy rate", sww("vacancy_rate") / 100, sww_at,
               lambda r: r.held("vacancy_fte") / r.held("establishment_fte"), "share",
               points=0.015),
        # Flows over a year: within 10% (one year of a Poisson-like process, and the
        # year simulated is the one after the year published).
        Figure("referrals a year", cin("referrals"), cin_year,
               lambda r: r.year("referrals"), "referrals", within=0.10),
        # DfE's definition: a referral within 12 months of the child's previous referral.
        # Counted over the second year: in the first, children referred before the start
        # date have no known previous referral. Within 2 points.
        Figure("re-referrals within 12 months", cin("rereferral_rate_12m") / 100, cin_year,
               lambda r: r.second_year("rereferrals_12m") / r.second_year("referrals"),
               "share", points=0.02),
        Figure("children starting to be looked after a year",
               dfe("children_looked_after", "cla_started", year), cla_year,
               lambda r: r.year("lac_started"), "children", within=0.10),
        Figure("children ceasing to be looked after a year",
               dfe("children_looked_after", "cla_ceased", year), cla_year,
               lambda r: r.year("lac_ceased"), "children", within=0.10),
        Figure("starters a year", sww("starters_fte"), sww_year,
               lambda r: r.year("joiners"), "FTE", within=0.10),
        Figure("leavers a year", sww("leavers_fte"), sww_year,
               lambda r: r.year("leavers"), "FTE", within=0.10),
        Figure("turnover", sww("turnover_rate_fte") / 100, sww_year,
               lambda r: r.at_year_end("turnover_12m"), "share", points=0.015),
    )  # fmt: skip


def _under_5_years(share: float, source: str) -> Figure:
    """The share of leavers with under 5 years' service, within 3 points."""
    return Figure("leavers with under 5 years' service", share, source,
                  lambda r: r.year("leavers_under_5y") / r.year("leavers"), "share",
                  points=0.03)  # fmt: skip


def england_figures() -> tuple[Figure, ...]:
    """The published figures ``england_2023.yaml`` is checked against: DfE 2023's, the
    share of vacancies agency covers, the service of 2021-22's leavers and the caseload
    spread of 2021."""
    return (
        *national_figures(2023),
        Figure("referrals closed with no further action before an assessment", 0.071,
               "DfE Characteristics of children in need 2023 (year to 31 Mar 2023)",
               lambda r: r.year("referrals_nfa") / r.year("referrals"), "share",
               points=0.01),
        Figure("children starting care aged 16 or over", 0.27,
               "DfE Children looked after in England 2023 (year to 31 Mar 2023)",
               lambda r: r.year("lac_started_16_plus") / r.year("lac_started"), "share",
               points=0.03),
        Figure("vacancies covered by agency", 0.744,
               "DfE Children's social work workforce 2023 (30 Sep 2023; domain brief)",
               _agency_cover, "share", points=0.05),
        _under_5_years(0.704, "DfE Children's social work workforce 2022 (leavers 2021-22)"),
        # The spread of caseloads over case-holders, one figure a band, within 3 points
        # each: the config's allocation.part_caseload_*, capacity_sd and build_up_months
        # were calibrated on these, at the 2023 average of 16.0 rather than 2021's 16.3.
        *(Figure(_band_name(b), share, SWW_2021_BANDS, _band_measure(b), "share",
                 points=0.03) for b, share in enumerate(CASELOAD_BANDS_2021)),
    )  # fmt: skip


def england_2017_figures() -> tuple[Figure, ...]:
    """The published figures ``england_2017.yaml`` (the backtest's start) is checked
    against: DfE 2017's and the service of 2016-17's leavers (no caseload spread or agency
    cover of vacancies was published by then in our sources)."""
    return (
        *national_figures(2017),
        _under_5_years(0.629, "DfE Children's social work workforce 2017 (leavers 2016-17)"),
    )


def _band_column(band: int) -> str:
    """The column :func:`_run` adds for the share of case-holders in caseload band ``band``."""
    return f"caseload_band_{band}"


def _band_name(band: int) -> str:
    """``case-holders with 10-14 cases``, as DfE's bands read."""
    low, high = band * BAND_WIDTH, (band + 1) * BAND_WIDTH - 1
    if band == 0:
        return f"case-holders with under {high + 1} cases"
    if band == BANDS - 1:
        return f"case-holders with {low} or more cases"
    return f"case-holders with {low}-{high} cases"


def _band_measure(band: int) -> Callable[[Run], float]:
    """The model's share of case-holders in caseload band ``band``, held over the run."""
    return lambda r: r.held(_band_column(band))


def _run(cfg: CouncilConfig, seed: int) -> pd.DataFrame:
    """One replication's monthly frame (as ``sim.model.run.run_one`` gives it) with the share
    of case-holders in each of DfE's caseload bands at each month end added (not monthly
    columns of the model: the monitor keeps the counts aside, ``Monitor.caseload_bands``)."""
    model = CouncilModel(cfg, seed)
    frame = model.run()
    counts = np.array(model.monitor.caseload_bands, dtype=float)
    holders = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, holders, out=np.full_like(counts, np.nan), where=holders > 0)
    for band in range(BANDS):
        frame[_band_column(band)] = shares[:, band]
    return frame


@dataclass(frozen=True)
class Comparison:
    """One row of the section: the model's value beside the published one."""

    figure: Figure
    model: float
    spread: float
    """Standard deviation of the model's value over the replications."""

    @property
    def measured(self) -> bool:
        return not math.isnan(self.model)

    @property
    def passed(self) -> bool:
        return self.measured and abs(self.model - self.figure.published) <= self.figure.tolerance

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else ("FAIL" if self.measured else "NOT MODELLED")


def england_runs(replications: int, scale: float = SCALE, config: Path = ENGLAND) -> list[Run]:
    """``replications`` runs of an England ``config`` at ``scale`` of its size over the first
    ``YEARS`` years, counts scaled back up."""
    cfg = scale_config(load_config(config, {"horizon_months": MONTHS}), scale, "checks")
    runs = []
    for seed in range(replications):
        frame = _run(cfg, seed)
        frame[list(COUNTS)] = frame[list(COUNTS)].astype(float) / scale
        runs.append(Run(frame, cfg.recruitment.agency.other_cover_share))
    return runs


M16 = "Manchester demand and capacity report, June 2016"


def manchester_figures() -> tuple[Figure, ...]:
    """Manchester in June 2016 as its own report gives it (M16), checked against the
    config with the establishment's growth switched off (the position the plan starts
    from)."""
    return (
        Figure("open children", 4953, f"{M16}, table 3", lambda r: r.held("open_cases"),
               "children", within=0.03),
        Figure("on child protection plans", 817, f"{M16}, table 3",
               lambda r: r.held("open_cp"), "children", within=0.05),
        Figure("looked after", 1239, f"{M16}, table 3", lambda r: r.held("open_lac"),
               "children", within=0.05),
        Figure("qualified workers' average caseload", 24, f"{M16}, 4.17",
               lambda r: r.held("avg_caseload_qualified"), "cases per FTE", points=1.0),
        Figure("NQSWs' average caseload", 22, f"{M16}, 4.17",
               lambda r: r.held("avg_caseload_asye"), "cases per FTE", points=1.5),
        Figure("agency share of social workers", 0.35, f"{M16}, 5.4",
               lambda r: r.held("agency_share"), "share", points=0.03),
        Figure("turnover", 0.12, f"{M16}, 4.3", lambda r: r.at_year_end("turnover_12m"),
               "share", points=0.02),
        Figure("social workers holding more than 24 children", 0.36, f"{M16}, 4.3",
               lambda r: r.held("share_25_plus"), "share", points=0.05),
    )  # fmt: skip


def manchester_runs(replications: int) -> list[Run]:
    """``replications`` runs of Manchester 2016 over ``YEARS`` years, its establishment's
    growth (the 2016 plan) switched off."""
    no_growth: dict[str, list[object]] = {"schedule": [], "team_manager_schedule": []}
    cfg = load_config(MANCHESTER, {"horizon_months": MONTHS, "establishment": no_growth})
    return [Run(_run(cfg, seed)) for seed in range(replications)]


@dataclass(frozen=True)
class Section:
    """One config against its published figures."""

    title: str
    figures: Callable[[], tuple[Figure, ...]]
    runs: Callable[[int], list[Run]]
    replications: int
    """Enough that the mean sits well inside the tolerances: a small council's yearly flows
    (Manchester: about 15 leavers a year) need more runs than England's."""


SECTIONS = (
    Section("configs/england_2023.yaml against DfE 2023", england_figures, england_runs, 4),
    Section("configs/england_2017.yaml (the backtest's start) against DfE 2017",
            england_2017_figures, partial(england_runs, config=ENGLAND_2017), 4),
    Section("configs/manchester_2016.yaml against its report (M16)", manchester_figures,
            manchester_runs, 20),
)  # fmt: skip


def compare(runs: list[Run], figures: Callable[[], tuple[Figure, ...]]) -> list[Comparison]:
    """Each published figure beside the model's mean over ``runs``."""
    out = []
    for f in figures():
        values = np.array([f.measure(r) for r in runs])
        mean = float(values.mean())
        spread = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        out.append(Comparison(f, mean, spread))
    return out


def run_comparisons(quick: bool = False) -> dict[str, list[Comparison]]:
    """The part "against published statistics" of ``csc-sim validate``: each section's
    comparisons, by title."""
    out = {}
    for s in SECTIONS:
        n = max(1, s.replications // 4) if quick else s.replications
        out[s.title] = compare(s.runs(n), s.figures)
    return out
