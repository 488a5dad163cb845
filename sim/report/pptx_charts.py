"""Native PowerPoint charts and tables for ``slides.pptx`` (python-pptx's chart API), so a
director can restyle them, read the numbers behind them and edit them in PowerPoint:
horizontal bars with error bars, lines over time, clustered columns and tables, each with
alt text (the ``descr`` of its ``cNvPr``) that says what it shows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from pptx.chart.chart import Chart
from pptx.chart.data import ChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import BaseOxmlElement, OxmlElement
from pptx.shapes.graphfrm import GraphicFrame
from pptx.slide import Slide
from pptx.util import Emu, Pt

INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x55, 0x55, 0x55)
HEADER_FILL = RGBColor(0xEE, 0xEE, 0xEE)
BASELINE_FILL = RGBColor(0xF4, 0xF4, 0xF4)
DASHES = {
    "-": MSO_LINE_DASH_STYLE.SOLID,
    "--": MSO_LINE_DASH_STYLE.DASH,
    "-.": MSO_LINE_DASH_STYLE.DASH_DOT,
    ":": MSO_LINE_DASH_STYLE.ROUND_DOT,
}
"""matplotlib line styles (:mod:`sim.report.charts.style`) as PowerPoint dash styles."""


@dataclass(frozen=True)
class Box:
    """Where a shape goes on the slide (EMU)."""

    left: int
    top: int
    width: int
    height: int

    def emu(self) -> tuple[Emu, Emu, Emu, Emu]:
        return Emu(self.left), Emu(self.top), Emu(self.width), Emu(self.height)


@dataclass(frozen=True)
class Line:
    """One series of a line chart: its values and how it is drawn."""

    name: str
    values: Sequence[float]
    colour: str  # hex, as in the matplotlib charts
    dash: str = "-"
    width: float = 2.0  # points


def rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def set_alt_text(frame: GraphicFrame, text: str) -> None:
    """The shape's alt text (what a screen reader says): ``descr`` on its ``cNvPr``."""
    frame._element.nvGraphicFramePr.cNvPr.set("descr", text)


def bar_chart(
    slide: Slide,
    box: Box,
    categories: Sequence[str],
    values: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    colours: Sequence[str],
    *,
    series_name: str,
    number_format: str,
    axis_max: float | None,
    alt: str,
) -> Chart:
    """Horizontal bars, the first category at the top, each bar its own colour, with
    error bars from ``low`` to ``high`` (custom values, editable in PowerPoint)."""
    data = ChartData(number_format=number_format)
    data.categories = list(categories)
    data.add_series(series_name, [_num(v) for v in values])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, *box.emu(), data)
    assert isinstance(frame, GraphicFrame)
    set_alt_text(frame, alt)
    chart = frame.chart
    chart.has_title = False  # the slide's title says what the bars show
    chart.has_legend = False
    chart.font.size = Pt(14)
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.vary_by_categories = False
    series = plot.series[0]
    for i, colour in enumerate(colours):
        fill = series.points[i].format.fill
        fill.solid()
        fill.fore_color.rgb = rgb(colour)
    _error_bars(
        series._element,
        minus=[max(0.0, _num(v) - _num(lo)) for v, lo in zip(values, low, strict=True)],
        plus=[max(0.0, _num(hi) - _num(v)) for v, hi in zip(values, high, strict=True)],
    )
    cat = chart.category_axis
    cat.reverse_order = True  # the first category (the baseline) at the top
    cat.tick_labels.font.size = Pt(14)
    val = chart.value_axis
    val.minimum_scale = 0
    if axis_max is not None:
        val.maximum_scale = axis_max
    val.has_major_gridlines = True
    val.tick_labels.number_format = number_format
    val.tick_labels.number_format_is_linked = False
    val.tick_labels.font.size = Pt(12)
    return chart


def _keyed_chart(slide: Slide, box: Box, kind: XL_CHART_TYPE, data: ChartData, alt: str) -> Chart:
    """A native chart of ``kind`` in ``box`` with its alt text, no title (the slide's title
    says it), 12-point text and the key below."""
    frame = slide.shapes.add_chart(kind, *box.emu(), data)
    assert isinstance(frame, GraphicFrame)
    set_alt_text(frame, alt)
    chart = frame.chart
    chart.has_title = False
    chart.font.size = Pt(12)
    chart.has_legend = True
    assert chart.legend is not None
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    return chart


def line_chart(
    slide: Slide,
    box: Box,
    dates: Sequence[dt.date],
    lines: Sequence[Line],
    *,
    number_format: str,
    alt: str,
) -> Chart:
    """Lines over time (a date axis), each with its colour, dash and width, the key below."""
    data = ChartData(number_format=number_format)
    data.categories = list(dates)
    for ln in lines:
        data.add_series(ln.name, [_num(v) for v in ln.values])
    chart = _keyed_chart(slide, box, XL_CHART_TYPE.LINE, data, alt)
    for series, ln in zip(chart.plots[0].series, lines, strict=True):
        series.smooth = False
        series.marker.style = XL_MARKER_STYLE.NONE
        line = series.format.line
        line.color.rgb = rgb(ln.colour)
        line.width = Pt(ln.width)
        line.dash_style = DASHES.get(ln.dash, MSO_LINE_DASH_STYLE.SOLID)
    cat = chart.category_axis
    cat.tick_labels.number_format = "mmm yyyy"
    cat.tick_labels.number_format_is_linked = False
    _date_ticks(cat._element, every_months=12 if len(dates) > 36 else 6)
    val = chart.value_axis
    val.has_major_gridlines = True
    val.tick_labels.number_format = number_format
    val.tick_labels.number_format_is_linked = False
    return chart


def column_chart(
    slide: Slide,
    box: Box,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    number_format: str,
    alt: str,
) -> Chart:
    """Clustered columns: one group per category, one column per (name, values, colour)
    series, values labelled on the columns, the key below."""
    data = ChartData(number_format=number_format)
    data.categories = list(categories)
    for name, values, _ in series:
        data.add_series(name, [_num(v) for v in values])
    chart = _keyed_chart(slide, box, XL_CHART_TYPE.COLUMN_CLUSTERED, data, alt)
    plot = chart.plots[0]
    plot.gap_width = 80
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = number_format
    labels.number_format_is_linked = False
    labels.font.size = Pt(10)
    for s, (_, _, colour) in zip(plot.series, series, strict=True):
        s.format.fill.solid()
        s.format.fill.fore_color.rgb = rgb(colour)
    chart.value_axis.has_major_gridlines = True
    chart.value_axis.minimum_scale = 0
    return chart


def table(
    slide: Slide,
    box: Box,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    *,
    alt: str,
    size: float = 12,
    first_row_shaded: bool = False,
) -> GraphicFrame:
    """A native table: a header row, text that wraps in its cell (never cut), column
    ``widths`` as shares of the box, figures right-aligned (every column but the first
    two)."""
    frame = slide.shapes.add_table(len(rows) + 1, len(header), *box.emu())
    assert isinstance(frame, GraphicFrame)
    set_alt_text(frame, alt)
    tbl = frame.table
    total = sum(widths)
    for j, w in enumerate(widths):
        tbl.columns[j].width = Emu(int(box.width * w / total))
    for i in range(len(rows) + 1):
        tbl.rows[i].height = Emu(int(box.height / (len(rows) + 1)))
    for i, values in enumerate([header, *rows]):
        for j, text in enumerate(values):
            cell = tbl.cell(i, j)
            cell.text = str(text)
            cell.margin_left = cell.margin_right = Pt(4)
            cell.margin_top = cell.margin_bottom = Pt(2)
            tf = cell.text_frame
            tf.word_wrap = True
            for p in tf.paragraphs:
                p.alignment = PP_ALIGN.RIGHT if j >= 2 and i > 0 else PP_ALIGN.LEFT
                for r in p.runs:
                    r.font.size = Pt(size)
                    r.font.bold = i == 0 or (i == 1 and first_row_shaded and j == 0)
                    r.font.color.rgb = INK
            if i == 0 or (i == 1 and first_row_shaded):
                cell.fill.solid()
                cell.fill.fore_color.rgb = HEADER_FILL if i == 0 else BASELINE_FILL
            else:
                cell.fill.background()
    return frame


def _num(x: object) -> float:
    """A value for the chart's data: a float, or 0 for none (a chart cell must hold one)."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return v if v == v and abs(v) != float("inf") else 0.0


def _error_bars(ser: BaseOxmlElement, minus: Sequence[float], plus: Sequence[float]) -> None:
    """Custom error bars on a bar series (``c:errBars`` with literal values, placed before
    ``c:cat`` as the schema orders a series' children): python-pptx has no API for them."""
    bars = _child(ser, "c:errBars")
    _child(bars, "c:errBarType", val="both")
    _child(bars, "c:errValType", val="cust")
    _child(bars, "c:noEndCap", val="0")
    for tag, values in (("c:plus", plus), ("c:minus", minus)):
        lit = _child(_child(bars, tag), "c:numLit")
        _child(lit, "c:formatCode").text = "General"
        _child(lit, "c:ptCount", val=str(len(values)))
        for i, v in enumerate(values):
            _child(_child(lit, "c:pt", idx=str(i)), "c:v").text = repr(float(v))
    ln = _child(_child(bars, "c:spPr"), "a:ln", w=str(Pt(1.75)))
    _child(_child(ln, "a:solidFill"), "a:srgbClr", val=str(INK))
    cat = ser.find(qn("c:cat"))
    if cat is not None:
        cat.addprevious(bars)


def _date_ticks(axis: BaseOxmlElement, every_months: int) -> None:
    """A date axis of monthly points, labelled every ``every_months`` months (python-pptx
    sets the base unit to days and has no API for the label spacing)."""
    base = axis.find(qn("c:baseTimeUnit"))
    if base is None:
        base = _child(axis, "c:baseTimeUnit")
    base.set("val", "months")
    unit = OxmlElement("c:majorUnit")
    unit.set("val", str(every_months))
    time_unit = OxmlElement("c:majorTimeUnit")
    time_unit.set("val", "months")
    base.addnext(unit)
    unit.addnext(time_unit)


def _child(parent: BaseOxmlElement, tag: str, **attrs: str) -> BaseOxmlElement:
    """A new ``tag`` element appended to ``parent``, with ``attrs``."""
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(k, v)
    parent.append(el)
    return el
