"""Children as the returns see them (issue 13 item 1): ages, leaving care by 18, routes by
legal status, typed exits, practice guidance acting on permanence, re-referrals as DfE
counts them and referrals closed before an assessment.

Each test runs England 2023 (configs/england_2023.yaml) at a small share of its size with
everything recorded (``sim.model.record``) and checks the recorded children against the
rule. The national figures these mechanisms were calibrated on (27% of starters 16+, 22.4%
re-referred within 12 months, 7.1% closed before assessment: DfE CLA 2023 and CIN 2023) are
checked in ``sim.checks.published`` (tests/integration/test_published.py).
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from sim.config.council import CARE_LEAVING_AGE_YEARS, PERMANENCE_EXITS
from sim.config.councils import scale_config
from sim.config.loader import load_config
from sim.model.simulation import CouncilModel
from sim.model.timeline import DAYS_PER_YEAR

ENGLAND = "configs/england_2023.yaml"
SHARE = 0.02  # about 8,000 open children
EIGHTEEN_DAYS = CARE_LEAVING_AGE_YEARS * DAYS_PER_YEAR
GUIDANCE_DAYS = 548.0


def _run(guidance: bool) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    cfg = scale_config(load_config(ENGLAND, {"horizon_months": 36}), SHARE, "test")
    model = CouncilModel(cfg, 7, record=True)
    if guidance:
        # practice guidance on timely permanence from day 0, followed by everyone
        model.levers.duration_caps_days["lac"] = GUIDANCE_DAYS
        model.levers.guidance_compliance = 1.0
    frame = model.run()
    assert model.recorder is not None
    return frame, model.recorder.tables()


@cache
def england() -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    return _run(guidance=False)


def _care_spells(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    spells = tables["spells"]
    lac = spells[spells["stage"] == "lac"].merge(tables["children"], on="child")
    lac["age_start"] = lac["start_day"] - lac["born_day"]
    lac["age_end"] = lac["end_day"] - lac["born_day"]
    return lac


def test_nobody_is_looked_after_past_their_18th_birthday() -> None:
    _, tables = england()
    lac = _care_spells(tables)
    ended = lac.dropna(subset=["end_day"])
    assert len(ended) > 500
    assert (ended["age_end"] <= EIGHTEEN_DAYS + 1e-6).all()
    open_at_end = lac[lac["end_day"].isna()]
    assert (open_at_end["age_start"] < EIGHTEEN_DAYS).all()
    # those who leave at 18 leave on their birthday, and only they are typed 18_plus
    aged_out = ended[ended["how"] == "18_plus"]
    assert len(aged_out) > 50
    assert np.allclose(aged_out["age_end"], EIGHTEEN_DAYS, atol=1e-6)
    assert (ended.loc[ended["how"] != "18_plus", "age_end"] < EIGHTEEN_DAYS).all()


def test_stays_end_in_typed_exits_and_permanence_closes_the_case() -> None:
    _, tables = england()
    lac = _care_spells(tables).dropna(subset=["end_day"])
    exits = set(lac["how"])
    assert {"return_home", "adoption", "special_guardianship", "18_plus"} <= exits
    assert exits <= {"return_home", "adoption", "special_guardianship", "other", "18_plus"}
    # adoption, special guardianship and 18 close the case: no spell starts that day
    spells = tables["spells"]
    closing = lac[lac["how"].isin(["adoption", "special_guardianship", "18_plus"])]
    next_spell = closing.merge(spells, on="child", suffixes=("", "_next"))
    assert not (next_spell["start_day_next"] == next_spell["end_day"]).any()
    # legal statuses come from the routes: placement orders (E1) only for the under-fives
    start = lac[lac["start_day"] >= 0]
    e1 = start[start["legal_status"] == "E1"]
    assert len(e1) > 20
    assert (e1["age_start"] < 5 * DAYS_PER_YEAR).all()


def test_guidance_brings_forward_permanence_but_not_long_term_care() -> None:
    _, tables = _run(guidance=True)
    lac = _care_spells(tables).dropna(subset=["end_day"])
    new = lac[lac["start_day"] >= 0]
    length = new["end_day"] - new["start_day"]
    permanence = new["how"].isin(sorted(PERMANENCE_EXITS))
    assert permanence.sum() > 200
    assert (length[permanence] <= GUIDANCE_DAYS + 1e-6).all()
    # without guidance, some permanence stays are longer than 548 days ...
    _, plain = england()
    plain_lac = _care_spells(plain).dropna(subset=["end_day"])
    plain_new = plain_lac[plain_lac["start_day"] >= 0]
    plain_len = plain_new["end_day"] - plain_new["start_day"]
    assert (plain_len[plain_new["how"].isin(sorted(PERMANENCE_EXITS))] > GUIDANCE_DAYS).any()
    # ... and with it, children who stay until 18 still can
    seeded = lac[lac["start_day"] < 0]
    assert (
        seeded.loc[seeded["how"] == "18_plus", "end_day"]
        - seeded.loc[seeded["how"] == "18_plus", "start_day"]
        > GUIDANCE_DAYS
    ).any()


def test_rereferrals_are_counted_as_dfe_defines_them() -> None:
    """DfE: a referral within 12 months of the child's previous referral. Recompute it from
    the recorded referrals and compare with the model's own monthly count."""
    frame, tables = england()
    refs = tables["referrals"].sort_values(["child", "day"], kind="stable")
    gap = refs.groupby("child")["day"].diff()
    within = int((gap <= DAYS_PER_YEAR).sum())
    assert within > 1000
    assert within == int(frame["rereferrals_12m"].sum())
    # children return as themselves: the same child is referred more than once
    assert refs["child"].duplicated().sum() >= within


def test_referrals_closed_before_assessment_take_no_case() -> None:
    frame, tables = england()
    refs = tables["referrals"]
    nfa = refs[refs["nfa"]]
    share = len(nfa) / len(refs)
    assert share == pytest.approx(0.071, abs=0.01)  # configs/england_2023.yaml: DfE CIN 2023
    assert len(nfa) == int(frame["referrals_nfa"].sum())
    # a referral closed at the door opens no spell on its day
    spells = tables["spells"]
    opened = nfa.merge(spells, on="child")
    assert not (opened["start_day"] == opened["day"]).any()
