"""An experiment's levers (sim/config/levers_space.py) and the candidates they make
(sim/experiment/optimise.py: build_search): every combination of one option per lever,
each a scenario of the experiment; bad blocks refused naming the field and the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.config.experiment import load_experiment
from sim.config.levers_space import LeverSpace, candidate_scenario, choices
from sim.config.loader import ConfigError
from sim.experiment.optimise import build_search
from tests.support.experiments import BASELINE, write_experiment

CAMPAIGN = {"type": "recruitment_campaign", "applicant_multiplier": 2.0, "cost_gbp_per_year": 1e4}


def space(*levers: dict, **extra: object) -> LeverSpace:
    return LeverSpace.model_validate({"choose": list(levers), **extra})


def test_establishment_options_fund_the_posts_and_managers_at_the_span():
    lever = space({"kind": "establishment", "fte": [20, 25], "date": ["2020-06-01"]}).choose[0]
    out = choices(lever, team_manager_span=8)
    assert [c.option for c in out] == ["20", "25"]
    assert out[1].overrides == {
        "establishment": {
            "schedule": [{"date": dt.date(2020, 6, 1), "fte": 25}],
            "team_manager_schedule": [{"date": dt.date(2020, 6, 1), "fte": 4}],  # 25 / 8 up
        }
    }
    assert out[1].label == "25 posts from Jun 2020"


def test_establishment_dates_multiply_the_options_and_name_them():
    lever = space(
        {
            "kind": "establishment",
            "fte": [20, 25],
            "date": ["2020-06-01", "2021-01-01"],
            "team_managers": "keep",
        }
    ).choose[0]
    out = choices(lever, 8)
    assert [c.option for c in out] == [
        "20-2020-06-01",
        "20-2021-01-01",
        "25-2020-06-01",
        "25-2021-01-01",
    ]
    assert all("team_manager_schedule" not in c.overrides["establishment"] for c in out)


def test_a_policy_lever_is_off_or_on_at_each_size_and_start():
    lever = space(
        {
            "kind": "policy",
            "name": "campaign",
            "policy": CAMPAIGN,
            "sizes": {"small": {}, "big": {"applicant_multiplier": 3.0, "cost_gbp_per_year": 3e4}},
            "start": ["2020-03-01", "2020-09-01"],
        }
    ).choose[0]
    out = choices(lever, 8)
    assert [c.option for c in out] == [
        "off",
        "small-2020-03-01",
        "small-2020-09-01",
        "big-2020-03-01",
        "big-2020-09-01",
    ]
    assert out[0].policies == () and out[0].label == ""
    big = out[3].policies[0]
    assert big["applicant_multiplier"] == 3.0 and big["cost_gbp_per_year"] == 3e4
    assert big["start"] == dt.date(2020, 3, 1)
    assert out[3].label == "campaign big from Mar 2020"


def test_a_candidate_adds_its_choices_to_the_starting_scenario():
    posts, campaign = space(
        {"kind": "establishment", "fte": [20], "date": ["2020-06-01"]},
        {"kind": "policy", "name": "campaign", "policy": CAMPAIGN, "off": False},
    ).choose
    start = {
        "name": "start",
        "description": "x",
        "overrides": {"establishment": {"fte": 14}, "horizon_months": 30},
        "policies": [{"type": "agency_policy", "max_share": 0.1, "by": "2021-01-01"}],
    }
    picked = (choices(posts, 8)[0], choices(campaign, 8)[0])
    sc = candidate_scenario(start, picked)
    assert sc["name"] == "posts-20__campaign-on"
    assert sc["description"] == "20 posts from Jun 2020; campaign"
    assert sc["overrides"]["establishment"]["fte"] == 14  # merged, not replaced
    assert sc["overrides"]["horizon_months"] == 30
    assert [p["type"] for p in sc["policies"]] == ["agency_policy", "recruitment_campaign"]


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {
                "choose": [
                    {
                        "kind": "policy",
                        "name": "c",
                        "policy": CAMPAIGN,
                        "sizes": {"x": {"applicant_multiplier": -1}},
                    }
                ]
            },
            "sizes.x: the policy with this size is refused: field 'applicant_multiplier'",
        ),
        (
            {"choose": [{"kind": "options", "name": "a", "options": [{"name": "x"}]}] * 2},
            "lever names must be unique; repeated: a",
        ),
        (
            {
                "choose": [
                    {"kind": "options", "name": "a", "options": [{"name": "x"}, {"name": "x"}]}
                ]
            },
            "option names must be unique",
        ),
        (
            {
                "choose": [
                    {"kind": "establishment", "fte": list(range(1, 40)), "date": ["2020-01-01"]},
                    {
                        "kind": "establishment",
                        "name": "b",
                        "fte": list(range(1, 40)),
                        "date": ["2020-01-01"],
                    },
                ]
            },
            "1,521 combinations of options; the limit is 1,000",
        ),
        (
            {"choose": [{"kind": "establishment", "fte": [10, 10], "date": ["2020-01-01"]}]},
            "fte: a value is given twice",
        ),
    ],
)
def test_bad_lever_blocks_are_refused_with_the_rule(tmp_path, block, message):
    path = write_experiment(tmp_path, [BASELINE], levers=block)
    with pytest.raises(ConfigError, match="field 'levers") as err:
        build_search(path, "caseload_30", 40)
    assert message in str(err.value)


def test_the_candidates_are_the_experiment_s_scenarios(tmp_path):
    levers = {
        "choose": [
            {"kind": "establishment", "fte": [14, 18], "date": ["2020-02-01"]},
            {"kind": "policy", "name": "campaign", "policy": CAMPAIGN},
        ]
    }
    search = build_search(write_experiment(tmp_path, [BASELINE], levers=levers), "agency_low", 40)
    assert [c.name for c in search.candidates] == [
        "posts-14__campaign-off",
        "posts-14__campaign-on",
        "posts-18__campaign-off",
        "posts-18__campaign-on",
    ]
    cfg = {s.name: s.config for s in search.experiment.scenarios}
    assert cfg["posts-18__campaign-on"].establishment.schedule[0].fte == 18
    assert search.target.name == "agency_low"
    assert search.experiment.spec.replications == 40
    assert search.experiment.spec.levers is None


def test_combinations_that_run_alike_are_kept_once(tmp_path):
    """A campaign from two dates, each off: 'off' once; two options that change nothing."""
    levers = {
        "choose": [
            {"kind": "options", "name": "a", "options": [{"name": "x"}, {"name": "y"}]},
            {"kind": "policy", "name": "campaign", "policy": CAMPAIGN},
        ]
    }
    search = build_search(write_experiment(tmp_path, [BASELINE], levers=levers), "caseload_30", 40)
    assert [c.name for c in search.candidates] == ["a-x__campaign-off", "a-x__campaign-on"]
    assert search.duplicates == {
        "a-y__campaign-off": "a-x__campaign-off",
        "a-y__campaign-on": "a-x__campaign-on",
    }


@pytest.mark.parametrize(
    ("levers", "target", "message"),
    [
        (None, "caseload_30", "has no levers block"),
        (
            {"choose": [{"kind": "options", "name": "a", "options": [{"name": "x"}]}]},
            "nope",
            "--target 'nope': not in",
        ),
        (
            {
                "from_scenario": "ghost",
                "choose": [{"kind": "options", "name": "a", "options": [{"name": "x"}]}],
            },
            "caseload_30",
            "field 'levers.from_scenario': value 'ghost': not a scenario",
        ),
    ],
)
def test_a_search_without_levers_target_or_start_is_refused(tmp_path, levers, target, message):
    extra = {} if levers is None else {"levers": levers}
    with pytest.raises(ValueError) as err:
        build_search(write_experiment(tmp_path, [BASELINE], **extra), target, 40)
    assert message in str(err.value)


def test_an_option_s_bad_override_is_refused_naming_the_candidate(tmp_path):
    levers = {
        "choose": [
            {
                "kind": "options",
                "name": "a",
                "options": [{"name": "x", "overrides": {"horizon_months": -3}}],
            }
        ]
    }
    with pytest.raises(ConfigError) as err:
        build_search(write_experiment(tmp_path, [BASELINE], levers=levers), "caseload_30", 40)
    assert "'a-x'" in str(err.value) and "horizon_months" in str(err.value)


def test_levers_enter_the_hash_only_when_given(tmp_path):
    """Adding the optional block changed no existing experiment's hash (a --resume of an
    old folder still matches); an experiment with levers is hashed with them."""
    plain = load_experiment(write_experiment(tmp_path, [BASELINE])).to_plain()["experiment"]
    assert "levers" not in plain
    levers = {"choose": [{"kind": "options", "name": "a", "options": [{"name": "x"}]}]}
    with_levers = load_experiment(write_experiment(tmp_path, [BASELINE], levers=levers))
    assert with_levers.to_plain()["experiment"]["levers"]["choose"][0]["name"] == "a"
