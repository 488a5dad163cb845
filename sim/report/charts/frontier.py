"""What would it take: each candidate of ``csc-sim optimise`` as its cost a year against its
chance of meeting the target, the frontier (the best chance for the money) as a step line,
the probability asked for as a line across, and the answer ringed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.report.charts.layout import (
    INK,
    MUTED,
    err,
    fit_lines,
    fit_text,
    new_figure,
    px,
    title_block,
)

VERDICT_STYLE: dict[str, tuple[str, str, str]] = {
    "meets": ("#117733", "o", "meets"),
    "undecided": ("#DDCC77", "D", "undecided"),
    "fails": ("#CC6677", "v", "fails"),
}
"""Per verdict: colour, marker (so it reads without colour) and legend word."""
FRONTIER = "#332288"


def _gbp(value: float) -> str:
    if not math.isfinite(value):
        return "£ n/a"
    return f"£{value / 1e6:.1f}m" if abs(value) >= 1e6 else f"£{value / 1e3:.0f}k"


def _pct(p: float) -> str:
    return "n/a" if not math.isfinite(p) else f"{100 * p:.0f}%"


def finding(table: pd.DataFrame, probability: float) -> str:
    """The chart's title: the cheapest option found that meets, or that none does."""
    answer = table[table["answer"]]
    if len(answer):
        a = answer.iloc[0]
        return (
            f"Cheapest option found that meets {_pct(probability)}: {a['label']}, "
            f"{_gbp(a['cost_per_year_gbp'])} a year"
        )
    top = table.sort_values(["p_met", "cost_per_year_gbp"], ascending=[False, True]).iloc[0]
    return (
        f"No option found meets {_pct(probability)}; the most likely, {top['label']}, "
        f"met it in {_pct(top['p_met'])} of the futures run"
    )


def frontier_chart(
    table: pd.DataFrame, probability: float, target: str, footnote: str = ""
) -> Figure:
    """Cost a year (mean over the simulated futures) against the chance of meeting
    ``target`` (words for the subtitle), one point per candidate of ``table`` (the
    optimise table: ``rank``, ``label``, ``cost_per_year_gbp``, ``p_met``, ``p_low``,
    ``p_high``, ``replications``, ``verdict``, ``on_frontier``, ``answer``) with its 95%
    interval; the frontier and the answer numbered and named in a key beside the chart."""
    fig = new_figure((13.333, 7.5), constrained=False)
    W, H = fig.bbox.width, fig.bbox.height
    subtitle = fit_lines(
        f"Each option's chance of meeting the target ({target}), with its 95% interval, "
        f"against its cost a year; the line across is the {_pct(probability)} asked for. "
        "Up and to the left is better; the step line is the best chance found for the "
        "money."
        + (
            " Options dearer than the answer were not run further (hollow)."
            if table["answer"].any()
            else ""
        ),
        12,
        0.92 * W,
        fig,
    )
    title = fit_text(fig, finding(table, probability), 17, 0.92 * W, 2, weight="bold")
    top = title_block(fig, 0.04, 0.97, title, subtitle, (17, 12)) - 0.04
    bottom = 0.12
    if footnote:
        fig.text(
            0.04, 0.015, fit_lines(footnote, 9, 0.92 * W, fig), size=9, va="bottom", color=MUTED
        )
    keyed = table[table["on_frontier"] | table["answer"]].sort_values("cost_per_year_gbp")
    keys = []
    for _, r in keyed.iterrows():
        mark = "  (answer)" if r["answer"] else ""
        keys.append(
            fig.text(
                0,
                0,
                fit_text(fig, f"{r['rank']}  {r['label']}{mark}", 11, 0.3 * W, 2)
                + f"\n     {_pct(r['p_met'])} ({_pct(r['p_low'])}\u2013{_pct(r['p_high'])}) of "
                f"{r['replications']}, {_gbp(r['cost_per_year_gbp'])}",
                size=11,
                va="top",
                color=INK,
                weight="bold" if r["answer"] else "normal",
                gid=f"key:{r['candidate']}",
            )
        )
    w_key = max((px(fig, t).width for t in keys), default=0) / W
    right = 0.97 - w_key - 0.03
    ax = fig.add_axes((0.08, bottom, right - 0.08, top - bottom), label="frontier")
    y_pos = top
    for t in keys:
        t.set_position((right + 0.03, y_pos))
        y_pos -= px(fig, t).height / H + 0.015
    _draw(ax, table, probability)
    return fig


def _draw(ax: Axes, table: pd.DataFrame, probability: float) -> None:
    """The points, intervals, frontier, line across and the answer's ring on ``ax``."""
    x = table["cost_per_year_gbp"].to_numpy(dtype=float) / 1e6
    y = table["p_met"].to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    span = float(np.ptp(x[ok])) if ok.any() else 0.0
    pad = 0.08 * span if span > 0 else 0.5
    lo, hi = (float(x[ok].min()), float(x[ok].max())) if ok.any() else (0.0, 1.0)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.03, 1.03)
    ax.axhline(probability, color=INK, ls="--", lw=1.2, zorder=1)
    ax.text(
        lo - pad * 0.9,
        probability + 0.012,
        f"{_pct(probability)} asked for",
        size=10,
        color=INK,
        va="bottom",
    )
    front = table[table["on_frontier"] & ok].sort_values("cost_per_year_gbp")
    if len(front):
        fx = np.append(front["cost_per_year_gbp"].to_numpy(dtype=float) / 1e6, hi + pad)
        fy = np.append(front["p_met"].to_numpy(dtype=float), front["p_met"].iloc[-1])
        ax.step(fx, fy, where="post", color=FRONTIER, lw=2, zorder=2, gid="frontier")
    dearer = table["stopped"].astype(str).str.startswith("dearer").to_numpy()
    for verdict, (colour, marker, _word) in VERDICT_STYLE.items():
        for hollow in (False, True):
            rows = table[(table["verdict"] == verdict) & ok & (dearer == hollow)]
            if not rows.empty:
                _points(ax, rows, colour, marker, hollow)
    for _, r in table[(table["on_frontier"] | table["answer"])].iterrows():
        if not (math.isfinite(r["cost_per_year_gbp"]) and math.isfinite(r["p_met"])):
            continue
        ax.annotate(
            str(r["rank"]),
            (r["cost_per_year_gbp"] / 1e6, r["p_met"]),
            xytext=(7, 5),
            textcoords="offset points",
            size=10,
            weight="bold",
            color=INK,
            zorder=6,
        )
    answer = table[table["answer"] & ok]
    if len(answer):
        a = answer.iloc[0]
        ax.scatter(
            [a["cost_per_year_gbp"] / 1e6],
            [a["p_met"]],
            s=420,
            facecolors="none",
            edgecolors=INK,
            lw=2,
            zorder=5,
            gid="answer",
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"£{v:,.1f}m"))
    ax.set_xlabel("cost a year (mean over the simulated futures)", size=11, color=INK)
    ax.set_ylabel("chance of meeting the target", size=11, color=INK)
    ax.grid(True, color="#e6e6e6", lw=0.8, zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    handles = [
        Line2D([], [], ls="none", marker=m, color=c, mec=INK, ms=8, label=w)
        for c, m, w in VERDICT_STYLE.values()
    ] + [Line2D([], [], color=FRONTIER, lw=2, label="frontier")]
    ax.legend(handles=handles, loc="lower right", frameon=False, fontsize=10)


def _points(ax: Axes, rows: pd.DataFrame, colour: str, marker: str, hollow: bool) -> None:
    """Candidates of one verdict with their 95% intervals; ``hollow``: not run further,
    as dearer than the answer (their intervals are wide, and do not matter)."""
    x = rows["cost_per_year_gbp"].to_numpy(dtype=float) / 1e6
    y = rows["p_met"].to_numpy(dtype=float)
    ax.errorbar(
        x,
        y,
        yerr=err(y, rows["p_low"], rows["p_high"]),
        fmt="none",
        ecolor=colour,
        elinewidth=1.2,
        capsize=3,
        alpha=0.35 if hollow else 0.8,
        zorder=3,
    )
    ax.scatter(
        x,
        y,
        s=70,
        marker=marker,
        c="white" if hollow else colour,
        edgecolors=colour if hollow else INK,
        lw=1.4 if hollow else 0.6,
        zorder=4,
    )
