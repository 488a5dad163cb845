"""Charts of a saved experiment. Each function takes the result frames (``scenarios.csv``,
``replications``, ``timeseries``) and returns a matplotlib Figure, so a chart can be tested
or re-drawn from any results folder without re-running the experiment.

The slide (:func:`policy_comparison`) and the cost chart are here; the series and
distributions are in :mod:`sim.report.charts.series`, re-exported below."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import blended_transform_factory

from sim.experiment.scenario_table import with_months_to_target
from sim.report.charts.layout import (
    INK,
    MUTED,
    err,
    fit_lines,
    message_figure,
    new_figure,
    px,
    title_block,
    wrap_px,
)
from sim.report.charts.policies import cost_vs_probability, paired_differences
from sim.report.charts.series import (
    fan_chart,
    months_to_target,
    target_distribution,
    target_month,
    workforce,
)
from sim.report.charts.style import (
    Style,
    TargetInfo,
    at_extremes,
    finding,
    finding_detail,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_interval,
    fmt_months,
    fmt_pct,
    fmt_value,
    is_share,
    metric_short,
    provenance,
    scenario_label,
    scenario_styles,
    slide_order,
    target_info,
    target_names,
    target_rows,
)

if TYPE_CHECKING:
    from sim.experiment.results_folder import SavedResults

__all__ = [
    "all_charts",
    "cost_vs_probability",
    "fan_chart",
    "message_figure",
    "months_to_target",
    "new_figure",
    "paired_differences",
    "policy_comparison",
    "report_table",
    "target_distribution",
    "target_month",
    "workforce",
]

log = logging.getLogger(__name__)

SLIDE_SIZE = (13.333, 7.5)  # inches: a 16:9 PowerPoint slide


def policy_comparison(
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    provenance_text: str = "",
    styles: dict[str, Style] | None = None,
) -> Figure:
    """The slide: one horizontal bar per scenario, the baseline first (grey, marked) and
    the policies from the best down, with its probability of meeting the target (95%
    Wilson interval) and its cost a year beside it, the finding in words as the title and
    the provenance as a footnote. 16:9. When every scenario meets the target in all its
    futures or in none, the bars show what differs instead: the KPI at the target date
    (median, 5-95%) beside the months until it is met for good (Kaplan-Meier median)."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    styles = styles or scenario_styles(list(rows["scenario"]), base)
    order = slide_order(rows, info)
    extremes = at_extremes(rows)
    n = len(order)
    fig = new_figure(SLIDE_SIZE, constrained=False)
    W, H = fig.bbox.width, fig.bbox.height

    top = title_block(
        fig,
        0.03,
        0.965,
        fit_lines(finding(rows, info), 22, 0.94 * W, fig, "bold"),
        fit_lines(finding_detail(rows, info), 13, 0.94 * W, fig),
        (22, 13),
        gids=True,
        linespacing=1.15,
    )
    foot_text = (
        "Intervals: Wilson 95% over the simulated futures. Cost: mean a year over "
        "the run, pay with on-costs, agency, team managers, recruitment and policy costs."
    )
    if extremes:
        foot_text = (
            "Whiskers: 5th to 95th percentile of the simulated futures. Met for good: "
            "Kaplan\u2013Meier median month from the start, counting futures that never get "
            "there. Cost: mean a year over the run, pay with on-costs, agency, team "
            "managers, recruitment and policy costs."
        )
    if provenance_text:
        foot_text = f"{provenance_text}. {foot_text}"
    foot = fig.text(
        0.03,
        0.018,
        fit_lines(foot_text, 10, 0.94 * W, fig),
        size=10,
        va="bottom",
        color=MUTED,
        gid="footnote",
    )
    bottom = 0.018 + px(fig, foot).height / H + (0.135 if extremes else 0.105)

    height = max(0.2, top - 0.07 - bottom)
    height = min(height, (0.95 * n + 0.4) / SLIDE_SIZE[1])  # few bars stay bar-shaped
    ax = fig.add_axes((0.3, top - 0.07 - height, 0.4, height), label="comparison")
    y = np.arange(n)
    colours = [styles[s].colour for s in order["scenario"]]
    if extremes:
        mid, lo, hi = order["value_median"], order["value_p5"], order["value_p95"]
    else:
        mid, lo, hi = order["p_met"], order["p_low"], order["p_high"]
    label = "value_median" if extremes else "p_met"
    bars = ax.barh(y, mid.fillna(0), height=0.62, color=colours, label=label, zorder=2)
    for bar, name in zip(bars, order["scenario"], strict=True):
        if styles[name].hatch:
            bar.set_hatch(styles[name].hatch)
            bar.set_edgecolor("white")
    ax.errorbar(
        mid,
        y,
        xerr=err(mid, lo, hi),
        fmt="none",
        ecolor=INK,
        elinewidth=1.8,
        capsize=5,
        capthick=1.8,
        zorder=3,
        label="interval",
    )
    if extremes:
        _value_axis(ax, order, info)
    else:
        p_base = float(rows.loc[rows["baseline"], "p_met"].iloc[0])
        if n > 1:
            ax.axvline(p_base, color="#666666", ls="--", lw=1.4, zorder=1, gid="baseline_line")
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("Chance of meeting the target (share of simulated futures)", size=14)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, [""] * n)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=14)
    ax.grid(axis="x", color="#dddddd", zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    size = 15 if n <= 6 else 14 if n <= 9 else 12
    if extremes:
        size -= 1  # three columns beside the bars
    desc_lines = 3 if n <= 6 else 2 if n <= 8 else 1
    trans = blended_transform_factory(fig.transFigure, ax.transData)
    columns = _columns(order, info, extremes)
    cells: list[list[Text]] = []
    heads: list[Text] = []
    for head, key, texts in columns:
        col = [
            fig.text(
                0, i, text, transform=trans, size=size, va="center", color=INK, gid=f"{key}:{s}"
            )
            for i, (s, text) in enumerate(texts)
        ]
        room = max(max(px(fig, t).width for t in col), 0.13 * W)  # a heading wraps to its column
        wrapped = "\n".join(wrap_px(fig, head, 12, room, "bold"))
        heads.append(fig.text(0, 1.015, wrapped, size=12, color=MUTED, va="bottom", weight="bold"))
        cells.append(col)

    # Lay out: labels | bars | one column per figure, measured in pixels.
    gap = 0.018 * W
    widths = [
        max(max(px(fig, t).width for t in col), px(fig, h).width)
        for col, h in zip(cells, heads, strict=True)
    ]
    right = 0.975 - (sum(widths) + 1.5 * gap * len(widths)) / W
    max_lab = (right - 0.26 - 0.03) * W - gap  # the bars keep at least 26% of the width
    for lines in range(desc_lines, -1, -1):  # fewer description lines until none overlap
        labels = _row_labels(fig, order, trans, size, max_lab, lines)
        boxes = [px(fig, t).padded(3) for t in labels]
        clash = any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1 :])
        if not clash or lines == 0:
            break
        for t in labels:
            t.remove()
    w_lab = max(px(fig, t).width for t in labels)
    left = 0.03 + (w_lab + gap) / W
    pos = ax.get_position()
    ax.set_position((left, pos.y0, right - left, pos.height))
    for t in labels:
        t.set_x(left - gap / 2 / W)
    x = right + gap / W
    for col, heading, w in zip(cells, heads, widths, strict=True):
        for t in col:
            t.set_x(x)
        heading.set_transform(blended_transform_factory(fig.transFigure, ax.transAxes))
        heading.set_x(x)
        x += (w + 1.5 * gap) / W
    if extremes:  # the axis label wrapped to the width the bars were given
        label = ax.get_xlabel()
        width = ax.get_position().width * W
        ax.set_xlabel("\n".join(wrap_px(fig, label, 13, width)), size=13)
    if n > 1 and not extremes:
        ax.text(
            p_base,
            -0.5,
            f" baseline {fmt_pct(p_base)}",
            size=11,
            color="#666666",
            va="bottom",
            ha="center",
            clip_on=False,
        )
    return fig


def _columns(
    order: pd.DataFrame, info: TargetInfo, extremes: bool
) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The figures beside the bars: (heading, gid key, [(scenario, text)]) per column."""
    names = [str(s) for s in order["scenario"]]
    cost = [
        f"{fmt_gbp(r['cost_per_year_gbp'])} "
        f"({'baseline' if r['baseline'] else fmt_gbp_delta(r['extra_cost_per_year_gbp'])})"
        for _, r in order.iterrows()
    ]
    cost_col = ("Cost a year (vs baseline)", "cost", list(zip(names, cost, strict=True)))
    if not extremes:
        chance = [
            f"{fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])})"
            for _, r in order.iterrows()
        ]
        return [
            ("Chance (95% interval)", "chance", list(zip(names, chance, strict=True))),
            cost_col,
        ]
    value = [
        f"{fmt_value(r['value_median'], info.metric)} ({fmt_value(r['value_p5'], info.metric)}"
        f"\u2013{fmt_value(r['value_p95'], info.metric)})"
        for _, r in order.iterrows()
    ]
    months = [fmt_months(r) for _, r in order.iterrows()]
    if len(order) <= 6:  # room for two lines a row
        months = [m.replace(" (", "\n(", 1) for m in months]
    return [
        (
            f"Median at {info.date:%b %Y} (5\u201395%)",
            "value",
            list(zip(names, value, strict=True)),
        ),
        ("Met for good from month (95% interval)", "months", list(zip(names, months, strict=True))),
        cost_col,
    ]


def _value_axis(ax: Axes, order: pd.DataFrame, info: TargetInfo) -> None:
    """The x axis of the KPI at the target date, with the target's bound marked."""
    top = np.nanmax([*order["value_p95"].astype(float), info.bound])
    ax.set_xlim(0, 1.08 * top if np.isfinite(top) and top > 0 else 1)
    ax.axvline(info.bound, color=INK, ls=":", lw=1.6, zorder=4, gid="target_line")
    ax.text(
        info.bound,
        -0.5,
        f" target {info.symbol} {info.bound_text}",
        size=11,
        color=INK,
        va="bottom",
        ha="center",
        clip_on=False,
    )
    if is_share(info.metric):
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(
        f"{metric_short(info.metric).capitalize()} at {info.date:%d %b %Y} (median of the futures)",
        size=13,
    )


def _row_labels(
    fig: Figure, order: pd.DataFrame, trans: object, size: float, max_px: float, lines: int
) -> list:
    """Each bar's name (bold for the baseline), wrapped, never cut, and its description
    wrapped into at most ``lines`` lines: when any description needs more, none is shown
    (each is in the report's table), so no text is ever cut short."""
    descs = [str(r.get("description", "") or "") if lines else "" for _, r in order.iterrows()]
    wrapped = [wrap_px(fig, d, 10.5, max_px) if d else [] for d in descs]
    if any(len(w) > lines for w in wrapped):
        wrapped = [[] for _ in wrapped]
    labels = []
    for (i, r), desc in zip(order.iterrows(), wrapped, strict=True):
        assert isinstance(i, int)  # a RangeIndex: the row's position
        name = str(r["scenario"])
        lab = scenario_label(name) + (" (baseline)" if r["baseline"] else "")
        weight = "bold" if r["baseline"] else "normal"
        labels.append(
            fig.text(
                0,
                i - 0.03 if desc else i,
                "\n".join(wrap_px(fig, lab, size, max_px, weight)),
                transform=trans,
                size=size,
                ha="right",
                va="bottom" if desc else "center",
                color=INK,
                weight=weight,
                gid=f"label:{name}",
                linespacing=1.05,
            )
        )
        if desc:
            labels.append(
                fig.text(
                    0,
                    i + 0.03,
                    "\n".join(desc),
                    transform=trans,
                    size=10.5,
                    ha="right",
                    va="top",
                    color=MUTED,
                    gid=f"description:{name}",
                    linespacing=1.1,
                )
            )
    return labels


def report_table(results: SavedResults) -> pd.DataFrame:
    """The scenario table as the report reads it: ``scenarios.csv``, with the months to
    target (Kaplan-Meier) computed from the replications for a folder written before the
    table held them."""
    resolved = results.manifest.get("resolved", {}).get("scenarios", {})
    horizons = {name: int(cfg["horizon_months"]) for name, cfg in resolved.items()}
    return with_months_to_target(results.scenarios, results.replications, horizons)


def all_charts(
    results: SavedResults, styles: dict[str, Style] | None = None, target: str | None = None
) -> dict[str, Figure]:
    """Every chart of a results folder, keyed by file stem, in the report's order;
    ``target`` is the headline (default: the experiment's first)."""
    sc, reps, ts = report_table(results), results.replications, results.timeseries
    styles = styles or scenario_styles(results.scenario_names, results.baseline)
    info = target_info(sc, target)
    month, horizon = target_month(ts, info.date)
    out: dict[str, Figure] = {
        "policy_comparison": policy_comparison(
            sc, info.name, provenance_text=_provenance(results), styles=styles
        ),
        "fan_chart": fan_chart(ts, sc, info.name, styles=styles),
    }
    seen = {info.metric}
    for name in target_names(sc):
        other = target_info(sc, name)
        if other.metric not in seen:
            seen.add(other.metric)
            out[f"fan_chart_{other.metric}"] = fan_chart(ts, sc, name, styles=styles)
    if not seen & {"avg_caseload", "avg_caseload_qualified"}:  # a caseload chart in any case
        out["fan_chart_avg_caseload"] = fan_chart(ts, sc, metric="avg_caseload", styles=styles)
    out["distribution_at_target"] = target_distribution(reps, sc, info.name, styles=styles)
    out["months_to_target"] = months_to_target(
        reps, sc, info.name, target_month=month, horizon_months=horizon, styles=styles
    )
    out["cost_vs_probability"] = cost_vs_probability(sc, info.name, styles=styles)
    out["workforce"] = workforce(ts, sc, styles=styles)
    if len(results.scenario_names) > 1:
        out["paired_comparison"] = paired_differences(reps, sc, info.name, styles=styles)
    return out


def _provenance(results: SavedResults) -> str:
    return provenance(results.manifest)
