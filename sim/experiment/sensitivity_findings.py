"""What a global sensitivity analysis says, in words: for each scenario, target and output,
the two or three inputs the answer hangs on (largest Sobol' total-order index or Morris
mu*), said as plainly as the numbers allow: inputs whose intervals overlap cannot be told
apart, tiny indices are called tiny, an output that never moves is said to never move. Read
from ``indices.csv`` and ``sensitivity.json`` (``sim.experiment.global_sensitivity``); the
report section (``sim.report.sensitivity``) shows the same sentences.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Literal

import pandas as pd

from sim.metrics import is_share
from sim.metrics import short as metric_short

SOBOL_TINY = 0.05
"""A total-order index below this (under 5% of the output's variance) is tiny."""
MORRIS_TINY_P = 0.02
"""A mu* below this on a chance (2 percentage points across the input's range) is tiny."""
MORRIS_TINY_KPI = 0.02
"""... and on a KPI, below this share of the KPI's mean level (2%)."""
BARELY = 0.10
"""A chance that stays within this range (10 points) over every point barely moves."""
NAMED = 3
"""At most this many inputs are named for one output."""

Status = Literal["constant", "undefined", "small", "ranked"]


@dataclasses.dataclass(frozen=True)
class Finding:
    """One output's finding: the sentence (``text``), the inputs it names (``top``) and
    what kind of answer it is (``status``)."""

    scenario: str
    target: str
    output: str
    status: Status
    text: str
    top: tuple[str, ...] = ()


def _target(info: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in info["targets"] if t["name"] == name)


def output_name(info: dict[str, Any], target: str, output: str) -> str:
    """``the chance of meeting caseload_18`` or ``the median qualified workers' average
    caseload at 2018-03-31``."""
    t = _target(info, target)
    if output == "p_met":
        return f"the chance of meeting {target}"
    return f"the median {metric_short(t['metric'])} at {t['date']}"


def fmt_output(x: float, output: str, metric: str) -> str:
    """A value of an output: a chance or a share as a percentage, a count to one decimal."""
    if math.isnan(x):
        return "n/a"
    if output == "p_met":
        return f"{100 * x:.0f}%"
    return f"{100 * x:.1f}%" if is_share(metric) else f"{x:.1f}"


def _decimals(ref: float) -> int:
    """Decimals for a count-like change of about ``ref``: 0 from 10, 1 from 1, else 2."""
    return 0 if abs(ref) >= 10 else 1 if abs(ref) >= 1 else 2


def _amount(x: float, output: str, metric: str, ref: float | None = None) -> str:
    """A change in an output as a number: percentage points for a chance or a share; a
    count to the decimals its size (or ``ref``'s, to write an interval alike) needs."""
    if output == "p_met":
        return f"{100 * x:.0f}"
    if is_share(metric):
        return f"{100 * x:.1f}"
    return f"{x:.{_decimals(x if ref is None else ref)}f}"


def unit(output: str, metric: str) -> str:
    """The unit of a change in an output ("" for a count such as a caseload)."""
    return " points" if output == "p_met" or is_share(metric) else ""


def _change(x: float, output: str, metric: str) -> str:
    return _amount(x, output, metric) + unit(output, metric)


def tiny(method: str, output: str, mean: float) -> float:
    """The importance below which an input barely moves the output (see the constants)."""
    if method == "sobol":
        return SOBOL_TINY
    return MORRIS_TINY_P if output == "p_met" else MORRIS_TINY_KPI * abs(mean)


def fmt_importance(r: pd.Series, method: str, metric: str) -> str:
    """``ST 0.62, 95% 0.50-0.74`` or ``mu* 23 points, 95% 15-31 points``."""
    lo, hi = r["importance_low"], r["importance_high"]
    if method == "sobol":
        return f"ST {r['importance']:.2f}, 95% {lo:.2f}\u2013{hi:.2f}"
    out, imp = str(r["output"]), r["importance"]
    return (
        f"mu* {_change(imp, out, metric)}, 95% {_amount(lo, out, metric, imp)}"
        f"\u2013{_amount(hi, out, metric, imp)}{unit(out, metric)}"
    )


def _overlap(a: pd.Series, b: pd.Series) -> bool:
    return bool(
        a["importance_low"] <= b["importance_high"] and b["importance_low"] <= a["importance_high"]
    )


def _cap(text: str) -> str:
    """``text`` to start a sentence."""
    return text[:1].upper() + text[1:]


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def finding(group: pd.DataFrame, info: dict[str, Any]) -> Finding:
    """The finding of one scenario, target and output (``group``: its rows of
    ``indices.csv``); its text follows the output's name (``ranges 0-50% over the points;
    it hangs on ...``)."""
    g = group.sort_values("importance", ascending=False, na_position="last")
    first = g.iloc[0]
    method, scenario, target, output = (
        str(first["method"]),
        str(first["scenario"]),
        str(first["target"]),
        str(first["output"]),
    )
    metric = _target(info, target)["metric"]
    lo, hi, mean = first["output_min"], first["output_max"], first["output_mean"]
    points = int(first["points"])

    def made(status: Status, text: str, top: tuple[str, ...] = ()) -> Finding:
        return Finding(scenario, target, output, status, text, top)

    if g["importance"].isna().all() or math.isnan(mean):
        return made("undefined", "could not be analysed: it is undefined at some points")
    if lo == hi:
        return made(
            "constant",
            f"was {fmt_output(lo, output, metric)} at every one of the {points} points (each "
            "input across its whole prior): within these priors no assumption changes it",
        )
    floor = tiny(method, output, mean)
    spread = (
        f"ranges {fmt_output(lo, output, metric)}\u2013{fmt_output(hi, output, metric)} over "
        "the points"
    )
    notable = g[g["importance"] >= floor].head(NAMED)
    if notable.empty:
        limit = f"{floor:.2f}" if method == "sobol" else _change(floor, output, metric)
        return made(
            "small",
            f"{spread}, and no input moves it much: the largest is {first['label']} "
            f"({fmt_importance(first, method, metric)}), under the {limit} counted as tiny",
        )
    named = [f"{r['label']} ({fmt_importance(r, method, metric)})" for _, r in notable.iterrows()]
    text = f"{spread}; it hangs on {_listing(named)}"
    if len(notable) >= 2 and _overlap(notable.iloc[0], notable.iloc[1]):
        one, two = notable.iloc[0]["label"], notable.iloc[1]["label"]
        text += (
            f". {_cap(one)} and {two} cannot be told apart at this sample size (their 95% "
            "intervals overlap)"
        )
    elif len(notable) >= 2:
        text += f". {_cap(notable.iloc[0]['label'])} clearly matters most"
    rest = len(g) - len(notable)
    if len(notable) < NAMED and rest:
        others = "the other input moves" if rest == 1 else f"the other {rest} inputs move"
        text += f"; {others} it little"
    if method == "sobol" and "S1" in g:
        s1 = float(g["S1"].clip(lower=0).sum())
        if s1 < 0.5:
            text += f". The inputs act together: each alone explains {s1:.0%} of the spread in all"
    if method == "morris" and first["sigma"] > first["mu_star"]:
        text += (
            f". The effect of {first['label']} depends on where the other inputs are (sigma "
            "above mu*)"
        )
    if output == "p_met" and hi - lo < BARELY:
        text += ". The chance barely moves, so these ranks matter little"
    return made("ranked", text, tuple(str(x) for x in notable["input"]))


def findings(indices: pd.DataFrame, info: dict[str, Any]) -> list[Finding]:
    """Every scenario, target and output's finding, in the file's order."""
    return [
        finding(g, info) for _, g in indices.groupby(["target", "scenario", "output"], sort=False)
    ]


def _moves(fs: list[Finding]) -> bool:
    return any(f.status == "ranked" for f in fs)


@dataclasses.dataclass(frozen=True)
class Leaders:
    """A target's inputs across scenarios: the ``output`` read (the chance, or the KPI when
    the chance moves nowhere), every input in ``order`` (most often named first, ties by
    importance relative to each scenario's largest), how many scenarios name each
    (``counts``), and the scenario findings behind it."""

    output: str
    order: list[str]
    counts: dict[str, int]
    findings: list[Finding]


def leaders(indices: pd.DataFrame, info: dict[str, Any], target: str) -> Leaders:
    """The inputs a target hangs on, across its scenarios (see :class:`Leaders`)."""
    fs = [f for f in findings(indices, info) if f.target == target]
    output = "p_met" if _moves([f for f in fs if f.output == "p_met"]) else "kpi_median"
    mine = [f for f in fs if f.output == output]
    counts: dict[str, int] = {}
    for f in mine:
        for name in f.top:
            counts[name] = counts.get(name, 0) + 1
    rows = indices[(indices["target"] == target) & (indices["output"] == output)]
    largest = rows.groupby("scenario")["importance"].transform("max").replace(0, 1)
    score = (rows["importance"] / largest).groupby(rows["input"]).sum()
    names = list(dict.fromkeys(rows["input"]))
    order = sorted(names, key=lambda n: (-counts.get(n, 0), -score.get(n, 0.0)))
    return Leaders(output, order, counts, mine)


def in_short(indices: pd.DataFrame, info: dict[str, Any], target: str | None = None) -> str:
    """One sentence on a target (default the headline, the first): the inputs that come
    first across scenarios, for its chance, or for its KPI when the chance does not move."""
    target = target or info["targets"][0]["name"]
    lead_ = leaders(indices, info, target)
    what = output_name(info, target, lead_.output)
    if lead_.output == "kpi_median":
        lead = f"The chance of meeting {target} does not move with the inputs; {what}"
    else:
        lead = _cap(what)
    if not _moves(lead_.findings):
        return f"{lead} moves little with any input within its prior."
    labels = dict(zip(indices["input"], indices["label"], strict=False))
    named = [k for k in lead_.order if lead_.counts.get(k)][:NAMED]
    moving = [f for f in lead_.findings if f.status == "ranked"]
    n = len(moving)
    names = [
        labels[k] if n == 1 else f"{labels[k]} (named in {lead_.counts[k]} of {n} scenarios)"
        for k in named
    ]
    text = f"{lead} hangs most on {_listing(names)}"
    if n == 1 and len(lead_.findings) > 1:
        text += f" (in {moving[0].scenario})"
    still = [f.scenario for f in lead_.findings if f.status == "constant"]
    if still:
        text += f"; in {_listing(still)} it does not move at all within these priors"
    return text + "."


def _table(indices: pd.DataFrame, info: dict[str, Any], target: str, output: str) -> str:
    """Markdown: one row per input (most important first), one column per scenario."""
    rows = indices[(indices["target"] == target) & (indices["output"] == output)]
    method = str(rows["method"].iloc[0])
    metric = _target(info, target)["metric"]
    scenarios = list(dict.fromkeys(rows["scenario"]))
    order = rows.groupby("input", sort=False)["importance"].max().sort_values(ascending=False)
    in_points = ", points" if unit(output, metric) else ""
    head = "ST (95% interval)" if method == "sobol" else f"mu*{in_points} (95% interval)"
    lines = [
        f"| input ({head}) | " + " | ".join(scenarios) + " |",
        "|---|" + "---|" * len(scenarios),
    ]
    for name in order.index:
        mine = rows[rows["input"] == name].set_index("scenario")
        cells = []
        for sc in scenarios:
            r = mine.loc[sc]
            if math.isnan(r["importance"]):
                cells.append("n/a")
            elif method == "sobol":
                cells.append(
                    f"{r['importance']:.2f} ({r['importance_low']:.2f}\u2013"
                    f"{r['importance_high']:.2f})"
                )
            else:
                imp = r["importance"]
                cells.append(
                    f"{_amount(imp, output, metric)} "
                    f"({_amount(r['importance_low'], output, metric, imp)}\u2013"
                    f"{_amount(r['importance_high'], output, metric, imp)})"
                )
        lines.append(f"| {mine['label'].iloc[0]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def method_text(info: dict[str, Any]) -> str:
    """How the analysis ran, in one sentence."""
    k, n, pts = info["replications"], info["samples"], info["points"]
    if info["method"] == "sobol":
        how = f"Sobol' indices from Saltelli sampling, N = {n} ({pts} points)"
    else:
        how = f"Morris screening, {n} trajectories of 4 levels ({pts} points)"
    return (
        f"{how}; at each point every scenario ran {k} simulated futures on common random "
        "numbers (the same seeds at every point), giving the share of them meeting each "
        "target and their median KPI at its date"
    )


def reading_notes(info: dict[str, Any]) -> list[str]:
    """What the numbers mean and where they stop."""
    k = info["replications"]
    notes = [
        f"A chance is a share of {k} futures, so it moves in steps of {100 / k:.0f} points; "
        "the indices describe this estimate, noise included, and a small index can be noise.",
    ]
    if info["method"] == "sobol":
        notes.append(
            "ST (total order) is the share of the output's variance an input accounts for, "
            "alone and with others; S1 (first order, in indices.csv) alone. Intervals are "
            f"SALib's bootstrap 95% intervals; ST below {SOBOL_TINY:g} is called tiny."
        )
    else:
        notes.append(
            "mu* is the mean absolute change in the output when the input moves across its "
            "whole prior (in quantiles), the others held; sigma, its spread (large when the "
            "effect depends on the other inputs). Intervals are SALib's bootstrap 95% "
            f"intervals; mu* below {100 * MORRIS_TINY_P:.0f} points on a chance, or "
            f"{100 * MORRIS_TINY_KPI:.0f}% of a KPI's level, is called tiny. Morris ranks; "
            "it does not apportion variance: use --method sobol for shares."
        )
    notes.append(
        "Only the inputs listed vary; everything else in the configs is held as written, and "
        "the ranking holds only within the priors given."
    )
    return notes


def summary_markdown(indices: pd.DataFrame, info: dict[str, Any]) -> str:
    """``sensitivity.md``: in short, per target the finding of each scenario for the chance
    and the KPI with a table of indices, the inputs and priors, and how to read them."""
    fs = findings(indices, info)
    lines = [
        f"# What the answer hangs on: {info['experiment']}",
        "",
        f"**In short:** {in_short(indices, info)}",
        "",
        method_text(info) + ".",
    ]
    for t in info["targets"]:
        desc = f": {t['description']}" if t.get("description") else ""
        lines += ["", f"## {t['name']}{desc}"]
        for output in ("p_met", "kpi_median"):
            mine = [f for f in fs if f.target == t["name"] and f.output == output]
            what = output_name(info, t["name"], output)
            lines += ["", f"**{_cap(what)}**", ""]
            lines += [f"- {f.scenario}: {f.text}." for f in mine]
            lines += ["", _table(indices, info, t["name"], output)]
    lines += ["", "## Inputs and their priors", "", "| input | what | prior |", "|---|---|---|"]
    lines += [f"| `{i['name']}` | {i['label']} | {i['prior']} |" for i in info["inputs"]]
    lines += ["", "## Reading these numbers", ""]
    lines += [f"- {n}" for n in reading_notes(info)]
    return "\n".join(lines) + "\n"
