"""Charts of spread: the fan chart and workforce over time (from ``timeseries``), the
distribution of the target's metric at the target date and the months until the target
is met (from ``replications``). Each returns a matplotlib Figure."""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from sim.metrics import label as metric_label
from sim.report.charts.layout import INK, new_figure
from sim.report.charts.style import (
    BASELINE_COLOUR,
    Style,
    darker,
    fmt_pct,
    is_share,
    metric_short,
    scenario_label,
    scenario_styles,
    target_info,
    target_names,
    target_rows,
)

TARGET_LINESTYLES: tuple[str, ...] = (":", "-.", "--")
"""How each target on a fan chart's metric is drawn: the headline first."""

WORKFORCE = (
    ("establishment_fte", "Funded posts (establishment, FTE)"),
    ("qualified_fte", "Permanent qualified (FTE)"),
    ("asye_fte", "NQSWs in the ASYE (FTE)"),
    ("agency_fte", "Agency (FTE)"),
    ("vacancy_fte", "Vacancies (FTE, funded posts not filled permanently)"),
)


def _styles(rows: pd.DataFrame, styles: dict[str, Style] | None) -> dict[str, Style]:
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    return styles or scenario_styles(list(rows["scenario"]), base)


def _percent_axis(ax: object, axis: str = "y") -> None:
    getattr(ax, f"{axis}axis").set_major_formatter(PercentFormatter(1.0, decimals=0))


def _date_axis(ax: object) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)  # type: ignore[attr-defined]
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[attr-defined]


def time_axes(ax: Axes, share: bool) -> None:
    """A monthly series' axes: light grid, no top or right spine, 11 pt ticks, concise
    dates, and percentages when the metric is a ``share``."""
    ax.grid(color="#eeeeee")
    ax.tick_params(labelsize=11)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if share:
        _percent_axis(ax)
    _date_axis(ax)


def target_month(timeseries: pd.DataFrame, date: dt.date) -> tuple[int, int]:
    """(month index of the target date, horizon in months) from the monthly series: row 0
    is the start position, row k the k-th month end."""
    first = timeseries[
        (timeseries["scenario"] == timeseries["scenario"].iloc[0])
        & (timeseries["replication"] == timeseries["replication"].iloc[0])
    ]
    dates = pd.to_datetime(first["date"]).dt.date.to_numpy()
    upto = np.flatnonzero(dates <= date)
    return (int(upto[-1]) if len(upto) else 0), len(dates) - 1


def fan_chart(
    timeseries: pd.DataFrame,
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    metric: str | None = None,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """A metric over time per scenario (default: the target's): median, middle 50% and 90%
    of the simulated futures, the baseline's median for reference, the target's bound and
    date. One panel per scenario, shared axes."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    styles = _styles(rows, styles)
    metric = metric or info.metric
    # Every target on this metric gets its line (an experiment may hold 18 and 20).
    on_metric = [target_info(scenarios, t) for t in target_names(scenarios)]
    on_metric = [t for t in on_metric if t.metric == metric]
    on_metric.sort(key=lambda t: t.name != info.name)  # the headline first
    chances = {
        t.name: target_rows(scenarios, t.name).set_index("scenario")["p_met"] for t in on_metric
    }
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    q = (
        timeseries.groupby(["scenario", "date"])[metric]
        # pandas (and pandas-stubs) type q as float | AnyArrayLike, but document and take a list
        .quantile([0.05, 0.25, 0.5, 0.75, 0.95])  # type: ignore[arg-type]
        .unstack()
    )
    names = list(rows["scenario"])
    n = len(names)
    ncols = 1 if n == 1 else 2 if n <= 4 else 3 if n <= 9 else 4
    nrows = math.ceil(n / ncols)
    fig = new_figure((13.333, max(7.5, 2.7 * nrows + 1.6)))
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    base_q = q.loc[base] if base in q.index.get_level_values(0) else None
    label_chars = 44 if ncols <= 2 else 34 if ncols == 3 else 26
    for ax, name in zip(axes, names, strict=False):
        st = styles[name]
        ax.set_label(f"fan:{name}")
        if name not in q.index.get_level_values(0):
            ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center")
            continue
        d = q.loc[name]
        x = pd.to_datetime(d.index)
        ax.fill_between(x, d[0.05], d[0.95], color=st.colour, alpha=0.18, lw=0, label="90%")
        ax.fill_between(x, d[0.25], d[0.75], color=st.colour, alpha=0.38, lw=0, label="50%")
        if base_q is not None and name != base:
            ax.plot(
                pd.to_datetime(base_q.index),
                base_q[0.5],
                color=BASELINE_COLOUR,
                ls="--",
                lw=1.4,
                label="baseline median",
            )
        ax.plot(
            x,
            d[0.5],
            color=darker(st.colour) if name != base else "#555555",
            lw=2.4,
            label="median",
        )
        for k, t in enumerate(on_metric):
            ax.axhline(
                t.bound,
                color=INK,
                ls=TARGET_LINESTYLES[k % len(TARGET_LINESTYLES)],
                lw=1.4,
                label="target",
                gid=f"target:{t.name}",
            )
        for when in sorted({t.date for t in on_metric} | {info.date}):
            ax.axvline(pd.Timestamp(when), color=INK, ls="-", lw=0.8, alpha=0.6)
        title = scenario_label(name) + (" (baseline)" if name == base else "")
        title = textwrap.fill(title, label_chars)
        if len(on_metric) == 1:
            title += f"\n{fmt_pct(chances[info.name][name])} of futures meet the target"
        elif on_metric:
            title += "\nfutures meeting it: " + ", ".join(
                f"{fmt_pct(chances[t.name][name])} ({t.symbol} {t.bound_text})" for t in on_metric
            )
        ax.set_title(title, size=12, loc="left")
        time_axes(ax, is_share(metric))
        if is_share(metric):
            ax.set_ylim(bottom=0)
    handles = [
        Line2D([], [], color="#555555", lw=2.4, label="median"),
        Patch(color="#555555", alpha=0.45, label="middle 50% of futures"),
        Patch(color="#555555", alpha=0.2, label="middle 90%"),
    ]
    if n > 1:
        handles.append(
            Line2D(
                [],
                [],
                color=BASELINE_COLOUR,
                ls="--",
                lw=1.4,
                label=f"{scenario_label(base)} median",
            )
        )
    for k, t in enumerate(on_metric):
        handles.append(
            Line2D(
                [],
                [],
                color=INK,
                ls=TARGET_LINESTYLES[k % len(TARGET_LINESTYLES)],
                lw=1.4,
                label=f"target {t.symbol} {t.bound_text}",
            )
        )
    dates = sorted({t.date for t in on_metric} | {info.date})
    handles.append(
        Line2D(
            [],
            [],
            color=INK,
            lw=0.8,
            alpha=0.6,
            label="target date " + " and ".join(f"{d:%d %b %Y}" for d in dates),
        )
    )
    fig.legend(
        handles=handles, loc="outside lower center", ncols=len(handles), fontsize=11, frameon=False
    )
    fig.suptitle(f"{metric_label(metric)} over time", size=16, weight="bold")
    fig.supylabel(metric_label(metric), size=12)
    return fig


def workforce(
    timeseries: pd.DataFrame,
    scenarios: pd.DataFrame,
    *,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """Funded posts (the establishment), permanent qualified, ASYE and agency FTE and
    vacancies over time: the median over the simulated futures, one line per scenario.
    Every scenario has its own line style and markers, placed at different months, so
    scenarios with the same workforce still show one above the other."""
    rows = target_rows(scenarios)
    styles = _styles(rows, styles)
    panels = [p for p in WORKFORCE if p[0] in timeseries]
    cols = [c for c, _ in panels]
    med = timeseries.groupby(["scenario", "date"])[cols].median()
    n_reps = int(timeseries.groupby("scenario")["replication"].nunique().max())
    names = [n for n in rows["scenario"] if n in med.index.get_level_values(0)]
    months = med.loc[names[0]].shape[0] if names else 1
    # About six markers a line, each scenario's at other months than the others'.
    step = max(len(names), months // 6, 1)
    fig = new_figure((13.333, 8.4 if len(names) <= 6 else 9.2))
    grid = fig.subplots(2, 3, sharex=True).ravel()
    for ax, (col, title) in zip(grid, panels, strict=False):
        ax.set_label(f"workforce:{col}")
        for k, name in enumerate(names):
            st = styles[name]
            d = med.loc[name]
            base = st.colour == BASELINE_COLOUR
            ax.plot(
                pd.to_datetime(d.index),
                d[col],
                color=st.colour,
                ls=st.linestyle,
                lw=3.2 if base else 1.8,
                marker=st.marker,
                ms=7 if base else 6,
                markevery=(k * (step // max(len(names), 1)), step),
                mec="white" if base else st.colour,
                label=scenario_label(name),
                zorder=2 if base else 3,  # the baseline beneath: a policy equal to it shows
            )
        ax.set_title(title, size=12, loc="left")
        ax.grid(color="#eeeeee")
        ax.tick_params(labelsize=11)
        ax.set_ylim(bottom=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _date_axis(ax)
    for ax in grid[len(panels) :]:  # the spare cell holds the key
        ax.axis("off")
        above = grid[list(grid).index(ax) - 3]  # the panel above it shows the dates itself
        above.xaxis.set_tick_params(labelbottom=True)
    handles, labels = grid[0].get_legend_handles_labels()
    key = grid[-1] if len(panels) < len(grid) else None
    if key is not None:
        key.legend(
            handles,
            labels,
            loc="center left",
            fontsize=12,
            frameon=False,
            title="Scenario (median of the futures)",
            title_fontsize=12,
            alignment="left",
            handlelength=4,
        )
    else:  # pragma: no cover - six panels leave no spare cell
        fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False)
    fig.suptitle(
        f"Workforce over time (median of {n_reps} simulated futures)", size=16, weight="bold"
    )
    return fig


def target_distribution(
    replications: pd.DataFrame,
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """The target's metric at the target date in every simulated future, per scenario:
    points, the middle 50% (box), 5-95% (whiskers), median; the bound as a line."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    styles = _styles(rows, styles)
    col = f"{info.name}_value"
    n = len(rows)
    fig = new_figure((13.333, max(3.4, 2.0 + 0.6 * n)))
    ax = fig.add_subplot(label="distribution")
    rng = np.random.default_rng(0)
    for i, name in enumerate(rows["scenario"]):
        st = styles[str(name)]
        v = replications.loc[replications["scenario"] == name, col].dropna().to_numpy()
        if not len(v):
            ax.text(
                0.01,
                i,
                "  undefined in every future",
                transform=ax.get_yaxis_transform(),
                va="center",
                size=11,
                color="#555555",
            )
            continue
        q5, q25, q50, q75, q95 = np.quantile(v, [0.05, 0.25, 0.5, 0.75, 0.95])
        ax.hlines(i, q5, q95, color=st.colour, lw=1.6, zorder=2)
        ax.add_patch(
            Rectangle(
                (q25, i - 0.25),
                q75 - q25,
                0.5,
                facecolor=st.colour,
                alpha=0.35,
                edgecolor=st.colour,
                lw=1.5,
                zorder=2,
                hatch=st.hatch or None,
            )
        )
        ax.vlines(q50, i - 0.3, i + 0.3, color=INK, lw=2.2, zorder=4, gid=f"median:{name}")
        many = len(v) >= 300
        ax.scatter(
            v,
            i + rng.uniform(-0.2, 0.2, len(v)),
            s=4 if many else 12,
            lw=0,
            color=st.colour,
            alpha=0.25 if many else 0.65,
            zorder=3,
        )
    ax.axvline(info.bound, color=INK, ls=":", lw=1.5)
    ax.text(
        info.bound,
        -0.55,
        f" target {info.symbol} {info.bound_text}",
        size=11,
        va="bottom",
        ha="left",
        color=INK,
    )
    ax.set_yticks(range(n), [scenario_label(str(s)) for s in rows["scenario"]], size=12)
    ax.set_ylim(n - 0.5, -0.75)
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks(range(n), [f"{fmt_pct(p)} met target" for p in rows["p_met"]], size=11)
    right.tick_params(length=0)
    if is_share(info.metric):
        _percent_axis(ax, "x")
    ax.set_xlabel(f"{metric_label(info.metric)} at {info.date:%d %b %Y}", size=12)
    ax.tick_params(axis="x", labelsize=11)
    ax.grid(axis="x", color="#eeeeee")
    for a in (ax, right):
        for side in ("top", "right"):
            a.spines[side].set_visible(False)
    reps = int(rows["replications"].max())
    fig.suptitle(
        f"{metric_label(info.metric)} at the target date in each of {reps} simulated futures"
        "\nDots: futures; box: middle 50%; line: 5\u201395%; black tick: median",
        size=14,
        weight="bold",
    )
    return fig


def months_to_target(
    replications: pd.DataFrame,
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    target_month: int | None = None,
    horizon_months: int | None = None,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """ECDF of the month from which the target's bound held to the end of the run: the
    share of simulated futures in which it was met for good by each month. A line that
    stays low means the target is often never met for good."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    styles = _styles(rows, styles)
    col = f"{info.name}_kept_from_month"
    kept_all = replications[col].dropna()
    horizon = horizon_months
    if horizon is None:
        horizon = int(max(kept_all.max() if len(kept_all) else 0, (target_month or 0) + 12))
    months = np.arange(0, horizon + 1)
    fig = new_figure((13.333, 6.8 if len(rows) <= 6 else 7.5))
    ax = fig.add_subplot(label="ecdf")
    for name in rows["scenario"]:
        st = styles[str(name)]
        kept = replications.loc[replications["scenario"] == name, col].to_numpy(dtype=float)
        if not len(kept):
            continue
        ecdf = [(kept <= m).mean() for m in months]  # NaN (never) is never <= m
        never = float(np.isnan(kept).mean())
        ax.step(
            months,
            ecdf,
            where="post",
            color=st.colour,
            ls=st.linestyle,
            lw=2.6 if st.colour == BASELINE_COLOUR else 2.0,
            label=f"{scenario_label(str(name))} (never: {never:.0%})",
        )
    if target_month is not None:
        ax.axvline(target_month, color=INK, ls=":", lw=1.4)
        ax.text(
            target_month,
            1.02,
            f" target date ({info.date:%b %Y})",
            size=11,
            va="bottom",
            transform=ax.get_xaxis_transform(),
        )
    # Where a line crosses half is the tables' months to target (Kaplan-Meier median).
    ax.axhline(0.5, color="#999999", ls="--", lw=1, zorder=1, gid="half")
    ax.text(
        horizon,
        0.5,
        "half of the futures ",
        size=10,
        color="#555555",
        ha="right",
        va="bottom",
    )
    ax.set_xlim(0, horizon)
    ax.set_ylim(-0.02, 1.02)
    _percent_axis(ax)
    ax.set_xlabel("Months from the start", size=12)
    ax.set_ylabel("Share of futures with the target met for good", size=12)
    ax.tick_params(labelsize=11)
    ax.grid(color="#eeeeee")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=11,
        frameon=False,
        title="Scenario (never met for good)",
        title_fontsize=11,
        alignment="left",
    )
    fig.suptitle(
        f"Months until {metric_short(info.metric)} {info.symbol} "
        f"{info.bound_text} for good (to the end of the run)",
        size=15,
        weight="bold",
    )
    return fig
