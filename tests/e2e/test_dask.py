"""Past one machine: the same experiment on a Dask cluster gives byte-identical files."""

from __future__ import annotations

import distributed

from sim.experiment.runner import run_experiment
from tests.support.experiments import BASELINE, CAMPAIGN, FILES, write_experiment


def test_dask_cluster_matches_local_run_byte_for_byte(tmp_path):
    exp = write_experiment(tmp_path, [BASELINE, CAMPAIGN], replications=8)
    run_experiment(exp, jobs=1, out=tmp_path / "local")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        run_experiment(
            exp,
            jobs=2,
            out=tmp_path / "dask",
            backend="dask",
            scheduler=cluster.scheduler_address,
            chunk_size=3,
        )
    run_experiment(exp, jobs=2, out=tmp_path / "dask_local", backend="dask", chunk_size=5)
    for name in FILES:
        local = (tmp_path / "local" / name).read_bytes()
        assert local == (tmp_path / "dask" / name).read_bytes(), name
        assert local == (tmp_path / "dask_local" / name).read_bytes(), name
