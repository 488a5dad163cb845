"""Shipped configs against published figures (sim/checks/published.py, the part "against
published statistics" of ``csc-sim validate``): England against DfE 2023, Manchester 2016
against its own report; one test per figure, named with its source.

A figure a config does not reproduce is listed in ``KNOWN_GAPS`` with the reason (none
today), and a test holds the list exact: a figure that starts to match must leave the list
(and so gain its test), and a figure that stops matching fails.
"""

from __future__ import annotations

import math

import pytest

from sim.checks.published import SECTIONS, Comparison, Figure, compare, dfe

ENGLAND, ENGLAND_2017, MANCHESTER = (s.title for s in SECTIONS)
KNOWN_GAPS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def comparisons() -> dict[tuple[str, str], Comparison]:
    return {
        (s.title, c.figure.name): c
        for s in SECTIONS
        for c in compare(s.runs(s.replications), s.figures)
    }


MATCHED = [
    (s.title, f.name) for s in SECTIONS for f in s.figures() if (s.title, f.name) not in KNOWN_GAPS
]


@pytest.mark.parametrize("key", MATCHED, ids=" / ".join)
def test_the_config_reproduces_the_published_figure(comparisons, key):
    c = comparisons[key]
    f = c.figure
    assert c.passed, (
        f"{key}: model {c.model:.4g} (sd {c.spread:.3g} over replications), published "
        f"{f.published:.4g} +/- {f.tolerance:.3g} ({f.source})"
    )


def test_the_gaps_are_exactly_the_known_ones(comparisons):
    outside = {key for key, c in comparisons.items() if not c.passed}
    assert outside == set(KNOWN_GAPS), (
        f"now outside tolerance but not known: {sorted(outside - set(KNOWN_GAPS))}; "
        f"known gaps now within tolerance (remove them from KNOWN_GAPS): "
        f"{sorted(set(KNOWN_GAPS) - outside)}"
    )


def test_published_values_are_read_from_dfe_series():
    assert dfe("workforce", "case_holding_fte", 2023) == pytest.approx(21111.4)
    assert dfe("children_in_need", "children_in_need_31_march", 2023) == 403_090
    with pytest.raises(KeyError, match="no workforce/nothing for 2023"):
        dfe("workforce", "nothing", 2023)


def test_a_figure_the_model_cannot_measure_never_passes():
    f = Figure("x", 0.5, "source", lambda r: math.nan, "share", points=1.0)
    c = Comparison(f, math.nan, 0.0)
    assert not c.passed and c.verdict == "NOT MODELLED"
    assert Comparison(f, 0.9, 0.0).verdict == "PASS"
    assert Comparison(Figure("y", 100, "s", f.measure, "FTE", within=0.05), 106, 0).verdict == (
        "FAIL"
    )
