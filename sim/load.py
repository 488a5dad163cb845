"""Read a saved experiment's results folder back into pandas: what analysts, charts and the
report use, so that any saved experiment can be re-charted without re-running it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass
class Results:
    """An experiment's results. ``timeseries`` is read from disk on first use."""

    folder: Path
    replications: pd.DataFrame
    scenarios: pd.DataFrame
    manifest: dict[str, Any]

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """Monthly series of every replication: scenario, replication, date, KPIs."""
        return pd.read_parquet(self.folder / "timeseries.parquet")

    @property
    def baseline(self) -> str:
        return self.manifest["baseline"]

    @property
    def scenario_names(self) -> list[str]:
        """Scenario names in the experiment file's order (the baseline first)."""
        return list(self.manifest["scenarios"])

    @property
    def targets(self) -> list[dict[str, Any]]:
        """Target definitions as in the experiment file (the first is the headline)."""
        return self.manifest["resolved"]["experiment"]["targets"]

    @property
    def headline(self) -> dict[str, Any]:
        return self.targets[0]

    @property
    def descriptions(self) -> dict[str, str]:
        return {
            s["name"]: s["description"]
            for s in self.manifest["resolved"]["experiment"]["scenarios"]
        }

    @property
    def assumptions(self) -> list[str]:
        return list(self.manifest["resolved"]["experiment"].get("assumptions", []))


def load_results(folder: str | Path) -> Results:
    """Load ``replications.parquet``, ``scenarios.csv`` and ``manifest.json`` from an
    experiment's output folder (``timeseries.parquet`` lazily)."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise FileNotFoundError(
            f"{folder}: no manifest.json; is this an experiment's --out folder?"
        )
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("status") != "complete":
        raise ValueError(
            f"{folder}: the experiment did not finish (status "
            f"{manifest.get('status')!r}); run it again with --resume"
        )
    return Results(
        folder=folder,
        replications=pd.read_parquet(folder / "replications.parquet"),
        scenarios=pd.read_csv(folder / "scenarios.csv"),
        manifest=manifest,
    )
