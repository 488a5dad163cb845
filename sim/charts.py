"""Charts of a saved experiment. Each function takes the result frames (``scenarios.csv``,
``replications``, ``timeseries``) and returns a matplotlib Figure, so a chart can be tested
or re-drawn from any results folder without re-running the experiment.

The slide (:func:`policy_comparison`) and the cost chart are here; the series and
distributions are in :mod:`sim.chart_series`, re-exported below."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter
from matplotlib.transforms import Bbox, blended_transform_factory

from sim.chart_series import (
    fan_chart,
    months_to_target,
    new_figure,
    target_distribution,
    target_month,
    workforce,
)
from sim.chartkit import (
    Style,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_interval,
    fmt_pct,
    fmt_pp,
    finding,
    finding_detail,
    metric_label,
    scenario_label,
    scenario_styles,
    target_info,
    target_names,
    target_rows,
)

if TYPE_CHECKING:
    from sim.load import Results

__all__ = [
    "all_charts",
    "cost_vs_probability",
    "fan_chart",
    "message_figure",
    "months_to_target",
    "paired_differences",
    "policy_comparison",
    "target_distribution",
    "workforce",
]

log = logging.getLogger(__name__)

SLIDE_SIZE = (13.333, 7.5)  # inches: a 16:9 PowerPoint slide
INK = "#222222"
MUTED = "#555555"


def _fit_lines(text: str, size: float, max_px: float, fig: Figure, weight: str = "normal") -> str:
    """Wrap ``text`` into as few lines as fit ``max_px`` pixels at ``size`` points."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width = max(20, int(len(text) * 1.0))
    while True:
        wrapped = textwrap.fill(text, width)
        t = fig.text(0, 0, wrapped, size=size, weight=weight)
        w = t.get_window_extent(renderer).width
        t.remove()
        if w <= max_px or width <= 20:
            return wrapped
        width = int(width * 0.92)


def _px(fig: Figure, text: object) -> Bbox:
    return text.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]


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
    fig = Figure(figsize=SLIDE_SIZE, dpi=150)
    FigureCanvasAgg(fig)
    W, H = fig.bbox.width, fig.bbox.height  # noqa: N806 - pixel width and height

    title = fig.text(
        0.03, 0.965, _fit_lines(finding(rows, info), 22, 0.94 * W, fig, "bold"),
        size=22, weight="bold", va="top", color=INK, gid="title", linespacing=1.15,
    )  # fmt: skip
    top = 0.965 - _px(fig, title).height / H - 0.012
    sub = fig.text(
        0.03, top, _fit_lines(finding_detail(rows, info), 13, 0.94 * W, fig),
        size=13, va="top", color=MUTED, gid="subtitle",
    )  # fmt: skip
    top -= _px(fig, sub).height / H
    foot_text = "Intervals: Wilson 95% over the simulated futures. Cost: mean a year over " \
        "the run, pay with on-costs, agency, team managers, recruitment and policy costs."
    if provenance_text:
        foot_text = f"{provenance_text}. {foot_text}"
    foot = fig.text(
        0.03, 0.018, _fit_lines(foot_text, 10, 0.94 * W, fig),
        size=10, va="bottom", color=MUTED, gid="footnote",
    )  # fmt: skip
    bottom = 0.018 + _px(fig, foot).height / H + 0.105

    ax = fig.add_axes((0.3, bottom, 0.4, max(0.2, top - 0.07 - bottom)), label="comparison")
    y = np.arange(n)
    colours = [styles[s].colour for s in order["scenario"]]
    ax.barh(y, order["p_met"], height=0.62, color=colours, label="p_met", zorder=2)
    ax.errorbar(
        order["p_met"], y,
        xerr=[order["p_met"] - order["p_low"], order["p_high"] - order["p_met"]],
        fmt="none", ecolor=INK, elinewidth=1.8, capsize=5, capthick=1.8, zorder=3,
        label="interval",
    )  # fmt: skip
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
    with_desc = n <= 7
    trans = blended_transform_factory(fig.transFigure, ax.transData)
    labels, chances, costs = [], [], []
    for i, r in order.iterrows():
        name = str(r["scenario"])
        lab = scenario_label(name) + (" (baseline)" if r["baseline"] else "")
        dy = -0.16 if with_desc else 0.0
        labels.append(
            fig.text(0, i + dy, lab, transform=trans, size=size, ha="right", va="center",
                     color=INK, weight="bold" if r["baseline"] else "normal", gid=f"label:{name}")
        )  # fmt: skip
        desc = str(r.get("description", "") or "")
        if with_desc and desc:
            desc = desc if len(desc) <= 62 else desc[:60].rstrip(" ,;:") + "\u2026"
            labels.append(
                fig.text(0, i + 0.2, desc, transform=trans, size=10.5, ha="right",
                         va="center", color=MUTED, gid=f"description:{name}")
            )  # fmt: skip
        chances.append(
            fig.text(0, i, f"{fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])})",
                     transform=trans, size=size, va="center", color=INK, gid=f"chance:{name}")
        )  # fmt: skip
        extra = "baseline" if r["baseline"] else fmt_gbp_delta(r["extra_cost_per_year_gbp"])
        costs.append(
            fig.text(0, i, f"{fmt_gbp(r['cost_per_year_gbp'])} ({extra})", transform=trans,
                     size=size, va="center", color=INK, gid=f"cost:{name}")
        )  # fmt: skip
    heads = [
        fig.text(0, 1.015, "Chance (95% interval)", transform=ax.transAxes, size=12,
                 color=MUTED, va="bottom", weight="bold"),
        fig.text(0, 1.015, "Cost a year (vs baseline)", transform=ax.transAxes, size=12,
                 color=MUTED, va="bottom", weight="bold"),
    ]  # fmt: skip

    # Lay out: labels | bars | chance column | cost column, measured in pixels.
    gap = 0.018 * W
    w_lab = max(_px(fig, t).width for t in labels)
    w_ch = max(max(_px(fig, t).width for t in chances), _px(fig, heads[0]).width)
    w_co = max(max(_px(fig, t).width for t in costs), _px(fig, heads[1]).width)
    left = 0.03 + (w_lab + gap) / W
    right = 0.975 - (w_ch + w_co + 3 * gap) / W
    if right - left < 0.3:  # very long names: shrink the label column, not the bars
        left = max(0.2, right - 0.3)
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
        ax.text(p_base, -0.5, f" baseline {fmt_pct(p_base)}", size=11, color="#666666",
                va="bottom", ha="center", clip_on=False)  # fmt: skip
    return fig


def cost_vs_probability(
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    replications: pd.DataFrame | None = None,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """Cost a year (GBP million) against the probability of meeting the target, one point
    per scenario with its 95% interval; with ``replications``, horizontal whiskers show the
    5-95% range of the cost over the simulated futures."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    styles = styles or scenario_styles(list(rows["scenario"]), base)
    fig = Figure(figsize=(11, 7), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.09, 0.1, 0.86, 0.76), label="cost")
    x = rows["cost_per_year_gbp"].to_numpy() / 1e6
    y = rows["p_met"].to_numpy()
    spread = None
    if replications is not None:
        q = replications.groupby("scenario")["cost_per_year_gbp"].quantile([0.05, 0.95])
        spread = q.unstack().reindex(rows["scenario"]).to_numpy() / 1e6
    for i, r in rows.iterrows():
        st = styles[str(r["scenario"])]
        xerr = None if spread is None else [[x[i] - spread[i, 0]], [spread[i, 1] - x[i]]]
        ax.errorbar(
            [x[i]], [y[i]], yerr=[[y[i] - r["p_low"]], [r["p_high"] - y[i]]], xerr=xerr,
            fmt=st.marker, ms=10, color=st.colour, mec=INK, mew=0.8, elinewidth=1.6,
            capsize=4, zorder=3, label=str(r["scenario"]),
        )  # fmt: skip
    lo_x = np.nanmin(spread[:, 0]) if spread is not None else x.min()
    hi_x = np.nanmax(spread[:, 1]) if spread is not None else x.max()
    pad = max(0.08 * (hi_x - lo_x), 0.02 * max(abs(hi_x), 1e-9), 0.01)
    ax.set_xlim(lo_x - pad, hi_x + 3 * pad)
    ax.set_ylim(-0.04, 1.04)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.2f}".rstrip("0").rstrip(".")))
    ax.set_xlabel("Cost a year (GBP million; mean over the simulated futures)", size=13)
    ax.set_ylabel("Chance of meeting the target", size=13)
    ax.tick_params(labelsize=12)
    ax.grid(color="#e5e5e5", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.text(0.09, 0.965, "Which policies are worth their cost?", size=17, weight="bold",
             va="top", color=INK)  # fmt: skip
    fig.text(
        0.09, 0.915,
        f"Chance of meeting {info.short} (95% interval) against cost a year"
        + ("; horizontal whiskers: 5\u201395% of cost" if spread is not None else ""),
        size=12, va="top", color=MUTED,
    )  # fmt: skip
    names = [
        scenario_label(str(s)) + (" (baseline)" if b else "")
        for s, b in zip(rows["scenario"], rows["baseline"], strict=True)
    ]
    _place_labels(fig, ax, x, y, names, rows, spread)
    return fig


def _place_labels(
    fig: Figure,
    ax: object,
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    rows: pd.DataFrame,
    spread: np.ndarray | None,
) -> None:
    """Label each point where the label overlaps no other label, point or whisker."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    to_px = ax.transData.transform  # type: ignore[attr-defined]
    ax_box = ax.get_window_extent(renderer)  # type: ignore[attr-defined]
    obstacles: list[Bbox] = []
    for i in range(len(x)):
        px, py = to_px((x[i], y[i]))
        obstacles.append(Bbox.from_extents(px - 9, py - 9, px + 9, py + 9))
        lo, hi = to_px((x[i], rows["p_low"].iloc[i])), to_px((x[i], rows["p_high"].iloc[i]))
        obstacles.append(Bbox.from_extents(px - 7, lo[1], px + 7, hi[1]))
        if spread is not None:
            a, b = to_px((spread[i, 0], y[i])), to_px((spread[i, 1], y[i]))
            obstacles.append(Bbox.from_extents(a[0], py - 7, b[0], py + 7))
    offsets = [(12, 0), (-12, 0), (0, 14), (0, -14), (12, 16), (12, -16), (-12, 16), (-12, -16)]
    offsets += [(dx, dy) for dy in (30, -30, 46, -46, 62, -62) for dx in (14, -14)]
    placed: list[Bbox] = []
    for i in np.argsort(-y, kind="stable"):
        for k, (dx, dy) in enumerate(offsets):
            ha = "left" if dx > 0 else "right" if dx < 0 else "center"
            va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
            t = ax.annotate(  # type: ignore[attr-defined]
                names[i], (x[i], y[i]), xytext=(dx, dy), textcoords="offset points",
                ha=ha, va=va, size=11, color=INK, gid=f"point:{rows['scenario'].iloc[i]}",
                arrowprops={"arrowstyle": "-", "color": "#999999", "lw": 0.8}
                if abs(dy) > 20 else None,
            )  # fmt: skip
            box = t.get_window_extent(renderer).padded(2)
            inside = ax_box.containsx(box.x0) and ax_box.containsx(box.x1)
            inside = inside and ax_box.containsy(box.y0) and ax_box.containsy(box.y1)
            clash = any(box.overlaps(o) for o in (*placed, *obstacles))
            if (inside and not clash) or k == len(offsets) - 1:
                placed.append(box)
                break
            t.remove()


def paired_differences(
    replications: pd.DataFrame,
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """Per policy, its difference from the baseline over the same simulated futures (common
    random numbers): left, the distribution of the difference in the target's metric at the
    target date; right, the difference in the chance of meeting it (Newcombe interval)."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    styles = styles or scenario_styles(list(rows["scenario"]), base)
    others = rows[~rows["baseline"]].reset_index(drop=True)
    if others.empty:
        return message_figure("Only the baseline was run: there is nothing to compare it with.")
    col = f"{info.name}_value"
    wide = replications.pivot_table(index="replication", columns="scenario", values=col)
    n = len(others)
    fig = new_figure((13.333, max(4.8, 1.9 + 0.55 * n)))
    ax, ax2 = fig.subplots(1, 2, sharey=True, width_ratios=[1.5, 1])
    ax.set_label("value_difference")
    ax2.set_label("p_difference")
    pos = np.arange(n)
    rng = np.random.default_rng(0)
    share = info.metric in {"agency_share", "turnover_12m", "share_workers_over_target"}
    for i, r in others.iterrows():
        name = str(r["scenario"])
        d = (wide[name] - wide[base]).dropna().to_numpy() if name in wide else np.array([])
        st = styles[name]
        if len(d):
            q5, q25, q50, q75, q95 = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
            ax.hlines(i, q5, q95, color=st.colour, lw=1.6, zorder=2)
            ax.add_patch(_box(q25, q75, i, st.colour))
            ax.vlines(q50, i - 0.28, i + 0.28, color=INK, lw=2.2, zorder=4)
            jitter = rng.uniform(-0.18, 0.18, len(d))
            ax.scatter(d, i + jitter, s=10 if len(d) < 300 else 4, color=st.colour,
                       alpha=0.6 if len(d) < 300 else 0.25, lw=0, zorder=3)  # fmt: skip
        ax2.errorbar(
            [r["diff_vs_baseline"]], [i],
            xerr=[[r["diff_vs_baseline"] - r["diff_low"]], [r["diff_high"] - r["diff_vs_baseline"]]],
            fmt=st.marker, ms=9, color=st.colour, mec=INK, elinewidth=1.8, capsize=4, zorder=3,
        )  # fmt: skip
    ax.axvline(0, color=INK, lw=1)
    ax2.axvline(0, color=INK, lw=1)
    ax.set_yticks(pos, [scenario_label(str(s)) for s in others["scenario"]], size=12)
    ax.set_ylim(n - 0.5, -0.5)
    better = "lower" if info.op == "<=" else "higher"
    unit = " (percentage points)" if share else ""
    ax.set_xlabel(
        f"{metric_label(info.metric)} at {info.date:%d %b %Y}, minus {scenario_label(base)}"
        f"{unit}\n{better} is better", size=11,
    )  # fmt: skip
    if share:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.0f}"))
    lim = max(0.05, float(np.nanmax(np.abs(others[["diff_low", "diff_high"]].to_numpy()))))
    ax2.set_xlim(-min(1.0, lim * 1.15), min(1.0, lim * 1.15))
    ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.0f}"))
    ax2.set_xlabel("Difference in the chance of meeting the target\n(percentage points)", size=11)
    right = ax2.twinx()
    right.set_ylim(ax2.get_ylim())
    right.set_yticks(
        pos,
        [
            f"{fmt_pp(r['diff_vs_baseline'])} ({fmt_pp(r['diff_low'])} to "
            f"{fmt_pp(r['diff_high'])}); better in {r['share_better_value']:.0%}"
            for _, r in others.iterrows()
        ],
        size=11,
    )
    right.tick_params(length=0)
    for a in (ax, ax2, right):
        a.grid(False)
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e5e5e5")
    ax2.grid(axis="x", color="#e5e5e5")
    fig.suptitle(
        f"Each policy against {scenario_label(base).lower()} on the same "
        f"{int(wide.shape[0])} simulated futures", size=15, weight="bold",
    )  # fmt: skip
    return fig


def _box(lo: float, hi: float, y: float, colour: str) -> object:
    from matplotlib.patches import Rectangle

    return Rectangle((lo, y - 0.22), hi - lo, 0.44, facecolor=colour, alpha=0.35,
                     edgecolor=colour, lw=1.5, zorder=2)  # fmt: skip


def message_figure(text: str, size: tuple[float, float] = (10, 2.5)) -> Figure:
    """A figure that says why there is no chart (no empty axes)."""
    fig = Figure(figsize=size, dpi=150)
    FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, textwrap.fill(text, 70), ha="center", va="center", size=14, color=MUTED)
    return fig


def all_charts(results: Results, styles: dict[str, Style] | None = None) -> dict[str, Figure]:
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
    if "avg_caseload" not in seen:
        out["fan_chart_avg_caseload"] = fan_chart(ts, sc, metric="avg_caseload", styles=styles)
    out["distribution_at_target"] = target_distribution(reps, sc, styles=styles)
    out["months_to_target"] = months_to_target(
        reps, sc, target_month=month, horizon_months=horizon, styles=styles
    )
    out["cost_vs_probability"] = cost_vs_probability(sc, replications=reps, styles=styles)
    out["workforce"] = workforce(ts, sc, styles=styles)
    if len(results.scenario_names) > 1:
        out["paired_comparison"] = paired_differences(reps, sc, styles=styles)
    return out


def _provenance(results: Results) -> str:
    from sim.chartkit import provenance

    return provenance(results.manifest)
