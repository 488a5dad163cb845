"""``csc-sim optimise`` on the small synthetic council (tests/support/experiments.py): the
levers' combinations race to the cheapest that meets the target with the probability asked
for; the files; a resumed search reads its parts back; bad input exits 2."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import sim.experiment.optimise as optimise_module
import sim.experiment.replication as replication_module
from sim.cli import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, main
from tests.support.experiments import BASELINE, write_experiment

LEVERS = {
    "choose": [
        {"kind": "establishment", "fte": [14, 18, 22, 26], "date": ["2020-02-01"]},
        {
            "kind": "policy",
            "name": "campaign",
            "policy": {
                "type": "recruitment_campaign",
                "applicant_multiplier": 3.0,
                "cost_gbp_per_year": 20000,
            },
        },
    ]
}
FAST = ["--first-replications", "5", "--max-replications", "40", "--resolution", "0.1"]


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """One search, shared by the tests below (about 5 s)."""
    tmp = tmp_path_factory.mktemp("optimise")
    exp = write_experiment(tmp, [BASELINE], levers=LEVERS)
    out = tmp / "out"
    argv = ["optimise", str(exp), "--target", "caseload_30", "--out", str(out), "--quiet"]
    assert main([*argv, *FAST]) == EXIT_OK
    return exp, out, argv


def test_the_cheapest_option_that_meets_is_found_and_replications_spent_unevenly(searched):
    _, out, _ = searched
    table = pd.read_csv(out / "candidates.csv")
    assert len(table) == 8
    answer = table[table["answer"]]
    assert len(answer) == 1
    a = answer.iloc[0]
    assert a["verdict"] == "meets" and a["bound_low"] >= 0.8
    # every cheaper option fails, or could not be told from the line at the cap
    cheaper = table[table["cost_per_year_gbp"] < a["cost_per_year_gbp"]]
    assert set(cheaper["verdict"]) <= {"fails", "undecided"}
    assert (cheaper[cheaper["verdict"] == "fails"]["bound_high"] < 0.8).all()
    # far from a full grid: the hopeless stop at their first look, the dearer early
    reps = table["replications"]
    assert reps.sum() < len(table) * 40
    assert reps.min() == 5 and reps.max() > 5
    dearer = table[table["cost_per_year_gbp"] > a["cost_per_year_gbp"]]
    assert (dearer["replications"] < a["replications"]).all()
    assert dearer["stopped"].str.startswith("dearer than candidate").all()
    # the frontier starts at the cheapest option and the answer is on it
    assert table.iloc[0]["on_frontier"] and a["on_frontier"]


def test_the_files_say_what_was_found(searched):
    _, out, _ = searched
    table = pd.read_csv(out / "candidates.csv")
    a = table[table["answer"]].iloc[0]
    text = (out / "optimise.md").read_text()
    assert f"The cheapest option found that meets 80% is {a['label']}" in text
    assert "holds together with 95% confidence" in text
    assert f"8 candidates evaluated with {table['replications'].sum():,} replications" in text
    svg = (out / "frontier.svg").read_text()
    for gid in ('id="frontier"', 'id="answer"', f'id="key:{a["candidate"]}"'):
        assert gid in svg
    assert (out / "frontier.png").stat().st_size > 10_000
    reps = pd.read_parquet(out / "replications.parquet")
    assert len(reps) == table["replications"].sum()
    # common random numbers: replication k drew the same uncertain futures everywhere
    assert reps.groupby("replication")["root_seed"].nunique().max() == 1


def test_a_resumed_search_reads_its_parts_back(searched, monkeypatch):
    _, out, argv = searched
    before = (out / "candidates.csv").read_bytes()

    def no_running(*_args, **_kwargs):
        raise AssertionError("a finished search ran a replication again")

    monkeypatch.setattr("sim.experiment.optimise.run_tasks", no_running)
    (out / "candidates.csv").unlink()
    assert main([*argv, *FAST, "--resume"]) == EXIT_OK
    assert (out / "candidates.csv").read_bytes() == before


def test_the_same_folder_is_refused_without_resume_or_force(searched, capsys):
    _, _, argv = searched
    assert main([*argv, *FAST]) == EXIT_USAGE
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--target", "nope"], "--target 'nope': not in"),
        (["--first-replications", "50", "--max-replications", "20"], "--max-replications 20"),
    ],
)
def test_bad_input_exits_2_naming_it(tmp_path, capsys, extra, message):
    exp = write_experiment(tmp_path, [BASELINE], levers=LEVERS)
    argv = ["optimise", str(exp), "--target", "caseload_30", "--out", str(tmp_path / "o")]
    assert main([*argv, *extra]) == EXIT_USAGE
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_probability_given_as_a_percentage_exits_2(tmp_path, capsys):
    exp = write_experiment(tmp_path, [BASELINE], levers=LEVERS)
    argv = ["optimise", str(exp), "--target", "caseload_30", "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--probability", "80"])
    assert stop.value.code == EXIT_USAGE
    assert "'80': must be a number above 0 and below 1" in capsys.readouterr().err


def test_an_interrupted_search_carries_on_to_the_same_answer(searched, tmp_path, monkeypatch):
    """Parts lost as if the search had stopped part way: --resume runs only those."""
    _, out, argv = searched
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "candidates.csv").read_bytes()
    parts = sorted((copy / "parts").glob("*.rows.parquet"))
    lost = parts[len(parts) // 2 :]
    for p in lost:
        p.unlink()
    (copy / "candidates.csv").unlink()
    ran: list[tuple] = []
    real = optimise_module.run_tasks

    def counting(tasks, *args, **kwargs):
        ran.extend(t for _, t in tasks)
        return real(tasks, *args, **kwargs)

    monkeypatch.setattr(optimise_module, "run_tasks", counting)
    argv = [a if a != str(out) else str(copy) for a in argv]
    assert main([*argv, *FAST, "--resume"]) == EXIT_OK
    assert (copy / "candidates.csv").read_bytes() == before
    assert len(ran) == len(lost)


def test_a_replication_that_raises_stops_the_search_with_exit_3(tmp_path, monkeypatch, capsys):
    exp = write_experiment(tmp_path, [BASELINE], levers=LEVERS)
    real = replication_module.run_one

    def failing(cfg, seed, policies):
        if cfg.establishment.schedule and cfg.establishment.schedule[0].fte == 26:
            raise RuntimeError("boom")
        return real(cfg, seed, policies)

    monkeypatch.setattr(replication_module, "run_one", failing)
    out = tmp_path / "o"
    argv = ["optimise", str(exp), "--target", "caseload_30", "--out", str(out), "--quiet"]
    assert main([*argv, *FAST]) == EXIT_INCOMPLETE
    err = capsys.readouterr().err
    assert "candidate posts-26__campaign-off, replication 0: RuntimeError: boom" in err
    assert "--resume" in err
    assert "boom" in (out / "failures.log").read_text()
