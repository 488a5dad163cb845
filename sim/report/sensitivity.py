"""The sensitivity analysis's charts and page: ``tornado_<target>.png|svg`` and
``sensitivity.html`` written by ``csc-sim sensitivity --method morris|sobol``, and the same
section in ``report.html`` when ``csc-sim report`` finds a finished analysis of the same
experiment in or beside the results folder. Everything is read from ``indices.csv`` and
``sensitivity.json`` (``sim.experiment.global_sensitivity``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.atomic import write_bytes, write_text
from sim.experiment.global_sensitivity import INDICES, INFO, load_indices
from sim.experiment.sensitivity_findings import (
    findings,
    in_short,
    method_text,
    output_name,
    reading_notes,
    summary_markdown,
)
from sim.report.charts.style import scenario_label
from sim.report.charts.tornado import tornado_charts
from sim.report.page import esc, img, page, render

log = logging.getLogger(__name__)

PAGE = "sensitivity.html"
SUMMARY = "sensitivity.md"
CAPTION = (
    "Each bar is one input's importance for one scenario: how much of the spread in the "
    "answer it accounts for (Sobol' total-order index) or how far it moves the answer across "
    "its prior (Morris mu*). The longest bars are the assumptions the answer hangs on; "
    "whiskers are 95% intervals, and bars whose whiskers overlap cannot be told apart."
)


def _findings_list(indices: pd.DataFrame, info: dict[str, Any], target: str) -> str:
    out = []
    fs = findings(indices, info)
    for output in ("p_met", "kpi_median"):
        what = output_name(info, target, output)
        items = [
            f"<li><b>{esc(scenario_label(f.scenario))}</b>: {esc(f.text)}.</li>"
            for f in fs
            if f.target == target and f.output == output
        ]
        out.append(f"<h4>{esc(what[:1].upper() + what[1:])}</h4><ul>{''.join(items)}</ul>")
    return "".join(out)


def _inputs_table(info: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><code>{esc(i['name'])}</code></td><td>{esc(i['label'])}</td>"
        f"<td>{esc(i['prior'])}</td></tr>"
        for i in info["inputs"]
    )
    return (
        '<table class="inputs"><thead><tr><th>Input</th><th>What it is</th><th>Prior</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def section(
    indices: pd.DataFrame, info: dict[str, Any], pngs: dict[str, bytes], where: str = ""
) -> str:
    """The analysis as an HTML section: in short, the headline target's chart and findings,
    the other targets folded away, the inputs and how to read the numbers (``where``: the
    folder it was read from, named in the run's line)."""
    targets = [t["name"] for t in info["targets"]]
    head = targets[0]
    parts = [
        '<section id="sensitivity"><h2>What the answer hangs on</h2>',
        f'<p class="lead">{esc(in_short(indices, info))}</p>',
        f'<p class="meta">{esc(method_text(info))}. Run {esc(str(info.get("finished", ""))[:10])}'
        f" \u00b7 seed {esc(info.get('seed'))} \u00b7 experiment hash "
        f"{esc(info.get('experiment_hash'))}"
        + (f" \u00b7 from <code>{esc(where)}</code>" if where else "")
        + ".</p>",
    ]
    name = f"tornado_{head}"
    if name in pngs:
        parts.append(
            f"<figure>{img(pngs[name], in_short(indices, info, head), name)}"
            f"<figcaption>{esc(CAPTION)}</figcaption></figure>"
        )
    parts.append(_findings_list(indices, info, head))
    for other in targets[1:]:
        name = f"tornado_{other}"
        chart = img(pngs[name], in_short(indices, info, other), name) if name in pngs else ""
        parts.append(
            f"<details><summary>Target {esc(other)}: {esc(in_short(indices, info, other))}"
            f"</summary>{chart}{_findings_list(indices, info, other)}</details>"
        )
    parts += [
        "<h3>Inputs and their priors</h3>",
        _inputs_table(info),
        "<ul>" + "".join(f'<li class="meta">{esc(n)}</li>' for n in reading_notes(info)) + "</ul>",
        "</section>",
    ]
    return "\n".join(parts)


def _pngs(indices: pd.DataFrame, info: dict[str, Any]) -> dict[str, bytes]:
    return {name: render(fig, "png") for name, fig in tornado_charts(indices, info).items()}


def write_sensitivity_outputs(folder: str | Path) -> Path:
    """Write ``tornado_<target>.png|svg``, ``sensitivity.md`` and ``sensitivity.html`` into
    a finished analysis ``folder``; returns the page."""
    folder = Path(folder)
    info, indices = load_indices(folder)
    pngs: dict[str, bytes] = {}
    for name, fig in tornado_charts(indices, info).items():
        pngs[name] = render(fig, "png")
        write_bytes(folder / f"{name}.png", pngs[name])
        write_bytes(folder / f"{name}.svg", render(fig, "svg"))
    write_text(folder / SUMMARY, summary_markdown(indices, info))
    body = f"<header><h1>{esc(info['experiment'])}</h1></header>\n" + section(indices, info, pngs)
    write_text(folder / PAGE, page(f"{info['experiment']}: sensitivity", body))
    return folder / PAGE


def _complete(path: Path, experiment: str) -> dict[str, Any] | None:
    """``path``'s ``sensitivity.json`` if it is a finished analysis of ``experiment``."""
    try:
        info = json.loads((path / INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = (
        isinstance(info, dict)
        and info.get("status") == "complete"
        and info.get("experiment") == experiment
        and (path / INDICES).is_file()
    )
    return info if ok else None


def find_analysis(folder: str | Path, experiment: str) -> Path | None:
    """The folder of the latest finished sensitivity analysis of ``experiment`` in
    ``folder`` (itself or a subfolder) or beside it (a sibling folder), or None."""
    folder = Path(folder)
    candidates = [
        folder,
        *sorted(folder.glob(f"*/{INFO}")),
        *sorted(folder.parent.glob(f"*/{INFO}")),
    ]
    found = []
    for c in candidates:
        path = c.parent if c.name == INFO else c
        info = _complete(path, experiment)
        if info is not None:
            found.append((str(info.get("finished", "")), path))
    return max(found)[1] if found else None


def report_section(folder: str | Path, experiment: str) -> str:
    """The sensitivity section for ``report.html`` ("" when no finished analysis of
    ``experiment`` is in or beside ``folder``)."""
    where = find_analysis(folder, experiment)
    if where is None:
        return ""
    log.info("report: the sensitivity analysis in %s", where)
    info, indices = load_indices(where)
    return section(indices, info, _pngs(indices, info), str(where))
