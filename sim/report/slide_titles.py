"""The sentences that title the slides after the first finding: what the best policy buys
and costs, where the headline metric stands at the target date, and the workforce then.
Each is computed from the results, so a title never says more than the numbers do."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from sim.report.charts.style import (
    TargetInfo,
    at_extremes,
    best_policy,
    fmt_cost_per_point,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_pct,
    fmt_value,
    metric_short,
    month_year,
    scenario_label,
)


def cost_finding(order: pd.DataFrame, info: TargetInfo) -> str:
    """What the best policy buys and what it costs, with a price only for a clear gain."""
    base = order.iloc[0]
    base_label = scenario_label(str(base["scenario"]))
    when = f"by {month_year(info.date)}"
    if len(order) == 1:
        return (
            f"{base_label}: a {fmt_pct(base['p_met'])} chance of {info.phrase} {when}, at "
            f"{fmt_gbp(base['cost_per_year_gbp'])} a year"
        )
    best = best_policy(order, info)
    label = scenario_label(str(best["scenario"]))
    extra = float(best["extra_cost_per_year_gbp"])
    if at_extremes(order):
        return (
            f"{label}: {metric_short(info.metric)} at the date "
            f"{fmt_value(best['value_median'], info.metric)} against "
            f"{fmt_value(base['value_median'], info.metric)}, for {_extra_words(extra)}"
        )
    if float(best["diff_low"]) > 0:
        gain = f"{label} adds {round(100 * float(best['diff_vs_baseline']))} points"
        if extra > 0:
            return (
                f"{gain} to the chance of {info.phrase} {when} for {fmt_gbp(extra)} a year "
                f"more ({fmt_cost_per_point(best)})"
            )
        return f"{gain} to the chance of {info.phrase} {when} and {_extra_words(extra)}"
    n = int(order["replications"].min())
    return (
        f"No policy's gain in the chance of {info.phrase} {when} is clear of no change in "
        f"{n} simulated futures; {label} {_extra_words(extra, verb=True)}"
    )


def _extra_words(extra: float, verb: bool = False) -> str:
    """``+£3.1m a year`` / ``saves £0.7m a year`` (``costs +£3.1m a year more`` as a verb)."""
    text = fmt_gbp_delta(extra)
    if text.startswith("saves"):
        return f"{text} a year"
    if text == "no extra cost":
        return "costs no more" if verb else text
    return f"costs {text.lstrip('+')} a year more" if verb else f"{text} a year"


def over_time_finding(order: pd.DataFrame, info: TargetInfo, at: dict[str, float]) -> str:
    base = str(order.iloc[0]["scenario"])
    metric = metric_short(info.metric)
    when = month_year(info.date)
    if len(order) == 1 or base not in at:
        return (
            f"By {when} the median {metric} is {fmt_value(at.get(base, math.nan), info.metric)}"
            f" (target {info.symbol} {info.bound_text})"
        )
    best = str(best_policy(order, info)["scenario"])
    return (
        f"By {when} the median {metric} is {fmt_value(at.get(best, math.nan), info.metric)} "
        f"with {scenario_label(best).lower()}, against {fmt_value(at[base], info.metric)} with "
        f"{scenario_label(base).lower()} (target {info.symbol} {info.bound_text})"
    )


def workforce_finding(order: pd.DataFrame, at: pd.DataFrame, when: dt.date) -> str:
    """``By March 2018 plan 18 funds 288 posts and has 164 permanent qualified social
    workers in post; status quo funds 202 and has 124 (medians)``."""
    names = [str(n) for n in order["scenario"] if n in at.index]

    def has(name: str, first: bool) -> str:
        r = at.loc[name]
        held = f"{r['qualified_fte']:.0f}"
        if first:
            held += " permanent qualified social workers in post"
        if "establishment_fte" not in r:
            return f"has {held}"
        posts = f"{r['establishment_fte']:.0f}" + (" posts" if first else "")
        return f"funds {posts} and has {held}"

    lead = names[1] if len(names) > 1 else names[0]
    text = f"By {month_year(when)} {scenario_label(lead).lower()} {has(lead, True)}"
    if len(names) > 1:
        text += f"; {scenario_label(names[0]).lower()} {has(names[0], False)}"
    return text + " (medians)"
