"""``csc-sim backtest``: run a council config (N replications) or an experiment's baseline
scenario through the experiment runner, then set each observed point (``observed.py``)
beside the model's fan at its date (``backtest_score.py``).

The run is an ordinary results folder (``replications``, ``timeseries.parquet``,
``scenarios.csv``, ``manifest.json``, ``parts/``: parallel, reproducible from one root seed,
resumable, written atomically); the backtest adds ``backtest.csv`` (one row per point),
``coverage.csv``, ``backtest_summary.json`` and ``backtest_fan.csv`` (the fan of every
observed metric at every reporting date, for the charts). With ``scale`` the run is the
config at that share of its size (``sim.config.councils.scale_config``, as the published
checks run England) and every count (``sim.metrics.COUNTS``: the columns a region adds up) is
divided by ``scale`` before the comparison; ``timeseries.parquet`` keeps the run's own size.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from sim.config.council import CouncilConfig
from sim.config.councils import scale_config, scale_policy_data
from sim.config.experiment import Experiment, ResolvedExperiment, ResolvedScenario, load_experiment
from sim.config.loader import ConfigError, format_validation_error, load_config, read_yaml
from sim.config.policies import Policy
from sim.experiment.atomic import write_csv, write_json
from sim.experiment.backtest_score import PIT_BINS, QUANTILES, coverage, score_dict
from sim.experiment.observed import read_observed
from sim.experiment.results_folder import TIMESERIES
from sim.experiment.runner import run_experiment
from sim.metrics import BY_COLUMN, COUNTS
from sim.model.timeline import Calendar

log = logging.getLogger(__name__)

POINTS_CSV = "backtest.csv"
COVERAGE_CSV = "coverage.csv"
SUMMARY_JSON = "backtest_summary.json"
FAN_CSV = "backtest_fan.csv"
DEFAULT_REPLICATIONS = 20
DATE_RULE = (
    "Each point is compared with the model at the reporting date (last day of a simulated "
    "month; the first is the day before the start) nearest its date, ties to the earlier; "
    "with window_months w, the model's value is the mean of the column over the w reporting "
    "dates up to it"
)
_POLICY: TypeAdapter[Policy] = TypeAdapter(Policy)


@dataclasses.dataclass(frozen=True)
class Options:
    """How to run the backtest: ``replications`` (default: the experiment file's, or
    ``DEFAULT_REPLICATIONS`` for a config), root ``seed`` (default: the file's, or 0),
    ``scale`` (share of the config's size to run, counts scaled back up),
    ``horizon_months`` (to run further than the config does), processes and the folder."""

    replications: int | None = None
    seed: int | None = None
    scale: float = 1.0
    horizon_months: int | None = None
    jobs: int = 1
    resume: bool = False
    force: bool = False
    progress: bool = False
    command: str = ""


def _with(cfg: CouncilConfig, where: str, scale: float, horizon: int | None) -> CouncilConfig:
    """``cfg`` run to ``horizon`` months and scaled to ``scale`` of its size."""
    try:
        if horizon is not None:
            cfg = CouncilConfig.model_validate({**cfg.model_dump(), "horizon_months": horizon})
        return cfg if scale == 1.0 else scale_config(cfg, scale, f"scaled to {scale:g}")
    except ValidationError as exc:
        raise ConfigError(format_validation_error(where, exc)) from None


def backtest_experiment(path: str | Path, opts: Options) -> ResolvedExperiment:
    """The run to backtest: a council config as a one-scenario experiment (its own caseload
    target as the experiment's target), or an experiment file's baseline scenario (its
    uncertain values drawn per replication as in the experiment), at ``opts.scale`` of its
    size and to ``opts.horizon_months``."""
    if not 0 < opts.scale <= 1:
        raise ConfigError(f"--scale {opts.scale:g}: must be above 0 and at most 1")
    path = Path(path)
    if "scenarios" in read_yaml(path):
        exp = load_experiment(path, opts.replications, opts.seed)
        if exp.spec.councils is not None and opts.scale != 1.0:
            raise ConfigError(
                f"--scale: {path} runs England as councils, each already a share of it; "
                "backtest the region's config with --scale instead"
            )
        base = exp.baseline
        policies = base.policies
        if opts.scale != 1.0:
            policies = tuple(
                _POLICY.validate_python(scale_policy_data(p.model_dump(), opts.scale))
                for p in policies
            )
        cfg = _with(base.config, f"{path}: baseline", opts.scale, opts.horizon_months)
        spec = exp.spec.model_copy(
            update={"name": f"Backtest: {exp.spec.name}", "scenarios": exp.spec.scenarios[:1]}
        )
        scenario = ResolvedScenario(base.name, base.description, cfg, policies)
        return dataclasses.replace(exp, spec=spec, scenarios=(scenario,))
    cfg = _with(load_config(path), str(path), opts.scale, opts.horizon_months)
    t = cfg.target
    try:  # --replications beyond the experiment's ceiling is refused as in an experiment file
        spec = _backtest_spec(cfg, path, opts, t)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(f"{path} (backtest)", exc)) from None
    scenario = ResolvedScenario("config", f"{path} as it is", cfg, ())
    return ResolvedExperiment(spec, str(path), (scenario,))


def _backtest_spec(cfg: CouncilConfig, path: Path, opts: Options, t: Any) -> Experiment:
    """A council config as a one-scenario experiment, its own target the experiment's."""
    return Experiment.model_validate(
        {
            "name": f"Backtest: {cfg.name}",
            "description": f"{path} run as it is, to set beside observed figures",
            "base": str(path),
            "replications": opts.replications or DEFAULT_REPLICATIONS,
            "root_seed": 0 if opts.seed is None else opts.seed,
            "targets": [
                {
                    "name": "config_target",
                    "description": "the council config's own caseload target",
                    "metric": t.metric,
                    "max": t.max,
                    "date": t.date,
                    "sustain_months": t.sustain_months,
                }
            ],
            "scenarios": [{"name": "config", "description": f"{path} as it is"}],
        }
    )


def reporting_dates(cfg: CouncilConfig) -> list[dt.date]:
    """The run's reporting dates: the day before the start, then each month's last day."""
    cal = Calendar(cfg.start_date, cfg.horizon_months)
    return [cal.start_label, *cal.period_labels]


def _windowed(wide: pd.DataFrame, window: int) -> pd.DataFrame:
    """Each replication's (column) mean over ``window`` reporting dates up to each row."""
    return wide if window == 1 else wide.rolling(window, min_periods=window).mean()


def score_points(
    points: pd.DataFrame, series: pd.DataFrame, dates: Sequence[dt.date]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``backtest.csv`` (each point with the model's fan at its date, inside or not, PIT)
    and ``backtest_fan.csv`` (the fan of each observed metric and window at every reporting
    date) from the run's monthly ``series`` (counts already at full size)."""
    rows: list[dict] = []
    fans = []
    pairs = zip(points["metric"].astype(str), points["window_months"].astype(int), strict=True)
    for metric, window in dict.fromkeys(pairs):
        wide = series.pivot(index="date", columns="replication", values=metric).astype(float)
        if len(wide) != len(dates):
            raise ValueError(f"the run has {len(wide)} reporting dates, expected {len(dates)}")
        wide = _windowed(wide, window)
        first = window - 1 + (1 if BY_COLUMN[metric].timing == "flow" else 0)
        q = wide.iloc[first:].quantile(list(QUANTILES), axis=1).T
        q.columns = [f"p{round(100 * x):02d}" for x in QUANTILES]
        q.insert(0, "replications", wide.iloc[first:].notna().sum(axis=1))
        fans.append(q.reset_index().assign(metric=metric, window_months=window))
        mine = points[(points["metric"] == metric) & (points["window_months"] == window)]
        for p in mine.to_dict("records"):
            i = int(p["row"])
            scored = score_dict(wide.iloc[i].to_numpy(), float(p["value"]))
            rows.append({**p, "model_date": dates[i], **scored})
    out = pd.DataFrame(rows).drop(columns=["row"]).sort_values("line", kind="stable")
    fan = pd.concat(fans, ignore_index=True)
    fan["date"] = pd.to_datetime(fan["date"]).dt.date
    front = ["metric", "window_months", "date"]
    return out.reset_index(drop=True), fan[front + [c for c in fan if c not in front]]


def _json_safe(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    if isinstance(x, np.generic):
        return _json_safe(x.item())
    return x


def summary(
    exp: ResolvedExperiment,
    table: pd.DataFrame,
    observed: Path,
    opts: Options,
    replications: int,
    scaled: list[str],
) -> dict[str, Any]:
    """``backtest_summary.json``: what ran, the rules, and the coverage (all points, and
    per metric)."""
    cover = [{k: _json_safe(v) for k, v in r.items()} for r in table.to_dict("records")]
    return {
        "run": exp.source,
        "experiment": exp.spec.name,
        "scenario": exp.baseline.name,
        "replications": replications,
        "root_seed": exp.spec.root_seed,
        "scale": opts.scale,
        "scaled_back_up": scaled,
        "start_date": str(exp.baseline.config.start_date),
        "horizon_months": exp.baseline.config.horizon_months,
        "observed": str(observed),
        "date_rule": DATE_RULE,
        "bands": "50%: 25th-75th percentile over replications; 90%: 5th-95th (linear "
        "interpolation); a point on a band's edge is inside",
        "pit": "share of replications below the observed value, ties counted half; "
        f"histogram in {PIT_BINS} equal bins; ks_d/ks_p: Kolmogorov-Smirnov distance from "
        "uniform and its approximate p-value",
        "caveat": "points of one series in successive years are not independent draws, and "
        "with few replications the 90% band's ends are rough",
        "coverage": cover[0],
        "by_metric": {c["scope"]: c for c in cover[1:]},
    }


@dataclasses.dataclass
class Backtest:
    """What a backtest wrote: the points, the coverage table and the summary."""

    points: pd.DataFrame
    coverage: pd.DataFrame
    summary: dict[str, Any]
    folder: Path


def run_backtest(
    target: str | Path, observed: str | Path, out: str | Path, opts: Options
) -> Backtest:
    """Check the observed file against the run's dates (nothing is written if it is wrong),
    run the replications into ``out`` and write the backtest's files there."""
    exp = backtest_experiment(target, opts)
    dates = reporting_dates(exp.baseline.config)
    points = read_observed(observed, dates)
    out = Path(out)
    run_experiment(
        exp,
        jobs=opts.jobs,
        out=out,
        resume=opts.resume,
        force=opts.force,
        progress=opts.progress,
        command=opts.command,
    )
    cols = ["replication", "date", *dict.fromkeys(points["metric"])]
    series = pd.read_parquet(out / TIMESERIES, columns=cols)
    scaled = [c for c in cols[2:] if c in COUNTS] if opts.scale != 1.0 else []
    series[scaled] = series[scaled].astype(float) / opts.scale
    table, fan = score_points(points, series, dates)
    cover = coverage(table)
    n = int(series["replication"].nunique())
    info = summary(exp, cover, Path(observed), opts, n, scaled)
    write_csv(out / POINTS_CSV, table)
    write_csv(out / FAN_CSV, fan)
    write_csv(out / COVERAGE_CSV, cover)
    write_json(out / SUMMARY_JSON, info)
    log.info("backtest of %s: %d points, written to %s", exp.source, len(table), out)
    return Backtest(table, cover, info, out)
