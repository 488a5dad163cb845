"""``csc-sim optimise``: what would it take to meet a target with a given probability, and
at what cost. The experiment's ``levers:`` block (``sim.config.levers_space``) declares the
choices; every combination is a candidate scenario, and the candidates race
(``sim.experiment.racing``) on common random numbers, replication k of every candidate
being the same simulated future (seed sequence k of the root seed, the same uncertain
values), to the cheapest that meets the target with the probability asked for.

With a results folder, each finished chunk of replications is written to ``parts/`` as it
comes, so ``--resume`` carries an interrupted search on from where it stopped.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.experiment import ResolvedExperiment, Target, validate_experiment
from sim.config.levers_space import Choice, candidate_label, candidate_scenario, choices
from sim.config.loader import read_yaml, to_plain
from sim.experiment.atomic import remove_temporaries
from sim.experiment.errors import ExperimentError
from sim.experiment.lock import locked
from sim.experiment.parallel import progress_bar, run_tasks
from sim.experiment.racing import Race, RaceSettings, race
from sim.experiment.replication import ChunkResult, target_columns
from sim.experiment.results_folder import ResultsFolder, make_manifest, now_utc

log = logging.getLogger(__name__)

OWN_OUTPUTS = ("candidates.csv", "optimise.md", "frontier.png", "frontier.svg")
"""What ``csc-sim optimise`` writes besides the results folder's usual files."""


class CandidatesFailed(Exception):
    """Some replications of some candidates raised; ``str()`` names them."""


@dataclass(frozen=True)
class Candidate:
    """One combination of options: its scenario name, its label in words and each
    lever's option."""

    name: str
    label: str
    options: dict[str, str]


@dataclass(frozen=True)
class Search:
    """What the race runs: the candidates as the scenarios of one experiment (validated
    and resolved as any experiment's), the target, and the experiment they came from."""

    experiment: ResolvedExperiment
    candidates: tuple[Candidate, ...]
    target: Target
    source: ResolvedExperiment
    duplicates: dict[str, str]
    """Candidates left out because they run exactly as an earlier one: name -> that one."""


def build_search(
    path: str | Path, target: str, max_replications: int, root_seed: int | None = None
) -> Search:
    """The candidates of the experiment file at ``path`` for ``target``: ValueError (or
    the experiment's own ConfigError) naming the field when they cannot be built."""
    path = Path(path)
    data = read_yaml(path)
    if root_seed is not None:
        data = {**data, "root_seed": root_seed}
    exp = validate_experiment(data, str(path), path.resolve().parent)
    space = exp.spec.levers
    if space is None:
        raise ValueError(
            f"{path}: has no levers block, so there is nothing to search over; declare the "
            "choices under levers: (see experiments/manchester_2016_what_it_takes.yaml)"
        )
    if exp.spec.councils is not None:
        raise ValueError(f"{path}: a run by councils cannot be optimised; give one council")
    names = [t.name for t in exp.spec.targets]
    if target not in names:
        raise ValueError(f"--target {target!r}: not in {path}; choose from {', '.join(names)}")
    scenario_names = [s.name for s in exp.scenarios]
    start = space.from_scenario or exp.baseline.name
    if start not in scenario_names:
        raise ValueError(
            f"{path}: field 'levers.from_scenario': value {start!r}: not a scenario of the "
            f"experiment; choose from {', '.join(scenario_names)}"
        )
    index = scenario_names.index(start)
    span = exp.scenarios[index].config.establishment.team_manager_span
    per_lever = [choices(lever, span) for lever in space.choose]
    picks: list[tuple[Choice, ...]] = list(itertools.product(*per_lever))
    raw = {k: v for k, v in data.items() if k not in ("levers", "precision")}
    raw["scenarios"] = [candidate_scenario(data["scenarios"][index], p) for p in picks]
    raw["replications"] = max_replications
    cexp = validate_experiment(raw, f"{path} (levers)", path.resolve().parent)
    kept, candidates = [], []
    duplicates: dict[str, str] = {}
    seen: dict[str, str] = {}
    for sc, p in zip(cexp.scenarios, picks, strict=True):
        key = json.dumps(
            [to_plain(sc.config), [pol.model_dump(mode="json") for pol in sc.policies]],
            sort_keys=True,
        )
        if key in seen:
            duplicates[sc.name] = seen[key]
            continue
        seen[key] = sc.name
        kept.append(sc)
        candidates.append(Candidate(sc.name, candidate_label(p), {c.lever: c.option for c in p}))
    kept_names = {sc.name for sc in kept}
    spec = cexp.spec.model_copy(
        update={"scenarios": [s for s in cexp.spec.scenarios if s.name in kept_names]}
    )
    cexp = dataclasses.replace(cexp, spec=spec, scenarios=tuple(kept))
    chosen = exp.spec.targets[names.index(target)]
    return Search(cexp, tuple(candidates), chosen, exp, duplicates)


@dataclass
class Outcome:
    """A finished search: the race, every replication's row, and the time it took."""

    search: Search
    settings: RaceSettings
    race: Race
    replications: pd.DataFrame
    seconds: float
    manifest: dict[str, Any]


def run_optimise(
    search: Search,
    settings: RaceSettings,
    jobs: int = 1,
    out: str | Path | None = None,
    resume: bool = False,
    force: bool = False,
    chunk_size: int = 10,
    progress: bool = False,
    command: str | None = None,
) -> Outcome:
    """Race the candidates of ``search``. With ``out``, finished chunks go to its
    ``parts/`` (``resume`` reads them back; ``force`` clears what an earlier run wrote)
    and the replications, manifest and failures to the folder itself."""
    cexp = search.experiment
    manifest = make_manifest(cexp, command or " ".join(sys.argv))
    manifest["optimise"] = {
        "source": search.source.source,
        "target": search.target.name,
        "settings": dataclasses.asdict(settings),
        "looks": list(settings.looks()),
        "candidates": len(search.candidates),
        "duplicates": search.duplicates,
    }
    t0 = time.perf_counter()
    if out is None:
        state, rows = _race(search, settings, None, jobs, chunk_size, progress)
        return Outcome(search, settings, state, rows, time.perf_counter() - t0, manifest)
    with locked(out, manifest["command"]):
        folder = _prepare(Path(out), manifest, resume, force)
        state, rows = _race(search, settings, folder, jobs, chunk_size, progress)
        manifest.update(
            status="complete",
            finished=now_utc(),
            replications=state.total,
            rounds=state.rounds,
        )
        folder.write_replications(rows)
        folder.write_manifest(manifest)
    return Outcome(search, settings, state, rows, time.perf_counter() - t0, manifest)


def _prepare(out: Path, manifest: dict[str, Any], resume: bool, force: bool) -> ResultsFolder:
    """``out`` ready for this search: its parts kept (``resume``, the same search only),
    cleared (``force``) or empty."""
    folder = ResultsFolder(out)
    old = folder.read_manifest()
    same = old is not None and _same_search(old, manifest)
    if resume and old is not None and not same:
        raise ExperimentError(
            f"--resume: {out} holds another search (another experiment file, target, "
            "seed or settings): use a new --out, or --force to start again"
        )
    if force:
        folder.clear()
        for name in OWN_OUTPUTS:
            (out / name).unlink(missing_ok=True)
    elif not resume and not folder.is_empty():
        raise ExperimentError(
            f"--out {out}: folder exists and is not empty; use --resume to carry on the same "
            "search, --force to overwrite, or another --out"
        )
    if out.is_dir():
        remove_temporaries(out)
    if resume and same and old is not None:
        manifest["started"] = old.get("started", manifest["started"])
        folder.drop_damaged_parts()
    out.mkdir(parents=True, exist_ok=True)
    folder.write_manifest(manifest)
    return folder


def _same_search(old: dict[str, Any], new: dict[str, Any]) -> bool:
    keys = ("experiment_hash", "root_seed")
    mine = {k: new["optimise"][k] for k in ("target", "settings", "source")}
    theirs = {k: old.get("optimise", {}).get(k) for k in mine}
    return all(old.get(k) == new[k] for k in keys) and mine == theirs


def _race(
    search: Search,
    settings: RaceSettings,
    folder: ResultsFolder | None,
    jobs: int,
    chunk_size: int,
    progress: bool,
) -> tuple[Race, pd.DataFrame]:
    """Run the race; every replication's row (candidate order, then replication)."""
    cexp = search.experiment
    one = [dataclasses.replace(cexp, scenarios=(sc,)) for sc in cexp.scenarios]
    cols = target_columns(search.target)
    frames: dict[str, pd.DataFrame] = {}
    rounds = itertools.count(1)

    def evaluate(plan: list[tuple[int, int, int]]) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
        tasks = [
            (i, a, min(a + chunk_size, stop))
            for i, start, stop in plan
            for a in range(start, stop, chunk_size)
        ]
        names = [ResultsFolder.part_name(*t) for t in tasks]
        failures: list[dict[str, Any]] = []
        todo = []
        for t, name in zip(tasks, names, strict=True):
            if folder is not None and folder.has_part(name):
                frames[name] = folder.read_rows([name])
            else:
                todo.append(t)

        def sink(k: int, chunk: ChunkResult) -> None:
            name = ResultsFolder.part_name(*todo[k])
            if folder is not None:
                folder.write_part(name, chunk.rows, pd.DataFrame(), chunk.failures)
            failures.extend(chunk.failures)
            frames[name] = chunk.rows

        if todo:
            bar = progress_bar(sum(b - a for _, a, b in todo), f"round {next(rounds)}", progress)
            try:
                run_tasks([(one[i], (0, a, b)) for i, a, b in todo], jobs, "loky", None, sink, bar)
            finally:
                bar.close()
        if failures:
            _fail(search, failures, folder)
        pieces = []
        for (i, a, _b), name in zip(tasks, names, strict=True):
            rows = frames[name].sort_values("replication")
            pieces.append(
                (
                    i,
                    a,
                    rows[cols["met"]].astype(bool).to_numpy(),
                    rows["cost_per_year_gbp"].to_numpy(dtype=float),
                )
            )
        return pieces

    def on_round(state: Race) -> None:
        log.info("round %d: %d replications in all", state.rounds, state.total)

    state = race(len(search.candidates), evaluate, settings, on_round)
    order = sorted(frames, key=lambda n: tuple(int(x) for x in n.split("-")))
    rows = pd.concat([frames[n] for n in order], ignore_index=True) if order else pd.DataFrame()
    return state, rows


def _fail(search: Search, failures: list[dict[str, Any]], folder: ResultsFolder | None) -> None:
    """Stop the search: some replications raised."""
    if folder is not None:
        folder.write_failures(failures)
    lines = [f"{len(failures)} replication(s) of the candidates failed; the search stopped:"]
    for f in failures[:5]:
        lines.append(f"  candidate {f['scenario']}, replication {f['replication']}: {f['error']}")
    if folder is not None:
        lines.append(
            f"Full tracebacks: {folder.root / 'failures.log'}. After a fix in the code, carry "
            "on with the same command and --resume"
        )
    raise CandidatesFailed("\n".join(lines))
