"""Finished results folders of small, fast experiments (one, five and twelve scenarios on a
small synthetic council), made once per test session and shared by the chart, report and
notebook tests; and a copy of one with its report written."""

from __future__ import annotations

import atexit
import copy
import functools
import shutil
import tempfile
from pathlib import Path

import yaml

import sim
import sim.report.html as report
from tests.support.experiments import SMALL_BASE

__all__ = ["ASSUMPTIONS", "CHARTS", "REPLICATIONS", "TARGETS", "reported", "results_folder"]

TARGETS = [
    {
        "name": "caseload_48",
        "description": "Average caseload at most 48 at 30 June 2021",
        "metric": "avg_caseload",
        "max": 48.0,
        "date": "2021-06-30",
    },
    {"name": "agency_low", "metric": "agency_share", "max": 0.15, "date": "2021-12-31"},
]
ASSUMPTIONS = [
    "Early Help removes referrals at once (assumption for a fast test).",
    "Posts are funded from the first day.",
]
REPLICATIONS = {"one": 6, "five": 8, "twelve": 5}


def _scenarios(n: int) -> list[dict]:
    """A baseline, ``n - 2`` policies that lower demand and add posts, and one under which
    the target is never met (recruitment stops, no agency cover)."""
    out = [{"name": "status_quo", "description": "No change: 14 funded posts"}]
    for k in range(1, n - 1):
        out.append(
            {
                "name": f"policy_{k:02d}",
                "description": f"Early Help cuts referrals to {2500 - 60 * k} a year; "
                f"{14 + k % 3} funded posts",
                "overrides": {
                    "demand": {"referrals_per_year": 2500 - 60 * k},
                    "establishment": {"fte": 14 + k % 3},
                },
            }
        )
    if n > 1:
        out.append(
            {
                "name": "collapse",
                "description": "Recruitment stops and agency cover ends",
                "overrides": {
                    "recruitment": {"appointable_per_advert": 0, "agency": {"max_share": 0.0}}
                },
            }
        )
    return out


@functools.cache
def results_folder(kind: str) -> Path:
    """A finished results folder of a small, fast experiment (shared by the test modules;
    copy it before writing into it). ``kind``: one, five or twelve scenarios."""
    n = {"one": 1, "five": 5, "twelve": 12}[kind]
    root = Path(tempfile.mkdtemp(prefix=f"csc-sim-{kind}-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    base = yaml.safe_dump(copy.deepcopy(SMALL_BASE), sort_keys=False)
    base = base.replace(
        "horizon_months: 24", "horizon_months: 24  # assumption: two years suffice for a test"
    )
    (root / "base.yaml").write_text("# A tiny council for fast tests.\n" + base)
    spec = {
        "name": f"Test experiment ({n} scenarios)",
        "description": "A small council for the chart tests.",
        "base": "base.yaml",
        "replications": REPLICATIONS[kind],
        "root_seed": 5,
        "assumptions": ASSUMPTIONS,
        "targets": TARGETS,
        "scenarios": _scenarios(n),
    }
    (root / "exp.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    sim.run_experiment(root / "exp.yaml", out=root / "out")
    return root / "out"


CHARTS = (
    "policy_comparison",
    "fan_chart",
    "fan_chart_agency_share",
    "distribution_at_target",
    "months_to_target",
    "cost_vs_probability",
    "workforce",
    "paired_comparison",
)


@functools.cache
def reported(kind: str) -> Path:
    """A copy of a results folder with its report written (shared by the report tests)."""
    src = results_folder(kind)
    dst = src.parent / f"reported-{kind}"
    shutil.copytree(src, dst)
    assert report.write_report(dst) == dst / "report.html"
    return dst
