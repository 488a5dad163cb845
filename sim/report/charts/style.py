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
LINESTYLES: tuple[str, ...] = ("-", "--", ":")
HATCHES: tuple[str, ...] = ("", "//", "..")
MARKERS: tuple[str, ...] = ("o", "s", "^", "D")


@dataclass(frozen=True)
class Style:
    """How one scenario is drawn in every chart."""

    colour: str
    linestyle: str
    marker: str
    hatch: str = ""


def scenario_styles(names: list[str], baseline: str) -> dict[str, Style]:
    """One style per scenario in ``names`` order: grey for the baseline, then the palette;
    past nine policies the colours repeat with another line style, marker and hatching."""
    styles: dict[str, Style] = {}
    i = 0
    for name in names:
        if name == baseline:
            styles[name] = Style(BASELINE_COLOUR, "-", "o")
            continue
        cycle = i // len(PALETTE)
        styles[name] = Style(
            PALETTE[i % len(PALETTE)],
            LINESTYLES[cycle % len(LINESTYLES)],
            MARKERS[cycle % len(MARKERS)],
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
    """Pounds: ``GBP 16.3m``, or thousands below a million (``GBP 625k``)."""
    if not math.isfinite(value):
        return "GBP not finite"
    if abs(value) >= 1e6:
        return f"GBP {value / 1e6:.1f}m"
    return f"GBP {value / 1e3:.0f}k"


def fmt_gbp_delta(value: float) -> str:
    """A signed difference in pounds: ``+3.3m``, ``-12k``."""
    if not math.isfinite(value):
        return "not finite"
    sign = "+" if value >= 0 else "\u2212"
    v = abs(value)
    return f"{sign}{v / 1e6:.1f}m" if v >= 1e6 else f"{sign}{v / 1e3:.0f}k"


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


def finding(rows: pd.DataFrame, info: TargetInfo) -> str:
    """The slide's title: the best policy's chance against the baseline's, in words."""
    base = rows[rows["baseline"]].iloc[0]
    others = rows[~rows["baseline"]]
    when = f"by {month_year(info.date)}"
    b = fmt_pct(base["p_met"])
    base_label = scenario_label(str(base["scenario"]))
    if others.empty:
        return f"{base_label}: a {b} chance of {info.phrase} {when}"
    if rows["p_met"].max() == 0:
        return (
            f"No scenario reaches {info.phrase} {when} in any of "
            f"{int(rows['replications'].min())} simulated futures"
        )
    best = others.sort_values(["p_met", "cost_per_year_gbp"], ascending=[False, True]).iloc[0]
    if best["p_met"] <= base["p_met"]:
        return (
            f"No policy raises the chance of {info.phrase} {when} above {base_label.lower()}'s {b}"
        )
    verb = "raises" if best["diff_low"] > 0 else "may raise"
    return (
        f"{scenario_label(str(best['scenario']))} {verb} the chance of {info.phrase} {when} "
        f"from {b} to {fmt_pct(best['p_met'])}"
    )


def finding_detail(rows: pd.DataFrame, info: TargetInfo) -> str:
    """The subtitle: what is measured and how sure the best difference is."""
    n = int(rows["replications"].min())
    text = info.description or info.short
    text = f"Target: {text}. Bars: share of {n} simulated futures meeting it, with 95% intervals"
    waiting = rows["unallocated_median"] if "unallocated_median" in rows else pd.Series([])
    if waiting.max() > 0:  # a caseload means little if children wait for a worker
        worst = rows.iloc[int(np.nanargmax(waiting.to_numpy(dtype=float)))]
        text += (
            " (children waiting for a worker at the date, median: up to "
            f"{worst['unallocated_median']:,.0f}, {scenario_label(str(worst['scenario']))})"
        )
    others = rows[~rows["baseline"]]
    if others.empty or rows["p_met"].max() == 0:
        return text + "."
    best = others.sort_values(["p_met", "cost_per_year_gbp"], ascending=[False, True]).iloc[0]
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
