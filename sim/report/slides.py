"""``slides.pptx`` for leadership who live in PowerPoint: a title slide, the comparison
slide, the fan chart and the assumptions (16:9)."""

from __future__ import annotations

import io
import math

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.slide import Slide
from pptx.util import Inches, Length, Pt

from sim.experiment.results_folder import SavedResults
from sim.report.assumptions import experiment_assumptions
from sim.report.charts.style import finding, provenance, target_rows
from sim.report.charts.style import target_info as _target_info

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
INK = RGBColor(0x22, 0x22, 0x22)
MUTED = RGBColor(0x55, 0x55, 0x55)
BLANK = 6  # the default template's blank layout
ASSUMPTION_LINES_PER_SLIDE = 15
CHARS_PER_LINE = 105  # at 18 pt across 12.3 inches


def build_slides(results: SavedResults, pngs: dict[str, bytes]) -> bytes:
    """The deck as .pptx bytes, from the PNG charts (``policy_comparison``, ``fan_chart``)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    m = results.manifest
    spec = results.spec
    rows = target_rows(results.scenarios)
    headline = finding(rows, _target_info(results.scenarios))

    s = prs.slides.add_slide(prs.slide_layouts[BLANK])
    _text(s, str(m["experiment"]), Inches(0.8), Inches(2.2), Inches(11.7), Inches(1.3), 40, True)
    desc = " ".join(str(spec.get("description", "")).split())
    desc = desc if len(desc) <= 420 else desc[:417].rsplit(" ", 1)[0] + "\u2026"
    _text(s, desc, Inches(0.8), Inches(3.5), Inches(11.7), Inches(1.6), 20)
    _text(
        s,
        f"{len(results.scenario_names)} scenarios \u00d7 {m.get('replications')} simulated "
        f"futures each \u00b7 run {str(m.get('finished', ''))[:10]} \u00b7 csc-sim "
        f"{m.get('versions', {}).get('csc-sim', '?')}",
        Inches(0.8),
        Inches(5.4),
        Inches(11.7),
        Inches(0.6),
        14,
        colour=MUTED,
    )
    _notes(s, provenance(m))

    for name, alt in (("policy_comparison", headline), ("fan_chart", "Fan chart")):
        s = prs.slides.add_slide(prs.slide_layouts[BLANK])
        _picture(s, pngs[name], name)
        _notes(s, f"{alt}\n\n{provenance(m)}")

    items = experiment_assumptions(results) or ["The experiment file lists no assumptions."]
    pages = _paginate(items)
    for k, page in enumerate(pages, start=1):
        s = prs.slides.add_slide(prs.slide_layouts[BLANK])
        head = "Assumptions" + (f" ({k} of {len(pages)})" if len(pages) > 1 else "")
        _text(s, head, Inches(0.6), Inches(0.4), Inches(12.1), Inches(0.9), 32, True)
        box = s.shapes.add_textbox(Inches(0.6), Inches(1.4), Inches(12.1), Inches(5.7))
        box.name = "assumptions"
        tf = box.text_frame
        tf.word_wrap = True
        for i, item in enumerate(page):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            p.text = f"\u2022 {item}"
            p.space_after = Pt(8)
            for r in p.runs:
                r.font.size, r.font.color.rgb = Pt(18), INK
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


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


def _text(
    slide: Slide,
    text: str,
    left: Length,
    top: Length,
    width: Length,
    height: Length,
    size: float,
    bold: bool = False,
    colour: RGBColor = INK,
) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.text = text
    for r in tf.paragraphs[0].runs:
        r.font.size, r.font.bold, r.font.color.rgb = Pt(size), bold, colour


def _picture(slide: object, png: bytes, name: str) -> None:
    """The chart as large as fits the slide, centred, keeping its aspect ratio."""
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size
    scale = min(WIDTH / w, HEIGHT / h)
    pw, ph = int(w * scale), int(h * scale)
    pic = slide.shapes.add_picture(  # type: ignore[attr-defined]
        io.BytesIO(png), (WIDTH - pw) // 2, (HEIGHT - ph) // 2, pw, ph
    )
    pic.name = name


def _notes(slide: Slide, text: str) -> None:
    frame = slide.notes_slide.notes_text_frame
    assert frame is not None  # the default template's notes slide has a body placeholder
    frame.text = text
