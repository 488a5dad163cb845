"""The ``csc-sim`` command line."""

from __future__ import annotations

import argparse
import logging
import math
import sys
from pathlib import Path

from sim import __version__
from sim.io import write_csv, write_json, write_yaml
from sim.loading import ConfigError, load_config, to_plain
from sim.model import run_one

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def _fmt(x: object, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "undefined"
    if pct:
        return f"{100 * float(x):.1f}%"
    return f"{float(x):,.1f}"


def _check_out_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise UsageError(f"--out {out}: folder exists and is not empty; use --force to overwrite")


def cmd_run(args: argparse.Namespace) -> int:
    """Run one replication of a council config and write its files."""
    cfg = load_config(args.config)
    out = Path(args.out)
    _check_out_dir(out, args.force)
    frame, summary = run_one(cfg, args.seed)
    csv = frame.copy()
    csv["date"] = csv["date"].dt.strftime("%Y-%m-%d")
    write_csv(out / "timeseries.csv", csv)
    write_json(out / "summary.json", summary)
    write_yaml(out / "config.resolved.yaml", to_plain(cfg))
    s, e, t = summary["start"], summary["end"], summary["target"]
    lines = [
        f"{cfg.name}: {cfg.horizon_months} months from {cfg.start_date}, seed {args.seed}",
        f"  average caseload    {_fmt(s['avg_caseload'])} -> {_fmt(e['avg_caseload'])}",
        f"  open children       {_fmt(s['open_cases'])} -> {_fmt(e['open_cases'])}"
        f" (unallocated at end {_fmt(e['unallocated_cases'])})",
        f"  turnover (12 m)     {_fmt(summary['mean']['turnover_12m'], pct=True)} on average",
        f"  agency share        {_fmt(s['agency_share'], pct=True)}"
        f" -> {_fmt(e['agency_share'], pct=True)}",
        f"  cost                GBP {summary['totals']['cost_gbp'] / 1e6:,.2f}m over the horizon",
        f"  target: average <= {t['avg_caseload_max']:g} at {t['target_date']}"
        f" (and {t['sustain_months']} months before): {'MET' if t['met'] else 'NOT MET'}"
        f" (caseload then {_fmt(t['avg_caseload_at_target_date'])})",
        f"  wrote {out}/timeseries.csv, summary.json, config.resolved.yaml",
    ]
    print("\n".join(lines))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="csc-sim", description=__doc__)
    p.add_argument("--version", action="version", version=f"csc-sim {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = p.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one replication of a council config")
    run.add_argument("config", help="council config YAML (see configs/)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--out", required=True, help="output folder")
    run.add_argument("--force", action="store_true", help="overwrite a non-empty --out")
    run.set_defaults(func=cmd_run)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return args.func(args)
    except (ConfigError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; nothing was written for the unfinished run", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
