"""Every mistake in an experiment file gives a clear error naming the file and the rule."""

from __future__ import annotations

import pytest
import yaml

from sim.config.experiment import load_experiment
from sim.config.loader import ConfigError
from tests.support.experiments import BASELINE, write_experiment


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"scenarios": [BASELINE, BASELINE]}, "scenario names must be unique"),
        (
            {"replications": 5, "precision": {"half_width": 0.1, "max_replications": 10}},
            "exactly one of replications and precision",
        ),
        ({"scenarios": [{**BASELINE, "policies": [{"type": "bonus_scheme"}]}]}, "bonus_scheme"),
        (
            {"targets": [{"name": "x", "metric": "happiness", "max": 1, "date": "2021-01-01"}]},
            "unknown metric",
        ),
        (
            {"scenarios": [{**BASELINE, "overrides": {"demand": {"referrals_per_year": -1}}}]},
            "scenarios[0] 'status_quo'",
        ),
    ],
)
def test_bad_experiment_files(tmp_path, change, needle):
    path = write_experiment(tmp_path, [BASELINE])
    data = yaml.safe_load(path.read_text())
    data.update(change)
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert needle in str(info.value)
    assert str(path) in str(info.value)
