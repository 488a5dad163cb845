"""The report: charts/ (PNG and SVG), a self-contained report.html with every image
embedded, and slides.pptx; all from the result files, each written atomically. (That a real
browser renders it: tests/e2e/test_report_in_chromium.py.)"""

from __future__ import annotations

import base64
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from pptx import Presentation
from pptx.util import Inches

import sim
import sim.report.html as report
from sim.report.charts.layout import message_figure
from sim.report.charts.style import finding, target_info, target_rows
from tests.support.results import ASSUMPTIONS, CHARTS, reported, results_folder


class Page(HTMLParser):
    """The images, scenario-table cells and text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str]] = []
        self.rows: list[dict[str, str]] = []
        self.text: list[str] = []
        self.external: list[str] = []
        self._table: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "img":
            self.images.append(a)
        if tag == "table" and "data-target" in a:
            self._table = a["data-target"]
        if tag == "tr" and "data-scenario" in a and self._table:
            self.rows.append({"target": self._table, "scenario": a["data-scenario"]})
        if tag == "td" and "data-p" in a:
            self.rows[-1]["p"] = a["data-p"]
        for k in ("src", "href"):
            if a.get(k) and not a[k].startswith(("data:", "#")):
                self.external.append(a[k])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_report_writes_every_chart_as_png_and_svg_and_nothing_half_written():
    folder = reported("five")
    for name in CHARTS:
        png, svg = folder / "charts" / f"{name}.png", folder / "charts" / f"{name}.svg"
        assert imread(png).shape[0] > 300, name
        assert svg.read_text().lstrip().startswith("<?xml") and "</svg>" in svg.read_text()
    assert (folder / "slides.pptx").stat().st_size > 0
    assert not [p for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".tmp"]


def test_report_html_is_self_contained_with_the_charts_embedded():
    folder = reported("five")
    page = parse(folder / "report.html")
    assert page.external == []
    by_id = {img["id"]: img for img in page.images}
    assert set(by_id) == set(CHARTS)
    for name, img in by_id.items():
        data = img["src"].removeprefix("data:image/png;base64,")
        assert base64.b64decode(data) == (folder / "charts" / f"{name}.png").read_bytes(), name
        assert img["alt"]
    text = " ".join(page.text)
    assert "GBP" not in text and "\u00a3" in text, "pounds as pounds"
    sc = sim.load_results(folder).scenarios
    assert by_id["policy_comparison"]["alt"] == finding(target_rows(sc), target_info(sc))
    for a in ASSUMPTIONS:
        assert a in text
    assert "two years suffice for a test" in text, "config comments marked assumption"
    m = sim.load_results(folder).manifest
    for part in (m["experiment_hash"], str(m["root_seed"]), *m["config_hashes"].values()):
        assert part in text


def test_report_tables_match_scenarios_csv():
    folder = reported("five")
    table = pd.read_csv(folder / "scenarios.csv")
    rows = pd.DataFrame(parse(folder / "report.html").rows)
    assert len(rows) == len(table)
    merged = rows.merge(table, on=["target", "scenario"], validate="one_to_one")
    assert np.allclose(merged["p"].astype(float), merged["p_met"], atol=1e-6)
    assert list(rows["target"].unique()) == list(table["target"].unique())


def test_slides_have_title_finding_table_charts_and_assumptions():
    """(What each slide holds and its notes: tests/integration/test_slides.py.)"""
    folder = reported("five")
    prs = Presentation(str(folder / "slides.pptx"))
    assert (prs.slide_width, prs.slide_height) == (Inches(13.333), Inches(7.5))
    slides = list(prs.slides)
    assert len(slides) >= 6
    titles = [sl.shapes.title.text_frame.text for sl in slides]
    m = sim.load_results(folder).manifest
    assert titles[0] == m["experiment"]
    sc = report.report_table(sim.load_results(folder))
    assert titles[1] == finding(target_rows(sc), target_info(sc))
    assert titles[-1].startswith("Assumptions")
    texts = [" ".join(sh.text_frame.text for sh in sl.shapes if sh.has_text_frame) for sl in slides]
    assert all(any(a in t for t in texts) for a in ASSUMPTIONS)


def test_report_of_a_one_scenario_experiment():
    """(The charts of 12 scenarios are checked in test_charts; rendering them is slow.)"""
    folder = reported("one")
    page = parse(folder / "report.html")
    assert {img["id"] for img in page.images} == set(CHARTS) - {"paired_comparison"}
    assert [r["scenario"] for r in page.rows if r["target"] == "caseload_48"] == ["status_quo"]
    assert len(list(Presentation(str(folder / "slides.pptx")).slides)) >= 4


def _quick_charts(monkeypatch) -> None:
    """Replace the charts by one small figure: these tests are about files, not charts."""
    monkeypatch.setattr(
        report,
        "all_charts",
        lambda _res, **_kw: {"policy_comparison": message_figure("test", (2, 1))},
    )


def test_a_failed_report_leaves_no_half_written_file(monkeypatch, tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(results_folder("one"), folder)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    _quick_charts(monkeypatch)
    monkeypatch.setattr(report, "report_html", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        report.write_report(folder)
    assert not (folder / "report.html").exists()
    leftovers = [p for p in folder.rglob("*") if p.suffix == ".tmp" or p.name.startswith(".")]
    assert leftovers == []


def test_rewriting_a_report_drops_charts_it_no_longer_makes(monkeypatch, tmp_path):
    folder = tmp_path / "results"
    shutil.copytree(results_folder("one"), folder)
    (folder / "charts").mkdir()
    (folder / "charts" / "old_chart.png").write_bytes(b"stale")
    _quick_charts(monkeypatch)
    report.write_report(folder, slides=False)
    assert not (folder / "charts" / "old_chart.png").exists()
    assert not (folder / "slides.pptx").exists()
