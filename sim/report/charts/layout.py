"""Layout helpers the charts share: figures independent of pyplot, text fitted to a width
in pixels, error-bar lengths, and a figure that explains why there is no chart."""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

INK = "#222222"
MUTED = "#555555"


def new_figure(size: tuple[float, float], constrained: bool = True) -> Figure:
    """A 150 dpi figure (inches), independent of pyplot (no global state, no leaks)."""
    fig = Figure(figsize=size, dpi=150, layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def fit_lines(text: str, size: float, max_px: float, fig: Figure, weight: str = "normal") -> str:
    """Wrap ``text`` into as few lines as fit ``max_px`` pixels at ``size`` points."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    width = max(20, int(len(text) * 1.0))
    while True:
        wrapped = textwrap.fill(text, width)
        t = fig.text(0, 0, wrapped, size=size, weight=weight)
        w = t.get_window_extent(renderer).width
        t.remove()
        if w <= max_px or width <= 20:
            return wrapped
        width = int(width * 0.92)


def err(mid: object, lo: object, hi: object) -> np.ndarray:
    """Error bar lengths below and above ``mid`` (never negative: rounding in the table
    can put a bound a hair beyond the estimate)."""
    m, lo_, hi_ = (np.asarray(v, dtype=float) for v in (mid, lo, hi))
    return np.clip(np.vstack([m - lo_, hi_ - m]), 0, None)


def fit_text(
    fig: Figure, text: str, size: float, max_px: float, max_lines: int, weight: str = "normal"
) -> str:
    """``text`` wrapped into at most ``max_lines`` lines no wider than ``max_px`` pixels,
    the last line cut with an ellipsis if it still does not fit."""
    probe = fig.text(0, 0, text, size=size, weight=weight)

    def width(s: str) -> float:
        probe.set_text(s)
        return px(fig, probe).width

    try:
        if width(text) <= max_px:
            return text
        per_char = width(text) / max(len(text), 1)
        chars = max(8, int(max_px / per_char) + 2)
        while chars > 8:
            lines = textwrap.wrap(text, chars)
            if all(width(x) <= max_px for x in lines):
                break
            chars -= 1
        lines = textwrap.wrap(text, chars)
        if len(lines) > max_lines:
            last = " ".join(lines[max_lines - 1 :])
            while last and width(last + "\u2026") > max_px:
                last = last[:-1]
            lines = [*lines[: max_lines - 1], last.rstrip(" ,;:") + "\u2026"]
        return "\n".join(lines)
    finally:
        probe.remove()


def wrap_px(
    fig: Figure, text: str, size: float, max_px: float, weight: str = "normal"
) -> list[str]:
    """``text`` wrapped at word breaks into lines no wider than ``max_px`` pixels at ``size``
    points, as many lines as that takes: never cut (a single word wider than the width
    keeps its own line)."""
    probe = fig.text(0, 0, text, size=size, weight=weight)

    def width(s: str) -> float:
        probe.set_text(s)
        return px(fig, probe).width

    try:
        lines: list[str] = []
        for word in text.split():
            if lines and width(f"{lines[-1]} {word}") <= max_px:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines
    finally:
        probe.remove()


def title_block(
    fig: Figure,
    x: float,
    y: float,
    title: str,
    subtitle: str,
    sizes: tuple[float, float],
    *,
    gids: bool = False,
    linespacing: float | None = None,
) -> float:
    """Draw ``title`` (bold) with ``subtitle`` under it, both already fitted to their width,
    from (``x``, ``y``) in figure fractions at ``sizes`` points; return the figure fraction
    just below the subtitle. ``gids`` names them "title" and "subtitle" in the SVG."""
    title_size, subtitle_size = sizes
    H = fig.bbox.height
    extra: dict[str, Any] = {} if linespacing is None else {"linespacing": linespacing}
    t = fig.text(
        x,
        y,
        title,
        size=title_size,
        weight="bold",
        va="top",
        color=INK,
        gid="title" if gids else None,
        **extra,
    )
    top = y - px(fig, t).height / H - 0.012
    sub = fig.text(
        x,
        top,
        subtitle,
        size=subtitle_size,
        va="top",
        color=MUTED,
        gid="subtitle" if gids else None,
    )
    return top - px(fig, sub).height / H


def px(fig: Figure, text: object) -> Bbox:
    return text.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]


def message_figure(text: str, size: tuple[float, float] = (10, 2.5)) -> Figure:
    """A figure that says why there is no chart (no empty axes)."""
    fig = new_figure(size, constrained=False)
    fig.text(0.5, 0.5, textwrap.fill(text, 70), ha="center", va="center", size=14, color=MUTED)
    return fig
