"""``slides.pptx`` for leadership who live in PowerPoint (16:9): a title slide, the finding,
the scenario table, the headline metric over time, the workforce and the assumptions.
Every chart and table is native (python-pptx's chart API: editable, its numbers in an
embedded workbook), every slide's finding is a sentence in its title placeholder, every
chart and table has alt text, and the speaker notes carry the finding, the assumptions and
the provenance. The baseline is always the first scenario."""

from __future__ import annotations

import io
import math
from typing import Any

import pandas as pd
from pptx import Presentation
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.presentation import Presentation as PresentationType
from pptx.slide import Slide
from pptx.util import Inches, Pt

from sim.experiment.results_folder import SavedResults
from sim.metrics import is_share
from sim.report.assumptions import experiment_assumptions
from sim.report.charts import report_table
from sim.report.charts.series import target_month
from sim.report.charts.style import (
    BASELINE_COLOUR,
    TargetInfo,
    at_extremes,
    finding,
    finding_detail,
    fmt_cost_per_point,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_interval,
    fmt_months,
    fmt_pct,
    fmt_pp,
    fmt_value,
    metric_short,
    scenario_label,
    scenario_styles,
    slide_order,
    target_info,
    target_names,
    target_rows,
)
from sim.report.pptx_charts import (
    INK,
    MUTED,
    Box,
    Line,
    bar_chart,
    column_chart,
    line_chart,
    table,
)
from sim.report.slide_titles import cost_finding, over_time_finding, workforce_finding

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
TITLE_SLIDE, TITLE_AND_CONTENT, TITLE_ONLY = 0, 1, 5  # the default template's layouts
MARGIN = Inches(0.5)
BODY_TOP = Inches(1.75)  # below a title of up to three lines
ASSUMPTION_LINES_PER_SLIDE = 14
CHARS_PER_LINE = 110  # at 18 pt across 12.3 inches
TABLE_ROWS_PER_SLIDE = 5  # the baseline and four policies; more go on another slide
TARGET_DASHES = (":", "-.", "--")
WORKFORCE = (
    ("establishment_fte", "Funded posts", "#444444"),
    ("qualified_fte", "Permanent qualified", "#332288"),
    ("asye_fte", "NQSWs in the ASYE", "#88CCEE"),
    ("agency_fte", "Agency", "#CC6677"),
    ("vacancy_fte", "Vacancies", "#DDCC77"),
)
"""The workforce slide's columns: timeseries column, name, colour."""


def build_slides(results: SavedResults, target: str | None = None) -> bytes:
    """The deck as .pptx bytes, ``target`` the headline (default: the experiment's first)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    sc = report_table(results)
    info = target_info(sc, target)
    rows = target_rows(sc, info.name)
    order = slide_order(rows, info)
    styles = scenario_styles(results.scenario_names, results.baseline)
    colours = {name: st.colour for name, st in styles.items()}
    dashes = {name: st.linestyle for name, st in styles.items()}
    dashes[results.baseline] = "-"
    tail = _notes_tail(results)

    _title_slide(prs, results, tail)
    _finding_slide(prs, rows, order, info, colours, tail)
    _table_slides(prs, order, info, tail)
    _over_time_slide(prs, results.timeseries, sc, order, info, colours, dashes, tail)
    _workforce_slide(prs, results.timeseries, order, info, tail)
    _assumption_slides(prs, results, tail)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --- the slides ----------------------------------------------------------------------------


def _title_slide(prs: PresentationType, results: SavedResults, tail: str) -> None:
    m = results.manifest
    s = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE])
    title = s.shapes.title
    assert title is not None
    _place(title, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(1.6))
    _fill(title.text_frame, [str(m["experiment"])], 40, bold=True)
    desc = " ".join(str(results.spec.get("description", "")).split())
    meta = (
        f"{len(results.scenario_names)} scenarios \u00d7 {m.get('replications')} simulated "
        f"futures each \u00b7 run {str(m.get('finished', ''))[:10]} \u00b7 csc-sim "
        f"{m.get('versions', {}).get('csc-sim', '?')}"
    )
    sub = s.placeholders[1]
    _place(sub, MARGIN, Inches(3.2), WIDTH - 2 * MARGIN, Inches(3.6))
    size = 20 if len(desc) <= 300 else 16 if len(desc) <= 600 else 13
    _fill(sub.text_frame, [desc, meta] if desc else [meta], size, colour=MUTED)
    _notes(s, f"{m['experiment']}\n\n{desc}\n\n{meta}{tail}")


def _finding_slide(
    prs: PresentationType,
    rows: pd.DataFrame,
    order: pd.DataFrame,
    info: TargetInfo,
    colours: dict[str, str],
    tail: str,
) -> None:
    """The finding: bars of the chance per scenario with 95% intervals, or, when every
    scenario sits at 0% or 100%, of the KPI at the date (median, 5-95%), beside a table
    of the figures."""
    head = finding(rows, info)
    detail = finding_detail(rows, info)
    s = _titled(prs, head)
    _text(s, detail, Box(MARGIN, Inches(1.7), WIDTH - 2 * MARGIN, Inches(0.9)), 14, MUTED)
    labels = _labels(order)
    box = Box(MARGIN, Inches(2.7), Inches(6.5), Inches(4.5))
    extremes = at_extremes(rows)
    fills = [colours.get(str(n), BASELINE_COLOUR) for n in order["scenario"]]
    if extremes:
        share = is_share(info.metric)
        alt = (
            f"Bar chart, one bar per scenario, the baseline first: {metric_short(info.metric)} "
            f"at {info.date:%d %B %Y}, median with 5th to 95th percentile of the simulated "
            f"futures (target {info.symbol} {info.bound_text}). "
            + "; ".join(
                f"{lab}: {_value_text(r, info)}"
                for lab, (_, r) in zip(labels, order.iterrows(), strict=True)
            )
        )
        chart = bar_chart(
            s,
            box,
            labels,
            order["value_median"].tolist(),
            order["value_p5"].tolist(),
            order["value_p95"].tolist(),
            fills,
            series_name=f"{metric_short(info.metric)} at {info.date:%b %Y} (median)",
            number_format="0%" if share else "0.0",
            axis_max=None,
            alt=alt,
        )
        axis = chart.value_axis
        axis.has_title = True
        axis.axis_title.text_frame.text = (
            f"{metric_short(info.metric).capitalize()} at {info.date:%d %b %Y}, median and "
            f"5\u201395% (target {info.symbol} {info.bound_text})"
        )
        header = [
            "Scenario",
            f"Median at {info.date:%b %Y} (5\u201395%)",
            "Met for good from month",
        ]
        body = [
            [lab, _value_text(r, info), fmt_months(r)]
            for lab, (_, r) in zip(labels, order.iterrows(), strict=True)
        ]
        widths = [1.3, 1.4, 1.45]
    else:
        alt = (
            "Bar chart, one bar per scenario, the baseline first: the chance of meeting "
            f"{info.short}, as the share of simulated futures, with 95% intervals. "
            + "; ".join(
                f"{lab}: {fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])})"
                for lab, (_, r) in zip(labels, order.iterrows(), strict=True)
            )
        )
        bar_chart(
            s,
            box,
            labels,
            order["p_met"].tolist(),
            order["p_low"].tolist(),
            order["p_high"].tolist(),
            fills,
            series_name="Chance of meeting the target",
            number_format="0%",
            axis_max=1.0,
            alt=alt,
        )
        header = ["Scenario", "Chance (95% interval)", "Cost a year (vs baseline)"]
        body = [
            [
                lab,
                f"{fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])})",
                _cost_text(r),
            ]
            for lab, (_, r) in zip(labels, order.iterrows(), strict=True)
        ]
        widths = [1.6, 1.3, 1.6]
    if extremes:
        header.append("Cost a year (vs baseline)")
        for row, (_, r) in zip(body, order.iterrows(), strict=True):
            row.append(_cost_text(r))
        widths.append(1.45)
    row_height = Inches(min(0.5, 4.3 / (len(body) + 1)))  # PowerPoint grows a row as needed
    table(
        s,
        Box(Inches(7.2), Inches(2.8), Inches(5.63), row_height * (len(body) + 1)),
        header,
        body,
        widths,
        alt=f"Table of the figures beside the chart: {', '.join(header)}, one row per "
        "scenario, the baseline first.",
        size=11 if len(body) <= 8 else 9,
        first_row_shaded=True,
    )
    lines = "\n".join(f"- {' | '.join(row)}" for row in body)
    _notes(s, f"{head}.\n\n{detail}\n\n{' | '.join(header)}\n{lines}{tail}")


def _table_slides(prs: PresentationType, order: pd.DataFrame, info: TargetInfo, tail: str) -> None:
    """The scenario table, the baseline first on every slide it takes."""
    header = [
        "Scenario",
        "What it is",
        "Chance (95% interval)",
        "Difference from baseline",
        f"Median at {info.date:%b %Y} (5\u201395%)",
        "Met for good from month (95% interval)",
        "Cost a year",
        "Extra cost a year",
        "Cost per percentage point",
    ]
    body = []
    for lab, (_, r) in zip(_labels(order), order.iterrows(), strict=True):
        base = bool(r["baseline"])
        body.append(
            [
                lab,
                " ".join(str(r.get("description", "") or "").split()),
                f"{fmt_pct(r['p_met'])} ({fmt_interval(r['p_low'], r['p_high'])})",
                "baseline" if base else _diff_text(r),
                _value_text(r, info),
                fmt_months(r),
                fmt_gbp(r["cost_per_year_gbp"]),
                "" if base else fmt_gbp_delta(r["extra_cost_per_year_gbp"]),
                fmt_cost_per_point(r),
            ]
        )
    head = cost_finding(order, info)
    per = TABLE_ROWS_PER_SLIDE - 1
    pages = [body[1 + k : 1 + k + per] for k in range(0, max(len(body) - 1, 1), per)]
    for k, page in enumerate(pages, start=1):
        title = head + (f" ({k} of {len(pages)})" if len(pages) > 1 else "")
        s = _titled(prs, title)
        rows = [body[0], *page]
        table(
            s,
            Box(MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, Inches(0.6) * (len(rows) + 1)),
            header,
            rows,
            [1.2, 2.4, 1.25, 1.3, 1.3, 1.2, 0.8, 0.9, 1.1],
            alt=f"Scenario table for {info.short}: {', '.join(header)}; one row per scenario, "
            "the baseline first.",
            size=11,
            first_row_shaded=True,
        )
        _text(
            s,
            "Met for good: Kaplan\u2013Meier median over every simulated future, counting those "
            "that never get there (\u201cnot within the horizon\u201d when fewer than half do). "
            "Cost per point: only where the paired 95% interval of the gain excludes no change.",
            Box(MARGIN, Inches(6.85), WIDTH - 2 * MARGIN, Inches(0.5)),
            11,
            MUTED,
        )
        lines = "\n".join(f"- {' | '.join(x for x in row if x)}" for row in rows)
        _notes(s, f"{title}.\n\n{lines}{tail}")


def _over_time_slide(
    prs: PresentationType,
    ts: pd.DataFrame,
    sc: pd.DataFrame,
    order: pd.DataFrame,
    info: TargetInfo,
    colours: dict[str, str],
    dashes: dict[str, str],
    tail: str,
) -> None:
    """The headline metric's median over time per scenario, with every target on it."""
    med = ts.groupby(["scenario", "date"])[info.metric].median()
    names = [str(n) for n in order["scenario"] if n in med.index.get_level_values(0)]
    dates = [pd.Timestamp(d).date() for d in med.loc[names[0]].index]
    targets = [target_info(sc, t) for t in target_names(sc)]
    targets = [t for t in targets if t.metric == info.metric]
    targets.sort(key=lambda t: t.name != info.name)
    lines = [
        Line(
            scenario_label(n) + (" (baseline)" if k == 0 else ""),
            med.loc[n].to_numpy(dtype=float).tolist(),
            colours.get(n, BASELINE_COLOUR),
            dashes.get(n, "-"),
            3.0 if k == 0 else 2.0,
        )
        for k, n in enumerate(names)
    ]
    lines += [
        Line(
            f"Target {t.symbol} {t.bound_text} by {t.date:%b %Y}",
            [t.bound] * len(dates),
            "#222222",
            TARGET_DASHES[k % len(TARGET_DASHES)],
            1.5,
        )
        for k, t in enumerate(targets)
    ]
    month, _ = target_month(ts, info.date)
    at = {n: float(med.loc[n].iloc[min(month, len(dates) - 1)]) for n in names}
    head = over_time_finding(order, info, at)
    s = _titled(prs, head)
    metric = metric_short(info.metric)
    alt = (
        f"Line chart of the median {metric} over time, one line per scenario (the baseline "
        f"first), with a flat line for each target on it ("
        + ", ".join(f"{t.symbol} {t.bound_text}" for t in targets)
        + f"). At {info.date:%d %B %Y}: "
        + "; ".join(f"{scenario_label(n)} {fmt_value(at[n], info.metric)}" for n in names)
    )
    line_chart(
        s,
        Box(MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, HEIGHT - BODY_TOP - Inches(0.3)),
        dates,
        lines,
        number_format="0%" if is_share(info.metric) else "0.0",
        alt=alt,
    )
    _notes(
        s,
        f"{head}.\n\n{alt}.\n\nThe report's fan chart shows the spread around each median "
        f"(the middle 50% and 90% of the simulated futures).{tail}",
    )


def _workforce_slide(
    prs: PresentationType, ts: pd.DataFrame, order: pd.DataFrame, info: TargetInfo, tail: str
) -> None:
    """Funded posts, staff in post by kind and vacancies at the target date (medians)."""
    cols = [c for c, _, _ in WORKFORCE if c in ts]
    month, _ = target_month(ts, info.date)
    dates = sorted(pd.to_datetime(ts["date"]).unique())
    when = pd.Timestamp(dates[min(month, len(dates) - 1)])
    at = ts[pd.to_datetime(ts["date"]) == when].groupby("scenario")[cols].median()
    names = [str(n) for n in order["scenario"] if n in at.index]
    labels = [scenario_label(n) + (" (baseline)" if k == 0 else "") for k, n in enumerate(names)]
    series = [
        (name, at.loc[names, col].to_numpy(dtype=float).tolist(), colour)
        for col, name, colour in WORKFORCE
        if col in cols
    ]
    head = workforce_finding(order, at, when.date())
    s = _titled(prs, head)
    alt = (
        f"Clustered column chart of the workforce at {when:%d %B %Y} (FTE, medians of the "
        "simulated futures), one group per scenario, the baseline first: "
        + "; ".join(
            f"{lab}: " + ", ".join(f"{name.lower()} {values[k]:.0f}" for name, values, _ in series)
            for k, lab in enumerate(labels)
        )
    )
    column_chart(
        s,
        Box(MARGIN, BODY_TOP, WIDTH - 2 * MARGIN, HEIGHT - BODY_TOP - Inches(0.3)),
        labels,
        series,
        number_format="0",
        alt=alt,
    )
    _notes(
        s,
        f"{head}.\n\n{alt}.\n\nVacancies are funded posts not filled by permanent staff "
        f"(agency cover still counts as a vacancy).{tail}",
    )


def _assumption_slides(prs: PresentationType, results: SavedResults, tail: str) -> None:
    items = experiment_assumptions(results) or ["The experiment file lists no assumptions."]
    pages = _paginate(items)
    for k, page in enumerate(pages, start=1):
        head = "Assumptions" + (f" ({k} of {len(pages)})" if len(pages) > 1 else "")
        s = prs.slides.add_slide(prs.slide_layouts[TITLE_AND_CONTENT])
        title = s.shapes.title
        assert title is not None
        _place(title, MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, Inches(1.0))
        _fill(title.text_frame, [head], 32, bold=True)
        body = s.placeholders[1]
        body.name = "assumptions"
        _place(body, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5.8))
        _fill(body.text_frame, page, 18, space_after=8)
        _notes(s, head + ":\n" + "\n".join(f"- {x}" for x in page) + tail)


# --- text helpers --------------------------------------------------------------------------


def _labels(order: pd.DataFrame) -> list[str]:
    return [
        scenario_label(str(r["scenario"])) + (" (baseline)" if r["baseline"] else "")
        for _, r in order.iterrows()
    ]


def _value_text(r: pd.Series, info: TargetInfo) -> str:
    return (
        f"{fmt_value(r['value_median'], info.metric)} ({fmt_value(r['value_p5'], info.metric)}"
        f"\u2013{fmt_value(r['value_p95'], info.metric)})"
    )


def _cost_text(r: pd.Series) -> str:
    extra = "baseline" if r["baseline"] else fmt_gbp_delta(r["extra_cost_per_year_gbp"])
    return f"{fmt_gbp(r['cost_per_year_gbp'])} ({extra})"


def _diff_text(r: pd.Series) -> str:
    return (
        f"{fmt_pp(r['diff_vs_baseline'])} ({fmt_pp(r['diff_low'])[:-3]} to "
        f"{fmt_pp(r['diff_high'])[:-3]})"
    )


def _notes_tail(results: SavedResults) -> str:
    """What every slide's notes end with: the assumptions and the provenance."""
    m = results.manifest
    items = experiment_assumptions(results) or ["The experiment file lists no assumptions."]
    versions = m.get("versions", {})
    return (
        "\n\nAssumptions:\n"
        + "\n".join(f"- {x}" for x in items)
        + "\n\nProvenance: experiment file "
        + f"{m.get('experiment_file', '?')} (hash {m.get('experiment_hash', '?')}); root seed "
        + f"{m.get('root_seed', '?')}; {m.get('replications', '?')} replications per scenario "
        + "on common random numbers; baseline config hash "
        + f"{m.get('config_hashes', {}).get(m.get('baseline'), '?')}; csc-sim "
        + f"{versions.get('csc-sim', '?')}; run "
        + f"{str(m.get('finished') or m.get('started') or '?')[:10]}."
    )


def _paginate(items: list[str]) -> list[list[str]]:
    """Assumptions split into slides of about ``ASSUMPTION_LINES_PER_SLIDE`` lines."""
    pages: list[list[str]] = [[]]
    lines: float = 0
    for item in items:
        n = math.ceil(len(item) / CHARS_PER_LINE) + 0.4  # the gap after a bullet
        if pages[-1] and lines + n > ASSUMPTION_LINES_PER_SLIDE:
            pages.append([])
            lines = 0
        pages[-1].append(item)
        lines += n
    return pages


def _titled(prs: PresentationType, title: str) -> Slide:
    """A "Title Only" slide whose title placeholder holds ``title`` (a sentence), sized to
    fit three lines across the slide."""
    s = prs.slides.add_slide(prs.slide_layouts[TITLE_ONLY])
    shape = s.shapes.title
    assert shape is not None
    _place(shape, MARGIN, Inches(0.25), WIDTH - 2 * MARGIN, Inches(1.4))
    size = 28 if len(title) <= 100 else 24 if len(title) <= 150 else 20
    _fill(shape.text_frame, [title], size, bold=True)
    shape.text_frame.vertical_anchor = MSO_ANCHOR.TOP
    return s


def _place(shape: Any, left: int, top: int, width: int, height: int) -> None:
    shape.left, shape.top, shape.width, shape.height = left, top, width, height


def _fill(
    frame: Any,
    paragraphs: list[str],
    size: float,
    *,
    bold: bool = False,
    colour: Any = INK,
    space_after: float = 0,
) -> None:
    """``paragraphs`` into a text frame, left-aligned and wrapped (never cut)."""
    frame.word_wrap = True
    frame.text = paragraphs[0]
    for text in paragraphs[1:]:
        frame.add_paragraph().text = text
    for p in frame.paragraphs:
        p.alignment = PP_ALIGN.LEFT
        if space_after:
            p.space_after = Pt(space_after)
        for r in p.runs:
            r.font.size, r.font.bold, r.font.color.rgb = Pt(size), bold, colour


def _text(slide: Slide, text: str, box: Box, size: float, colour: Any = INK) -> None:
    shape = slide.shapes.add_textbox(*box.emu())
    _fill(shape.text_frame, [text], size, colour=colour)


def _notes(slide: Slide, text: str) -> None:
    frame = slide.notes_slide.notes_text_frame
    assert frame is not None  # the default template's notes slide has a body placeholder
    frame.text = text
