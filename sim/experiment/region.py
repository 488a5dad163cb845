"""Run a region as its councils side by side, then add the councils up.

Each council is the experiment's scenarios on the base config scaled to the council's
share (``sim.config.councils``), with its own root seed (from the experiment's root seed and the
council's name, so adding or reordering councils changes no other council's draws).
Every council x scenario x chunk of replications is one task in one pool, so a region of
150 councils keeps every core busy even with few replications each.

Replication k of the region is the sum of replication k of every council: councils are
independent, so that is one draw of the region. The results folder holds the region's
``replications.parquet``, ``timeseries.parquet``, ``scenarios.csv`` and ``manifest.json``
(so ``csc-sim report`` and ``sim.load_results`` read it as any experiment), a
``councils.csv`` with every council's scenario table, and each council's own results
folder under ``councils/``.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter, ValidationError

from sim.config.councils import scale_config, scale_policy_data, slug
from sim.config.experiment import ResolvedExperiment, ResolvedScenario
from sim.config.loader import ConfigError, format_validation_error
from sim.config.policies import Policy
from sim.experiment.outcome import ExperimentIncomplete, ExperimentResult, finish
from sim.experiment.parallel import chunks, progress_bar, run_tasks
from sim.experiment.replication import replication_row
from sim.experiment.results_folder import ResultsFolder, make_manifest, now_utc
from sim.experiment.scenario_table import scenario_table
from sim.experiment.uncertain import sample_uncertain
from sim.metrics import COLUMNS, COUNTS, METRICS, Largest, Ratio, Weighted

log = logging.getLogger(__name__)

KEYS = ("scenario", "replication", "date")
# How each monthly column adds up over councils (sim.metrics): ratios are recomputed from
# the region's sums of their parts; turnover is the councils' weighted by permanent FTE, which
# is close to (not exactly) the region's leavers over its average FTE in those months.
RATIOS = {m.column: m.region for m in METRICS if isinstance(m.region, Ratio)}
WEIGHTED = {m.column: m.region.weights for m in METRICS if isinstance(m.region, Weighted)}
MAXIMA = tuple(m.column for m in METRICS if isinstance(m.region, Largest))

_POLICY: TypeAdapter[Policy] = TypeAdapter(Policy)


def council_seed(root_seed: int, council: str) -> int:
    """A council's root seed: from the experiment's and the council's name only."""
    key = zlib.crc32(council.encode("utf-8"))
    return int(np.random.SeedSequence([root_seed, key]).generate_state(1)[0])


def council_experiments(exp: ResolvedExperiment) -> list[tuple[str, float, ResolvedExperiment]]:
    """(name, share, experiment) of every council: the scenarios on the scaled config,
    policies' council-wide totals scaled too."""
    assert exp.spec.councils is not None
    shares = exp.spec.councils.share_of()
    folders = [slug(name) for name in shares]
    clash = sorted({f for f in folders if folders.count(f) > 1})
    if clash:
        raise ConfigError(
            f"{exp.source}: field 'councils.shares': names {clash} would share a results "
            "folder; rule: council names must differ in their letters, digits, - and _"
        )
    out = []
    for name, share in shares.items():
        scenarios = []
        for sc in exp.scenarios:
            where = f"{exp.source}: council {name!r} (share {share:.5f}), scenario {sc.name}"
            try:
                cfg = scale_config(sc.config, share, name)
                policies = tuple(
                    _POLICY.validate_python(scale_policy_data(p.model_dump(), share))
                    for p in sc.policies
                )
            except ValidationError as exc:
                raise ConfigError(format_validation_error(where, exc)) from None
            scenarios.append(ResolvedScenario(sc.name, sc.description, cfg, policies))
        spec = exp.spec.model_copy(
            update={
                "name": f"{exp.spec.name}: {name}",
                "root_seed": council_seed(exp.spec.root_seed, name),
                "councils": None,
            }
        )
        # The uncertain values are the region's: one draw per replication for every council
        # (a loop's strength is one unknown, not 150 independent ones).
        cexp = ResolvedExperiment(
            spec, exp.source, tuple(scenarios), uncertain_seed=exp.uncertain_root_seed
        )
        out.append((name, share, cexp))
    return out


def run_region(
    exp: ResolvedExperiment,
    councils: list[tuple[str, float, ResolvedExperiment]],
    folder: ResultsFolder,
    manifest: dict[str, Any],
    jobs: int,
    chunk_size: int,
    backend: str,
    scheduler: str | None,
    progress: bool,
) -> ExperimentResult:
    """Run every council (from ``council_experiments``) into ``folder`` (already prepared
    by ``run_experiment``) and write the region's files; returns the region's
    ``ExperimentResult``."""
    n = exp.spec.max_replications
    folders = {name: folder.council(name) for name, *_ in councils}
    tasks, names = [], []
    for name, _share, cexp in councils:
        for t in chunks(cexp, 0, n, chunk_size):
            names.append((name, ResultsFolder.part_name(*t)))
            if not folders[name].has_part(names[-1][1]):
                tasks.append((cexp, t, name))
    manifest["councils"] = {
        name: {
            "share": share,
            "root_seed": c.spec.root_seed,
            "folder": str(folders[name].root.relative_to(folder.root)),
        }
        for name, share, c in councils
    }
    folder.write_manifest(manifest)
    total = n * len(exp.scenarios) * len(councils)
    log.info("%d councils x %d scenarios x %d replications", len(councils), len(exp.scenarios), n)

    def sink(i: int, chunk: Any) -> None:
        _cexp, t, name = tasks[i]
        folders[name].write_part(
            ResultsFolder.part_name(*t), chunk.rows, chunk.series, chunk.failures
        )

    with progress_bar(total, exp.spec.name, progress) as bar:
        bar.update(total - sum(t[2] - t[1] for _c, t, _n in tasks))
        run_tasks([(c, t) for c, t, _n in tasks], jobs, backend, scheduler, sink, bar)

    parts: dict[str, list[str]] = {}
    for name, part in names:
        parts.setdefault(name, []).append(part)
    failures = [
        {"council": name, **f}
        for name, *_ in councils
        for f in folders[name].read_failures(parts[name])
    ]
    finished = now_utc()
    if failures:
        brief = folder.write_failures(failures)
        manifest.update(replications=n, finished=finished, status="incomplete", failures=brief)
        folder.write_manifest(manifest)
        raise ExperimentIncomplete(exp, failures, folder.root)

    tables = []
    for name, share, cexp in councils:
        cm = make_manifest(cexp, manifest["command"])
        cm["council"] = {"name": name, "share": share, "region": exp.spec.name}
        res = finish(cexp, folders[name], {}, parts[name], cm, n)
        tables.append(res.scenarios.assign(council=name, share=share))
    series = region_series([folders[name].timeseries_path for name, *_ in councils])
    reps = region_replications(exp, series)
    table = scenario_table(exp, reps)
    folder.write_replications(reps)
    folder.write_series(series)
    folder.write_scenarios(table)
    folder.write_councils(pd.concat(tables, ignore_index=True))
    manifest.update(replications=n, finished=finished, status="complete")
    folder.write_manifest(manifest)
    return ExperimentResult(reps, table, manifest, folder=folder.root)


def region_series(paths: list[Path]) -> pd.DataFrame:
    """The region's monthly series: the councils' series (one parquet file each, read one
    at a time) added up row by row; ratios recomputed from the summed parts."""
    acc: pd.DataFrame | None = None
    weighted = {c: np.zeros(0) for c in WEIGHTED}
    weights = {c: np.zeros(0) for c in WEIGHTED}
    for path in paths:
        f = pd.read_parquet(path)
        if acc is None:
            acc = f[[*KEYS, *COUNTS, *MAXIMA]].copy()
            acc[list(COUNTS)] = acc[list(COUNTS)].astype(float)
            for c in WEIGHTED:
                weighted[c] = np.zeros(len(f))
                weights[c] = np.zeros(len(f))
        elif not f[list(KEYS)].equals(acc[list(KEYS)]):
            raise ValueError(
                f"{path}: its scenarios, replications or months differ from the first council's"
            )
        else:
            acc[list(COUNTS)] += f[list(COUNTS)].to_numpy(dtype=float)
            for c in MAXIMA:
                acc[c] = np.fmax(acc[c].to_numpy(), f[c].to_numpy())
        for c, parts in WEIGHTED.items():
            w = f[list(parts)].sum(axis=1).to_numpy(dtype=float)
            x = f[c].to_numpy(dtype=float)
            ok = ~np.isnan(x)
            weighted[c][ok] += x[ok] * w[ok]
            weights[c][ok] += w[ok]
    if acc is None:
        raise ValueError("a region needs at least one council")
    for c, ratio in RATIOS.items():
        columns = list(ratio.denominator)
        den = acc[columns[0]] if len(columns) == 1 else acc[columns].sum(axis=1)
        acc[c] = _ratio(acc[ratio.numerator].to_numpy(), den.to_numpy())
    for c in WEIGHTED:
        acc[c] = _ratio(weighted[c], weights[c])
    return acc[[*KEYS[:2], *COLUMNS]]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 (as the monitor's ratios)."""
    out = np.full(len(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def region_replications(exp: ResolvedExperiment, series: pd.DataFrame) -> pd.DataFrame:
    """One tidy row per scenario x replication of the region, as an experiment's."""
    index = {s.name: i for i, s in enumerate(exp.scenarios)}
    rows = []
    for (scenario, k), frame in series.groupby(["scenario", "replication"], sort=False):
        assert isinstance(scenario, str) and isinstance(k, (int, np.integer))
        frame = frame.drop(columns=["scenario", "replication"]).reset_index(drop=True)
        summary = {"policies": {}, "uncertain": sample_uncertain(exp, int(k))}
        rows.append(replication_row(exp, index[scenario], int(k), frame, summary))
    return pd.DataFrame(rows)
