"""The backtest chart: observed points (with their own low-high range) over the model's fan
of one metric (median, 50% and 90% bands over replications), from ``backtest.csv`` and
``backtest_fan.csv``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim.metrics import label as metric_label
from sim.report.charts.layout import INK, MUTED, err, fit_text, new_figure
from sim.report.charts.series import time_axes
from sim.report.charts.style import PALETTE, darker, is_share

FAN = PALETTE[1]  # indigo: the model
INSIDE = INK
OUTSIDE = PALETTE[0]  # rose: a point outside the 90% band


def chart_key(metric: str, window: int, windows: int) -> str:
    """File stem of one chart: ``backtest_<metric>``, with the window when a metric is
    observed over several windows."""
    return f"backtest_{metric}" if windows == 1 else f"backtest_{metric}_{window}m"


def backtest_chart(points: pd.DataFrame, fan: pd.DataFrame, metric: str, window: int) -> Figure:
    """``metric`` over the run (mean over ``window`` months when more than one): the model's
    median and 50%/90% bands, each observed point with its low-high range, points outside
    their 90% band in colour."""
    f = fan[(fan["metric"] == metric) & (fan["window_months"] == window)]
    p = points[(points["metric"] == metric) & (points["window_months"] == window)]
    x = pd.to_datetime(f["date"])
    fig = new_figure((11, 5.2))
    ax = fig.add_subplot(label=f"backtest:{metric}")
    ax.fill_between(x, f["p05"], f["p95"], color=FAN, alpha=0.16, lw=0)
    ax.fill_between(x, f["p25"], f["p75"], color=FAN, alpha=0.34, lw=0)
    ax.plot(x, f["p50"], color=darker(FAN), lw=2.2)
    inside = p["inside_90"].astype(str).str.lower().eq("true").to_numpy()
    px_ = pd.to_datetime(p["date"])
    value = p["value"].to_numpy(dtype=float)
    low = p["low"].to_numpy(dtype=float)
    high = p["high"].to_numpy(dtype=float)
    low, high = np.where(np.isnan(low), value, low), np.where(np.isnan(high), value, high)
    for mask, colour in ((inside, INSIDE), (~inside, OUTSIDE)):
        if mask.any():
            ax.errorbar(
                px_[mask],
                value[mask],
                yerr=err(value[mask], low[mask], high[mask]),
                fmt="o",
                color=colour,
                ms=7,
                capsize=4,
                lw=1.4,
                zorder=4,
            )
    time_axes(ax, is_share(metric))
    unit = "" if window == 1 else f" (mean over the {window} months to each date)"
    ax.set_ylabel(fit_text(fig, metric_label(metric) + unit, 11, 330, 3), size=11)
    n, k90 = len(p), int(inside.sum())
    k50 = int(p["inside_50"].astype(str).str.lower().eq("true").sum())
    reps = int(f["replications"].max()) if len(f) else 0
    title = (
        f"{metric_label(metric)}: {k90} of {n} observed points inside the model's 90% band, "
        f"{k50} inside its 50% band"
    )
    fig.suptitle(fit_text(fig, title, 13, 1550, 2, "bold"), size=13, weight="bold")
    handles = [
        Line2D([], [], color=darker(FAN), lw=2.2, label="model median"),
        Patch(color=FAN, alpha=0.5, label="middle 50% of futures"),
        Patch(color=FAN, alpha=0.2, label="middle 90%"),
        Line2D([], [], color=INSIDE, marker="o", ls="", label="observed (low-high)"),
        Line2D([], [], color=OUTSIDE, marker="o", ls="", label="observed, outside the 90%"),
    ]
    # The legend inside the axes and the sources as the figure's x label: constrained
    # layout makes room for the label, but not for a legend outside beside it.
    ax.legend(handles=handles, loc="best", ncols=2, fontsize=9, framealpha=0.9)
    sources = "; ".join(dict.fromkeys(p["source"].astype(str)))
    fig.supxlabel(
        fit_text(fig, f"{reps} simulated futures. Sources: {sources}", 8, 1550, 2),
        size=8,
        color=MUTED,
        x=0.01,
        ha="left",
    )
    return fig


def backtest_charts(points: pd.DataFrame, fan: pd.DataFrame) -> dict[str, Figure]:
    """One chart per observed metric (and window), keyed by file stem."""
    out = {}
    pairs = list(dict.fromkeys(zip(points["metric"], points["window_months"], strict=True)))
    for metric, window in pairs:
        windows = sum(m == metric for m, _ in pairs)
        out[chart_key(str(metric), int(window), windows)] = backtest_chart(
            points, fan, str(metric), int(window)
        )
    return out
