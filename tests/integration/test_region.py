"""A region run as its councils side by side: the councils are the region's config scaled
to their shares, they add up into the region exactly, and the files do not depend on the
number of jobs or on the order the councils are listed in."""

from __future__ import annotations

import copy
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.checks.synthetic import SYNTHETIC
from sim.cli import main
from sim.config.councils import Councils
from sim.experiment.runner import run_experiment
from tests.conftest import CONFIGS

REGION_BASE = copy.deepcopy(SYNTHETIC)
REGION_BASE.update(
    horizon_months=12,
    demand={"referrals_per_year": 3000},
    initial_workforce={"permanent_fte": 30, "asye_fte": 6, "agency_fte": 6, "tenure": "zero"},
    establishment={"fte": 48, "team_managers_fte": 6},
)
REGION_BASE["leaving"] = {
    **SYNTHETIC["leaving"],
    "permanent": [{"from_years": 0, "per_year": 0.2}],
    "agency": [{"from_years": 0, "per_year": 0.5}],
    "notice_days_permanent": 28,
}
REGION_BASE["recruitment"] = {
    **SYNTHETIC["recruitment"],
    "appointable_per_advert": 1.0,
    "agency": {"cover_delay_days": 14, "max_share": 0.2, "conversion_per_year": 0.1},
}
CAMPAIGN_GBP_PER_YEAR = 600_000.0
SHARES = {"north": 1.0, "middle": 2.0, "south": 3.0}


def region_file(tmp_path, shares=SHARES, name="region.yaml"):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(REGION_BASE))
    spec = {
        "name": "test region",
        "base": "base.yaml",
        "replications": 3,
        "root_seed": 11,
        "councils": {"shares": shares},
        "targets": [{"name": "cl", "metric": "avg_caseload", "max": 18, "date": "2020-12-31"}],
        "scenarios": [
            {"name": "status_quo", "description": "as is"},
            {
                "name": "campaign",
                "description": "a recruitment campaign paid for by the region",
                "policies": [
                    {
                        "type": "recruitment_campaign",
                        "applicant_multiplier": 1.5,
                        "cost_gbp_per_year": CAMPAIGN_GBP_PER_YEAR,
                    }
                ],
            },
        ],
    }
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("region")
    out = tmp / "out"
    run_experiment(region_file(tmp), jobs=1, out=out)
    return tmp, out


def council_series(out, name):
    return pd.read_parquet(out / "councils" / name / "timeseries.parquet")


def test_councils_add_up_to_the_region(region):
    _, out = region
    councils = {n: council_series(out, n) for n in SHARES}
    whole = pd.read_parquet(out / "timeseries.parquet")
    stacked = pd.concat(councils.values())
    keys = ["scenario", "replication", "date"]
    sums = stacked.groupby(keys, sort=False).sum(numeric_only=True).reset_index()
    assert len(whole) == len(sums) == 2 * 3 * 13
    for col in ("open_cases", "referrals", "qualified_fte", "agency_fte", "leavers", "cost_gbp"):
        np.testing.assert_allclose(whole[col], sums[col], rtol=1e-12, err_msg=col)
    held, fte = sums["cases_held"], sums["case_holder_fte"]
    np.testing.assert_allclose(whole["avg_caseload"], held / fte, rtol=1e-12)
    held, fte = sums["qualified_cases_held"], sums["qualified_case_holder_fte"]
    np.testing.assert_allclose(whole["avg_caseload_qualified"], held / fte, rtol=1e-12)
    np.testing.assert_allclose(
        whole["max_worker_load"],
        stacked.groupby(keys, sort=False)["max_worker_load"].max().to_numpy(),
    )
    # Each council's own ratio is its numerator over its denominator: the new columns are
    # the ones the monitor divides.
    for name, f in councils.items():
        ok = f["qualified_case_holder_fte"] > 0
        np.testing.assert_allclose(
            f.loc[ok, "avg_caseload_qualified"],
            f.loc[ok, "qualified_cases_held"] / f.loc[ok, "qualified_case_holder_fte"],
            rtol=1e-12,
            err_msg=name,
        )
        np.testing.assert_allclose(
            f["share_over_target"],
            f["case_holders_over_target"] / f["case_holders"],
            rtol=1e-12,
            err_msg=name,
        )


def test_councils_are_the_region_scaled_to_their_shares(region):
    _, out = region
    total = sum(SHARES.values())
    region_cfg = pd.read_json(out / "manifest.json", typ="series")["resolved"]["scenarios"]
    policy_cost = {}
    for name, share in SHARES.items():
        manifest = pd.read_json(out / "councils" / name / "manifest.json", typ="series")
        cfg = manifest["resolved"]["scenarios"]["status_quo"]
        assert cfg["demand"]["referrals_per_year"] == pytest.approx(3000 * share / total)
        assert cfg["initial_workforce"]["permanent_fte"] == round(30 * share / total)
        assert cfg["teams"] == region_cfg["status_quo"]["teams"]  # targets, caps: unscaled
        f = council_series(out, name)
        policy_cost[name] = f.loc[f.scenario == "campaign", "cost_policy_gbp"].sum() / 3
    # the campaign's yearly cost is the region's, shared out by size (2020 had 366 days)
    year = CAMPAIGN_GBP_PER_YEAR * 366 / 365.25
    assert sum(policy_cost.values()) == pytest.approx(year)
    assert policy_cost["south"] == pytest.approx(year * 3 / 6)
    reps = pd.read_parquet(out / "replications.parquet")
    assert sorted(set(zip(reps.scenario, reps.replication, strict=True))) == sorted(
        (s, k) for s in ("status_quo", "campaign") for k in range(3)
    )
    table = pd.read_csv(out / "councils.csv")
    assert sorted(set(table.council)) == sorted(SHARES)
    assert len(table) == 3 * 2


def test_same_files_for_any_jobs_and_council_order(region, tmp_path):
    tmp, out = region
    again = tmp_path / "jobs2"
    run_experiment(region_file(tmp), jobs=2, out=again)
    for name in ("timeseries.parquet", "replications.parquet", "scenarios.csv", "councils.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    # A council's draws depend on the root seed and its name, not on its place in the list.
    reordered = {k: SHARES[k] for k in ("south", "north", "middle")}
    other = tmp_path / "reordered"
    run_experiment(region_file(tmp_path, reordered, "reordered.yaml"), jobs=1, out=other)
    for name in SHARES:
        mine = out / "councils" / name / "timeseries.parquet"
        assert mine.read_bytes() == (other / "councils" / name / "timeseries.parquet").read_bytes()


def test_lognormal_council_sizes():
    shares = Councils(count=150, size_sd_log=0.6).share_of()
    values = list(shares.values())
    assert len(shares) == 150 and math.isclose(sum(values), 1.0)
    assert values == sorted(values)
    p5, p95 = np.quantile(values, [0.05, 0.95])
    assert p95 / p5 == pytest.approx(math.exp(2 * 1.645 * 0.6), rel=0.05)
    assert Councils(count=4).share_of() == dict.fromkeys(
        ["council_1", "council_2", "council_3", "council_4"], 0.25
    )


def test_bad_councils_block_is_refused(tmp_path, capsys):
    path = region_file(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["councils"] = {"count": 3, "shares": {"a": 1}}
    path.write_text(yaml.safe_dump(spec))
    assert main(["experiment", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "councils" in err and "exactly one of shares and count" in err
    assert not (tmp_path / "o").exists()


def test_resume_finishes_an_interrupted_region(region, tmp_path):
    """A region stopped part-way keeps its finished chunks; --resume runs only the rest and
    ends with the same files."""
    import shutil

    tmp, out = region
    cut = tmp_path / "cut"
    shutil.copytree(out, cut)
    for name in ("timeseries.parquet", "replications.parquet", "scenarios.csv", "councils.csv"):
        (cut / name).unlink()
    gone = sorted((cut / "councils" / "south" / "parts").glob("001-*"))  # campaign's chunk
    assert gone
    for p in gone:
        p.unlink()
    shutil.rmtree(cut / "councils" / "middle")
    kept = cut / "councils" / "north" / "parts" / "000-0000000-0000003.rows.parquet"
    kept_ns = kept.stat().st_mtime_ns
    run_experiment(region_file(tmp), jobs=1, out=cut, resume=True)
    assert kept.stat().st_mtime_ns == kept_ns, "a finished chunk was run again"
    for name in ("timeseries.parquet", "replications.parquet", "scenarios.csv", "councils.csv"):
        assert (out / name).read_bytes() == (cut / name).read_bytes(), name


def test_council_names_that_share_a_folder_are_refused(tmp_path, capsys):
    path = region_file(tmp_path, {"St. Helens": 1.0, "St  Helens": 2.0})
    assert main(["experiment", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "councils.shares" in err and "St_Helens" in err
    assert not (tmp_path / "o").exists()


def test_a_failing_council_replication_comes_with_a_command_that_reruns_it(
    region, tmp_path, monkeypatch, capsys
):
    """The report of a failed council replication gives a `csc-sim run` line; run, it
    gives that council's replication exactly as the region run makes it."""
    import shlex

    from sim.experiment import replication as replication_module

    _tmp, out = region
    real = replication_module.run_one

    def flaky(cfg, seed, policies=()):
        if cfg.name.endswith(": middle") and seed.spawn_key == (2,) and policies:
            raise ZeroDivisionError("boom")
        return real(cfg, seed, policies)

    monkeypatch.setattr(replication_module, "run_one", flaky)
    path = region_file(tmp_path)
    code = main(["experiment", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "council middle, scenario campaign, replication 2" in err
    command = next(x.strip() for x in err.splitlines() if x.strip().startswith("csc-sim run"))
    assert "--council middle --scenario campaign --replication 2 --seed 11" in command
    monkeypatch.setattr(replication_module, "run_one", real)

    args = shlex.split(command)[1:]
    args[args.index("--out") + 1] = str(tmp_path / "alone")
    assert main(args) == 0
    alone = pd.read_csv(tmp_path / "alone" / "timeseries.csv")
    region_run = council_series(out, "middle")
    expected = region_run[
        (region_run["scenario"] == "campaign") & (region_run["replication"] == 2)
    ].reset_index(drop=True)
    assert len(alone) == len(expected) == 13
    for column in ("referrals", "open_cases", "avg_caseload", "cost_gbp"):
        np.testing.assert_allclose(alone[column], expected[column], rtol=1e-12)


def test_run_council_flag_needs_a_council_of_the_file(region, tmp_path, capsys):
    path = region_file(tmp_path)
    assert main(["run", str(path), "--council", "east", "--out", str(tmp_path / "o")]) == 2
    assert "--council 'east': not in" in capsys.readouterr().err
    council_cfg = str(CONFIGS / "manchester_2016.yaml")
    assert main(["run", council_cfg, "--council", "north", "--out", str(tmp_path / "o")]) == 2
    assert "is a council config, not an experiment" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
