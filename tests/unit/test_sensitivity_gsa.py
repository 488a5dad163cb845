"""The SALib plumbing of ``csc-sim sensitivity`` (sim.experiment.gsa) on functions whose
indices are known, the mapping from quantiles to priors, and the findings' wording."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.policies import NormalEffect, TriangularEffect, UniformEffect
from sim.config.uncertain import prior_mean
from sim.experiment import gsa
from sim.experiment.sensitivity_findings import finding, in_short
from sim.experiment.sensitivity_inputs import parse_include, quantile

NAMES = ["x1", "x2", "x3"]


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """Ishigami's function of three inputs uniform on [-pi, pi] (given as quantiles)."""
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Its exact first- and total-order indices (Ishigami and Homma 1990)."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v


def test_sobol_gives_ishigamis_known_indices():
    u = gsa.sample("sobol", NAMES, 1024, seed=1)
    assert u.shape == (1024 * (3 + 2), 3) and u.min() >= 0 and u.max() <= 1
    out = gsa.analyse("sobol", NAMES, u, ishigami(u), seed=1).set_index("input")
    s1, st = ishigami_indices()
    assert out["S1"].to_numpy() == pytest.approx(s1, abs=0.04)
    assert out["ST"].to_numpy() == pytest.approx(st, abs=0.04)
    assert list(out["importance"].sort_values(ascending=False).index) == ["x1", "x2", "x3"]
    assert (out["importance_low"] <= out["ST"]).all() and (
        out["ST"] <= out["importance_high"]
    ).all()


def test_a_linear_model_gives_its_coefficients():
    """y = 4 x1 + 2 x2 on the unit cube: Sobol' shares 16:4:0 of the variance; a Morris
    elementary effect is the slope itself, so mu* is (4, 2, 0) with no spread."""
    coef = np.array([4.0, 2.0, 0.0])
    u = gsa.sample("sobol", NAMES, 512, seed=3)
    sobol = gsa.analyse("sobol", NAMES, u, u @ coef, seed=3).set_index("input")
    assert sobol["ST"].to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.03)
    assert sobol["S1"].to_numpy() == pytest.approx([0.8, 0.2, 0.0], abs=0.03)

    u = gsa.sample("morris", NAMES, 10, seed=3)
    assert u.shape == (10 * (3 + 1), 3)
    assert np.unique(u.round(9)) == pytest.approx([0, 1 / 3, 2 / 3, 1])  # the 4 levels
    morris = gsa.analyse("morris", NAMES, u, u @ coef, seed=3).set_index("input")
    assert morris["mu_star"].to_numpy() == pytest.approx(coef)
    assert morris["sigma"].to_numpy() == pytest.approx([0, 0, 0], abs=1e-9)


def test_the_design_is_the_same_for_the_same_seed_and_not_for_another():
    a = gsa.sample("morris", NAMES, 4, seed=5)
    assert np.array_equal(a, gsa.sample("morris", NAMES, 4, seed=5))
    assert not np.array_equal(a, gsa.sample("morris", NAMES, 4, seed=6))


def test_an_output_that_never_moves_has_indices_of_zero_and_a_missing_one_none():
    u = gsa.sample("morris", NAMES, 4, seed=1)
    still = gsa.analyse("morris", NAMES, u, np.full(len(u), 0.3), seed=1)
    assert (still["mu_star"] == 0).all() and (still["importance_high"] == 0).all()
    y = u @ np.ones(3)
    y[2] = np.nan
    assert gsa.analyse("morris", NAMES, u, y, seed=1)["importance"].isna().all()
    with pytest.raises(ValueError, match="outputs for a design"):
        gsa.analyse("morris", NAMES, u, y[:-1], seed=1)


@pytest.mark.parametrize(
    ("method", "samples", "rule"),
    [("sobol", 48, "power of 2"), ("sobol", 1, "power of 2"), ("morris", 1, "at least 2")],
)
def test_samples_that_do_not_suit_the_method_are_refused(method, samples, rule):
    with pytest.raises(ValueError, match=rule):
        gsa.sample(method, NAMES, samples, seed=1)


@pytest.mark.parametrize(
    "prior",
    [
        UniformEffect(dist="uniform", low=0.05, high=0.15),
        TriangularEffect(dist="triangular", low=1.5, mode=2.5, high=4.0),
        NormalEffect(dist="normal", mean=1.0, sd=0.5, low=0.5, high=2.0),
    ],
)
def test_quantiles_map_onto_the_prior_as_the_experiment_samples_it(prior):
    """Averaged over evenly spread quantiles, the values have the prior's mean (a normal's
    after clipping, with its mass at the bounds), and the ends are the prior's bounds."""
    u = (np.arange(20_000) + 0.5) / 20_000
    assert quantile(prior, u).mean() == pytest.approx(prior_mean(prior), rel=1e-3)
    assert quantile(prior, np.array([0.0, 1.0])) == pytest.approx([prior.low, prior.high])
    draws = [prior.sample(np.random.default_rng(s)) for s in range(4000)]
    assert np.quantile(draws, 0.3) == pytest.approx(float(quantile(prior, 0.3)), rel=0.05)


def test_include_groups_and_their_ranges():
    assert parse_include(["durations", "recruitment:0.1"]) == {
        "durations": 0.2,
        "recruitment": 0.1,
    }
    assert set(parse_include(["agency"])) == {"agency_leaving", "agency_conversion", "agency_fill"}
    with pytest.raises(ValueError, match="not a group"):
        parse_include(["salaries"])
    with pytest.raises(ValueError, match="above 0 and below 1"):
        parse_include(["durations:1.5"])


INFO = {
    "experiment": "e",
    "method": "sobol",
    "samples": 64,
    "replications": 20,
    "points": 320,
    "targets": [{"name": "t", "metric": "avg_caseload", "date": "2018-03-31"}],
}


def _rows(importance: dict[str, tuple[float, float, float]], lo=0.1, hi=0.6, output="p_met"):
    """Rows of indices.csv for one scenario and output: input -> (ST, low, high)."""
    return pd.DataFrame(
        [
            {
                "method": "sobol",
                "scenario": "s",
                "target": "t",
                "output": output,
                "input": name,
                "label": name.replace("_", " "),
                "S1": st,
                "importance": st,
                "importance_low": a,
                "importance_high": b,
                "output_min": lo,
                "output_max": hi,
                "output_mean": (lo + hi) / 2,
                "points": 320,
            }
            for name, (st, a, b) in importance.items()
        ]
    )


def test_the_finding_names_the_leaders_and_says_when_they_cannot_be_told_apart():
    apart = finding(_rows({"drift": (0.7, 0.6, 0.8), "leaving": (0.2, 0.1, 0.3)}), INFO)
    assert apart.top == ("drift", "leaving")
    assert "ranges 10%\u201360%" in apart.text and "Drift clearly matters most" in apart.text
    close = finding(_rows({"drift": (0.5, 0.3, 0.7), "leaving": (0.4, 0.2, 0.6)}), INFO)
    assert "cannot be told apart" in close.text and "clearly" not in close.text


def test_tiny_indices_and_an_output_that_never_moves_are_said_plainly():
    small = finding(_rows({"drift": (0.03, 0.0, 0.06), "leaving": (0.01, 0.0, 0.02)}), INFO)
    assert small.status == "small" and small.top == ()
    assert "no input moves it much" in small.text
    still = finding(_rows({"drift": (0.0, 0.0, 0.0)}, lo=0.0, hi=0.0), INFO)
    assert still.status == "constant" and "was 0% at every one of the 320 points" in still.text
    frame = pd.concat([_rows({"drift": (0.0, 0.0, 0.0)}, lo=0.0, hi=0.0)])
    frame = pd.concat([frame, _rows({"drift": (0.9, 0.8, 1.0)}, 15, 25, "kpi_median")])
    # the chance never moves, so the headline turns to the KPI, which does
    assert in_short(frame, INFO).startswith("The chance of meeting t does not move")
    assert "the median average caseload at 2018-03-31 hangs most on drift" in in_short(frame, INFO)
