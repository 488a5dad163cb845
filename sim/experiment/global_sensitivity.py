"""Global sensitivity of an experiment's answers to its uncertain inputs
(``csc-sim sensitivity --method morris|sobol``).

SALib draws a design of points (``sim.experiment.gsa``), each a value for every uncertain
input (``sim.experiment.sensitivity_inputs``). At each point the experiment runs with those
values held fixed for ``replications`` futures on common random numbers: replication k uses
the same seed at every point, so two points differ only by their inputs. Each point gives,
per scenario and target, two outputs: ``p_met``, the share of its futures meeting the
target, and ``kpi_median``, the median KPI at the target date. SALib then gives each
output's indices (Sobol' S1 and ST, or Morris mu* and sigma) for every input.

A folder ``out`` holds:

- ``sensitivity.json``: what ran (method, samples, replications, seed, inputs and priors,
  scenarios, targets) and its status;
- ``design.csv``: one row per point, each input's value and quantile;
- ``points/pNNNNN/``: each point's results folder (as ``csc-sim experiment`` writes it), so
  an interrupted run carries on with ``--resume``;
- ``outputs.csv``: per point, scenario and target, ``p_met`` and ``kpi_median``;
- ``indices.csv``: per scenario, target, output and input, the indices with 95% intervals.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.experiment import ResolvedExperiment, load_experiment
from sim.experiment import gsa
from sim.experiment.atomic import remove_temporaries, write_csv, write_json
from sim.experiment.parallel import progress_bar
from sim.experiment.replication import target_columns
from sim.experiment.results_folder import holds_nothing, now_utc
from sim.experiment.sensitivity import RunOptions, run_fixed
from sim.experiment.sensitivity_inputs import Input, discover, point_experiment, quantile, restrict

log = logging.getLogger(__name__)

INFO = "sensitivity.json"
DESIGN = "design.csv"
OUTPUTS = "outputs.csv"
INDICES = "indices.csv"
POINTS = "points"
WRITTEN = (INFO, DESIGN, OUTPUTS, INDICES)
OUTPUT_NAMES = {"p_met": "chance of meeting the target", "kpi_median": "median KPI at the date"}
"""The two outputs per scenario and target, and what each is."""
DESIGN_KEYS = (
    "experiment_hash",
    "method",
    "samples",
    "replications",
    "seed",
    "scenarios",
    "inputs",
)
"""The fields of ``sensitivity.json`` that fix the design: ``--resume`` needs them equal."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """A global analysis: ``method`` (morris or sobol), ``samples`` (Morris trajectories or
    Sobol' base samples N), ``replications`` per point, the design's ``seed`` (default the
    experiment's root seed), the ``scenarios`` to run (default all), the ``include`` groups
    (group -> half-width) and ``only`` the inputs named (default all)."""

    method: gsa.Method
    samples: int
    replications: int = 20
    seed: int | None = None
    scenarios: tuple[str, ...] = ()
    include: dict[str, float] = dataclasses.field(default_factory=dict)
    only: tuple[str, ...] = ()


@dataclasses.dataclass
class Design:
    """The experiment (its scenarios restricted), its inputs, and the points: quantiles
    ``unit`` and values ``values`` (one row per point, one column per input)."""

    exp: ResolvedExperiment
    inputs: list[Input]
    settings: Settings
    seed: int
    unit: np.ndarray
    values: np.ndarray

    @property
    def names(self) -> list[str]:
        return [i.name for i in self.inputs]

    @property
    def points(self) -> int:
        return len(self.unit)

    def point_values(self, p: int) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.values[p], strict=True)}

    def frame(self) -> pd.DataFrame:
        """``design.csv``: point, then each input's value and its quantile (``<name>:q``)."""
        out = pd.DataFrame(self.values, columns=self.names)
        for i, n in enumerate(self.names):
            out[f"{n}:q"] = self.unit[:, i]
        out.insert(0, "point", range(self.points))
        return out

    def replications_needed(self) -> int:
        return self.points * self.settings.replications * len(self.exp.scenarios)


def make_design(experiment: str | Path, settings: Settings, root_seed: int | None = None) -> Design:
    """Load the experiment, find its inputs and draw the design; a ValueError names any
    bad setting (unknown scenario or input, samples that do not suit the method)."""
    if settings.method not in gsa.METHODS:
        raise ValueError(f"--method {settings.method}: choose one of {', '.join(gsa.METHODS)}")
    gsa.check_samples(settings.method, settings.samples)
    exp = restrict(load_experiment(experiment, root_seed=root_seed), settings.scenarios)
    inputs = discover(exp, settings.include, settings.only)
    seed = exp.spec.root_seed if settings.seed is None else settings.seed
    unit = gsa.sample(settings.method, [i.name for i in inputs], settings.samples, seed)
    values = np.column_stack([quantile(inp.prior, unit[:, j]) for j, inp in enumerate(inputs)])
    return Design(exp, inputs, settings, seed, unit, values)


def describe_design(design: Design, command: str = "") -> dict[str, Any]:
    """``sensitivity.json``: what the analysis is and how it ran."""
    exp, s = design.exp, design.settings
    return {
        "experiment": exp.spec.name,
        "experiment_file": str(Path(exp.source).resolve()),
        "experiment_hash": exp.hash(),
        "root_seed": exp.spec.root_seed,
        "method": s.method,
        "samples": s.samples,
        "replications": s.replications,
        "seed": design.seed,
        "points": design.points,
        "scenarios": [sc.name for sc in exp.scenarios],
        "baseline": exp.baseline.name,
        "targets": [
            {
                "name": t.name,
                "description": " ".join(t.description.split()),
                "metric": t.metric,
                "op": "<=" if t.max is not None else ">=",
                "bound": t.max if t.max is not None else t.min,
                "date": str(t.date),
                "sustain_months": t.sustain_months,
            }
            for t in exp.spec.targets
        ],
        "inputs": [
            {"name": i.name, "label": i.label, "kind": i.kind, "prior": i.prior_text}
            for i in design.inputs
        ],
        "include": s.include,
        "command": command,
        "started": now_utc(),
        "status": "running",
    }


def _check_resume(old: dict[str, Any] | None, new: dict[str, Any], out: Path) -> None:
    """A ValueError unless ``old`` (the folder's ``sensitivity.json``) has the same design."""
    if old is None:
        return

    def key(info: dict[str, Any], k: str) -> Any:
        if k == "inputs":  # labels are words only: an input is its name and prior
            return [(i.get("name"), i.get("prior")) for i in info.get(k) or []]
        return info.get(k)

    changed = [k for k in DESIGN_KEYS if key(old, k) != key(new, k)]
    if changed:
        raise ValueError(
            f"--resume: {out} holds another analysis ({', '.join(changed)} differ: the "
            "experiment file, its configs, --method, --samples, --replications, --seed, "
            "--scenario, --include or --path changed); use a new --out, or --force to start "
            "again"
        )


def _read_info(out: Path) -> dict[str, Any] | None:
    path = out / INFO
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"{path}: damaged ({exc}); run again with --force, or into another --out"
        ) from None
    return data if isinstance(data, dict) else None


def prepare(out: Path, info: dict[str, Any], resume: bool, force: bool) -> None:
    """Make ``out`` ready: the same analysis to carry on (``resume``), cleared of what an
    earlier analysis wrote (``force``), or empty; a ValueError says which is wrong."""
    if resume:
        old = _read_info(out)
        if old is None and not holds_nothing(out):
            raise ValueError(
                f"--resume: {out} holds no {INFO}, so nothing tells what made it; use "
                "--force to start again, or another --out"
            )
        _check_resume(old, info, out)
        if old is not None:
            info["started"] = old.get("started", info["started"])
    elif force:
        shutil.rmtree(out / POINTS, ignore_errors=True)
        for name in WRITTEN:
            (out / name).unlink(missing_ok=True)
    elif not holds_nothing(out):
        raise ValueError(
            f"--out {out}: folder exists and is not empty; use --resume to continue an "
            "analysis there, --force to overwrite it, or another --out"
        )
    out.mkdir(parents=True, exist_ok=True)
    remove_temporaries(out)


def _chunk_size(replications: int, jobs: int) -> int:
    """Replications per task: each point's replications spread over the processes (a
    point runs them together, so fewer tasks than processes would leave cores idle)."""
    cores = (os.cpu_count() or 1) if jobs == -1 else jobs
    return max(1, math.ceil(replications / max(1, cores)))


def point_outputs(exp: ResolvedExperiment, reps: pd.DataFrame, point: int) -> list[dict]:
    """Per scenario and target of one point's replications: ``p_met`` (share of futures
    meeting the target) and ``kpi_median`` (median KPI at the target date)."""
    rows = []
    for sc in exp.scenarios:
        mine = reps[reps["scenario"] == sc.name]
        for t in exp.spec.targets:
            cols = target_columns(t)
            rows.append(
                {
                    "point": point,
                    "scenario": sc.name,
                    "target": t.name,
                    "replications": len(mine),
                    "p_met": float(mine[cols["met"]].astype(bool).mean()),
                    "kpi_median": float(mine[cols["value"]].median()),
                }
            )
    return rows


def run_points(design: Design, out: Path, opts: RunOptions) -> pd.DataFrame:
    """Run every point of the design into ``out/points/`` (a finished point is read back
    with ``opts.resume``); returns ``outputs.csv``'s frame."""
    s = design.settings
    chunk = _chunk_size(s.replications, opts.jobs)
    inner = dataclasses.replace(opts, progress=False)
    bar = progress_bar(design.points, f"{design.exp.spec.name}: points", opts.progress)
    rows: list[dict] = []
    t0 = time.perf_counter()
    try:
        for p in range(design.points):
            label = f"point {p}"
            vexp = point_experiment(
                design.exp, design.inputs, design.point_values(p), s.replications, label
            )
            reps = run_fixed(vexp, inner, out / POINTS / f"p{p:05d}", label, chunk)
            rows += point_outputs(design.exp, reps, p)
            bar.update(1)
    finally:
        bar.close()
    log.info("%d points in %.0f s", design.points, time.perf_counter() - t0)
    return pd.DataFrame(rows)


def analyse(design: Design, outputs: pd.DataFrame) -> pd.DataFrame:
    """``indices.csv``: for each scenario, target and output (``p_met``, ``kpi_median``),
    each input's indices (``sim.experiment.gsa.analyse``), its rank by importance (1 first),
    and the output's mean, least and largest value over the points."""
    frames = []
    labels = {i.name: i for i in design.inputs}
    for (scenario, target), g in outputs.groupby(["scenario", "target"], sort=False):
        g = g.sort_values("point")
        for output in OUTPUT_NAMES:
            y = g[output].to_numpy(dtype=float)
            idx = gsa.analyse(design.settings.method, design.names, design.unit, y, design.seed)
            idx.insert(0, "output", output)
            idx.insert(0, "target", str(target))
            idx.insert(0, "scenario", str(scenario))
            idx["label"] = [labels[n].label for n in idx["input"]]
            idx["kind"] = [labels[n].kind for n in idx["input"]]
            idx["prior"] = [labels[n].prior_text for n in idx["input"]]
            idx["rank"] = idx["importance"].rank(ascending=False, method="first")
            idx["output_mean"] = float(np.mean(y))
            idx["output_min"] = float(np.min(y))
            idx["output_max"] = float(np.max(y))
            frames.append(idx.sort_values("rank"))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "method", design.settings.method)
    out["points"] = design.points
    out["replications"] = design.settings.replications
    return out


@dataclasses.dataclass
class GlobalResult:
    design: Design
    info: dict[str, Any]
    outputs: pd.DataFrame
    indices: pd.DataFrame


def run_global(design: Design, out: Path, opts: RunOptions, command: str = "") -> GlobalResult:
    """Run every point of ``design`` (:func:`make_design`) into ``out`` and write
    ``sensitivity.json``, ``design.csv``, ``outputs.csv`` and ``indices.csv`` there (see the
    module)."""
    settings = design.settings
    info = describe_design(design, command)
    prepare(out, info, opts.resume, opts.force)
    write_json(out / INFO, info)
    write_csv(out / DESIGN, design.frame())
    log.info(
        "%s: %d inputs, %d points x %d replications x %d scenarios",
        settings.method,
        len(design.inputs),
        design.points,
        settings.replications,
        len(design.exp.scenarios),
    )
    outputs = run_points(design, out, dataclasses.replace(opts, out=out))
    write_csv(out / OUTPUTS, outputs)
    indices = analyse(design, outputs)
    write_csv(out / INDICES, indices)
    info.update(status="complete", finished=now_utc())
    write_json(out / INFO, info)
    return GlobalResult(design, info, outputs, indices)


def load_indices(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """A finished analysis folder's ``sensitivity.json`` and ``indices.csv``."""
    info = _read_info(folder)
    if info is None or not (folder / INDICES).exists():
        raise FileNotFoundError(f"{folder}: no finished sensitivity analysis ({INFO}, {INDICES})")
    return info, pd.read_csv(folder / INDICES)
