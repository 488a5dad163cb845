"""One-at-a-time sensitivity to an experiment's uncertain values (``csc-sim sensitivity
--method oat``; the global methods, Morris and Sobol', are in
``sim.experiment.global_sensitivity`` and run their design points with :func:`run_fixed`).

For each path of the experiment's ``uncertain:`` block (e.g. the three feedback-loop
strengths), run the experiment with that value fixed at the low and then the high end of
its prior and every other uncertain value fixed at its prior mean; and once with every value
at its mean. Every variant runs the same replications of the same root seed (common random
numbers), so the change from the low to the high end is paired replication by replication:
the table gives, per path, scenario and target, the chance of meeting the target at each
end, the paired difference with Newcombe's 95% interval, and the median KPI at the target
date at each end.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.experiment import ResolvedExperiment, load_experiment
from sim.config.uncertain import describe, fixed, prior_mean, support
from sim.experiment.replication import target_columns
from sim.experiment.results_folder import ResultsFolder
from sim.experiment.runner import DEFAULT_CHUNK, run_experiment
from sim.experiment.stats import newcombe_paired

log = logging.getLogger(__name__)

MEANS = "means"
"""The variant with every uncertain value at its prior mean."""


@dataclasses.dataclass(frozen=True)
class Variant:
    """One run of the experiment with its uncertain values fixed: ``path`` at ``end`` (low
    or high) and the others at their means, or (path None) every value at its mean."""

    path: str | None
    end: str
    values: dict[str, float]

    @property
    def name(self) -> str:
        return MEANS if self.path is None else f"{self.path}@{self.end}"


def variants(exp: ResolvedExperiment, paths: Sequence[str] | None = None) -> list[Variant]:
    """Every value at its mean, then each of ``paths`` (default: all the experiment's
    uncertain paths) at the low and the high end of its prior, the others at their means."""
    priors = exp.spec.uncertain
    if not priors:
        raise ValueError(f"{exp.source}: has no uncertain block; nothing to vary")
    unknown = [p for p in paths or () if p not in priors]
    if unknown:
        raise ValueError(
            f"{exp.source}: {', '.join(unknown)} not in its uncertain block ({', '.join(priors)})"
        )
    means = {p: prior_mean(prior) for p, prior in priors.items()}
    out = [Variant(None, "mean", means)]
    for path in paths or list(priors):
        low, high = support(priors[path])
        out += [
            Variant(path, "low", {**means, path: low}),
            Variant(path, "high", {**means, path: high}),
        ]
    return out


def fixed_experiment(
    exp: ResolvedExperiment, values: dict[str, float], replications: int, label: str = ""
) -> ResolvedExperiment:
    """``exp`` with ``replications`` and each uncertain value held at ``values`` (its name
    followed by ``label`` in brackets, if given)."""
    update: dict[str, object] = {
        "uncertain": {p: fixed(v) for p, v in values.items()},
        "replications": replications,
        "precision": None,
    }
    if label:
        update["name"] = f"{exp.spec.name} [{label}]"
    return dataclasses.replace(exp, spec=exp.spec.model_copy(update=update))


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How to run each variant: replications, processes, and with a results ``out`` folder,
    whether to ``resume`` (a finished variant of the same experiment is read back, an
    interrupted one carries on) or ``force`` (start again over what is there)."""

    replications: int = 20
    jobs: int = 1
    out: Path | None = None
    resume: bool = False
    force: bool = False
    progress: bool = False


def _run_variant(
    exp: ResolvedExperiment, variant: Variant, opts: RunOptions, folder: Path | None
) -> pd.DataFrame:
    """The replications of one variant, written to ``folder`` if given."""
    vexp = fixed_experiment(exp, variant.values, opts.replications, variant.name)
    return run_fixed(vexp, opts, folder, variant.name)


def run_fixed(
    vexp: ResolvedExperiment,
    opts: RunOptions,
    folder: Path | None,
    what: str,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """The replications of experiment ``vexp`` (one variant or design point, ``what`` in
    messages), written to ``folder`` if given. With ``opts.resume``, a finished run of the
    same experiment there is read back and an interrupted one carries on."""
    if folder is None and vexp.spec.councils is None:
        return run_experiment(
            vexp, jobs=opts.jobs, progress=opts.progress, chunk_size=chunk_size
        ).replications
    if folder is None:
        raise ValueError(f"{vexp.source}: a run by councils writes to a folder: give out")
    manifest = ResultsFolder(folder).read_manifest()
    finished = manifest is not None and manifest.get("status") == "complete"
    if opts.resume and finished and manifest and manifest.get("experiment_hash") == vexp.hash():
        log.info("%s: reading the finished run in %s", what, folder)
        return pd.read_parquet(folder / "replications.parquet")
    return run_experiment(
        vexp,
        jobs=opts.jobs,
        out=folder,
        resume=opts.resume and manifest is not None,
        force=opts.force,
        progress=opts.progress,
        chunk_size=chunk_size,
    ).replications


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@-]+", "_", text)


def run_sensitivity(
    experiment: str | Path,
    opts: RunOptions,
    paths: Sequence[str] | None = None,
    root_seed: int | None = None,
) -> pd.DataFrame:
    """Run every variant of one experiment (see :func:`variants`) and return the long table:
    one row per variant, scenario and target with ``p_met`` and ``value_median``. With
    ``opts.out``, each variant's results folder is ``out/<experiment file stem>/<variant>``
    (needed for a run by councils)."""
    exp = load_experiment(experiment, root_seed=root_seed)
    rows = []
    for v in variants(exp, paths):
        t0 = time.perf_counter()
        folder = None if opts.out is None else opts.out / Path(experiment).stem / _slug(v.name)
        reps = _run_variant(exp, v, opts, folder)
        log.info("%s %s: %.0f s", exp.spec.name, v.name, time.perf_counter() - t0)
        for sc in exp.scenarios:
            mine = reps[reps["scenario"] == sc.name].sort_values("replication")
            for t in exp.spec.targets:
                cols = target_columns(t)
                rows.append(
                    {
                        "experiment": exp.spec.name,
                        "variant": v.name,
                        "path": v.path,
                        "end": v.end,
                        "value": None if v.path is None else v.values[v.path],
                        "scenario": sc.name,
                        "target": t.name,
                        "headline": t is exp.spec.targets[0],
                        "replications": len(mine),
                        "p_met": float(mine[cols["met"]].astype(bool).mean()),
                        "value_median": float(mine[cols["value"]].median()),
                        "met": mine[cols["met"]].astype(bool).to_numpy(),
                    }
                )
    return pd.DataFrame(rows)


def effects(long: pd.DataFrame) -> pd.DataFrame:
    """Per experiment, path, scenario and target: P(met) and the median KPI with every value
    at its mean, at the path's low and high ends, and the paired change low -> high with
    Newcombe's 95% interval (``diff``, ``diff_low``, ``diff_high``)."""
    means: dict[tuple[str, str, str], tuple[float, float]] = {
        (r["experiment"], r["scenario"], r["target"]): (r["p_met"], r["value_median"])
        for r in long[long["variant"] == MEANS].to_dict("records")
    }
    out = []
    varied = long[long["path"].notna()]
    for (exp, path, scenario, target), g in varied.groupby(
        ["experiment", "path", "scenario", "target"], sort=False
    ):
        low = g[g["end"] == "low"].iloc[0]
        high = g[g["end"] == "high"].iloc[0]
        d, d_lo, d_hi = newcombe_paired(np.asarray(high["met"]), np.asarray(low["met"]))
        p_means, median_means = means[(str(exp), str(scenario), str(target))]
        out.append(
            {
                "experiment": exp,
                "path": path,
                "scenario": scenario,
                "target": target,
                "headline": bool(low["headline"]),
                "replications": int(low["replications"]),
                "low": low["value"],
                "high": high["value"],
                "p_means": p_means,
                "p_low": low["p_met"],
                "p_high": high["p_met"],
                "diff": d,
                "diff_low": d_lo,
                "diff_high": d_hi,
                "median_means": median_means,
                "median_low": low["value_median"],
                "median_high": high["value_median"],
            }
        )
    return pd.DataFrame(out)


def _kpi(x: float) -> str:
    """A KPI at the target date: a share as a percentage, a caseload to one decimal."""
    if np.isnan(x):
        return "-"
    return f"{100 * x:.0f}%" if abs(x) < 1 else f"{x:.1f}"


def _row_order(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(experiment, target, scenario) in the order they first appear: experiments as given,
    then each experiment's targets, then its scenarios."""
    out = []
    for exp in dict.fromkeys(table["experiment"]):
        mine = table[table["experiment"] == exp]
        for target in dict.fromkeys(mine["target"]):
            for scenario in dict.fromkeys(mine["scenario"]):
                out.append((exp, target, scenario))
    return out


def markdown(table: pd.DataFrame, priors: dict[str, dict[str, str]] | None = None) -> str:
    """The effects table as Markdown, one row per experiment, target and scenario, one column
    per path: P(met) at the low and high end, the paired change in points with its 95%
    interval, and the median KPI at the low and high end. ``priors`` (experiment -> path ->
    prior in words) names the ranges in the header."""
    paths = list(dict.fromkeys(table["path"]))
    header = ["experiment: target", "scenario", "all at means: P(met), median"]
    for p in paths:
        ranges = {f"{r.low:g}-{r.high:g}" for r in table[table["path"] == p].itertuples()}
        header.append(
            f"`{p}` {' / '.join(sorted(ranges))}: P(met) low -> high (change, 95% CI); median"
        )
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for exp, target, scenario in _row_order(table):
        g = table[
            (table["experiment"] == exp)
            & (table["target"] == target)
            & (table["scenario"] == scenario)
        ]
        first = g.iloc[0]
        cells = [
            f"{exp}: {target}",
            scenario,
            f"{100 * first.p_means:.0f}%, {_kpi(first.median_means)}",
        ]
        for p in paths:
            r = g[g["path"] == p]
            if r.empty:
                cells.append("")
                continue
            r = r.iloc[0]
            cells.append(
                f"{100 * r.p_low:.0f}% -> {100 * r.p_high:.0f}% ({100 * r['diff']:+.0f} pp, "
                f"{100 * r.diff_low:+.0f} to {100 * r.diff_high:+.0f}); "
                f"{_kpi(r.median_low)} -> {_kpi(r.median_high)}"
            )
        lines.append("| " + " | ".join(cells) + " |")
    if priors:
        lines.append("")
        for exp, ps in priors.items():
            lines.append(f"{exp}: " + "; ".join(f"`{p}` {d}" for p, d in ps.items()))
    return "\n".join(lines)


def sensitivity(
    experiments: Sequence[str | Path],
    opts: RunOptions,
    paths: Sequence[str] | None = None,
    root_seed: int | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[str, str]]]:
    """:func:`run_sensitivity` of each experiment, then :func:`effects`: the effects table
    (``headline`` marks each experiment's first target) and each experiment's priors in
    words, for :func:`markdown`."""
    tables, priors = [], {}
    for path in experiments:
        exp = load_experiment(path)
        priors[exp.spec.name] = {p: describe(pr) for p, pr in exp.spec.uncertain.items()}
        tables.append(effects(run_sensitivity(path, opts, paths, root_seed)))
    return pd.concat(tables, ignore_index=True), priors
