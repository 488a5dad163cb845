"""The ``csc-sim`` command line."""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import logging
import math
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, SupportsFloat

import numpy as np
import pandas as pd

from sim.config.experiment import ResolvedExperiment, load_experiment
from sim.config.loader import ConfigError, load_config, read_yaml, to_plain
from sim.experiment.atomic import write_csv, write_json, write_text, write_yaml
from sim.experiment.lock import locked
from sim.experiment.outcome import ExperimentError, ExperimentIncomplete
from sim.experiment.parallel import WorkerLost
from sim.experiment.region import council_experiments
from sim.experiment.results_folder import MANIFEST, holds_nothing
from sim.experiment.runner import run_experiment
from sim.experiment.uncertain import replication_config
from sim.model.rng import replication_seed
from sim.model.run import run_one
from sim.version import __version__

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def _fmt(x: SupportsFloat | None, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "undefined"
    if pct:
        return f"{100 * float(x):.1f}%"
    return f"{float(x):,.1f}"


def _out_folder(out: str | Path) -> Path:
    """``--out`` as a path, refused if it names a file."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    return path


def _count(jobs: bool = False) -> Any:
    """An argparse type: a whole number of at least 1 (``jobs``: or -1, every core)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value >= 1 or (jobs and value == -1):
            return value
        rule = "a whole number of at least 1" + (", or -1 for every core" if jobs else "")
        raise argparse.ArgumentTypeError(f"{text!r}: must be {rule}")

    return parse


def _command() -> str:
    """This run's command line, as the manifest and the folder lock record it."""
    return " ".join(["csc-sim", *sys.argv[1:]])


def _known_codes(accepted: list[str]) -> None:
    """Refuse an ``--accept`` code that names no error."""
    from sim.experiment.findings import CODES

    for code in accepted:
        if code not in CODES:
            raise UsageError(
                f"--accept {code!r}: not an error's code; choose from {', '.join(CODES)}"
            )


def _refuse_contradictions(path: str | Path, accepted: list[str]) -> None:
    """Refuse to run a file that ``csc-sim check`` refuses (a share target above 1, a
    policy before the start ...), unless each error is accepted by its code: a run would
    not mean what it says. Nothing is written."""
    from sim.experiment.preflight import refusals

    _known_codes(accepted)
    errors = refusals(Path(path), accepted)
    if errors:
        lines = [f.line(accepted).removeprefix("error: ") for f in errors]
        raise UsageError(
            "\n".join(lines) + "\nas written the run would not mean what it says; fix the "
            "file, or accept each with --accept CODE (csc-sim check says more)"
        )


def _load_run_target(args: argparse.Namespace) -> tuple[Any, Any, tuple, str, dict[str, float]]:
    """(config, seed, policies, label, uncertain values) for ``run``: a council config, or
    one scenario and replication of an experiment file (to reproduce it alone, with the
    uncertain values that replication drew)."""
    path = Path(args.config)
    if "scenarios" in read_yaml(path):
        exp = load_experiment(path, root_seed=args.seed)
        where = ""
        if args.council is not None:
            exp = _council_experiment(exp, args.council)
            where = f"council {args.council}, "
        names = [s.name for s in exp.scenarios]
        name = args.scenario or exp.baseline.name
        if name not in names:
            raise UsageError(f"--scenario {name!r}: not in {path}; choose from {', '.join(names)}")
        index = names.index(name)
        sc = exp.scenarios[index]
        k = args.replication or 0
        seed: int | np.random.SeedSequence = replication_seed(exp.spec.root_seed, k)
        cfg, values = replication_config(exp, index, k)
        drawn = "".join(f"; {p} = {v:.4g}" for p, v in values.items())
        return (
            cfg,
            seed,
            sc.policies,
            f"{where}scenario {name}, replication {k} of root seed {exp.spec.root_seed}{drawn}",
            values,
        )
    for flag, value in (("--scenario", args.scenario), ("--council", args.council)):
        if value is not None:
            raise UsageError(f"{flag}: {path} is a council config, not an experiment")
    seed = 0 if args.seed is None else args.seed
    label = f"seed {seed}"
    if args.replication is not None:
        label += f" replication {args.replication}"
        seed = replication_seed(seed, args.replication)
    return load_config(path), seed, (), label, {}


def _council_experiment(exp: ResolvedExperiment, council: str) -> ResolvedExperiment:
    """One council's experiment (scaled config, its own root seed) from a region's."""
    if exp.spec.councils is None:
        raise UsageError(f"--council: {exp.source} has no councils block")
    found = {name: cexp for name, _share, cexp in council_experiments(exp)}
    if council not in found:
        some = ", ".join(list(found)[:3])
        raise UsageError(f"--council {council!r}: not in {exp.source} (councils: {some}, ...)")
    return found[council]


def cmd_run(args: argparse.Namespace) -> int:
    """Run one replication and write its files."""
    cfg, seed, policies, label, values = _load_run_target(args)
    _refuse_contradictions(args.config, args.accept)
    out = _out_folder(args.out)
    with locked(out, _command()):
        if not holds_nothing(out) and not args.force:
            raise UsageError(
                f"--out {out}: folder exists and is not empty; use --force to overwrite"
            )
        frame, summary = run_one(cfg, seed, policies)
        if values:
            summary["uncertain"] = values
        csv = frame.copy()
        csv["date"] = csv["date"].dt.strftime("%Y-%m-%d")
        write_csv(out / "timeseries.csv", csv)
        write_json(out / "summary.json", summary)
        write_yaml(out / "config.resolved.yaml", to_plain(cfg))
    s, e, t = summary["start"], summary["end"], summary["target"]
    lines = [
        f"{cfg.name}: {cfg.horizon_months} months from {cfg.start_date}, {label}",
        f"  average caseload    {_fmt(s['avg_caseload'])} -> {_fmt(e['avg_caseload'])}"
        " (cases per case-holding FTE)",
        f"  qualified workers'  {_fmt(s['avg_caseload_qualified'])} -> "
        f"{_fmt(e['avg_caseload_qualified'])}",
        f"  open children       {_fmt(s['open_cases'])} -> {_fmt(e['open_cases'])}"
        f" (unallocated at end {_fmt(e['unallocated_cases'])})",
        f"  turnover (12 m)     {_fmt(summary['mean']['turnover_12m'], pct=True)} on average",
        f"  agency share        {_fmt(s['agency_share'], pct=True)}"
        f" -> {_fmt(e['agency_share'], pct=True)}",
        f"  cost                £{summary['totals']['cost_gbp'] / 1e6:,.2f}m over the horizon",
        f"  target: {t['metric']} <= {t['max']:g} at {t['target_date']}"
        f" (and {t['sustain_months']} months before): {'MET' if t['met'] else 'NOT MET'}"
        f" (then {_fmt(t['value_at_target_date'])}, {_fmt(t['unallocated_at_target_date'])}"
        f" children waiting{', counted' if t['unallocated'] == 'count' else ', not counted'})",
        f"  wrote {out}/timeseries.csv, summary.json, config.resolved.yaml",
    ]
    print("\n".join(lines))
    return EXIT_OK


def cmd_returns(args: argparse.Namespace) -> int:
    """Run a council config once and write the run as the three statutory returns."""
    from sim.returns.simulate import simulate
    from sim.returns.writer import records, remove_staging, write_returns

    path = Path(args.config)
    if "scenarios" in read_yaml(path):
        raise UsageError(f"{path} is an experiment file; give a council config (configs/)")
    cfg = load_config(path)
    seed: int | np.random.SeedSequence = args.seed
    label = f"seed {args.seed}"
    if args.replication is not None:
        label += f" replication {args.replication}"
        seed = replication_seed(args.seed, args.replication)
    out = _out_folder(args.out)
    with locked(out, _command()):
        if out.is_dir():
            remove_staging(out)
        if not holds_nothing(out) and not args.force:
            raise UsageError(
                f"--out {out}: folder exists and is not empty; use --force to replace the "
                "returns in it"
            )
        run = simulate(cfg, seed)
        files = write_returns(run, out)
    print(f"{cfg.name}: {cfg.horizon_months} months from {cfg.start_date}, {label}")
    for folder, title in (
        ("ssda903", "SSDA903 (looked after)"),
        ("cin_census", "CIN census"),
        ("workforce_census", "workforce census"),
    ):
        years = sorted({p.split("/")[1] for p in files if p.startswith(folder + "/")})
        names = sorted({p.split("/")[2] for p in files if p.startswith(folder + "/")})
        rows = sum(records(p, t) for p, t in files.items() if p.startswith(folder + "/"))
        span = f"{years[0]} to {years[-1]}" if years else "none"
        print(f"  {title:<24}{span:<20}{', '.join(names)} ({rows:,} rows)")
    print(
        f"wrote {out}/: ssda903/, cin_census/, workforce_census/ (a folder a year), "
        "returns_about.md (what each file holds and which fields are filled in)"
    )
    return EXIT_OK


def _print_scenarios(table: pd.DataFrame) -> None:
    """The headline table: each scenario's chance of meeting each target."""
    for target, rows in table.groupby("target", sort=False):
        first = rows.iloc[0]
        print(f"\n{target}: {first['metric']} {first['bound']} at {first['target_date']}")
        print(
            f"  {'scenario':<28}{'P(met)':>8}{'95% interval':>16}{'vs baseline':>14}"
            f"{'£m a year':>10}{'waiting':>9}"
        )
        for _, r in rows.iterrows():
            vs = "baseline" if r["baseline"] else f"{100 * r['diff_vs_baseline']:+.0f} pp"
            print(
                f"  {r['scenario']:<28}{100 * r['p_met']:>7.0f}%"
                f"{f'{100 * r.p_low:.0f}-{100 * r.p_high:.0f}%':>16}{vs:>14}"
                f"{r['cost_per_year_gbp'] / 1e6:>10.2f}{_fmt(r['unallocated_median']):>9}"
            )
        print("  waiting: children without a worker at the target date (median)")


def cmd_experiment(args: argparse.Namespace) -> int:
    """Run every scenario x replication of an experiment file."""
    resume_hint = f"csc-sim experiment {args.experiment} --resume --out {args.out}"
    _refuse_contradictions(args.experiment, args.accept)
    try:
        result = run_experiment(
            args.experiment,
            jobs=args.jobs,
            out=_out_folder(args.out),
            resume=args.resume,
            force=args.force,
            replications=args.replications,
            root_seed=args.seed,
            chunk_size=args.chunk_size,
            backend=args.backend,
            scheduler=args.scheduler,
            progress=not args.quiet,
            command=_command(),
        )
    except (KeyboardInterrupt, WorkerLost) as exc:
        why = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"error: {exc}"
        then = (
            f"finished replications are kept in {args.out} (parts/).\nResume with: {resume_hint}"
            if Path(args.out, MANIFEST).is_file()
            else "nothing was kept; run it again"
        )
        print(f"\n{why}: {then}", file=sys.stderr)
        return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else EXIT_FAIL
    except ExperimentIncomplete as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    m = result.manifest
    councils = f" in each of {len(m['councils'])} councils" if "councils" in m else ""
    print(
        f"{m['experiment']}: {len(m['scenarios'])} scenarios x {m['replications']} "
        f"replications{councils}, root seed {m['root_seed']}"
    )
    _print_scenarios(result.scenarios)
    print(
        f"\nwrote {args.out}/: replications.parquet (.csv), timeseries.parquet, "
        "scenarios.csv, manifest.json"
        + (", councils.csv and councils/ (one results folder each)" if councils else "")
    )
    if args.excel:
        from sim.experiment.excel import write_workbook

        with locked(args.out, _command()):
            book = write_workbook(args.out)
        print(f"wrote {book}: the scenario table and the monthly series, for Excel")
    if args.report:
        return cmd_report(argparse.Namespace(folder=args.out, no_slides=False))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Chart a saved experiment: charts/, report.html and slides.pptx in its folder."""
    from sim.report.html import write_report

    if not Path(args.folder).is_dir():
        raise UsageError(f"{args.folder}: no such folder; give an experiment's --out folder")
    try:
        with locked(args.folder, _command()):
            # --experiment ... --report passes no target: the experiment's first leads
            target = getattr(args, "target", None)
            page = write_report(args.folder, slides=not args.no_slides, target=target)
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    print(
        f"wrote {page.parent}/: charts/ (PNG and SVG), report.html"
        + ("" if args.no_slides else ", slides.pptx")
    )
    return EXIT_OK


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Global sensitivity (Morris or Sobol', with SALib) of each target's chance and KPI to
    every uncertain input of one experiment; or, with ``--method oat``, each uncertain value
    at the low and high end of its prior, the others at their means."""
    for path in args.experiments:
        _refuse_contradictions(path, args.accept)
    if args.method != "oat":
        return _sensitivity_global(args)
    for flag, given in (
        ("--samples", args.samples is not None),
        ("--scenario", bool(args.scenario)),
        ("--include", bool(args.include)),
    ):
        if given:
            raise UsageError(f"{flag}: only with --method morris or sobol, not oat")
    from sim.experiment.sensitivity import RunOptions, markdown, sensitivity

    out = _out_folder(args.out)
    opts = RunOptions(
        args.replications, args.jobs, out, args.resume, args.force, progress=not args.quiet
    )
    t0 = time.perf_counter()
    with locked(out, _command()):
        try:
            table, priors = sensitivity(args.experiments, opts, args.path or None, args.seed)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        except ExperimentIncomplete as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INCOMPLETE
        minutes = (time.perf_counter() - t0) / 60
        headline = markdown(table[table["headline"]], priors)
        write_csv(out / "sensitivity.csv", table)
        write_text(out / "sensitivity.md", markdown(table, priors) + "\n")
        write_text(out / "sensitivity_headline.md", headline + "\n")
    print(headline)
    print(
        f"\n{args.replications} replications a variant, {minutes:.1f} min; wrote {out}/: "
        "sensitivity.csv, sensitivity.md (every target), sensitivity_headline.md, and each "
        "variant's results folder"
    )
    return EXIT_OK


def _sensitivity_global(args: argparse.Namespace) -> int:
    """``sensitivity --method morris|sobol``: draw the design, run every point, analyse,
    write the tables, tornado charts, summary and page; print what the answer hangs on."""
    from sim.experiment.global_sensitivity import Settings, make_design, run_global
    from sim.experiment.sensitivity import RunOptions
    from sim.experiment.sensitivity_findings import in_short
    from sim.experiment.sensitivity_inputs import parse_include
    from sim.report.sensitivity import write_sensitivity_outputs

    if len(args.experiments) != 1:
        raise UsageError(
            f"--method {args.method}: give one experiment file, not {len(args.experiments)}"
        )
    if args.samples is None:
        raise UsageError(
            f"--samples: required with --method {args.method} (Morris: trajectories, e.g. 10; "
            "Sobol': base samples N, a power of 2, e.g. 64)"
        )
    out = _out_folder(args.out)
    t0 = time.perf_counter()
    try:
        settings = Settings(
            args.method,
            args.samples,
            args.replications,
            scenarios=tuple(args.scenario),
            include=parse_include(args.include),
            only=tuple(args.path),
        )
        design = make_design(args.experiments[0], settings, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(
        f"{args.method}: {len(design.inputs)} inputs, {design.points} points x "
        f"{args.replications} replications x {len(design.exp.scenarios)} scenarios = "
        f"{design.replications_needed():,} replications",
        file=sys.stderr,
    )
    opts = RunOptions(
        args.replications, args.jobs, out, args.resume, args.force, progress=not args.quiet
    )
    with locked(out, _command()):
        try:
            result = run_global(design, out, opts, _command())
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        except ExperimentIncomplete as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INCOMPLETE
        write_sensitivity_outputs(out)
    for t in result.info["targets"]:
        print(f"{t['name']}: {in_short(result.indices, result.info, t['name'])}")
    minutes = (time.perf_counter() - t0) / 60
    print(
        f"\n{design.points} points x {args.replications} replications, {minutes:.1f} min; "
        f"wrote {out}/: indices.csv, sensitivity.md, sensitivity.html, tornado_<target>.png "
        "and .svg, outputs.csv, design.csv, sensitivity.json, and each point's results in "
        "points/"
    )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Validate a config or experiment, run its baseline's first year briefly and say what
    would run: the starting position, the first year's drift, a time estimate from this
    machine's speed; then warnings (exit 0) and errors (exit 2 unless each is accepted with
    --accept CODE)."""
    from sim.experiment.preflight import CheckOptions, check

    _known_codes(args.accept)
    if args.brief is not None and args.brief < 0:
        raise UsageError(f"--brief {args.brief}: must be a whole number of at least 0")
    result = check(Path(args.path), CheckOptions(args.brief, args.replications, args.jobs))
    print(result.text, flush=True)
    for f in result.findings:
        print(f.line(args.accept), file=sys.stderr)
    errors = sum(f.blocks(args.accept) for f in result.findings)
    if errors:
        print(
            f"{errors} error{'s' if errors > 1 else ''}: as written the run would not mean what "
            "it says; fix the file, or accept each with --accept CODE",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    """Write the config reference, generated from the config models."""
    from sim.config.reference import PATH, REPOSITORY, render

    out = Path(args.out) if args.out else REPOSITORY / PATH
    write_text(out, render() + "\n")
    print(f"wrote {out}: every field of the council config and the experiment file")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the model's checks against theory, then the England config against published
    statistics, and print a pass/fail table of each."""
    from sim.checks.published import run_comparisons
    from sim.checks.theory import run_checks

    checks = run_checks(quick=args.quick)
    width = max(len(c.name) for c in checks)
    print(f"{'check':<{width}}  {'measured':>10}  {'expected':>10}  {'tolerance':>9}  result")
    for c in checks:
        print(
            f"{c.name:<{width}}  {c.measured:>10.4g}  {c.expected:>10.4g}  "
            f"{c.tolerance:>9.3g}  {'PASS' if c.passed else 'FAIL'}"
        )
    failed = sum(not c.passed for c in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")

    off = unmeasured = within = 0
    for title, rows in run_comparisons(quick=args.quick).items():
        width = max(len(r.figure.name) for r in rows)
        print(f"\nAgainst published statistics: {title}")
        print(f"{'figure':<{width}}  {'model':>10}  {'published':>10}  {'+/-':>9}  result  source")
        for r in rows:
            f = r.figure
            print(
                f"{f.name:<{width}}  {f.fmt(r.model):>10}  {f.fmt(f.published):>10}  "
                f"{f.fmt(f.tolerance):>9}  {r.verdict:<6}  {f.source}"
            )
        within += sum(r.passed for r in rows)
        off += sum(r.measured and not r.passed for r in rows)
        unmeasured += sum(not r.measured for r in rows)
    print(f"{within} within tolerance, {off} outside, {unmeasured} not modelled yet")
    return EXIT_OK if not failed and not off else EXIT_FAIL


def cmd_backtest(args: argparse.Namespace) -> int:
    """Run a config (or an experiment's baseline) and set observed points beside its fan:
    inside the 50% and 90% bands or not, PIT, coverage; print the coverage, write the files."""
    from sim.experiment.backtest import Options, run_backtest
    from sim.report.backtest import write_backtest_page

    _refuse_contradictions(args.target, args.accept)
    opts = Options(
        args.replications,
        args.seed,
        args.scale,
        args.horizon_months,
        args.jobs,
        args.resume,
        args.force,
        progress=not args.quiet,
        command=" ".join(["csc-sim", *sys.argv[1:]]),
    )
    try:
        bt = run_backtest(args.target, args.observed, args.out, opts)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted: finished replications are kept in {args.out} (parts/); add "
            "--resume to carry on",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except ExperimentIncomplete as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    page = write_backtest_page(args.out)
    s = bt.summary
    scale = "" if s["scale"] == 1 else f", at {s['scale']:g} of its size (counts scaled up)"
    print(
        f"{s['experiment']}: scenario {s['scenario']}, {s['replications']} replications, "
        f"root seed {s['root_seed']}{scale}"
    )
    print(f"  {'metric':<26}{'points':>7}{'in 50% band':>16}{'in 90% band':>16}{'mean PIT':>10}")
    for r in bt.coverage.to_dict("records"):
        name = "all (expected 50%, 90%)" if r["scope"] == "all" else r["scope"]
        in50 = f"{r['inside_50']} ({_fmt(r['share_50'], pct=True)})"
        in90 = f"{r['inside_90']} ({_fmt(r['share_90'], pct=True)})"
        print(f"  {name:<26}{r['points']:>7}{in50:>16}{in90:>16}{r['mean_pit']:>10.2f}")
    c = s["coverage"]
    ks_p = "not given under 5 points" if c["ks_p"] is None else f"{c['ks_p']:.2f}"
    print(
        f"  PIT uniformity: Kolmogorov-Smirnov D = {c['ks_d'] or 0:.2f} (p {ks_p}); PIT counts "
        "in fifths: " + " / ".join(str(c[k]) for k in c if k.startswith("pit_"))
    )
    print(
        f"wrote {args.out}/: backtest.csv, coverage.csv, backtest_summary.json, "
        f"backtest_fan.csv, {page.name}, backtest_<metric>.png; the run's results files"
    )
    return EXIT_OK


def _backtest_parser(sub: Any) -> None:
    bt = sub.add_parser(
        "backtest", help="observed points against the model's fan: bands, PIT, coverage"
    )
    bt.add_argument("target", help="council config YAML, or an experiment (its baseline)")
    bt.add_argument(
        "--observed",
        required=True,
        help="CSV: date, metric, value, source; optional low, high, window_months, note",
    )
    bt.add_argument("--out", required=True, help="folder for the run and the backtest")
    bt.add_argument(
        "--replications",
        type=_count(),
        default=None,
        help="default: the experiment's, or 20 for a config",
    )
    bt.add_argument("--seed", type=int, default=None, help="root seed (default: file's, or 0)")
    bt.add_argument(
        "--jobs", type=_count(jobs=True), default=1, help="parallel processes (-1: all cores)"
    )
    bt.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="run at this share of the config's size (e.g. 0.05), counts scaled back up",
    )
    bt.add_argument(
        "--horizon-months",
        type=_count(),
        default=None,
        help="run this many months instead of the config's horizon",
    )
    bt.add_argument("--resume", action="store_true", help="continue an interrupted run")
    bt.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    bt.add_argument("--quiet", action="store_true", help="no progress bar")
    _accept_option(bt)
    bt.set_defaults(func=cmd_backtest)


def _whole(text: str) -> int:
    """An argparse type: a whole number of at least 0."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a whole number of at least 0")
    return value


def _returns_parser(sub: Any) -> None:
    ret = sub.add_parser(
        "returns",
        help="run a council config once and write it as SSDA903, CIN census and workforce "
        "census files",
    )
    ret.add_argument("config", help="council config YAML (configs/)")
    ret.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ret.add_argument(
        "--replication",
        type=_whole,
        default=None,
        help="replication K: seed sequence K of --seed, as csc-sim run and experiments use",
    )
    ret.add_argument("--out", required=True, help="folder for the returns")
    ret.add_argument(
        "--force",
        action="store_true",
        help="replace the returns in a non-empty --out (other files there are kept)",
    )
    ret.set_defaults(func=cmd_returns)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Read a council's returns and write a council config calibrated to them."""
    from sim.calibrate.build import calibrate
    from sim.calibrate.errors import ReturnsError
    from sim.calibrate.inputs import from_returns_dir

    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give the config file to write")
    if out.exists() and not args.force:
        raise UsageError(f"--out {out}: exists; use --force to replace it")
    template = load_config(args.template)
    try:
        tables = from_returns_dir(args.folder)
        cal = calibrate(tables, args.as_of, template, str(args.template), args.name)
    except NotImplementedError as exc:
        raise UsageError(f"{args.folder}: {exc}") from None
    except ReturnsError as exc:
        raise UsageError(str(exc)) from None
    w = cal.window
    header = [
        f"Calibrated by csc-sim {__version__} from the returns in {args.folder}, {w}",
        f"(as of {args.as_of}; nothing after it was read). Every value's comment names its",
        "return, the window and its 95% interval; 'thin:' marks an estimate on fewer than 30",
        f"events; 'template' marks a value the returns cannot give, from {args.template}.",
    ]
    write_text(out, cal.text(header))
    estimated = len(cal.estimates)
    print(
        f"wrote {out}: {estimated} values estimated from the returns {w}, "
        f"{cal.template_values} from the template {args.template} (marked in the file)"
    )
    for title, items in (
        ("thin data (check these)", cal.thin),
        ("the template contradicts the returns", cal.conflicts),
        ("not taken from the template", cal.dropped),
    ):
        if items:
            print(f"{title}:")
            for item in items:
                print(f"  {item}")
    return EXIT_OK


def _date(text: str) -> dt.date:
    """An argparse type: a date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: not a date; write YYYY-MM-DD") from None


def _calibrate_parser(sub: Any) -> None:
    cal = sub.add_parser(
        "calibrate",
        help="read a council's SSDA903, CIN census and workforce census files and write a "
        "council config calibrated to them",
    )
    cal.add_argument("folder", help="folder of returns (as csc-sim returns writes them)")
    cal.add_argument(
        "--as-of",
        required=True,
        type=_date,
        help="last day of returns to read (YYYY-MM-DD); the config starts the day after",
    )
    cal.add_argument(
        "--template",
        required=True,
        help="council config for what the returns cannot give (pay, caseload targets, "
        "recruitment timings, team shares...)",
    )
    cal.add_argument("--out", required=True, help="the council config YAML to write")
    cal.add_argument("--name", default=None, help="the config's name (default: from the template)")
    cal.add_argument("--force", action="store_true", help="replace --out if it exists")
    cal.set_defaults(func=cmd_calibrate)


def cmd_optimise(args: argparse.Namespace) -> int:
    """Race the combinations of an experiment's levers to the cheapest that meets a target
    with the probability asked for; write the table, the summary and the frontier chart."""
    from sim.experiment.atomic import write_bytes
    from sim.experiment.optimise import CandidatesFailed, build_search, run_optimise
    from sim.experiment.optimise_table import candidates_table, summary, target_words
    from sim.experiment.racing import RaceSettings
    from sim.report.charts.frontier import frontier_chart
    from sim.report.page import render

    _refuse_contradictions(args.experiment, args.accept)
    out = _out_folder(args.out)
    flags = {"max_replications": "--max-replications", "first": "--first-replications"}
    try:
        settings = RaceSettings(
            args.probability,
            args.confidence,
            args.resolution,
            args.first_replications,
            max_replications=args.max_replications,
        )
        search = build_search(args.experiment, args.target, settings.max_replications, args.seed)
    except ValueError as exc:
        text = str(exc)
        for name, flag in flags.items():
            text = text.replace(f"{name} ", f"{flag} ")
        raise UsageError(text) from None
    print(
        f"{search.source.spec.name}: {len(search.candidates)} candidates for {args.target}, "
        f"looked at after {', '.join(map(str, settings.looks()))} replications",
        file=sys.stderr,
    )
    with locked(out, _command()):
        try:
            outcome = run_optimise(
                search,
                settings,
                jobs=args.jobs,
                out=out,
                resume=args.resume,
                force=args.force,
                chunk_size=args.chunk_size,
                progress=not args.quiet,
                command=_command(),
            )
        except CandidatesFailed as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_INCOMPLETE
        except (KeyboardInterrupt, WorkerLost) as exc:
            why = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"error: {exc}"
            print(
                f"\n{why}: finished replications are kept in {out} (parts/); carry on with "
                "the same command and --resume",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else EXIT_FAIL
        table = candidates_table(outcome)
        text = summary(outcome, table)
        write_csv(out / "candidates.csv", table)
        write_text(out / "optimise.md", text)
        m = outcome.manifest
        footnote = (
            f"{len(search.candidates)} candidates, {outcome.race.total:,} replications; "
            f"verdicts from Clopper-Pearson intervals holding together at "
            f"{100 * settings.confidence:.0f}% (Bonferroni over candidates x looks); bars: 95% "
            f"Wilson intervals. {m['experiment']}, root seed {m['root_seed']}, csc-sim "
            f"{m['versions']['csc-sim']}, {m['started'][:10]}"
        )
        words = target_words(outcome, markdown=False)
        fig = frontier_chart(table, settings.probability, words, footnote)
        for fmt in ("png", "svg"):
            write_bytes(out / f"frontier.{fmt}", render(fig, fmt))
    print(text.split("\n| # |")[0].rstrip())
    print(
        f"\nwrote {out}/: optimise.md, candidates.csv, frontier.png and .svg, "
        "replications.parquet (.csv), manifest.json, parts/"
    )
    return EXIT_OK


def cmd_observed(args: argparse.Namespace) -> int:
    """Count a council's returns year by year and write what they say happened after a date
    as the observed points of a backtest."""
    from sim.returns import observed
    from sim.returns.errors import ReturnsError
    from sim.returns.read import read_returns

    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {out}: is a folder; give the CSV file to write")
    if out.exists() and not args.force:
        raise UsageError(f"--out {out}: exists; use --force to replace it")
    try:
        figures = observed.yearly_figures(read_returns(args.folder))
    except ReturnsError as exc:
        raise UsageError(str(exc)) from None
    except observed.NothingToCount as exc:
        raise UsageError(f"{args.folder}: {exc}") from None
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        for title, table in observed.summary(figures).items():
            print(f"{args.folder}: {title}\n{table.to_string()}\n")
    points = observed.observed_points(figures, args.after, str(args.folder))
    if points.empty:
        suggested = observed.suggest_as_of(figures)
        hint = f"; --after {suggested} leaves the last whole years" if suggested else ""
        raise UsageError(
            f"--after {args.after}: the returns cover no whole year or census day after it{hint}"
        )
    observed.write_observed(points, out)
    months = observed.months_to_cover(args.after, points)
    print(
        f"wrote {out}: {len(points)} points from {points['date'].min()} to "
        f"{points['date'].max()} ({', '.join(dict.fromkeys(points['metric']))})\n"
        f"next: csc-sim backtest CONFIG --observed {out} --horizon-months {months} --out DIR "
        f"(CONFIG calibrated with --as-of {args.after})"
    )
    return EXIT_OK


def _share(low: float, high: float) -> Any:
    """An argparse type: a number above ``low`` and below ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if low < value < high:
            return value
        raise argparse.ArgumentTypeError(
            f"{text!r}: must be a number above {low:g} and below {high:g}"
        )

    return parse


def _optimise_parser(sub: Any) -> None:
    op = sub.add_parser(
        "optimise",
        help="what would it take: the cheapest combination of levers meeting a target",
    )
    op.add_argument("experiment", help="experiment YAML with a levers: block")
    op.add_argument("--target", required=True, help="the experiment's target to meet")
    op.add_argument(
        "--probability",
        type=_share(0, 1),
        default=0.8,
        help="chance of meeting it asked for (default 0.8)",
    )
    op.add_argument("--out", required=True, help="folder for the results")
    op.add_argument(
        "--confidence",
        type=_share(0.5, 1),
        default=0.95,
        help="confidence that every verdict holds together (default 0.95)",
    )
    op.add_argument(
        "--resolution",
        type=_share(0, 0.5),
        default=0.05,
        help="finalists run until their 95%% interval is this close either side "
        "(default 0.05: +-5 points)",
    )
    op.add_argument(
        "--first-replications",
        type=_count(),
        default=10,
        help="replications of every candidate before any is dropped (default 10); then "
        "twice as many at each look",
    )
    op.add_argument(
        "--max-replications",
        type=_count(),
        default=320,
        help="most replications of one candidate (default 320)",
    )
    op.add_argument(
        "--jobs", type=_count(jobs=True), default=1, help="parallel processes (-1: all cores)"
    )
    op.add_argument("--seed", type=int, default=None, help="override the root seed")
    op.add_argument("--chunk-size", type=_count(), default=10, help="replications per task")
    op.add_argument("--resume", action="store_true", help="carry on an interrupted search")
    op.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    op.add_argument("--quiet", action="store_true", help="no progress bars")
    _accept_option(op)
    op.set_defaults(func=cmd_optimise)


def _observed_parser(sub: Any) -> None:
    obs = sub.add_parser(
        "observed",
        help="count a council's returns year by year and write what they say happened after "
        "a date as a backtest's observed points",
    )
    obs.add_argument("folder", help="folder of returns (as csc-sim returns writes them)")
    obs.add_argument(
        "--after",
        required=True,
        type=_date,
        help="only what happened after this day (YYYY-MM-DD): the --as-of of csc-sim calibrate",
    )
    obs.add_argument("--out", required=True, help="the observed CSV to write")
    obs.add_argument("--force", action="store_true", help="replace --out if it exists")
    obs.set_defaults(func=cmd_observed)


def _accept_option(parser: argparse.ArgumentParser) -> None:
    """``--accept CODE``: run (or check) a file despite an error ``check`` names."""
    parser.add_argument(
        "--accept",
        action="append",
        default=[],
        metavar="CODE",
        help="accept an error csc-sim check names by its code (repeatable), e.g. "
        "inherited-contradiction",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="csc-sim", description=__doc__)
    p.add_argument("--version", action="version", version=f"csc-sim {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one replication of a council config")
    run.add_argument("config", help="council config YAML (configs/), or an experiment file")
    run.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed (default 0; for an experiment, its root seed)",
    )
    run.add_argument(
        "--replication",
        type=int,
        default=None,
        help="replication K: seed sequence K of the (root) seed",
    )
    run.add_argument(
        "--scenario",
        default=None,
        help="with an experiment file: the scenario to run (default the baseline)",
    )
    run.add_argument(
        "--council",
        default=None,
        help="with an experiment file that has councils: the council to run",
    )
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    _accept_option(run)
    run.set_defaults(func=cmd_run)
    ex = sub.add_parser("experiment", help="run an experiment: scenarios x replications")
    ex.add_argument("experiment", help="experiment YAML (see experiments/)")
    ex.add_argument("--out", required=True, help="results folder")
    ex.add_argument(
        "--jobs",
        type=_count(jobs=True),
        default=1,
        help="parallel processes (-1: all cores)",
    )
    ex.add_argument("--replications", type=_count(), default=None, help="override the file's")
    ex.add_argument("--seed", type=int, default=None, help="override the root seed")
    ex.add_argument("--resume", action="store_true", help="continue an interrupted run")
    ex.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    ex.add_argument("--chunk-size", type=_count(), default=10, help="replications per task")
    ex.add_argument(
        "--backend",
        choices=["loky", "dask"],
        default="loky",
        help="local processes (loky) or a Dask cluster (dask)",
    )
    ex.add_argument(
        "--scheduler",
        default=None,
        help="with --backend dask: scheduler address, e.g. tcp://host:8786 "
        "(default: a local cluster of --jobs workers)",
    )
    ex.add_argument("--quiet", action="store_true", help="no progress bar")
    ex.add_argument(
        "--report", action="store_true", help="then chart the results (as csc-sim report)"
    )
    ex.add_argument(
        "--excel",
        action="store_true",
        help="also write results.xlsx: the scenario table and the monthly series",
    )
    _accept_option(ex)
    ex.set_defaults(func=cmd_experiment)
    rep = sub.add_parser("report", help="chart a saved experiment: charts, HTML, slides")
    rep.add_argument("folder", help="an experiment's --out folder")
    rep.add_argument("--no-slides", action="store_true", help="skip slides.pptx")
    rep.add_argument(
        "--target",
        default=None,
        metavar="NAME",
        help="the target the slide and report lead with (default: the experiment's first)",
    )
    rep.set_defaults(func=cmd_report)
    sen = sub.add_parser(
        "sensitivity",
        help="which uncertain inputs the targets hang on (Morris or Sobol', with SALib)",
    )
    sen.add_argument(
        "experiments",
        nargs="+",
        help="an experiment YAML file (several only with --method oat)",
    )
    sen.add_argument(
        "--out", required=True, help="folder for the tables, charts and each run's results"
    )
    sen.add_argument(
        "--method",
        choices=("morris", "sobol", "oat"),
        default="morris",
        help="morris: screening by elementary effects (default); sobol: variance shares "
        "(first and total order); oat: each uncertain value at the ends of its prior",
    )
    sen.add_argument(
        "--samples",
        type=_count(),
        default=None,
        help="morris: trajectories (each costs inputs + 1 points); sobol: base samples N, a "
        "power of 2 (N x (inputs + 2) points)",
    )
    sen.add_argument(
        "--scenario",
        action="append",
        default=[],
        help="analyse only this scenario (repeatable; default: every scenario)",
    )
    sen.add_argument(
        "--include",
        action="append",
        default=[],
        help="also vary a group of the council config's rates by a multiplier, uniform 1 +- "
        "0.2 (GROUP or GROUP:HALF_WIDTH; repeatable): referrals, recruitment, leaving, "
        "agency_leaving, agency_conversion, agency_fill, durations; agency (the three "
        "agency groups), all",
    )
    sen.add_argument(
        "--replications",
        type=_count(),
        default=20,
        help="per design point (morris, sobol) or per variant (oat) (default 20)",
    )
    sen.add_argument(
        "--jobs",
        type=_count(jobs=True),
        default=1,
        help="parallel processes (-1: all cores)",
    )
    sen.add_argument(
        "--seed", type=int, default=None, help="override the root seed (and the design's)"
    )
    sen.add_argument(
        "--resume",
        action="store_true",
        help="read back finished points or variants and carry on interrupted ones",
    )
    sen.add_argument("--force", action="store_true", help="overwrite an analysis already in --out")
    sen.add_argument("--quiet", action="store_true", help="no progress bars")
    sen.add_argument(
        "--path",
        action="append",
        default=[],
        help="vary only this input (an uncertain path, effect.<policy>.<field> or "
        "scale.<group>; repeatable; default: every input; the others at their prior means)",
    )
    _accept_option(sen)
    sen.set_defaults(func=cmd_sensitivity)
    chk = sub.add_parser(
        "check", help="validate a config or experiment; its start, first year, time, warnings"
    )
    chk.add_argument("path", help="council config or experiment YAML")
    chk.add_argument(
        "--brief",
        type=int,
        default=None,
        help="replications of the baseline's first year to run (default 5, none if one "
        "would take over 20 s; 0: none)",
    )
    chk.add_argument(
        "--replications", type=_count(), default=None, help="as experiment --replications"
    )
    chk.add_argument(
        "--jobs", type=_count(jobs=True), default=-1, help="as experiment --jobs (default -1)"
    )
    _accept_option(chk)
    chk.set_defaults(func=cmd_check)
    ref = sub.add_parser(
        "reference", help="write the config reference (every field) from the config models"
    )
    ref.add_argument(
        "--out", default=None, help="file to write (default: docs/config_reference.md)"
    )
    ref.set_defaults(func=cmd_reference)
    val = sub.add_parser("validate", help="check the model against queueing theory")
    val.add_argument("--quick", action="store_true", help="fewer replications (CI)")
    val.set_defaults(func=cmd_validate)
    _backtest_parser(sub)
    _returns_parser(sub)
    _calibrate_parser(sub)
    _optimise_parser(sub)
    _observed_parser(sub)
    return p


def _sigterm_as_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (a scheduler or `kill`) stops as cleanly as Ctrl-C
        signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except (ConfigError, UsageError, ExperimentError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"error: {_cannot_write(args, exc)}", file=sys.stderr)
        return EXIT_FAIL


_FIX = {
    errno.ENOSPC: "Free space",
    errno.EDQUOT: "Free space (disk quota)",
    errno.EACCES: "Make it writable",
    errno.EPERM: "Make it writable",
    errno.EROFS: "Write to a writable file system",
}


def _cannot_write(args: argparse.Namespace, exc: OSError) -> str:
    """The one message for a file that could not be written (disk full, read-only, ...) by
    any command: the file, the reason, and what to do; --resume only where it would work."""
    out = Path(getattr(args, "out", None) or getattr(args, "folder", None) or ".")
    what = f"could not write {exc.filename or out}: {exc.strerror or exc}"
    fix = _FIX.get(exc.errno or 0, "Fix that")
    again = " ".join(["csc-sim", *sys.argv[1:]])
    if args.command == "experiment" and (out / MANIFEST).is_file():
        return (
            f"{what}\nFinished replications are kept in {out} (parts/). {fix}, then: "
            f"csc-sim experiment {args.experiment} --resume --out {out}"
        )
    if args.command == "sensitivity" and not holds_nothing(out):
        return f"{what}\nFinished variants are kept in {out}. {fix}, then rerun with --resume"
    if args.command == "returns" and not holds_nothing(out):
        return f"{what}\n{out} holds earlier returns. {fix}, then run it again with --force"
    if args.command == "run" and not holds_nothing(out):
        return f"{what}\n{out} holds part of the files. {fix}, then run it again with --force"
    return f"{what}\n{fix}, then run it again: {again}"


if __name__ == "__main__":
    sys.exit(main())
