"""The tornado chart of a global sensitivity analysis: for one target, each uncertain input's
importance (Sobol' total-order index, or Morris mu*) for the chance of meeting it (left)
and for the median KPI at its date (right), one bar per scenario, the most important input
at the top, with 95% intervals. Read from ``indices.csv`` and ``sensitivity.json``
(``sim.experiment.global_sensitivity``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.experiment.sensitivity_findings import (
    in_short,
    leaders,
    method_text,
    output_name,
    tiny,
)
from sim.metrics import is_share
from sim.report.charts.layout import INK, MUTED, err, fit_lines, fit_text, new_figure, px
from sim.report.charts.style import scenario_label, scenario_styles

OUTPUTS = ("p_met", "kpi_median")


def _scale(output: str, metric: str, method: str) -> tuple[float, str]:
    """Multiplier and axis label of an output's importance."""
    if method == "sobol":
        return 1.0, "Total-order index ST (share of the spread)"
    if output == "p_met":
        return 100.0, "mu*: change in the chance across the input's range (points)"
    if is_share(metric):
        return 100.0, "mu*: change in the KPI across the input's range (points)"
    return 1.0, "mu*: change in the KPI across the input's range"


def _panel(
    ax: Axes,
    rows: pd.DataFrame,
    inputs: list[str],
    scenarios: list[str],
    colours: dict[str, str],
    output: str,
    info: dict[str, Any],
    target: dict[str, Any],
) -> None:
    """One output's bars: inputs down, one bar per scenario, interval whiskers; Sobol' S1 as
    a black tick."""
    method = str(rows["method"].iloc[0])
    mine = rows[rows["output"] == output]
    factor, xlabel = _scale(output, target["metric"], method)
    n, m = len(inputs), len(scenarios)
    height = 0.8 / m
    for j, sc in enumerate(scenarios):
        r = mine[mine["scenario"] == sc].set_index("input").reindex(inputs)
        y = np.arange(n) - 0.4 + height * (j + 0.5)
        mid = r["importance"].to_numpy(dtype=float) * factor
        lo = r["importance_low"].to_numpy(dtype=float) * factor
        hi = r["importance_high"].to_numpy(dtype=float) * factor
        ax.barh(y, np.nan_to_num(mid), height=height * 0.92, color=colours[sc], zorder=2)
        ok = ~np.isnan(mid)
        ax.errorbar(
            mid[ok],
            y[ok],
            xerr=err(mid[ok], lo[ok], hi[ok]),
            fmt="none",
            ecolor=INK,
            elinewidth=1,
            capsize=2,
            zorder=3,
        )
        if method == "sobol":
            s1 = r["S1"].to_numpy(dtype=float).clip(0)
            ax.plot(s1, y, "|", color=INK, ms=max(4.0, 40 * height), mew=2, zorder=4)
    floor = tiny(method, output, float(mine["output_mean"].mean())) * factor
    ax.axvline(floor, color=MUTED, ls=":", lw=1.2, zorder=1)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel(xlabel, size=10)
    ax.grid(axis="x", color="#dddddd", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    what = output_name(info, target["name"], output)
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    title = fit_text(fig, what[:1].upper() + what[1:], 12, 0.34 * fig.bbox.width, 2)
    ax.set_title(title, size=12, loc="left", color=INK)
    still = (
        mine.groupby("scenario")["output_min"].first()
        == mine.groupby("scenario")["output_max"].first()
    )
    if still.all():
        ax.text(
            0.5,
            0.5,
            "Did not change at any point:\nno input moves it within its prior",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=MUTED,
            size=11,
        )


def tornado(indices: pd.DataFrame, info: dict[str, Any], target: str | None = None) -> Figure:
    """The tornado chart of ``target`` (default the headline, the first): the finding as the
    title, the two outputs side by side, the method and run in the footnote."""
    t = next(x for x in info["targets"] if x["name"] == (target or info["targets"][0]["name"]))
    rows = indices[indices["target"] == t["name"]]
    scenarios = [s for s in info["scenarios"] if s in set(rows["scenario"])]
    styles = scenario_styles(scenarios, info["baseline"])
    colours = {s: styles[s].colour for s in scenarios}
    # the order the title names them in, then the others
    inputs = leaders(indices, info, t["name"]).order
    labels = dict(zip(rows["input"], rows["label"], strict=False))
    rows_px = max(len(inputs) * max(len(scenarios), 2) * 0.16 + 1.0, 3.0)
    fig = new_figure((13.333, min(rows_px + 2.6, 14.0)), constrained=False)
    W, H = fig.bbox.width, fig.bbox.height
    title = fig.text(
        0.02,
        0.98,
        fit_lines(in_short(indices, info, t["name"]), 15, 0.96 * W, fig, "bold"),
        size=15,
        weight="bold",
        va="top",
        color=INK,
        gid="title",
    )
    top = 0.98 - px(fig, title).height / H - 0.02
    foot = fig.text(
        0.02,
        0.012,
        fit_text(
            fig,
            f"{info['experiment']}, {t['name']}: {method_text(info)}. Whiskers: 95% bootstrap "
            "intervals; dotted line: below it an input counts as tiny"
            + ("; black tick: first-order index S1" if info["method"] == "sobol" else ""),
            9,
            0.96 * W,
            4,
        ),
        size=9,
        va="bottom",
        color=MUTED,
        gid="footnote",
    )
    bottom = 0.012 + px(fig, foot).height / H + 0.11
    legend_h = 0.05 if len(scenarios) > 1 else 0.0
    height = max(0.1, top - bottom - legend_h - 0.04)
    left = 0.26
    axes = [
        fig.add_axes((left, bottom, 0.34, height), label="p_met"),
        fig.add_axes((left + 0.39, bottom, 0.34, height), label="kpi_median"),
    ]
    for ax, output in zip(axes, OUTPUTS, strict=True):
        _panel(ax, rows, inputs, scenarios, colours, output, info, t)
    axes[0].set_yticks(
        range(len(inputs)), [fit_text(fig, labels[i], 10, 0.23 * W, 2) for i in inputs], size=10
    )
    axes[1].set_yticks(range(len(inputs)), [""] * len(inputs))
    if len(scenarios) > 1:
        fig.legend(
            handles=[Patch(color=colours[s], label=scenario_label(s)) for s in scenarios],
            loc="lower left",
            bbox_to_anchor=(left, top - legend_h),
            ncol=min(len(scenarios), 5),
            frameon=False,
            fontsize=10,
        )
    return fig


def tornado_charts(indices: pd.DataFrame, info: dict[str, Any]) -> dict[str, Figure]:
    """``tornado_<target>`` -> its chart, for every target in the file's order."""
    return {f"tornado_{t['name']}": tornado(indices, info, t["name"]) for t in info["targets"]}
