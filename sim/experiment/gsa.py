"""Global sensitivity analysis with SALib: the sample design on the unit hypercube and the
indices of one output, for Sobol' (Saltelli sampling, first and total order) and Morris
(elementary effects).

Inputs are sampled as quantiles in [0, 1] and mapped to their own priors by the caller
(``sim.experiment.sensitivity_inputs``): SALib's own distributions lack the clipped normal
the config uses, and on the unit cube a Morris elementary effect reads the same for every
input: the change in the output for a move across the input's whole prior, in quantiles.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

Method = Literal["morris", "sobol"]
METHODS: tuple[Method, ...] = ("morris", "sobol")
MORRIS_LEVELS = 4
"""Grid levels of a Morris trajectory (0, 1/3, 2/3, 1): the usual choice, with steps of 2/3."""
CONF_LEVEL = 0.95
RESAMPLES = 200
"""Bootstrap resamples for the confidence intervals of the indices."""
INDEX_COLUMNS: dict[Method, tuple[str, ...]] = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu", "mu_star", "mu_star_conf", "sigma"),
}
"""The columns :func:`analyse` gives for each method (besides ``importance``)."""


def problem(names: Sequence[str]) -> dict[str, Any]:
    """SALib's problem definition: every input on [0, 1] (a quantile of its prior)."""
    if not names:
        raise ValueError("no uncertain inputs: nothing to analyse")
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def points_needed(method: Method, samples: int, inputs: int) -> int:
    """Model evaluations of a design: Sobol' N x (D + 2) (first and total order only),
    Morris N trajectories x (D + 1)."""
    return samples * (inputs + 2) if method == "sobol" else samples * (inputs + 1)


def check_samples(method: Method, samples: int) -> None:
    """A ValueError naming the rule unless ``samples`` suits ``method``."""
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        raise ValueError(
            f"--samples {samples}: Sobol' sampling needs a power of 2 of at least 2 (e.g. 16, "
            "64, 256): the Sobol' sequence keeps its balance only at powers of 2"
        )
    if method == "morris" and samples < 2:
        raise ValueError(
            f"--samples {samples}: Morris needs at least 2 trajectories, so that the spread "
            "of the elementary effects (sigma) and their interval can be estimated"
        )


def sample(method: Method, names: Sequence[str], samples: int, seed: int) -> np.ndarray:
    """The design: one row per model evaluation, one column per input, each a quantile in
    [0, 1]; the same for the same arguments (``seed`` scrambles Sobol' and draws Morris)."""
    check_samples(method, samples)
    prob = problem(names)
    if method == "sobol":
        x = sobol_sample.sample(prob, samples, calc_second_order=False, seed=seed)
    else:
        x = morris_sample.sample(prob, samples, num_levels=MORRIS_LEVELS, seed=seed)
    return np.asarray(x, dtype=float)


def analyse(
    method: Method, names: Sequence[str], x: np.ndarray, y: np.ndarray, seed: int
) -> pd.DataFrame:
    """The indices of output ``y`` (one value per row of design ``x``): one row per input
    with the method's columns (:data:`INDEX_COLUMNS`) and ``importance`` (Sobol' ST, Morris
    mu*) with its 95% interval ``importance_low`` and ``importance_high``. An output that
    is the same at every point gives indices of 0 (nothing moves it); one with a missing
    value gives NaN."""
    y = np.asarray(y, dtype=float)
    if len(y) != len(x):
        raise ValueError(f"{len(y)} outputs for a design of {len(x)} points")
    prob = problem(names)
    cols = INDEX_COLUMNS[method]
    if not np.isfinite(y).all() or np.ptp(y) == 0:
        fill = math.nan if not np.isfinite(y).all() else 0.0
        out = pd.DataFrame({c: fill for c in cols}, index=pd.Index(list(names), name="input"))
    else:
        with warnings.catch_warnings():
            # SALib warns of samples that are not powers of 2; check_samples refused those.
            warnings.simplefilter("ignore", UserWarning)
            if method == "sobol":
                res = sobol_analyze.analyze(
                    prob,
                    y,
                    calc_second_order=False,
                    num_resamples=RESAMPLES,
                    conf_level=CONF_LEVEL,
                    seed=seed,
                )
            else:
                res = morris_analyze.analyze(
                    prob,
                    x,
                    y,
                    num_resamples=RESAMPLES,
                    conf_level=CONF_LEVEL,
                    num_levels=MORRIS_LEVELS,
                    seed=seed,
                )
        out = pd.DataFrame(
            {c: np.asarray(res[c], dtype=float) for c in cols},
            index=pd.Index(list(names), name="input"),
        )
    if method == "sobol":
        imp, conf = out["ST"], out["ST_conf"]
    else:
        imp, conf = out["mu_star"], out["mu_star_conf"]
    out["importance"] = imp
    # An index is at least 0: an interval reaching below is the estimate's noise.
    out["importance_low"] = (imp - conf).clip(lower=0)
    out["importance_high"] = imp + conf
    return out.reset_index()
