"""What every chart shares: one colour per scenario (colour-blind safe, baseline grey), the
headline target read from the scenario table, number formats, the finding stated in
words and the provenance footnote."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim import metrics
from sim.experiment.scenario_table import cost_per_point
from sim.metrics import is_share
from sim.metrics import short as metric_short

# Paul Tol's "muted" scheme: distinguishable with the common colour-vision deficiencies.
PALETTE: tuple[str, ...] = (
    "#CC6677",  # rose
    "#332288",  # indigo
    "#DDCC77",  # sand
    "#117733",  # green
    "#88CCEE",  # cyan
    "#882255",  # wine
    "#44AA99",  # teal
    "#999933",  # olive
    "#AA4499",  # purple
)
BASELINE_COLOUR = "#888888"
LINESTYLES: tuple[str, ...] = ("--", "-.", ":", "-")
HATCHES: tuple[str, ...] = ("", "//", "..")
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "p", "h")


@dataclass(frozen=True)
class Style:
    """How one scenario is drawn in every chart."""

    colour: str
    linestyle: str
    marker: str
    hatch: str = ""


def scenario_styles(names: list[str], baseline: str) -> dict[str, Style]:
    """One style per scenario in ``names`` order: grey and solid for the baseline, then
    the palette, each policy with the next line style and marker (so lines that coincide
    stay distinguishable without colour); past nine policies the colours repeat with
    another hatching."""
    styles: dict[str, Style] = {}
    i = 0
    for name in names:
        if name == baseline:
            styles[name] = Style(BASELINE_COLOUR, "-", "o")
            continue
        cycle = i // len(PALETTE)
        styles[name] = Style(
            PALETTE[i % len(PALETTE)],
            LINESTYLES[i % len(LINESTYLES)],
            MARKERS[(i + 1) % len(MARKERS)],  # the baseline's circle first goes to no policy
            HATCHES[cycle % len(HATCHES)],
        )
        i += 1
    return styles


def darker(colour: str, factor: float = 0.75) -> str:
    """``colour`` (hex) darkened, for lines drawn over a band of the same colour."""
    c = colour.lstrip("#")
    rgb = [int(c[i : i + 2], 16) for i in (0, 2, 4)]
    return "#" + "".join(f"{int(v * factor):02x}" for v in rgb)


def scenario_label(name: str) -> str:
    """A scenario name as people read it: ``plan_18_demand`` -> ``Plan 18 demand``."""
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def fmt_value(value: float, metric: str) -> str:
    """A metric's value: shares as whole percentages, counts to one decimal place."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if is_share(metric):
        return f"{value:.0%}"
    return f"{value:.1f}"


def fmt_pct(p: float) -> str:
    """A probability as a whole percentage, as the CLI prints it."""
    return "n/a" if p is None or math.isnan(p) else f"{100 * p:.0f}%"


def fmt_interval(lo: float, hi: float) -> str:
    return f"{100 * lo:.0f}\u2013{100 * hi:.0f}%"


def fmt_gbp(value: float) -> str:
    """Pounds as people say them: ``£13.1m``, ``£895k``, ``£650`` (a minus sign if below 0)."""
    if value is None or not math.isfinite(value):
        return "not finite"
    sign = "\u2212" if value < 0 else ""
    v = abs(value)
    if round(v / 1e3) >= 1000:  # 999,600 reads as £1.0m, not £1000k
        return f"{sign}\u00a3{v / 1e6:.1f}m"
    if round(v) >= 1000:
        return f"{sign}\u00a3{v / 1e3:.0f}k"
    return f"{sign}\u00a3{v:.0f}"


def fmt_gbp_delta(value: float) -> str:
    """A difference in cost a year, said as a director would: ``+£1.9m``, ``saves £661``,
    ``no extra cost`` (under £500 either way)."""
    if value is None or not math.isfinite(value):
        return "not finite"
    if abs(value) < 500:
        return "no extra cost"
    return f"+{fmt_gbp(value)}" if value > 0 else f"saves {fmt_gbp(-value)}"


def fmt_cost_per_point(row: Any) -> str:
    """A scenario-table row's extra cost a year per percentage point of chance gained, or
    why there is none: only a gain whose paired 95% interval excludes 0 has a price, and
    a policy that gains and saves money is said to save."""
    if str(row["baseline"]).lower() == "true":
        return ""
    diff, diff_low = float(row["diff_vs_baseline"]), float(row["diff_low"])
    extra = float(row["extra_cost_per_year_gbp"])
    if not diff_low > 0:
        return "no clear gain"
    if extra <= 0:
        return f"gains and {fmt_gbp_delta(extra)}" if extra <= -500 else "gains at no extra cost"
    return f"{fmt_gbp(cost_per_point(extra, diff, diff_low))} a point"


def fmt_months(row: Any) -> str:
    """Months until the target is met for good (Kaplan-Meier median, 95% interval), or
    ``not within the horizon`` where fewer than half the futures get there in the run."""
    med, lo, hi = (
        _float(row.get(k))
        for k in ("months_to_target_km", "months_to_target_km_low", "months_to_target_km_high")
    )
    if "months_to_target_km" not in row:
        return "n/a"
    horizon = _float(row.get("horizon_months"))
    within = f" ({horizon:.0f} months)" if math.isfinite(horizon) else ""
    if not math.isfinite(med):
        return f"not within the horizon{within}"
    low = f"{lo:.0f}" if math.isfinite(lo) else "?"
    high = f"{hi:.0f}" if math.isfinite(hi) else "beyond the horizon"
    return f"{med:.0f} ({low}\u2013{high})" if math.isfinite(hi) else f"{med:.0f} ({low} to {high})"


def _float(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def fmt_pp(diff: float) -> str:
    """A difference of probabilities in percentage points."""
    return f"{round(100 * diff):+d} pp".replace("-", "\u2212")


def month_year(date: dt.date) -> str:
    return date.strftime("%B %Y")


@dataclass(frozen=True)
class TargetInfo:
    """A target as the scenario table describes it."""

    name: str
    description: str
    metric: str
    op: str  # "<=" or ">="
    bound: float
    date: dt.date

    @property
    def bound_text(self) -> str:
        return fmt_value(self.bound, self.metric) if is_share(self.metric) else f"{self.bound:g}"

    @property
    def symbol(self) -> str:
        return "\u2264" if self.op == "<=" else "\u2265"

    @property
    def phrase(self) -> str:
        """``an average caseload of 18 or less``."""
        value = self.bound_text + (" or less" if self.op == "<=" else " or more")
        return metrics.phrase(self.metric, value)

    @property
    def short(self) -> str:
        """``average caseload \u2264 18 at 31 Mar 2018``."""
        when = f"{self.date:%d %b %Y}"
        return f"{metric_short(self.metric)} {self.symbol} {self.bound_text} at {when}"

    def better(self, diff: float) -> bool:
        """Whether a difference in the metric is an improvement for this target."""
        return diff < 0 if self.op == "<=" else diff > 0


def target_names(scenarios: pd.DataFrame) -> list[str]:
    """Targets in the experiment file's order (the first is the headline)."""
    return list(dict.fromkeys(scenarios["target"]))


def target_info(scenarios: pd.DataFrame, target: str | None = None) -> TargetInfo:
    """The named target (default: the headline, first in the table)."""
    name = target or target_names(scenarios)[0]
    rows = scenarios[scenarios["target"] == name]
    if rows.empty:
        raise KeyError(f"no target {name!r} in the scenario table")
    r = rows.iloc[0]
    op, _, value = str(r["bound"]).partition(" ")
    return TargetInfo(
        name=name,
        description=str(r.get("target_description", "") or ""),
        metric=str(r["metric"]),
        op=op,
        bound=float(value),
        date=dt.date.fromisoformat(str(r["target_date"])[:10]),
    )


def target_rows(scenarios: pd.DataFrame, target: str | None = None) -> pd.DataFrame:
    """One row per scenario for one target, in the file's scenario order."""
    name = target or target_names(scenarios)[0]
    rows = scenarios[scenarios["target"] == name].reset_index(drop=True)
    rows["baseline"] = rows["baseline"].astype(str).str.lower().eq("true")
    return rows


def baseline_name(scenarios: pd.DataFrame) -> str:
    rows = scenarios[scenarios["baseline"].astype(str).str.lower().eq("true")]
    return str(rows["scenario"].iloc[0]) if len(rows) else str(scenarios["scenario"].iloc[0])


def at_extremes(rows: pd.DataFrame) -> bool:
    """Whether every scenario meets the target in all of its futures or in none: then the
    chances say nothing about which policy is better, and the slide shows what differs."""
    p = rows["p_met"].to_numpy(dtype=float)
    return bool(len(p)) and bool(np.all((p == 0) | (p == 1)))


def best_policy(rows: pd.DataFrame, info: TargetInfo) -> pd.Series:
    """The policy the finding is about: the first after the baseline in
    :func:`slide_order`."""
    return slide_order(rows, info).iloc[1]


def slide_order(rows: pd.DataFrame, info: TargetInfo) -> pd.DataFrame:
    """The rows as slides and tables show them: the baseline first, always, then the
    policies from the best down: the highest chance, then the lowest cost; when every
    chance is 0% or 100%, the best KPI at the date, then the lowest cost."""
    sign = 1 if info.op == "<=" else -1
    key = rows.assign(
        _base=~rows["baseline"].astype(bool), _value=sign * rows["value_median"].astype(float)
    )
    by = ["_base", "_value"] if at_extremes(rows) else ["_base", "p_met"]
    order = key.sort_values(
        [*by, "cost_per_year_gbp"],
        ascending=[True, by[1] == "_value", True],
        kind="stable",
    )
    return order.drop(columns=["_base", "_value"]).reset_index(drop=True)


def value_spread(row: pd.Series, metric: str) -> str:
    """``21.3 (5\u201395%: 19.8\u201323.0)``: a row's KPI at the target date."""
    return (
        f"{fmt_value(row['value_median'], metric)} (5\u201395%: "
        f"{fmt_value(row['value_p5'], metric)}\u2013{fmt_value(row['value_p95'], metric)})"
    )


def finding(rows: pd.DataFrame, info: TargetInfo) -> str:
    """The slide's title: the best policy's chance against the baseline's, in words; when
    every scenario sits at 0% or 100%, that said plainly and what does differ (the KPI at
    the date)."""
    base = rows[rows["baseline"]].iloc[0]
    others = rows[~rows["baseline"]]
    when = f"by {month_year(info.date)}"
    b = fmt_pct(base["p_met"])
    base_label = scenario_label(str(base["scenario"]))
    n = int(rows["replications"].min())
    if at_extremes(rows):
        return _finding_at_extremes(rows, info, when, n)
    if others.empty:
        return f"{base_label}: a {b} chance of {info.phrase} {when}"
    best = best_policy(rows, info)
    if best["p_met"] <= base["p_met"]:
        return (
            f"No policy raises the chance of {info.phrase} {when} above {base_label.lower()}'s {b}"
        )
    verb = "raises" if best["diff_low"] > 0 else "may raise"
    return (
        f"{scenario_label(str(best['scenario']))} {verb} the chance of {info.phrase} {when} "
        f"from {b} to {fmt_pct(best['p_met'])}"
    )


def _finding_at_extremes(rows: pd.DataFrame, info: TargetInfo, when: str, n: int) -> str:
    """All 0%, all 100% or each one or the other: said so, with the KPI that differs."""
    metric = metric_short(info.metric)
    met = [scenario_label(str(s)) for s in rows.loc[rows["p_met"] == 1, "scenario"]]
    if len(rows) == 1:
        r = rows.iloc[0]
        how = "every one" if met else "none"
        return (
            f"{scenario_label(str(r['scenario']))} meets {info.phrase} {when} in {how} of {n} "
            f"simulated futures: {metric} at the date {value_spread(r, info.metric)}"
        )
    best = best_policy(rows, info)
    base = rows[rows["baseline"]].iloc[0]
    diff = (
        f"median at the date {fmt_value(best['value_median'], info.metric)} with "
        f"{scenario_label(str(best['scenario'])).lower()}, "
        f"{fmt_value(base['value_median'], info.metric)} with "
        f"{scenario_label(str(base['scenario'])).lower()}"
    )
    if not met:
        return f"No scenario meets {info.phrase} {when} in any of {n} simulated futures; {diff}"
    if len(met) == len(rows):
        return f"Every scenario meets {info.phrase} {when} in all {n} simulated futures; {diff}"
    return (
        f"{_and(met)} meet{'s' if len(met) == 1 else ''} {info.phrase} {when} in all {n} "
        f"simulated futures, the others in none; {diff}"
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def finding_detail(rows: pd.DataFrame, info: TargetInfo) -> str:
    """The subtitle: what is measured and how sure the best difference is."""
    n = int(rows["replications"].min())
    text = f"Target: {info.description or info.short}"
    if at_extremes(rows):
        text += (
            f". Every scenario meets it in all of {n} simulated futures or in none, so the "
            f"bars show what differs: {metric_short(info.metric)} at {info.date:%d %b %Y} "
            "(median and 5\u201395% of the futures), beside the months until it is met for good"
        )
    else:
        text += f". Bars: share of {n} simulated futures meeting it, with 95% intervals"
    waiting = rows["unallocated_median"] if "unallocated_median" in rows else pd.Series([])
    if waiting.max() > 0:  # a caseload means little if children wait for a worker
        worst = rows.iloc[int(np.nanargmax(waiting.to_numpy(dtype=float)))]
        text += (
            " (children waiting for a worker at the date, median: up to "
            f"{worst['unallocated_median']:,.0f}, {scenario_label(str(worst['scenario']))})"
        )
    others = rows[~rows["baseline"]]
    if others.empty or at_extremes(rows):
        return text + "."
    best = best_policy(rows, info)
    base = rows[rows["baseline"]].iloc[0]
    if best["p_met"] <= base["p_met"]:
        return text + "."
    diff = (
        f"{fmt_pp(best['diff_vs_baseline'])} (95% interval {fmt_pp(best['diff_low'])} to "
        f"{fmt_pp(best['diff_high'])})"
    )
    if best["diff_low"] <= 0:
        diff += ", which includes no change"
    return f"{text}. Difference from the baseline on the same futures: {diff}."


def provenance(manifest: dict[str, Any]) -> str:
    """One line saying exactly which run the numbers come from."""
    finished = str(manifest.get("finished") or manifest.get("started") or "")[:10]
    base = manifest.get("baseline", "")
    config_hash = manifest.get("config_hashes", {}).get(base, "?")
    version = manifest.get("versions", {}).get("csc-sim", "?")
    return (
        f"Experiment \u201c{manifest.get('experiment', '?')}\u201d "
        f"({manifest.get('experiment_file', '?')}, hash {manifest.get('experiment_hash', '?')})"
        f" \u00b7 {manifest.get('replications', '?')} replications per scenario on common "
        f"random numbers \u00b7 root seed {manifest.get('root_seed', '?')} \u00b7 baseline "
        f"config hash {config_hash} \u00b7 run {finished} \u00b7 csc-sim {version}"
    )
