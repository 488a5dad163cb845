"""The backtest's charts and page: ``backtest_<metric>.png`` and ``backtest.html`` written by
``csc-sim backtest``, and the same section in ``report.html`` when ``csc-sim report`` runs on
a backtest's folder. Everything is read from ``backtest.csv``, ``backtest_fan.csv``,
``coverage.csv`` and ``backtest_summary.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.atomic import write_bytes, write_text
from sim.experiment.backtest import COVERAGE_CSV, FAN_CSV, POINTS_CSV, SUMMARY_JSON
from sim.metrics import is_share
from sim.report.charts.backtest import backtest_charts
from sim.report.page import esc, img, page, render

PAGE = "backtest.html"
CAPTION = (
    "The line is the model's median over its simulated futures, the darker band the middle "
    "50% of them and the lighter band 90%. Dots are the observed figures with their own "
    "range where the source gives one; a coloured dot lies outside the model's 90% band. If "
    "the model's spread is right, about half the dots fall in the darker band and nine in ten "
    "in the lighter one."
)


def _load(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    points = pd.read_csv(folder / POINTS_CSV, dtype={"source": str, "note": str})
    points[["source", "note"]] = points[["source", "note"]].fillna("")
    fan = pd.read_csv(folder / FAN_CSV)
    cover = pd.read_csv(folder / COVERAGE_CSV)
    info = json.loads((folder / SUMMARY_JSON).read_text())
    return points, fan, cover, info


def _fmt(x: float, metric: str) -> str:
    """A value of ``metric``: shares as percentages to one decimal, counts with commas."""
    if math.isnan(x):
        return "n/a"
    if is_share(metric):
        return f"{100 * x:.1f}%"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}"


def _pct(x: float) -> str:
    return "n/a" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def _coverage_table(cover: pd.DataFrame) -> str:
    head = (
        "<tr><th>Metric</th><th>Points</th><th>Inside the 50% band (95% interval)</th>"
        "<th>Expected</th><th>Inside the 90% band (95% interval)</th><th>Expected</th>"
        "<th>Mean PIT</th><th>PIT counts 0-0.2 / ... / 0.8-1</th></tr>"
    )
    body = []
    pit_cols = [c for c in cover.columns if c.startswith("pit_")]
    for r in cover.to_dict("records"):
        cells = [
            esc("all points" if r["scope"] == "all" else r["scope"]),
            str(r["points"]),
            f"{r['inside_50']} ({_pct(r['share_50'])}; {_pct(r['share_50_low'])}"
            f"\u2013{_pct(r['share_50_high'])})",
            _pct(r["expected_50"]),
            f"{r['inside_90']} ({_pct(r['share_90'])}; {_pct(r['share_90_low'])}"
            f"\u2013{_pct(r['share_90_high'])})",
            _pct(r["expected_90"]),
            "n/a" if math.isnan(r["mean_pit"]) else f"{r['mean_pit']:.2f}",
            " / ".join(str(r[c]) for c in pit_cols),
        ]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="coverage"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def _points_table(points: pd.DataFrame) -> str:
    head = (
        "<tr><th>Date</th><th>Metric</th><th>Observed (low\u2013high)</th><th>Model date</th>"
        "<th>Model median</th><th>50% band</th><th>90% band</th><th>Inside 50% / 90%</th>"
        "<th>PIT</th><th>Source</th></tr>"
    )
    body = []
    for r in points.to_dict("records"):
        m = str(r["metric"])

        def v(x: float, m: str = m) -> str:
            return _fmt(x, m)

        rng = "" if math.isnan(r["low"]) else f" ({v(r['low'])}\u2013{v(r['high'])})"
        window = "" if int(r["window_months"]) == 1 else f" ({r['window_months']}-month mean)"
        inside = f"{'yes' if r['inside_50'] else 'no'} / {'yes' if r['inside_90'] else 'no'}"
        cells = [
            esc(r["date"]),
            f"<code>{esc(m)}</code>{esc(window)}",
            esc(v(r["value"]) + rng),
            esc(r["model_date"]),
            esc(v(r["median"])),
            esc(f"{v(r['band50_low'])}\u2013{v(r['band50_high'])}"),
            esc(f"{v(r['band90_low'])}\u2013{v(r['band90_high'])}"),
            inside,
            f"{r['pit']:.2f}",
            esc(r["source"]) + (f"<br><small>{esc(r['note'])}</small>" if r["note"] else ""),
        ]
        cls = "" if r["inside_90"] else ' style="background:#fbeaea"'
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f'<table class="points"><thead>{head}</thead><tbody>{"".join(body)}</tbody></table>'


def section(folder: Path, pngs: dict[str, bytes]) -> str:
    """The backtest as an HTML section: what ran, coverage, charts, every point."""
    points, _fan, cover, info = _load(folder)
    all_ = cover.iloc[0]
    scale = "" if info["scale"] == 1 else f" at {info['scale']:g} of its size (counts scaled up)"
    parts = [
        '<section id="backtest"><h2>Backtest against observed figures</h2>',
        f"<p>{esc(info['run'])}, scenario {esc(info['scenario'])}{esc(scale)}: "
        f"{info['replications']} simulated futures, root seed {info['root_seed']}, from "
        f"{esc(info['start_date'])} for {info['horizon_months']} months, against "
        f"{int(all_['points'])} points of <code>{esc(info['observed'])}</code>. "
        f"{int(all_['inside_50'])} lie inside the model's 50% band ({_pct(all_['share_50'])}; "
        f"expected 50%) and {int(all_['inside_90'])} inside its 90% band "
        f"({_pct(all_['share_90'])}; expected 90%).</p>",
        f'<p class="meta">{esc(info["date_rule"])}. Bands: {esc(info["bands"])}. PIT: '
        f"{esc(info['pit'])}. {esc(info['caveat'][:1].upper() + info['caveat'][1:])}.</p>",
        _coverage_table(cover),
    ]
    for name, png in pngs.items():
        parts.append(f"<figure>{img(png, name, name)}<figcaption>{esc(CAPTION)}</figcaption>")
        parts.append("</figure>")
    parts += ["<h3>Every point</h3>", _points_table(points), "</section>"]
    return "\n".join(parts)


def _pngs(folder: Path) -> dict[str, bytes]:
    points, fan, _cover, _info = _load(folder)
    return {name: render(fig, "png") for name, fig in backtest_charts(points, fan).items()}


def report_section(folder: Path) -> str:
    """The backtest section for ``report.html`` ("" when the folder holds no backtest)."""
    if not (Path(folder) / POINTS_CSV).exists():
        return ""
    return section(Path(folder), _pngs(Path(folder)))


def write_backtest_page(folder: str | Path) -> Path:
    """Write ``backtest_<metric>.png`` for each observed metric and ``backtest.html`` into
    ``folder`` (charts of metrics no longer observed are removed); returns the page."""
    folder = Path(folder)
    pngs = _pngs(folder)
    for name, data in pngs.items():
        write_bytes(folder / f"{name}.png", data)
    for old in folder.glob("backtest_*.png"):
        if old.stem not in pngs:
            old.unlink()
    _points, _fan, _cover, info = _load(folder)
    body = f"<header><h1>{esc(info['experiment'])}</h1></header>\n" + section(folder, pngs)
    write_text(folder / PAGE, page(str(info["experiment"]), body))
    return folder / PAGE
