"""``csc-sim returns`` end to end on Manchester 2016 (configs/manchester_2016.yaml, five
years) and England 2023 at 2% of its size (ages, legal statuses, UASC, typed exits): the
files read back give the recorded spells, referrals, children and workers to the day, and
their counts agree with the model's own monthly series, year by year."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from sim.cli import main
from sim.config.councils import scale_config
from sim.config.loader import load_config
from sim.model.rng import replication_seed
from sim.model.run import run_one
from sim.returns.common import april_years, census_years
from sim.returns.people import children, spells
from sim.returns.read import Returns, read_returns
from sim.returns.simulate import Run, simulate
from sim.returns.writer import write_returns
from tests.conftest import CONFIGS

MANCHESTER = CONFIGS / "manchester_2016.yaml"
CIN_SCHEMA = Path(__file__).parents[1] / "support" / "cin_census_2024_25.xsd"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("returns")


@cache
def _written(name: str, base: Path) -> tuple[Run, Returns]:
    if name == "manchester":
        run = simulate(load_config(MANCHESTER), 3)
    else:
        cfg = load_config(CONFIGS / "england_2023.yaml", {"horizon_months": 24})
        run = simulate(scale_config(cfg, 0.02, "test"), 11)
    write_returns(run, base / name)
    return run, read_returns(base / name)


@pytest.fixture(params=["manchester", "england"])
def both(request: pytest.FixtureRequest, folder: Path) -> tuple[Run, Returns]:
    return _written(request.param, folder)


@pytest.fixture
def manchester(folder: Path) -> tuple[Run, Returns]:
    return _written("manchester", folder)


@pytest.fixture
def england(folder: Path) -> tuple[Run, Returns]:
    return _written("england", folder)


def _ambiguous(sp: pd.DataFrame) -> set[str]:
    """Children with two spells starting on one date: what came next can be read either way."""
    twice = sp.groupby(["child", "start"]).size()
    return set(twice[twice > 1].index.get_level_values("child"))


def test_spells_come_back_to_the_day(both):
    run, back = both
    want = spells(run).assign(child=lambda s: s["child"].astype(str))
    got = back.spells
    key = ["child", "stage", "start", "end", "legal_status"]
    merged = want[[*key, "how"]].merge(
        got[[*key, "how"]], on=key, how="outer", indicator=True, suffixes=("", "_read")
    )
    assert len(want) > 5000
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    unclear = _ambiguous(want)
    assert len(unclear) < 0.002 * want["child"].nunique()
    sure = merged[~merged["child"].isin(unclear)]
    assert (sure["how"] == sure["how_read"]).all(), sure[sure["how"] != sure["how_read"]].head()


def test_referrals_and_children_come_back(both):
    run, back = both
    refs = run.tables["referrals"]
    start = pd.Timestamp(run.start)
    want = pd.DataFrame(
        {
            "child": refs["child"].astype(str),
            "date": start + pd.to_timedelta(np.floor(refs["day"]), unit="D"),
            "nfa": refs["nfa"].astype(bool),
        }
    )
    got = back.referrals[back.referrals["date"] >= start][["child", "date", "nfa"]]
    key = ["child", "date", "nfa"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        want.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )
    # each child open at the start has one episode, its (unknown) referral dated before it
    open_at_start = spells(run).query("start_day < 0")["child"].astype(str)
    before = back.referrals[back.referrals["date"] < start]
    assert sorted(before["child"]) == sorted(open_at_start.unique())
    kids = children(run).assign(child=lambda k: k["child"].astype(str)).set_index("child")
    got_kids = back.children.set_index("child").loc[kids.index]
    pd.testing.assert_series_equal(got_kids["dob"], kids["dob"], check_dtype=False)
    assert (got_kids["uasc"].astype(bool) == kids["uasc"]).all()
    assert (got_kids["sex"] == kids["sex"]).all()


@pytest.mark.parametrize("name", ["manchester", "england"])
def test_the_census_files_follow_the_specification_s_schema(name, folder):
    run, _ = _written(name, folder)
    schema = etree.XMLSchema(etree.parse(str(CIN_SCHEMA)))
    files = sorted((folder / name / "cin_census").glob("*/cin_census.xml"))
    assert [f.parent.name for f in files] == [
        y.folder for y in april_years(run.start, run.last_day)
    ]
    for path in files:
        assert schema.validate(etree.parse(str(path))), (path, schema.error_log.last_error)


def test_england_s_children_have_ages_statuses_and_typed_exits(england):
    _, back = england
    assert back.children["dob"].notna().all()
    lac = back.spells[back.spells["stage"] == "lac"]
    assert {"C2", "V2", "E1"} <= set(lac["legal_status"])
    assert {"return_home", "adoption", "18_plus"} <= set(lac["how"])
    assert back.children["uasc"].sum() > 50


def test_workers_come_back(manchester):
    run, back = manchester
    w = run.tables["workers"].copy()
    start = pd.Timestamp(run.start)
    for col in ("start", "end", "qualified"):
        w[col] = start + pd.to_timedelta(np.floor(w[f"{col}_day"]), unit="D")
    w["worker"] = w["worker"].map("SW{:010d}".format)
    censuses = census_years(run.start, run.last_day)
    first, last = censuses[0].first, censuses[-1].last
    overlaps = (w["start"] <= last) & (w["end"].isna() | (w["end"] >= first))
    own = w[(w["kind"] != "agency") & overlaps]
    got = back.workers[~back.workers["agency"]].set_index(["worker", "start"])
    assert len(own) > 150 and len(got) == len(own)
    mine = own.set_index(["worker", "start"]).loc[got.index]
    assert (got["kind"] == mine["kind"]).all() and (got["fte"] == mine["fte"]).all()
    seen_to_end = mine["end"] <= last
    assert (got.loc[seen_to_end, "end"] == mine.loc[seen_to_end, "end"]).all()
    assert got.loc[~seen_to_end, "end"].isna().all()
    assert (got.loc[seen_to_end, "reason"] == mine.loc[seen_to_end, "reason"]).all()
    # the ASYE's end as the censuses see it: in it on one 30 September, past it on a later
    nqsw = mine["kind"] == "asye"
    seen_done = got["qualified_seen"].notna() & nqsw
    assert seen_done.sum() > 5
    assert (mine.loc[seen_done, "qualified"] <= got.loc[seen_done, "qualified_seen"]).all()
    in_it = got["asye_seen"].notna() & nqsw
    assert in_it.sum() > 5
    assert (
        mine.loc[in_it, "qualified"].fillna(pd.Timestamp.max) > got.loc[in_it, "asye_seen"]
    ).all()
    assert got.loc[~nqsw, "asye_seen"].isna().all()
    # agency workers: those in post on some 30 September, from when they started
    refs = [c.last for c in censuses]
    agency = w[w["kind"] == "agency"]
    seen = agency[
        [any(s <= r and (pd.isna(e) or e > r) for r in refs)
         for s, e in zip(agency["start"], agency["end"], strict=True)]
    ]  # fmt: skip
    got_agency = back.workers[back.workers["agency"]]
    assert sorted(zip(got_agency["worker"], got_agency["start"], strict=True)) == sorted(
        zip(seen["worker"], seen["start"], strict=True)
    )


def _months(frame: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """The monthly rows of the months from ``first`` to ``last`` (row 0 is the start)."""
    return frame.iloc[1:][frame["date"].iloc[1:].between(first, last)]


def test_counts_agree_with_the_monthly_series(both):
    run, back = both
    start = pd.Timestamp(run.start)
    lac = back.spells[back.spells["stage"] == "lac"]
    refs = back.referrals
    years = april_years(run.start, run.last_day)
    for year in years:
        lo, hi = max(year.first, start), year.last
        m = _months(run.frame, lo, hi)
        inside = refs["date"].between(lo, hi)
        ended = lac["end"].between(lo, hi)
        assert lac["start"].between(lo, hi).sum() == m["lac_started"].sum(), year.label
        assert ended.sum() == m["lac_ceased"].sum(), year.label
        assert inside.sum() == m["referrals"].sum(), year.label
        assert (inside & refs["nfa"]).sum() == m["referrals_nfa"].sum(), year.label
        closed = refs["close"].between(lo, hi) & ~refs["nfa"]
        assert closed.sum() == m["closures"].sum(), year.label
        for how, col in (("adoption", "lac_ceased_adopted"), ("18_plus", "lac_ceased_18_plus"),
                         ("special_guardianship", "lac_ceased_sgo"),
                         ("return_home", "lac_ceased_home")):  # fmt: skip
            assert (ended & (lac["how"] == how)).sum() == m[col].sum(), (year.label, how)
        at = run.frame[run.frame["date"] == hi]
        if len(at):  # looked after on 31 March: the episodes with no end that year
            open_then = (lac["start"] <= hi) & (lac["end"].isna() | (lac["end"] > hi))
            assert open_then.sum() == at["open_lac"].iloc[0], year.label
    assert sum(_months(run.frame, start, years[-1].last)["lac_started"]) > 100


def test_the_workforce_census_agrees_with_the_monthly_series(both):
    run, back = both
    w, start = back.workers, pd.Timestamp(run.start)
    for census in census_years(run.start, run.last_day):
        ref = census.last
        row = run.frame[run.frame["date"] == ref].iloc[0]
        listed = w[(w["first_seen"] <= ref) & (w["last_seen"] >= ref)]
        in_post = listed[listed["end"].isna() | (listed["end"] > ref)]
        agency = in_post[in_post["agency"]]
        assert agency["fte"].sum() == pytest.approx(row["agency_fte"])
        own = in_post[~in_post["agency"]]
        assert own["fte"].sum() == pytest.approx(row["qualified_fte"] + row["asye_fte"])
        # in the ASYE on the census day: CFKSSstatus 1 then (the last census seeing it or later)
        asye = own[(own["kind"] == "asye") & (own["asye_seen"] >= ref)]
        assert asye["fte"].sum() == pytest.approx(row["asye_fte"])
        m = _months(run.frame, max(census.first, start), ref)
        lo = max(census.first, start)
        assert (~w["agency"] & w["end"].between(lo, ref)).sum() == m["leavers"].sum()
        assert (~w["agency"] & w["start"].between(lo, ref)).sum() == m["joiners"].sum()
        sept = back.council_sept.set_index("date").loc[ref]
        assert sept["vacancies_fte"] == pytest.approx(row["vacancy_fte"], abs=0.005)
        assert sept["agency_fte"] == pytest.approx(row["agency_fte"], abs=0.005)
        assert sept["agency_headcount"] == len(agency)


# -- the command -----------------------------------------------------------------------------
def _short_config(tmp_path: Path) -> Path:
    path = tmp_path / "short.yaml"
    path.write_text(f"extends: {MANCHESTER}\nname: Manchester short\nhorizon_months: 21\n")
    return path


def test_the_command_writes_the_run_of_the_same_seed_as_csc_sim_run(tmp_path, capsys):
    config = _short_config(tmp_path)
    out = tmp_path / "out"
    args = ["returns", str(config), "--seed", "3", "--replication", "1", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "seed 3 replication 1" in printed and "SSDA903" in printed
    assert "2017 to 2018" in printed and f"wrote {out}" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "cin_census", "returns_about.md", "ssda903", "workforce_census"
    ]  # fmt: skip
    assert "--seed 3 --replication 1" in (out / "returns_about.md").read_text()
    # the council's 30 September is csc-sim run's, replication 1 of root seed 3
    frame, _ = run_one(load_config(config), replication_seed(3, 1))
    sept = read_returns(out).council_sept.iloc[0]
    row = frame[frame["date"] == sept["date"]].iloc[0]
    assert sept["vacancies_fte"] == pytest.approx(row["vacancy_fte"], abs=0.005)
    assert sept["agency_fte"] == pytest.approx(row["agency_fte"], abs=0.005)
    # a non-empty folder is refused (exit 2) unless --force; the files are the same again
    before = (out / "ssda903/2018/episodes.csv").read_bytes()
    census = (out / "cin_census/2018/cin_census.xml").read_bytes()
    assert main(args) == 2
    assert "not empty" in capsys.readouterr().err
    assert main([*args, "--force"]) == 0
    assert (out / "ssda903/2018/episodes.csv").read_bytes() == before
    assert (out / "cin_census/2018/cin_census.xml").read_bytes() == census


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--replication", "-1"], "at least 0"),
        (["--seed", "x"], "invalid int"),
    ],
)
def test_the_command_refuses_bad_arguments(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as info:
        main(["returns", str(MANCHESTER), "--out", str(tmp_path / "o"), *extra])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_the_command_refuses_an_experiment_or_a_bad_config(tmp_path, capsys):
    experiment = next((CONFIGS.parent / "experiments").glob("*.yaml"))
    assert main(["returns", str(experiment), "--out", str(tmp_path / "a")]) == 2
    assert "experiment" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {MANCHESTER}\nhorizon_months: -3\n")
    assert main(["returns", str(bad), "--out", str(tmp_path / "b")]) == 2
    assert "horizon_months" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
