"""Writing the returns of a hand-made run (tests/support/returns_run.py), cell by cell where
the specification decides the value: which stays, episodes and workers each year holds,
what is blank while still open, codes and fill-ins."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.returns.people import children
from sim.returns.writer import ABOUT, returns_files, write_returns
from tests.support.returns_run import tiny_run


@pytest.fixture(scope="module")
def files() -> dict[str, pd.DataFrame]:
    return returns_files(tiny_run())


def rows(files: dict[str, pd.DataFrame], path: str, **where: str) -> pd.DataFrame:
    table = files[path]
    for col, value in where.items():
        table = table[table[col] == value]
    return table


def test_the_folders_are_collection_years_and_censuses(files):
    assert sorted({p.rsplit("/", 1)[0] for p in files}) == [
        "cin_census/2016-17", "cin_census/2017-18", "ssda903/2016-17", "ssda903/2017-18",
        "workforce_census/2016", "workforce_census/2017",
    ]  # fmt: skip


def test_a_stay_across_31_march_is_open_in_one_year_and_ends_in_the_next(files):
    before = rows(files, "ssda903/2016-17/episodes.csv", CHILD="3").iloc[0]
    after = rows(files, "ssda903/2017-18/episodes.csv", CHILD="3").iloc[0]
    assert before["DECOM"] == after["DECOM"] == "30/08/2016"
    assert before["DEC"] == before["REC"] == ""
    assert (after["DEC"], after["REC"]) == ("27/04/2017", "E11")
    # adopted under a placement order: placed for adoption (A6), own provision
    assert (after["RNE"], after["LS"], after["PLACE"], after["PLACE_PROVIDER"]) == (
        "S", "E1", "A6", "PR1"
    )  # fmt: skip


def test_a_year_lists_the_stays_open_in_it_and_their_children(files):
    eps = files["ssda903/2016-17/episodes.csv"]
    assert list(eps["CHILD"]) == ["3", "4"]  # child 1 comes into care in 2017-18
    assert list(files["ssda903/2016-17/header.csv"]["CHILD"]) == ["3", "4"]
    header = files["ssda903/2017-18/header.csv"].set_index("CHILD")
    assert header.loc["1", "DOB"] == "14/04/2008"
    assert header.loc["3", "DOB"] == ""  # no age in the run: blank
    assert set(header["SEX"]) <= {"M", "F"} and set(header["ETHNIC"]) == {"NOBT"}
    # MOTHER is given for girls only
    assert ((header["SEX"] == "F") == (header["MOTHER"] == "0")).all()
    uasc = files["ssda903/2017-18/uasc.csv"]
    assert list(uasc["CHILD"]) == ["4"] and uasc["DUC"].iloc[0] == "18/10/2017"
    # in 2016-17 the UASC was not yet 18: no DUC
    assert files["ssda903/2016-17/uasc.csv"]["DUC"].iloc[0] == ""
    # who leaves care on their 18th birthday, by the written date of birth
    left = rows(files, "ssda903/2017-18/episodes.csv", CHILD="4").iloc[0]
    assert (left["DEC"], left["REC"]) == ("18/10/2017", "E17")
    dob = pd.to_datetime(header.loc["4", "DOB"], format="%d/%m/%Y")
    assert dob + pd.DateOffset(years=18) == pd.Timestamp("2017-10-18")


def test_cin_episodes_referrals_and_closures(files):
    d = files["cin_census/2016-17/cin_details.csv"]
    nfa = rows(files, "cin_census/2016-17/cin_details.csv", LAchildID="2", CINdetailsID=1)
    assert nfa.iloc[0][["CINreferralDate", "CINclosureDate", "ReasonForClosure", "ReferralNFA",
                        "PrimaryNeedCode"]].tolist() == [
        "2016-07-11", "2016-07-11", "RC7", "1", ""
    ]  # fmt: skip
    assessed = d[(d["LAchildID"] == "2") & (d["CINdetailsID"] == 2)].iloc[0]
    assert (assessed["CINclosureDate"], assessed["ReasonForClosure"]) == ("2016-09-19", "RC8")
    # child 1 was open at the start: its referral is not known, dated by its first spell
    stock = d[d["LAchildID"] == "1"].iloc[0]
    assert stock["CINreferralDate"] == "2016-05-21" and stock["CINclosureDate"] == ""
    # adoption closes child 3's episode in 2017-18, not before
    assert rows(files, "cin_census/2016-17/cin_details.csv", LAchildID="3")[
        "CINclosureDate"
    ].tolist() == [""]
    later = rows(files, "cin_census/2017-18/cin_details.csv", LAchildID="3").iloc[0]
    assert (later["CINclosureDate"], later["ReasonForClosure"]) == ("2017-04-27", "RC1")
    # the UASC's arrival is a referral, with no assessment
    assert "4" in set(d["LAchildID"])
    assert "4" not in set(files["cin_census/2016-17/assessments.csv"]["LAchildID"])


def test_every_cp_plan_start_has_a_section_47_and_conference(files):
    s47 = files["cin_census/2016-17/section47.csv"]
    cp = files["cin_census/2016-17/cp_plans.csv"]
    assert len(s47) == len(cp) == 1
    row = s47.iloc[0]
    assert row["S47ActualStartDate"] == row["DateOfInitialCPC"] == cp["CPPstartDate"].iloc[0]
    assert row["InitialCPCtarget"] == "2016-10-31"  # 15 working days after Sunday 9 October
    assert cp["CPPendDate"].iloc[0] == ""  # ends in August 2017
    assert files["cin_census/2017-18/cp_plans.csv"]["CPPendDate"].iloc[0] == "2017-08-05"
    assert files["cin_census/2017-18/section47.csv"].empty  # started the year before


def test_the_workforce_census_lists_who_the_census_lists(files):
    w16 = files["workforce_census/2016/workers.csv"].set_index("SWENo")
    w17 = files["workforce_census/2017/workers.csv"].set_index("SWENo")
    assert set(w16.index) == {"SW0000000001", "SW0000000002", "SW0000000003", "SW0000000005"}
    # an agency worker between censuses is in neither
    assert "SW0000000004" not in w16.index and "SW0000000004" not in w17.index
    leaver = w16.loc["SW0000000005"]
    assert (leaver["FTE"], leaver["FTE30"], leaver["RoleEndDate"], leaver["OrgRole"]) == (
        "0", "1.000000", "2016-08-20", "6"
    )  # fmt: skip
    assert (leaver["LeaverDestination"], leaver["ReasonLeave"]) == ("8", "9")
    nqsw = w16.loc["SW0000000002"]
    assert (nqsw["StartOrigin"], nqsw["CFKSSstatus"], nqsw["FTE"]) == ("1", "1", "0.800000")
    assert (w17.loc["SW0000000002", "CFKSSstatus"], w17.loc["SW0000000002",
            "ASYECompletionDate"]) == ("", "2017-07-31")  # fmt: skip
    assert w16.loc["SW0000000003", "AgencyWorker"] == "1"
    converted = w17.loc["SW0000000003"]
    assert (converted["AgencyWorker"], converted["StartOrigin"], converted["RoleStartDate"]) == (
        "0", "4", "2016-10-29"
    )  # fmt: skip
    la = files["workforce_census/2016/la_level.csv"].iloc[0]
    assert la.tolist() == ["2016-09-30", "13.00", "1.00", "1"]
    assert files["workforce_census/2017/la_level.csv"]["NoAgencyHeadcount"].iloc[0] == "0"


def test_the_fill_ins_follow_the_seed():
    a = returns_files(tiny_run(seed=5))["ssda903/2017-18/header.csv"]
    b = returns_files(tiny_run(seed=5))["ssda903/2017-18/header.csv"]
    pd.testing.assert_frame_equal(a, b)
    sexes = {tuple(children(tiny_run(seed=s))["sex"]) for s in range(8)}
    assert len(sexes) > 1  # drawn, not fixed


def test_write_replaces_the_returns_and_keeps_other_files(tmp_path):
    out = tmp_path / "returns"
    (out / "ssda903" / "2030-31").mkdir(parents=True)
    (out / "ssda903" / "2030-31" / "episodes.csv").write_text("stale")
    (out / "notes.txt").write_text("mine")
    write_returns(tiny_run(), out)
    assert not (out / "ssda903" / "2030-31").exists()
    assert (out / "notes.txt").read_text() == "mine"
    text = (out / ABOUT).read_text()
    assert "Specification followed" in text and "2016-17" in text and "not a council's" in text
    assert not list(out.glob(".returns.*"))  # no staging folder left
    written = pd.read_csv(out / "ssda903/2017-18/episodes.csv", dtype=str, keep_default_na=False)
    assert list(written.columns)[:4] == ["CHILD", "DECOM", "RNE", "LS"]


def test_a_failed_write_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "returns"
    write_returns(tiny_run(), out)
    before = sorted(p.relative_to(out) for p in out.rglob("*"))

    def broken(path, frame):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("sim.returns.writer.write_csv", broken)
    with pytest.raises(OSError):
        write_returns(tiny_run(), out)
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
