"""Charts: each chart's contents (bars, intervals, titles, medians) match the result files,
for experiments of 1, 5 and 12 scenarios including one that never meets the target, and
no two texts overlap."""

from __future__ import annotations

import functools
import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure
from matplotlib.text import Text

import sim
from sim import charts
from sim.report.charts.style import (
    BASELINE_COLOUR,
    PALETTE,
    fmt_gbp,
    fmt_pct,
    month_year,
    provenance,
    scenario_label,
    scenario_styles,
)
from tests.support.results import REPLICATIONS, results_folder


@functools.cache
def loaded(kind: str) -> sim.experiment.results_folder.SavedResults:
    return sim.load_results(results_folder(kind))


def headline(res) -> pd.DataFrame:
    """Fresh from scenarios.csv: the headline target's rows."""
    table = pd.read_csv(res.folder / "scenarios.csv")
    return table[table["target"] == table["target"].iloc[0]].set_index("scenario")


def axes(fig: Figure, label: str):
    found = [a for a in fig.axes if a.get_label() == label]
    assert found, f"no axes {label!r} in {[a.get_label() for a in fig.axes]}"
    return found[0]


def texts_by_gid(fig: Figure, prefix: str) -> dict[str, Text]:
    return {
        t.get_gid().split(":", 1)[1]: t
        for t in fig.findobj(Text)
        if (t.get_gid() or "").startswith(prefix + ":")
    }


def overlapping_texts(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of visible, non-empty texts whose boxes overlap by more than a pixel."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    undrawn = set()  # tick labels the locator made but the view does not show
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            pad = 1e-9 * max(1.0, abs(hi - lo))
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - pad <= tick.get_loc() <= hi + pad:
                    undrawn |= {id(tick.label1), id(tick.label2)}
    boxes = []
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip() or id(t) in undrawn:
            continue
        if t.axes is not None and not t.axes.get_visible():
            continue
        boxes.append((t.get_text(), t.get_window_extent(renderer).padded(-1)))
    return [
        (a, b)
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
        if ba.overlaps(bb) and ba.width > 0 and bb.width > 0
    ]


# --- the slide ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["one", "five", "twelve"])
def test_slide_bars_and_intervals_match_scenarios_csv(kind):
    res = loaded(kind)
    table = headline(res)
    fig = charts.policy_comparison(res.scenarios)
    ax = axes(fig, "comparison")
    bars = next(c for c in ax.containers if isinstance(c, BarContainer))
    errs = next(c for c in ax.containers if isinstance(c, ErrorbarContainer))
    segments = errs.lines[2][0].get_segments()
    labels = texts_by_gid(fig, "label")
    assert set(labels) == set(table.index)
    y_of = {name: t.get_position()[1] for name, t in labels.items()}
    order = sorted(table.index, key=lambda s: y_of[s])  # top to bottom
    assert len(bars) == len(table) == len(segments)
    for name in order:
        i = round(y_of[name])
        assert bars[i].get_width() == pytest.approx(table.loc[name, "p_met"])
        (lo, _), (hi, _) = segments[i]
        assert (lo, hi) == pytest.approx((table.loc[name, "p_low"], table.loc[name, "p_high"]))
    base = res.baseline
    assert order[0] == base, "the baseline's bar first, always"
    p = [table.loc[s, "p_met"] for s in order[1:]]
    assert p == sorted(p, reverse=True), "then the policies by probability, highest first"
    assert to_hex(bars[round(y_of[base])].get_facecolor()) == BASELINE_COLOUR.lower()
    assert "(baseline)" in labels[base].get_text()
    chance = texts_by_gid(fig, "chance")
    cost = texts_by_gid(fig, "cost")
    for name in table.index:
        r = table.loc[name]
        assert chance[name].get_text().startswith(fmt_pct(r["p_met"]))
        assert cost[name].get_text().startswith(fmt_gbp(r["cost_per_year_gbp"]))
    w, h = fig.get_size_inches()
    assert w / h == pytest.approx(16 / 9, rel=0.01) and fig.dpi >= 150


def test_slide_title_states_the_finding_from_the_numbers():
    res = loaded("twelve")
    table = headline(res)
    fig = charts.policy_comparison(res.scenarios)
    title = next(t.get_text() for t in fig.texts if t.get_gid() == "title").replace("\n", " ")
    others = table[~table["baseline"]].sort_values(
        ["p_met", "cost_per_year_gbp"], ascending=[False, True]
    )
    best = others.index[0]
    assert others.loc[best, "p_met"] > table.loc[res.baseline, "p_met"], "fixture: a policy wins"
    assert title.startswith(scenario_label(best))
    assert f"from {fmt_pct(table.loc[res.baseline, 'p_met'])} to " in title
    assert title.endswith(f"to {fmt_pct(others.loc[best, 'p_met'])}")
    assert "average caseload of 48 or less" in title
    assert f"by {month_year(pd.Timestamp(table['target_date'].iloc[0]).date())}" in title


def test_slide_title_when_no_policy_wins_or_nothing_meets_the_target():
    res = loaded("five")
    sc = res.scenarios.copy()
    head = sc["target"] == sc["target"].iloc[0]
    sc.loc[head & ~sc["baseline"], "p_met"] = 0.1
    sc.loc[head & sc["baseline"], "p_met"] = 0.4
    fig = charts.policy_comparison(sc)
    title = next(t.get_text() for t in fig.texts if t.get_gid() == "title").replace("\n", " ")
    assert title.startswith("No policy raises the chance") and "40%" in title
    sc.loc[head, "p_met"] = 0.0
    fig = charts.policy_comparison(sc)
    title = next(t.get_text() for t in fig.texts if t.get_gid() == "title").replace("\n", " ")
    assert title.startswith("No scenario meets") and str(REPLICATIONS["five"]) in title


def test_slide_title_of_a_one_scenario_experiment_and_the_footnote():
    res = loaded("one")
    fig = charts.policy_comparison(res.scenarios, provenance_text=provenance(res.manifest))
    text = {t.get_gid(): t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid()}
    p = headline(res).loc[res.baseline, "p_met"]
    assert text["title"].startswith(f"Status quo: a {fmt_pct(p)} chance of")
    m = res.manifest
    for part in (
        m["experiment"],
        f"{m['replications']} replications",
        f"root seed {m['root_seed']}",
        m["config_hashes"][res.baseline],
        m["experiment_hash"],
        m["finished"][:10],
        f"csc-sim {sim.__version__}",
    ):
        assert part in text["footnote"], part


# --- the other charts --------------------------------------------------------------------


def test_fan_chart_medians_target_line_and_panels():
    res = loaded("five")
    fig = charts.fan_chart(res.timeseries, res.scenarios)
    ts = res.timeseries
    for name in res.scenario_names:
        ax = axes(fig, f"fan:{name}")
        median = next(ln for ln in ax.lines if ln.get_label() == "median")
        want = ts[ts["scenario"] == name].groupby("date")["avg_caseload"].median()
        assert np.allclose(median.get_ydata(), want.to_numpy(), equal_nan=True)
        target = next(ln for ln in ax.lines if ln.get_label() == "target")
        assert set(target.get_ydata()) == {48.0}
        assert "meet the target" in ax.get_title(loc="left")
    assert len([a for a in fig.axes if a.get_label().startswith("fan:")]) == 5


def test_fan_chart_draws_every_target_on_its_metric():
    """Two caseload targets (here 48 and a made-up 40): a line for each in every panel."""
    res = loaded("five")
    sc = res.scenarios
    extra = sc[sc["target"] == "caseload_48"].assign(target="caseload_40", bound="<= 40")
    fig = charts.fan_chart(res.timeseries, pd.concat([sc, extra], ignore_index=True))
    for name in res.scenario_names:
        lines = {ln.get_gid(): ln for ln in axes(fig, f"fan:{name}").lines if ln.get_gid()}
        assert set(lines["target:caseload_48"].get_ydata()) == {48.0}
        assert set(lines["target:caseload_40"].get_ydata()) == {40.0}
        assert (
            lines["target:caseload_48"].get_linestyle()
            != lines["target:caseload_40"].get_linestyle()
        )
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "target \u2264 48" in legend and "target \u2264 40" in legend


def test_workforce_has_funded_posts_and_every_scenario_drawn_its_own_way():
    res = loaded("five")
    fig = charts.workforce(res.timeseries, res.scenarios)
    ts = res.timeseries
    funded = {ln.get_label(): ln for ln in axes(fig, "workforce:establishment_fte").lines}
    for name in res.scenario_names:
        want = ts[ts["scenario"] == name].groupby("date")["establishment_fte"].median()
        assert np.allclose(funded[scenario_label(name)].get_ydata(), want.to_numpy())
    for col in ("establishment_fte", "qualified_fte", "asye_fte", "agency_fte", "vacancy_fte"):
        lines = axes(fig, f"workforce:{col}").lines
        assert len(lines) == len(res.scenario_names)
        looks = {(ln.get_linestyle(), ln.get_marker()) for ln in lines}
        assert len(looks) == len(lines), "lines that coincide can still be told apart"
        marks = {ln.get_markevery()[0] for ln in lines}
        assert len(marks) == len(lines), "markers at different months"


def test_distribution_medians_match_scenarios_csv():
    res = loaded("twelve")
    table = headline(res)
    fig = charts.target_distribution(res.replications, res.scenarios)
    for name in res.scenario_names:
        seg = next(
            c for c in fig.findobj(LineCollection) if c.get_gid() == f"median:{name}"
        ).get_segments()[0]
        assert seg[0][0] == pytest.approx(table.loc[name, "value_median"])


def test_months_to_target_ecdf_ends_at_the_share_ever_kept():
    res = loaded("twelve")
    table = headline(res)
    fig = charts.months_to_target(res.replications, res.scenarios, target_month=18)
    ax = axes(fig, "ecdf")
    lines = {ln.get_label().split(" (never")[0]: ln for ln in ax.lines if "never" in ln.get_label()}
    for name in res.scenario_names:
        last = lines[scenario_label(name)].get_ydata()[-1]
        assert last == pytest.approx(1 - table.loc[name, "share_never_kept"])
    assert lines["Collapse"].get_ydata().max() == 0, "the never-met scenario stays at 0"


def test_cost_chart_points_and_intervals_match_scenarios_csv():
    res = loaded("twelve")
    table = headline(res)
    fig = charts.cost_vs_probability(res.scenarios)
    ax = axes(fig, "cost")
    points = {ln.get_gid().split(":", 1)[1]: ln for ln in ax.lines if ln.get_gid()}
    assert set(points) == set(table.index)
    span = np.ptp(table["cost_per_year_gbp"]) / 1e6
    for name, ln in points.items():
        assert ln.get_ydata()[0] == pytest.approx(table.loc[name, "p_met"])
        # coinciding points are drawn side by side: moved by at most a few marker widths
        assert abs(ln.get_xdata()[0] - table.loc[name, "cost_per_year_gbp"] / 1e6) < 0.1 * span
    keys = texts_by_gid(fig, "key")
    for name in table.index:
        assert fmt_gbp(table.loc[name, "cost_per_year_gbp"]) in keys[name].get_text()


def test_paired_comparison_matches_the_replications():
    res = loaded("five")
    table = headline(res)
    fig = charts.paired_differences(res.replications, res.scenarios)
    right = axes(fig, "p_difference")
    errs = [c for c in right.containers if isinstance(c, ErrorbarContainer)]
    others = [s for s in res.scenario_names if s != res.baseline]
    assert len(errs) == len(others)
    for name, c in zip(others, errs, strict=True):
        x = c.lines[0].get_xdata()[0]
        (lo, _), (hi, _) = c.lines[2][0].get_segments()[0]
        r = table.loc[name]
        assert (x, lo, hi) == pytest.approx((r["diff_vs_baseline"], r["diff_low"], r["diff_high"]))
    reps = res.replications
    wide = reps.pivot(index="replication", columns="scenario", values="caseload_48_value")
    medians = {
        c.get_gid().split(":", 1)[1]: c.get_segments()[0][0][0]
        for c in axes(fig, "value_difference").collections
        if (c.get_gid() or "").startswith("median:")
    }
    for name in others:  # the median of the differences on the same futures
        assert medians[name] == pytest.approx((wide[name] - wide[res.baseline]).median())


def test_one_scenario_has_no_paired_chart_and_says_why():
    res = loaded("one")
    figs = charts.all_charts(res)
    assert "paired_comparison" not in figs
    fig = charts.paired_differences(res.replications, res.scenarios)
    assert not fig.axes and "nothing to compare" in fig.texts[0].get_text()


def test_one_colour_per_scenario_colour_blind_safe_baseline_grey():
    res = loaded("twelve")
    styles = scenario_styles(res.scenario_names, res.baseline)
    assert styles[res.baseline].colour == BASELINE_COLOUR
    looks = {(s.colour, s.linestyle, s.hatch) for s in styles.values()}
    assert len(looks) == len(styles), "every scenario drawn differently"
    assert {s.colour for n, s in styles.items() if n != res.baseline} <= set(PALETTE)
    fig = charts.workforce(res.timeseries, res.scenarios, styles=styles)
    ax = axes(fig, "workforce:agency_fte")
    by_label = {ln.get_label(): ln for ln in ax.lines}
    for name, st in styles.items():
        ln = by_label[scenario_label(name)]
        assert (to_hex(ln.get_color()), ln.get_linestyle()) == (st.colour.lower(), st.linestyle)
    slide = charts.policy_comparison(res.scenarios, styles=styles)
    bars = next(c for c in axes(slide, "comparison").containers if isinstance(c, BarContainer))
    assert {to_hex(b.get_facecolor()) for b in bars} <= {s.colour.lower() for s in styles.values()}


@pytest.mark.parametrize("kind", ["one", "five", "twelve"])
def test_every_chart_reads_well(kind):
    """No overlapping texts and no empty axes, whatever the number of scenarios."""
    figs = charts.all_charts(loaded(kind))
    expected = {"policy_comparison", "fan_chart", "distribution_at_target", "months_to_target"}
    assert expected | {"cost_vs_probability", "workforce"} <= set(figs)
    for name, fig in figs.items():
        assert overlapping_texts(fig) == [], name
        cut = [t.get_text() for t in fig.findobj(Text) if "\u2026" in t.get_text()]
        assert cut == [], f"{name}: text cut short instead of wrapped"
        for ax in fig.axes:
            if ax.get_label():
                assert ax.lines or ax.patches or ax.collections, f"{name}: empty {ax.get_label()}"
