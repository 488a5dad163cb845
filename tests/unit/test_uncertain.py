"""An experiment's ``uncertain:`` block: each replication draws one value per path, the same
in every scenario and council, reproducibly and within the prior; bad paths and values are
refused with the field, the value and the rule. (That the values reach the model and the
results: tests/integration/test_uncertain.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from sim.cli import EXIT_USAGE, main
from sim.config.experiment import load_experiment
from sim.config.loader import ConfigError
from sim.config.policies import NormalEffect, TriangularEffect, UniformEffect
from sim.config.uncertain import prior_mean, value_at, with_values
from sim.experiment.region import council_experiments
from sim.experiment.uncertain import replication_config, sample_uncertain
from sim.model.rng import Streams, replication_seed, stream_seed
from tests.conftest import council
from tests.support.experiments import BASELINE, CAMPAIGN, write_experiment

LOOPS = {
    "pathway.drift_strength": {"dist": "uniform", "low": 0.0, "high": 0.3},
    "leaving.caseload_strength": {"dist": "triangular", "low": 0.0, "mode": 0.2, "high": 1.0},
    "leaving.supervision_strength": {
        "dist": "normal",
        "mean": 0.5,
        "sd": 0.4,
        "low": 0.0,
        "high": 1.0,
    },
}


def _experiment(tmp_path, uncertain=LOOPS, scenarios=(BASELINE, CAMPAIGN), **extra):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return load_experiment(
        write_experiment(tmp_path, list(scenarios), uncertain=uncertain, **extra),
    )


def test_draws_are_reproducible_differ_by_replication_and_respect_the_prior(tmp_path):
    exp = _experiment(tmp_path)
    draws = [sample_uncertain(exp, k) for k in range(300)]
    assert draws[:5] == [sample_uncertain(exp, k) for k in range(5)]
    for path, prior in LOOPS.items():
        x = np.array([d[path] for d in draws])
        inside = x[(x > prior["low"]) & (x < prior["high"])]  # a clipped normal sits on its bounds
        assert len(inside) > 200 and len(np.unique(inside)) == len(inside), path
        assert x.min() >= prior["low"] and x.max() <= prior["high"], path
    # the normal is clipped at 0 and 1, so some draws sit on each bound
    sup = np.array([d["leaving.supervision_strength"] for d in draws])
    assert (sup == 0).any() and (sup == 1).any()
    # different paths are independent draws, not one number reused
    a = np.array([d["pathway.drift_strength"] for d in draws]) / 0.3
    b = np.array([d["leaving.caseload_strength"] for d in draws])
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.2


def test_a_paths_draw_depends_on_the_root_seed_replication_and_path_only(tmp_path):
    """Adding a path, or reordering the block, leaves the other paths' draws alone."""
    exp = _experiment(tmp_path / "a")
    one = _experiment(
        tmp_path / "b", uncertain={"pathway.drift_strength": LOOPS["pathway.drift_strength"]}
    )
    reordered = _experiment(tmp_path / "c", uncertain=dict(reversed(list(LOOPS.items()))))
    for k in range(10):
        d = sample_uncertain(exp, k)
        assert sample_uncertain(one, k) == {"pathway.drift_strength": d["pathway.drift_strength"]}
        assert sample_uncertain(reordered, k) == d
    other_seed = _experiment(tmp_path / "d", root_seed=100)
    assert sample_uncertain(other_seed, 0) != sample_uncertain(exp, 0)


def test_every_scenario_of_a_replication_runs_with_the_same_values(tmp_path):
    exp = _experiment(tmp_path)
    for k in range(3):
        configs = [replication_config(exp, i, k) for i in range(len(exp.scenarios))]
        values = sample_uncertain(exp, k)
        for cfg, drawn in configs:
            assert drawn == values
            assert cfg.pathway.drift_strength == values["pathway.drift_strength"]
            assert cfg.leaving.caseload_strength == values["leaving.caseload_strength"]
            assert cfg.leaving.supervision_strength == values["leaving.supervision_strength"]


def test_councils_of_a_region_share_the_regions_draws(tmp_path):
    exp = _experiment(tmp_path, councils={"shares": {"north": 1.0, "south": 3.0}})
    councils = council_experiments(exp)
    assert len({c.spec.root_seed for _, _, c in councils}) == 2  # own seeds for the model
    for k in range(3):
        for _, _, cexp in councils:
            assert sample_uncertain(cexp, k) == sample_uncertain(exp, k)


def test_the_stream_is_the_one_streams_spawns_and_existing_streams_keep_their_draws():
    seed = replication_seed(5, 3)
    streams = Streams(seed)
    for name in ("demand", "agency_fill", "uncertain"):
        expected = np.random.default_rng(stream_seed(seed, name)).random(4)
        assert np.array_equal(streams[name].random(4), expected)
    # the first stream is child 0 of the seed, as before any stream was added
    old = np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(3, 0)))
    assert np.array_equal(Streams(seed)["demand"].random(4), old.random(4))


def test_without_the_block_nothing_changes(tmp_path):
    """No ``uncertain``: no draws, the configs as they were and the experiment's hash (and
    so its manifest and --resume) as before the block existed."""
    exp = _experiment(tmp_path, uncertain={})
    assert sample_uncertain(exp, 0) == {}
    assert replication_config(exp, 1, 0)[0] is exp.scenarios[1].config
    assert "uncertain" not in exp.to_plain()["experiment"]
    with_block = _experiment(tmp_path / "b")
    assert with_block.hash() != exp.hash()


def test_prior_means():
    assert prior_mean(UniformEffect(dist="uniform", low=0, high=0.3)) == pytest.approx(0.15)
    tri = TriangularEffect(dist="triangular", low=0, mode=0.2, high=1)
    assert prior_mean(tri) == pytest.approx(0.4)
    clipped = NormalEffect(dist="normal", mean=0.5, sd=0.4, low=0.0, high=0.8)
    rng = np.random.default_rng(1)
    mc = np.mean([clipped.sample(rng) for _ in range(200_000)])
    assert prior_mean(clipped) == pytest.approx(mc, abs=0.003)
    assert prior_mean(NormalEffect(dist="normal", mean=2, sd=1)) == pytest.approx(2)


def test_paths_reach_nested_fields_and_list_items():
    base = council()
    cfg = with_values(
        base, {"leaving.permanent.0.per_year": 0.2, "pathway.cp.duration.mean_days": 300.0}
    )
    assert value_at(cfg, "leaving.permanent.0.per_year") == 0.2
    assert cfg.leaving.permanent[0].per_year == 0.2
    assert cfg.pathway.cp.duration.mean() == pytest.approx(300)
    assert with_values(base, {}) is base


@pytest.mark.parametrize(
    ("uncertain", "needles"),
    [
        (
            {"pathway.drift": {"dist": "uniform", "low": 0, "high": 0.3}},
            ["uncertain.pathway.drift", "no field 'drift' in pathway", "drift_strength"],
        ),
        (
            {"leaving.strength": {"dist": "uniform", "low": 0, "high": 1}},
            ["uncertain.leaving.strength", "no field 'strength' in leaving"],
        ),
        (
            {"horizon_months": {"dist": "uniform", "low": 12, "high": 24}},
            ["uncertain.horizon_months", "a whole number", "only real-valued fields"],
        ),
        (
            {"name": {"dist": "uniform", "low": 0, "high": 1}},
            ["uncertain.name", "a str", "not a real number"],
        ),
        (
            {"pathway": {"dist": "uniform", "low": 0, "high": 1}},
            ["uncertain.pathway", "a section"],
        ),
        (
            {"leaving.permanent.7.per_year": {"dist": "uniform", "low": 0, "high": 1}},
            ["uncertain.leaving.permanent.7.per_year", "a list of 1", "index 0-0"],
        ),
        (
            {"pathway.drift_strength": {"dist": "uniform", "low": -0.1, "high": 0.3}},
            [
                "uncertain.pathway.drift_strength",
                "value -0.1 (the low end of prior uniform -0.1-0.3)",
                "greater than or equal to 0",
            ],
        ),
        (
            {
                "leaving.asye_end_probability": {
                    "dist": "triangular",
                    "low": 0.5,
                    "mode": 1,
                    "high": 1.2,
                }
            },
            ["value 1.2 (the high end", "less than or equal to 1"],
        ),
        (
            {"leaving.caseload_strength": {"dist": "normal", "mean": 0.5, "sd": 0.2}},
            ["uncertain.leaving.caseload_strength", "finite low and high"],
        ),
        (
            {"pathway.drift_strength": {"dist": "uniform", "low": 0.3, "high": 0.1}},
            ["uncertain.pathway.drift_strength", "must not exceed high"],
        ),
        (
            {"pathway.drift_strength": {"dist": "beta", "a": 1}},
            ["uncertain.pathway.drift_strength"],
        ),
    ],
)
def test_bad_uncertain_blocks_are_refused_naming_field_value_and_rule(tmp_path, uncertain, needles):
    path = write_experiment(tmp_path, [BASELINE], uncertain=uncertain)
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    message = str(info.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message, message


def test_a_value_both_sampled_and_set_by_a_scenario_is_refused(tmp_path):
    fixed = {**BASELINE, "name": "no_drift", "overrides": {"pathway": {"drift_strength": 0.0}}}
    with pytest.raises(ConfigError, match=r"scenario 'no_drift' also sets it in its overrides"):
        _experiment(tmp_path, scenarios=(BASELINE, fixed))


def test_a_region_refuses_an_uncertain_count_it_scales(tmp_path):
    with pytest.raises(ConfigError, match=r"uncertain.establishment.fte'.*scales this count"):
        _experiment(
            tmp_path,
            uncertain={"establishment.fte": {"dist": "uniform", "low": 10, "high": 20}},
            councils={"count": 3},
        )


def test_the_command_line_exits_2_on_a_bad_block(tmp_path, capsys):
    bad = {"pathway.drift_strength": {"dist": "uniform", "low": -1, "high": 0.3}}
    path = write_experiment(tmp_path, [BASELINE], uncertain=bad)
    assert main(["check", str(path)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "uncertain.pathway.drift_strength" in err and "value -1" in err
    good = write_experiment(tmp_path, [BASELINE], uncertain=LOOPS)
    assert main(["check", str(good)]) == 0
    out = capsys.readouterr().out
    assert "pathway.drift_strength: uniform 0-0.3 (mean 0.15; config 0)" in out


def test_yaml_round_trip_of_a_block(tmp_path):
    """The block as a planner writes it in YAML."""
    path = write_experiment(tmp_path, [BASELINE])
    data = yaml.safe_load(path.read_text())
    data["uncertain"] = yaml.safe_load(
        "pathway.drift_strength: {dist: uniform, low: 0, high: 0.3}\n"
        "leaving.caseload_strength: {dist: uniform, low: 0, high: 1}\n"
    )
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    exp = load_experiment(path)
    assert list(exp.spec.uncertain) == ["pathway.drift_strength", "leaving.caseload_strength"]
    assert not math.isnan(sample_uncertain(exp, 0)["pathway.drift_strength"])
