"""slides.pptx a director can edit and cannot be misled by: native PowerPoint charts (not
pictures), the finding as a sentence in each title placeholder, real alt text, speaker
notes with the finding, the assumptions and the provenance; the baseline first in every
chart and table; pounds as £, no cut text; ``report --target`` choosing the headline; and
a headline every scenario meets in all futures or none said so, with what does differ."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from pptx import Presentation
from pptx.chart.chart import Chart
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

import sim
from sim.cli import main
from sim.report.charts import report_table
from sim.report.charts.style import (
    finding,
    scenario_label,
    slide_order,
    target_info,
    target_rows,
)
from tests.support.results import ASSUMPTIONS, reported, results_folder


def deck(folder: Path):
    return Presentation(str(folder / "slides.pptx"))


def charts_of(prs) -> list[Chart]:
    return [sh.chart for sl in prs.slides for sh in sl.shapes if sh.has_chart]


def all_text(prs) -> str:
    """Every word a reader of the deck sees: text frames, tables, chart data and notes."""
    out = []
    for sl in prs.slides:
        for sh in sl.shapes:
            if sh.has_text_frame:
                out.append(sh.text_frame.text)
            if sh.has_table:
                out += [c.text for r in sh.table.rows for c in r.cells]
            if sh.has_chart:
                out += [str(c) for c in sh.chart.plots[0].categories]
                out += [s.name for p in sh.chart.plots for s in p.series]
        out.append(sl.notes_slide.notes_text_frame.text)
    return "\n".join(out)


def test_charts_are_native_and_no_slide_is_a_picture():
    prs = deck(reported("five"))
    pictures = [
        sh for sl in prs.slides for sh in sl.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE
    ]
    assert pictures == []
    kinds = {c.chart_type for c in charts_of(prs)}
    assert {
        XL_CHART_TYPE.BAR_CLUSTERED,
        XL_CHART_TYPE.LINE,
        XL_CHART_TYPE.COLUMN_CLUSTERED,
    } <= kinds
    for chart in charts_of(prs):  # editable: the numbers are in an embedded workbook
        assert chart.part.chart_workbook.xlsx_part is not None


def test_the_comparison_chart_holds_the_scenario_table_numbers_baseline_first():
    folder = reported("five")
    res = sim.load_results(folder)
    sc = report_table(res)
    info = target_info(sc)
    order = slide_order(target_rows(sc), info)
    bars = next(c for c in charts_of(deck(folder)) if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED)
    names = list(bars.plots[0].categories)
    assert names[0] == f"{scenario_label(res.baseline)} (baseline)"
    assert names == [
        scenario_label(s) + (" (baseline)" if s == res.baseline else "") for s in order["scenario"]
    ]
    assert list(bars.plots[0].series[0].values) == pytest.approx(list(order["p_met"]))
    err = bars.plots[0].series[0]._element.find(qn("c:errBars"))
    plus = [float(v.text) for v in err.find(qn("c:plus")).iter(qn("c:v"))]
    assert plus == pytest.approx(list(order["p_high"] - order["p_met"]), abs=1e-9)


def test_every_slide_has_its_finding_in_the_title_placeholder():
    folder = reported("five")
    prs = deck(folder)
    sc = report_table(sim.load_results(folder))
    titles = []
    for sl in prs.slides:
        title = sl.shapes.title
        assert title is not None and title.is_placeholder, "a layout with a title placeholder"
        titles.append(title.text_frame.text)
    assert all(t.strip() for t in titles)
    assert titles[1] == finding(target_rows(sc), target_info(sc))
    # the chart slides' titles are sentences with the numbers, not labels
    assert all(any(ch.isdigit() for ch in t) for t in titles[1:5]), titles


def test_every_chart_and_table_has_real_alt_text():
    prs = deck(reported("five"))
    frames = [sh for sl in prs.slides for sh in sl.shapes if sh.has_chart or sh.has_table]
    assert len(frames) >= 5
    for sh in frames:
        descr = sh._element.xpath("./p:nvGraphicFramePr/p:cNvPr")[0].get("descr") or ""
        assert len(descr) > 60 and "image.png" not in descr, descr
        if sh.has_chart:  # it says the numbers, the baseline first
            assert "Status quo" in descr and descr.index("Status quo") < descr.index("Policy")


def test_speaker_notes_carry_the_finding_the_assumptions_and_the_provenance():
    folder = reported("five")
    m = sim.load_results(folder).manifest
    for sl in list(deck(folder).slides)[1:]:
        notes = sl.notes_slide.notes_text_frame.text
        assert sl.shapes.title.text_frame.text in notes
        for part in (
            *ASSUMPTIONS,
            str(m["experiment_file"]),
            f"root seed {m['root_seed']}",
            f"{m['replications']} replications",
            f"csc-sim {m['versions']['csc-sim']}",
            str(m["finished"])[:10],
        ):
            assert part in notes, part


def test_baseline_first_pounds_as_pounds_and_no_cut_text():
    folder = reported("twelve")
    prs = deck(folder)
    base = scenario_label(sim.load_results(folder).baseline)
    for chart in charts_of(prs):
        first = (
            chart.plots[0].series[0].name
            if chart.chart_type == XL_CHART_TYPE.LINE
            else str(chart.plots[0].categories[0])
        )
        assert first.startswith(base), first
    tables = [sh.table for sl in prs.slides for sh in sl.shapes if sh.has_table]
    assert tables and all(t.cell(1, 0).text.startswith(base) for t in tables)
    text = all_text(prs)
    assert "GBP" not in text and "\u00a3" in text
    assert "\u2026" not in text and "..." not in text


def test_report_target_chooses_the_headline(tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(results_folder("five"), folder)
    assert main(["report", str(folder), "--target", "agency_low"]) == 0
    html = (folder / "report.html").read_text()
    assert html.index('data-target="agency_low"') < html.index('data-target="caseload_48"')
    sc = report_table(sim.load_results(folder))
    title = list(deck(folder).slides)[1].shapes.title.text_frame.text
    assert title == finding(target_rows(sc, "agency_low"), target_info(sc, "agency_low"))
    assert "agency" in title


def test_an_unknown_target_is_refused_naming_the_ones_there_are(tmp_path, capsys):
    folder = tmp_path / "results"
    shutil.copytree(results_folder("one"), folder)
    assert main(["report", str(folder), "--target", "caseload_99"]) == 2
    err = capsys.readouterr().err
    assert "caseload_99" in err and "caseload_48, agency_low" in err
    assert not (folder / "report.html").exists()


def test_a_headline_at_zero_or_a_hundred_percent_is_said_so_with_what_differs(tmp_path):
    """Every scenario at 0% (made so in scenarios.csv): the title says no scenario meets it,
    and the bars are the KPI at the date beside the months to target."""
    folder = tmp_path / "results"
    shutil.copytree(results_folder("five"), folder)
    table = pd.read_csv(folder / "scenarios.csv")
    head = table["target"] == "caseload_48"
    table.loc[head, ["p_met", "p_low", "p_high"]] = [0.0, 0.0, 0.3]
    table.to_csv(folder / "scenarios.csv", index=False)
    assert main(["report", str(folder)]) == 0
    prs = deck(folder)
    title = list(prs.slides)[1].shapes.title.text_frame.text
    assert title.startswith("No scenario meets") and "median at the date" in title
    sc = report_table(sim.load_results(folder))
    order = slide_order(target_rows(sc), target_info(sc))
    bars = next(c for c in charts_of(prs) if c.chart_type == XL_CHART_TYPE.BAR_CLUSTERED)
    assert list(bars.plots[0].series[0].values) == pytest.approx(list(order["value_median"]))
    figures = next(sh.table for sh in list(prs.slides)[1].shapes if sh.has_table)
    assert figures.cell(0, 2).text == "Met for good from month"
