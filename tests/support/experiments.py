"""A small experiment on the synthetic council (tests/conftest.py), written to a folder:
shared by the experiment, robustness, signal, chart and Dask tests of every tier."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

from tests.conftest import BASE

__all__ = ["BASELINE", "CAMPAIGN", "FILES", "SMALL_BASE", "write_experiment"]

FILES = ("replications.parquet", "replications.csv", "timeseries.parquet", "scenarios.csv")

SMALL_BASE = copy.deepcopy(BASE)
SMALL_BASE.update(
    horizon_months=24,
    demand={"referrals_per_year": 2500},
    initial_workforce={"permanent_fte": 8, "asye_fte": 2, "agency_fte": 2, "tenure": "equilibrium"},
    establishment={"fte": 14, "team_managers_fte": 2},
    leaving={
        **BASE["leaving"],
        "permanent": [{"from_years": 0, "per_year": 0.25}],
        "agency": [{"from_years": 0, "per_year": 0.5}],
        "notice_days_permanent": 28,
    },
    recruitment={
        **BASE["recruitment"],
        "appointable_per_advert": 0.2,
        "experienced_share": 0.5,
        "agency": {"cover_delay_days": 14, "max_share": 0.3, "conversion_per_year": 0.1},
    },
)


def write_experiment(tmp_path: Path, scenarios: list[dict], **extra) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(SMALL_BASE))
    spec = {
        "name": "test experiment",
        "base": "base.yaml",
        "replications": 12,
        "root_seed": 99,
        "targets": [
            {
                "name": "caseload_30",
                "metric": "avg_caseload",
                "max": 30.0,
                "date": "2021-06-30",
                "sustain_months": 2,
            },
            {"name": "agency_low", "metric": "agency_share", "max": 0.15, "date": "2021-12-31"},
        ],
        "scenarios": scenarios,
        **extra,
    }
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


BASELINE = {"name": "status_quo", "description": "no change"}
CAMPAIGN = {
    "name": "campaign",
    "description": "more applicants",
    "policies": [{"type": "recruitment_campaign", "applicant_multiplier": 3.0}],
}
