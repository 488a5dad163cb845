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
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import blended_transform_factory

from sim.report.charts.layout import (
    INK,
    MUTED,
    err,
    fit_lines,
    fit_text,
    message_figure,
    new_figure,
    px,
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
    finding,
    finding_detail,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_interval,
    fmt_pct,
    provenance,
    scenario_label,
    scenario_styles,
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
    """The slide: one horizontal bar per scenario with its probability of meeting the
    target (95% Wilson interval), sorted, baseline grey and marked, its cost a year beside
    it, the finding in words as the title and the provenance as a footnote. 16:9."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    styles = styles or scenario_styles(list(rows["scenario"]), base)
    order = rows.sort_values(["p_met", "cost_per_year_gbp"], ascending=[False, True], kind="stable")
    order = order.reset_index(drop=True)
    n = len(order)
    fig = new_figure(SLIDE_SIZE, constrained=False)
    W, H = fig.bbox.width, fig.bbox.height

    title = fig.text(
        0.03,
        0.965,
        fit_lines(finding(rows, info), 22, 0.94 * W, fig, "bold"),
        size=22,
        weight="bold",
        va="top",
        color=INK,
        gid="title",
        linespacing=1.15,
    )
    top = 0.965 - px(fig, title).height / H - 0.012
    sub = fig.text(
        0.03,
        top,
        fit_lines(finding_detail(rows, info), 13, 0.94 * W, fig),
        size=13,
        va="top",
        color=MUTED,
        gid="subtitle",
    )
    top -= px(fig, sub).height / H
    foot_text = (
        "Intervals: Wilson 95% over the simulated futures. Cost: mean a year over "
        "the run, pay with on-costs, agency, team managers, recruitment and policy costs."
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
    bottom = 0.018 + px(fig, foot).height / H + 0.105

    height = max(0.2, top - 0.07 - bottom)
    height = min(height, (0.95 * n + 0.4) / SLIDE_SIZE[1])  # few bars stay bar-shaped
    ax = fig.add_axes((0.3, top - 0.07 - height, 0.4, height), label="comparison")
    y = np.arange(n)
    colours = [styles[s].colour for s in order["scenario"]]
    bars = ax.barh(y, order["p_met"], height=0.62, color=colours, label="p_met", zorder=2)
    for bar, name in zip(bars, order["scenario"], strict=True):
        if styles[name].hatch:
            bar.set_hatch(styles[name].hatch)
            bar.set_edgecolor("white")
    ax.errorbar(
        order["p_met"],
        y,
        xerr=err(order["p_met"], order["p_low"], order["p_high"]),
        fmt="none",
        ecolor=INK,
        elinewidth=1.8,
        capsize=5,
        capthick=1.8,
        zorder=3,
        label="interval",
    )
    p_base = float(rows.loc[rows["baseline"], "p_met"].iloc[0])
    if n > 1:
        ax.axvline(p_base, color="#666666", ls="--", lw=1.4, zorder=1, gid="baseline_line")
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_yticks(y, [""] * n)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.tick_params(axis="x", labelsize=14)
    ax.set_xlabel("Chance of meeting the target (share of simulated futures)", size=14)
    ax.grid(axis="x", color="#dddddd", zorder=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)

    size = 15 if n <= 6 else 14 if n <= 9 else 12
    desc_lines = 2 if n <= 8 else 1
    trans = blended_transform_factory(fig.transFigure, ax.transData)
    chances, costs = [], []
    for i, r in order.iterrows():
        assert isinstance(i, int)  # a RangeIndex: the row's position
        name = str(r["scenario"])
        chances.append(
            fig.text(
                0,
                i,
                f"{fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])})",
                transform=trans,
                size=size,
                va="center",
                color=INK,
                gid=f"chance:{name}",
            )
        )
        extra = "baseline" if r["baseline"] else fmt_gbp_delta(r["extra_cost_per_year_gbp"])
        costs.append(
            fig.text(
                0,
                i,
                f"{fmt_gbp(r['cost_per_year_gbp'])} ({extra})",
                transform=trans,
                size=size,
                va="center",
                color=INK,
                gid=f"cost:{name}",
            )
        )
    heads = [
        fig.text(
            0, 1.015, "Chance (95% interval)", size=12, color=MUTED, va="bottom", weight="bold"
        ),
        fig.text(
            0, 1.015, "Cost a year (vs baseline)", size=12, color=MUTED, va="bottom", weight="bold"
        ),
    ]

    # Lay out: labels | bars | chance column | cost column, measured in pixels.
    gap = 0.018 * W
    w_ch = max(max(px(fig, t).width for t in chances), px(fig, heads[0]).width)
    w_co = max(max(px(fig, t).width for t in costs), px(fig, heads[1]).width)
    right = 0.975 - (w_ch + w_co + 3 * gap) / W
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
    x_ch = right + gap / W
    x_co = x_ch + (w_ch + 1.5 * gap) / W
    for t in chances:
        t.set_x(x_ch)
    for t in costs:
        t.set_x(x_co)
    heads[0].set_transform(blended_transform_factory(fig.transFigure, ax.transAxes))
    heads[1].set_transform(blended_transform_factory(fig.transFigure, ax.transAxes))
    heads[0].set_x(x_ch)
    heads[1].set_x(x_co)
    if n > 1:
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


def _row_labels(
    fig: Figure, order: pd.DataFrame, trans: object, size: float, max_px: float, lines: int
) -> list:
    """Each bar's name (bold for the baseline) and up to ``lines`` lines of description."""
    labels = []
    for i, r in order.iterrows():
        assert isinstance(i, int)  # a RangeIndex: the row's position
        name = str(r["scenario"])
        lab = scenario_label(name) + (" (baseline)" if r["baseline"] else "")
        weight = "bold" if r["baseline"] else "normal"
        desc = str(r.get("description", "") or "") if lines else ""
        labels.append(
            fig.text(
                0,
                i - 0.03 if desc else i,
                fit_text(fig, lab, size, max_px, 1, weight),
                transform=trans,
                size=size,
                ha="right",
                va="bottom" if desc else "center",
                color=INK,
                weight=weight,
                gid=f"label:{name}",
            )
        )
        if desc:
            labels.append(
                fig.text(
                    0,
                    i + 0.03,
                    fit_text(fig, desc, 10.5, max_px, lines),
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


def all_charts(results: SavedResults, styles: dict[str, Style] | None = None) -> dict[str, Figure]:
    """Every chart of a results folder, keyed by file stem, in the report's order."""
    sc, reps, ts = results.scenarios, results.replications, results.timeseries
    styles = styles or scenario_styles(results.scenario_names, results.baseline)
    info = target_info(sc)
    month, horizon = target_month(ts, info.date)
    out: dict[str, Figure] = {
        "policy_comparison": policy_comparison(
            sc, provenance_text=_provenance(results), styles=styles
        ),
        "fan_chart": fan_chart(ts, sc, styles=styles),
    }
    seen = {info.metric}
    for name in target_names(sc)[1:]:
        other = target_info(sc, name)
        if other.metric not in seen:
            seen.add(other.metric)
            out[f"fan_chart_{other.metric}"] = fan_chart(ts, sc, name, styles=styles)
    if not seen & {"avg_caseload", "avg_caseload_qualified"}:  # a caseload chart in any case
        out["fan_chart_avg_caseload"] = fan_chart(ts, sc, metric="avg_caseload", styles=styles)
    out["distribution_at_target"] = target_distribution(reps, sc, styles=styles)
    out["months_to_target"] = months_to_target(
        reps, sc, target_month=month, horizon_months=horizon, styles=styles
    )
    out["cost_vs_probability"] = cost_vs_probability(sc, styles=styles)
    out["workforce"] = workforce(ts, sc, styles=styles)
    if len(results.scenario_names) > 1:
        out["paired_comparison"] = paired_differences(reps, sc, styles=styles)
    return out


def _provenance(results: SavedResults) -> str:
    return provenance(results.manifest)
