"""Drawing an experiment's uncertain council-config values (its ``uncertain:`` block,
``sim.config.uncertain``) for one replication, and the scenario config they give.

Replication k draws each path's value from the ``uncertain`` stream of seed sequence k of
the root seed, keyed by the path: it depends only on the root seed, k and the path, so
every scenario of replication k runs with the same values (scenario comparisons stay
paired), the values do not depend on ``--jobs`` or the chunking, and adding a path to the
block leaves the other paths' draws as they were.
"""

from __future__ import annotations

import numpy as np

from sim.config.council import CouncilConfig
from sim.config.experiment import ResolvedExperiment
from sim.config.uncertain import with_values
from sim.model.rng import replication_seed, stream_seed

STREAM = "uncertain"


def sample_uncertain(exp: ResolvedExperiment, replication: int) -> dict[str, float]:
    """The value of each uncertain path in replication ``replication`` (0-based), in the
    order of the experiment file."""
    priors = exp.spec.uncertain
    if not priors:
        return {}
    seed = replication_seed(exp.uncertain_root_seed, replication)
    return {
        path: prior.sample(np.random.default_rng(stream_seed(seed, STREAM, path)))
        for path, prior in priors.items()
    }


def replication_config(
    exp: ResolvedExperiment, scenario_index: int, replication: int
) -> tuple[CouncilConfig, dict[str, float]]:
    """Scenario ``scenario_index``'s council config in replication ``replication``, with
    the uncertain values of that replication set; and those values."""
    values = sample_uncertain(exp, replication)
    return with_values(exp.scenarios[scenario_index].config, values), values
