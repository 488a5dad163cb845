"""The report of a saved experiment: ``charts/*.png|svg``, a self-contained ``report.html``
(images embedded) and ``slides.pptx``, each written atomically into the results folder.
Everything is read from the result files, so any saved experiment can be reported again
without re-running it."""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiment.atomic import write_atomic, write_bytes, write_text
from sim.experiment.results_folder import SavedResults, load_results
from sim.report.assumptions import config_notes, experiment_assumptions
from sim.report.backtest import report_section as backtest_section
from sim.report.charts import all_charts, report_table
from sim.report.charts.style import (
    finding,
    fmt_cost_per_point,
    fmt_gbp,
    fmt_gbp_delta,
    fmt_interval,
    fmt_months,
    fmt_pct,
    fmt_pp,
    fmt_value,
    metric_short,
    provenance,
    scenario_label,
    target_info,
    target_names,
    target_rows,
)
from sim.report.page import esc as _e
from sim.report.page import img as _img
from sim.report.page import page as _page
from sim.report.page import render
from sim.report.sensitivity import report_section as sensitivity_section

log = logging.getLogger(__name__)

CHART_FORMATS = ("png", "svg")
CAPTIONS: dict[str, tuple[str, str]] = {
    "fan_chart": (
        "Over time",
        "The line is the median of the simulated futures; the darker band holds the middle "
        "50% of them and the lighter band 90%. The dotted line is the target, the vertical "
        "line the target date; the dashed grey line repeats the baseline's median.",
    ),
    "distribution_at_target": (
        "Spread at the target date",
        "Each dot is one simulated future. The box holds the middle 50%, the line 5\u201395%, "
        "the black tick is the median. A policy can move the median and still leave many "
        "futures on the wrong side of the target.",
    ),
    "months_to_target": (
        "How long until the target is met for good",
        "For each month, the share of futures in which the metric was within the target "
        "from that month to the end of the run. In brackets: the share of futures in which "
        "that never happened. The tables' months are where this line crosses 50% (the "
        "Kaplan\u2013Meier median, counting the futures that never get there): \u201cnot "
        "within the horizon\u201d where it never does.",
    ),
    "cost_vs_probability": (
        "Cost against the chance of meeting the target",
        "Each numbered point is a scenario (key on the right) with its 95% interval. Up "
        "and to the left is better: a higher chance for less money.",
    ),
    "workforce": (
        "Workforce",
        "The median over the simulated futures of the funded posts (establishment), of each "
        "kind of social worker in post, and of vacancies (funded posts not filled by "
        "permanent staff; agency cover still counts as a vacancy). Each scenario has its "
        "own line style and markers, so lines that coincide can still be told apart.",
    ),
    "paired_comparison": (
        "Each policy against the baseline on the same futures",
        "Every scenario ran on the same simulated futures (common random numbers), so the "
        "difference in each future is the policy's effect there. Left: the spread of those "
        "differences at the target date. Right: the difference in the chance of meeting the "
        "target, with its paired 95% interval.",
    ),
}


def write_report(folder: str | Path, slides: bool = True, target: str | None = None) -> Path:
    """Chart a results folder and write ``charts/``, ``report.html`` and (unless
    ``slides`` is False) ``slides.pptx`` into it, with ``target`` as the headline (default:
    the experiment's first). Returns the path of ``report.html``."""
    results = load_results(folder)
    target = headline_target(results, target)
    root = results.folder
    figures = all_charts(results, target=target)
    pngs: dict[str, bytes] = {}
    charts = root / "charts"
    for name, fig in figures.items():
        for fmt in CHART_FORMATS:
            data = render(fig, fmt)
            write_bytes(charts / f"{name}.{fmt}", data)
            if fmt == "png":
                pngs[name] = data
    for old in charts.glob("*"):  # charts of an earlier report that this one has not
        if old.suffix.lstrip(".") in CHART_FORMATS and old.stem not in figures:
            old.unlink()
    page = report_html(results, pngs, target)
    write_text(root / "report.html", page)
    if slides:
        from sim.report.slides import build_slides

        deck = build_slides(results, target)
        write_atomic(root / "slides.pptx", lambda fh: fh.write(deck))
    log.info("wrote %s: charts/, report.html%s", root, ", slides.pptx" if slides else "")
    return root / "report.html"


def headline_target(results: SavedResults, target: str | None) -> str:
    """The target the report leads with: ``target``, or the experiment's first; an unknown
    name is refused naming the targets there are (before anything is written)."""
    names = target_names(results.scenarios)
    if target is None:
        return names[0]
    if target not in names:
        raise ValueError(
            f"--target {target!r}: no such target in {results.folder}; its targets are "
            + ", ".join(names)
        )
    return target


def _num(x: Any, fmt: str = "{:.0f}") -> str:
    return "\u2013" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.format(x)


def scenario_table_html(scenarios: pd.DataFrame, target: str) -> str:
    """One target's rows of ``scenarios.csv`` as an HTML table, the baseline first, then
    the file's order; a note under it says how to read the months and the cost per point."""
    info = target_info(scenarios, target)
    rows = target_rows(scenarios, target)
    rows = rows.sort_values("baseline", ascending=False, kind="stable")
    head = (
        "<tr><th>Scenario</th><th>What it is</th><th>Chance of meeting the target</th>"
        "<th>95% interval</th><th>Difference from baseline (95% interval)</th>"
        f"<th>{_e(metric_short(info.metric).capitalize())} at {info.date:%d %b %Y}: median "
        "(5\u201395%)</th>"
        "<th>Children waiting for a worker then (median)</th>"
        "<th>Months until met for good (median, 95% interval)</th><th>Never met for good</th>"
        "<th>Cost a year</th><th>Extra cost a year</th><th>Cost per percentage point</th></tr>"
    )
    body = []
    for _, r in rows.iterrows():
        base = bool(r["baseline"])
        diff = (
            "baseline"
            if base
            else f"{fmt_pp(r['diff_vs_baseline'])} ({fmt_pp(r['diff_low'])[:-3]} to "
            f"{fmt_pp(r['diff_high'])[:-3]})"
        )
        value = (
            f"{fmt_value(r['value_median'], info.metric)} ({fmt_value(r['value_p5'], info.metric)}"
            f"\u2013{fmt_value(r['value_p95'], info.metric)})"
        )
        extra = "" if base else fmt_gbp_delta(r["extra_cost_per_year_gbp"])
        body.append(
            f'<tr class="{"baseline" if base else ""}" data-scenario="{_e(r["scenario"])}">'
            f"<td>{_e(scenario_label(str(r['scenario'])))}</td>"
            f'<td class="desc">{_e(r["description"])}</td>'
            f'<td class="n" data-p="{r["p_met"]:.6f}">{fmt_pct(r["p_met"])}</td>'
            f'<td class="n">{fmt_interval(r["p_low"], r["p_high"])}</td>'
            f'<td class="n">{diff}</td><td class="n">{value}</td>'
            f'<td class="n">{_num(r.get("unallocated_median"))}</td>'
            f'<td class="n wrap">{_e(fmt_months(r))}</td>'
            f'<td class="n">{fmt_pct(r["share_never_kept"])}</td>'
            f'<td class="n">{fmt_gbp(r["cost_per_year_gbp"])}</td>'
            f'<td class="n">{_e(extra)}</td>'
            f'<td class="n wrap">{_e(fmt_cost_per_point(r))}</td></tr>'
        )
    note = (
        '<p class="meta">Months until met for good: the Kaplan\u2013Meier median over every '
        "simulated future, those that never meet the target for good counted as not there by "
        "the end of the run; \u201cnot within the horizon\u201d when fewer than half get "
        "there. Cost per percentage point: the extra cost a year over the gain in the chance, "
        "given only where the paired 95% interval of the gain excludes no change; a policy "
        "that gains and costs less is said to save.</p>"
    )
    return (
        f'<table class="scenarios" data-target="{_e(target)}"><thead>{head}</thead>'
        f"<tbody>{''.join(body)}</tbody></table>{note}"
    )


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(x)}</li>" for x in items) + "</ul>"


def _provenance_table(m: dict[str, Any]) -> str:
    rows = [
        ("Experiment", m.get("experiment")),
        ("Experiment file", m.get("experiment_file")),
        ("Experiment hash", m.get("experiment_hash")),
        ("Root seed", m.get("root_seed")),
        ("Replications per scenario", m.get("replications")),
        ("Baseline", m.get("baseline")),
        ("Started", m.get("started")),
        ("Finished", m.get("finished")),
        ("Command", m.get("command")),
    ]
    rows += [(f"Config hash: {k}", v) for k, v in m.get("config_hashes", {}).items()]
    rows += [(f"Version: {k}", v) for k, v in m.get("versions", {}).items()]
    return (
        '<table class="provenance">'
        + "".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>" for k, v in rows)
        + "</table>"
    )


def report_html(results: SavedResults, pngs: dict[str, bytes], target: str | None = None) -> str:
    """The whole page: slide, scenario tables (the headline ``target``'s first), charts,
    assumptions, provenance."""
    m, sc = results.manifest, report_table(results)
    spec = results.spec
    headline = target_info(sc, target)
    title = finding(target_rows(sc, headline.name), headline)
    parts = [
        f"<header><h1>{_e(m['experiment'])}</h1>",
        f'<p class="lead">{_e(" ".join(str(spec.get("description", "")).split()))}</p>',
        f'<p class="meta">{len(results.scenario_names)} scenarios \u00d7 '
        f"{_e(m.get('replications'))} simulated futures each, on common random numbers "
        f"\u00b7 root seed {_e(m.get('root_seed'))} \u00b7 run "
        f"{_e(str(m.get('finished', ''))[:10])}</p></header>",
        '<section id="headline"><h2>The finding</h2>',
        _img(pngs["policy_comparison"], title, "policy_comparison"),
        "</section>",
        '<section id="scenarios"><h2>Scenarios</h2>',
    ]
    names = target_names(sc)
    for name in [headline.name, *(n for n in names if n != headline.name)]:
        info = target_info(sc, name)
        label = "Headline target" if name == headline.name else "Target"
        parts.append(
            f"<h3>{label}: {_e(info.description or info.short)}</h3>"
            f'<p class="meta"><code>{_e(name)}</code>: {_e(info.short)}</p>'
        )
        parts.append(scenario_table_html(sc, name))
    parts.append('</section><section id="charts"><h2>Charts</h2>')
    for name, png in pngs.items():
        if name == "policy_comparison":
            continue
        key = "fan_chart" if name.startswith("fan_chart") else name
        head, text = CAPTIONS.get(key, (scenario_label(name), ""))
        if name.startswith("fan_chart_"):
            head = f"Over time: {metric_short(name.removeprefix('fan_chart_'))}"
        parts.append(
            f"<figure><h3>{_e(head)}</h3>{_img(png, head, name)}"
            f"<figcaption>{_e(text)}</figcaption></figure>"
        )
    parts.append("</section>")
    parts.append(backtest_section(results.folder))
    # A finished `csc-sim sensitivity` of this experiment in or beside the folder, if any.
    parts.append(sensitivity_section(results.folder, str(m["experiment"])))
    parts.append(_assumptions_html(results))
    parts.append(
        '<section id="provenance"><h2>Provenance</h2>'
        f"<p>{_e(provenance(m))}.</p>{_provenance_table(m)}</section>"
    )
    parts.append(
        "<footer>Made by csc-sim from the files in this folder (scenarios.csv, "
        "replications.parquet, timeseries.parquet, manifest.json). Charts are also in "
        "charts/ as PNG and SVG.</footer>"
    )
    return _page(str(m["experiment"]), "\n".join(parts))


def _assumptions_html(results: SavedResults) -> str:
    spec = results.spec
    own = experiment_assumptions(results)
    out = ['<section id="assumptions"><h2>Assumptions</h2>']
    out.append("<h3>Stated in the experiment</h3>")
    out.append(_list(own) if own else "<p>The experiment file lists no assumptions.</p>")
    out.append("<h3>Scenarios</h3>")
    out.append(
        _list(
            [
                f"{scenario_label(s['name'])}: {' '.join(s['description'].split())}"
                for s in spec["scenarios"]
            ]
        )
    )
    out.append("<h3>Targets</h3>")
    out.append(_list([_target_line(t) for t in spec["targets"]]))
    notes = config_notes(results)
    out.append("<h3>In the council config</h3>")
    if notes.notes:
        files = ", ".join(p.name for p in notes.files)
        out.append(
            f"<details><summary>{len(notes.notes)} comments marked \u201cassumption\u201d in "
            f"{_e(files)} (the base config; scenarios override some of these fields)</summary>"
            f"{_list(notes.notes)}</details>"
        )
    else:
        reason = notes.missing_reason or "the config has no comments marked \u201cassumption\u201d"
        out.append(f"<p>Not listed: {_e(reason)}.</p>")
    out.append("</section>")
    return "\n".join(out)


def _target_line(t: dict[str, Any]) -> str:
    """``caseload_18: Average caseload ... (avg_caseload <= 18 at 2018-03-31, ...)``."""
    bound = f"<= {t['max']:g}" if t.get("max") is not None else f">= {t['min']:g}"
    held = f", and the {t['sustain_months']} month ends before" if t.get("sustain_months") else ""
    desc = " ".join(str(t.get("description") or "").split())
    return f"{t['name']}: {desc} ({t['metric']} {bound} at {t['date']}{held})"
