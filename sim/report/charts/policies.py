"""Charts that compare policies with each other and with the baseline: cost against the
chance of meeting the target, and the paired differences on the same simulated futures."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter, ScalarFormatter

from sim.report.charts.layout import (
    INK,
    MUTED,
    err,
    fit_lines,
    message_figure,
    new_figure,
    px,
    title_block,
)
from sim.report.charts.style import (
    Style,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_interval,
    fmt_pct,
    fmt_pp,
    is_share,
    metric_short,
    scenario_label,
    scenario_styles,
    target_info,
    target_rows,
)


def cost_vs_probability(
    scenarios: pd.DataFrame,
    target: str | None = None,
    *,
    styles: dict[str, Style] | None = None,
) -> Figure:
    """Cost a year (£ million, mean over the simulated futures) against the probability of
    meeting the target, one numbered point per scenario with its 95% interval, and a key
    beside it. Points closer than a marker are drawn side by side."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, info.name)
    base = str(rows.loc[rows["baseline"], "scenario"].iloc[0])
    styles = styles or scenario_styles(list(rows["scenario"]), base)
    n = len(rows)
    fig = new_figure((13.333, max(7.0, 2.4 + 0.4 * n)), constrained=False)
    W, H = fig.bbox.width, fig.bbox.height
    subtitle = fit_lines(
        f"Chance of meeting {info.short} (with its 95% interval) against cost a "
        "year. Up and to the left is better.",
        12,
        0.9 * W,
        fig,
    )
    top = title_block(fig, 0.05, 0.97, "Which policies are worth their cost?", subtitle, (17, 12))
    top -= 0.05
    size = 12 if n <= 8 else 11
    keys = []
    for k, (_, r) in enumerate(rows.iterrows(), start=1):
        extra = "baseline" if r["baseline"] else fmt_gbp_delta(r["extra_cost_per_year_gbp"])
        keys.append(
            fig.text(
                0,
                0,
                f"{k}  {scenario_label(str(r['scenario']))}\n"
                f"     {fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])}), "
                f"{fmt_gbp(r['cost_per_year_gbp'])} ({extra})",
                size=size,
                va="top",
                color=INK,
                gid=f"key:{r['scenario']}",
            )
        )
    w_key = max(px(fig, t).width for t in keys) / W
    right = 0.97 - w_key - 0.03
    ax = fig.add_axes((0.08, 0.12, right - 0.08, top - 0.12), label="cost")
    step = min((top - 0.12) / n, 2.6 * px(fig, keys[0]).height / H / 2)
    for k, t in enumerate(keys):
        t.set_position((right + 0.03, top - k * step))
    x = rows["cost_per_year_gbp"].to_numpy(dtype=float) / 1e6
    x[~np.isfinite(x)] = np.nan  # a cost out of range is in the key ("not finite"), not drawn
    finite = x[np.isfinite(x)] if np.isfinite(x).any() else np.zeros(1)
    y = rows["p_met"].to_numpy(dtype=float)
    span = float(finite.max() - finite.min())
    pad = 0.12 * span if span > 0 else max(0.05 * float(np.abs(finite).max()), 0.005)
    ax.set_xlim(finite.min() - pad, finite.max() + pad)
    ax.set_ylim(-0.05, 1.05)
    shown, dodged = _dodge(ax, x, y, 21 * fig.dpi / 72)
    for i, r in rows.iterrows():
        assert isinstance(i, int)  # a RangeIndex: the row's position
        if np.isnan(x[i]):
            continue
        st = styles[str(r["scenario"])]
        ax.errorbar(
            [shown[i]],
            [y[i]],
            yerr=err([y[i]], [r["p_low"]], [r["p_high"]]),
            fmt="none",
            ecolor=st.colour,
            elinewidth=1.8,
            capsize=5,
            zorder=2,
        )
        ax.plot(
            [shown[i]],
            [y[i]],
            marker=st.marker if st.marker != "o" else "o",
            ms=21,
            color=st.colour,
            mec=INK,
            mew=0.8,
            zorder=3,
            ls="none",
            gid=f"point:{r['scenario']}",
        )
        ax.text(
            shown[i],
            y[i],
            str(i + 1),
            ha="center",
            va="center",
            size=10,
            weight="bold",
            color=_ink_on(st.colour),
            zorder=4,
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.xaxis.set_major_formatter(ScalarFormatter(useOffset=False))
    ax.set_xlabel("Cost a year (\u00a3 million)", size=13)
    ax.set_ylabel("Chance of meeting the target", size=13)
    ax.tick_params(labelsize=12)
    ax.grid(color="#e5e5e5", zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if dodged:
        fig.text(
            0.08,
            0.015,
            "Points that coincide are drawn side by side; their costs are in the key.",
            size=10,
            color=MUTED,
        )
    return fig


def _dodge(ax: object, x: np.ndarray, y: np.ndarray, diameter_px: float) -> tuple[np.ndarray, bool]:
    """x positions with points closer than a marker spread side by side around their mean
    (in pixels, converted back to data units); and whether any point moved.

    Points start in groups of one; a group's points are laid side by side, in order of x,
    around the group's mean, and two groups with any points closer than a marker (as laid
    out) become one, until no two groups touch. Merging as laid out, not only as first
    placed, keeps a spread group from landing on a neighbour."""
    to_px = ax.transData.transform  # type: ignore[attr-defined]
    px = np.array([to_px((a, b)) for a, b in zip(x, y, strict=True)])
    at = px[:, 0].copy()  # x in pixels, as laid out
    groups: list[list[int]] = [[int(i)] for i in np.argsort(px[:, 0], kind="stable")]

    def lay_out(g: list[int]) -> None:
        g.sort(key=lambda j: (x[j], j))
        centre = px[g, 0].mean()
        for k, j in enumerate(g):
            at[j] = centre + (k - (len(g) - 1) / 2) * diameter_px

    def touching(a: list[int], b: list[int]) -> bool:
        return any(np.hypot(at[i] - at[j], px[i, 1] - px[j, 1]) < diameter_px for i in a for j in b)

    merged = True
    while merged:
        merged = False
        for a, b in itertools.combinations(range(len(groups)), 2):
            if touching(groups[a], groups[b]):
                groups[a] += groups.pop(b)
                lay_out(groups[a])
                merged = True
                break
    inv = ax.transData.inverted()  # type: ignore[attr-defined]
    shown = x.astype(float).copy()
    for g in groups:
        if len(g) > 1:
            for j in g:
                shown[j] = inv.transform((at[j], px[j, 1]))[0]
    return shown, any(len(g) > 1 for g in groups)


def _ink_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (hex)."""
    c = colour.lstrip("#")
    r, g, b = (int(c[k : k + 2], 16) / 255 for k in (0, 2, 4))
    return INK if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


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
    share = is_share(info.metric)
    for i, r in others.iterrows():
        assert isinstance(i, int)  # a RangeIndex: the row's position
        name = str(r["scenario"])
        d = (wide[name] - wide[base]).dropna().to_numpy() if name in wide else np.array([])
        st = styles[name]
        if len(d):
            q5, q25, q50, q75, q95 = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95])
            ax.hlines(i, q5, q95, color=st.colour, lw=1.6, zorder=2)
            ax.add_patch(_box(q25, q75, i, st.colour))
            ax.vlines(q50, i - 0.28, i + 0.28, color=INK, lw=2.2, zorder=4, gid=f"median:{name}")
            jitter = rng.uniform(-0.18, 0.18, len(d))
            ax.scatter(
                d,
                i + jitter,
                s=10 if len(d) < 300 else 4,
                color=st.colour,
                alpha=0.6 if len(d) < 300 else 0.25,
                lw=0,
                zorder=3,
            )
        ax2.errorbar(
            [r["diff_vs_baseline"]],
            [i],
            xerr=err([r["diff_vs_baseline"]], [r["diff_low"]], [r["diff_high"]]),
            fmt=st.marker,
            ms=9,
            color=st.colour,
            mec=INK,
            elinewidth=1.8,
            capsize=4,
            zorder=3,
        )
    ax.axvline(0, color=INK, lw=1)
    ax2.axvline(0, color=INK, lw=1)
    ax.set_yticks(pos, [scenario_label(str(s)) for s in others["scenario"]], size=12)
    ax.set_ylim(n - 0.5, -0.5)
    better = "lower" if info.op == "<=" else "higher"
    unit = "percentage points; " if share else ""
    ax.set_xlabel(
        f"Difference in {metric_short(info.metric)} at {info.date:%d %b %Y}\n"
        f"({unit}{better} is better)",
        size=11,
    )
    if share:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.0f}"))
    lim = max(0.05, float(np.nanmax(np.abs(others[["diff_low", "diff_high"]].to_numpy()))))
    ax2.set_xlim(-min(1.0, lim * 1.15), min(1.0, lim * 1.15))
    ax2.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.0f}"))
    ax2.set_xlabel("Difference in the chance of\nmeeting the target (points)", size=11)
    right = ax2.twinx()
    right.set_ylim(ax2.get_ylim())
    right.set_yticks(
        pos,
        [
            f"{fmt_pp(r['diff_vs_baseline'])} ({fmt_pp(r['diff_low'])[:-3]} to "
            f"{fmt_pp(r['diff_high'])[:-3]}); {metric_short(info.metric)} {better} in "
            f"{r['share_better_value']:.0%} of futures"
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
        f"{int(wide.shape[0])} simulated futures",
        size=15,
        weight="bold",
    )
    return fig


def _box(lo: float, hi: float, y: float, colour: str) -> object:

    return Rectangle(
        (lo, y - 0.22),
        hi - lo,
        0.44,
        facecolor=colour,
        alpha=0.35,
        edgecolor=colour,
        lw=1.5,
        zorder=2,
    )
