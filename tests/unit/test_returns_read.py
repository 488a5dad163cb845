"""Reading returns back (``sim.returns.read``): the hand-made run's files give back what
was recorded; a council's own files in the same formats are read whatever their column
order and case; and each kind of bad or partial file is refused with an error naming the
file, the row, the column, the value and the rule."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sim.returns.errors import Problem, ReturnsError
from sim.returns.people import children, spells
from sim.returns.read import read_returns
from sim.returns.writer import write_returns
from tests.support.returns_run import tiny_run


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tiny") / "returns"
    write_returns(tiny_run(), out)
    return out


@pytest.fixture
def folder(written: Path, tmp_path: Path) -> Path:
    """A copy of the written returns for a test to spoil."""
    return Path(shutil.copytree(written, tmp_path / "returns"))


def edit(path: Path, change: Callable[[pd.DataFrame], pd.DataFrame | None]) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = change(frame)
    (frame if out is None else out).to_csv(path, index=False)


def refused(folder: Path) -> Problem:
    with pytest.raises(ReturnsError) as info:
        read_returns(folder)
    assert isinstance(info.value, ValueError)
    return info.value.first


# -- what comes back ------------------------------------------------------------------------
def test_the_recorded_spells_come_back_to_the_day(written):
    run = tiny_run()
    got = read_returns(written).spells
    want = spells(run)
    want = want.assign(child=want["child"].astype(str))[list(got.columns)]
    key = ["child", "stage", "start"]
    pd.testing.assert_frame_equal(
        got.sort_values(key).reset_index(drop=True),
        want.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )


def test_referrals_children_and_workers_come_back(written):
    run = tiny_run()
    r = read_returns(written)
    refs = r.referrals[r.referrals["date"] >= pd.Timestamp(run.start)]
    assert sorted(zip(refs["child"], refs["date"].dt.strftime("%Y-%m-%d"), refs["nfa"],
                      strict=True)) == [
        ("2", "2016-07-11", True), ("2", "2016-08-20", False), ("3", "2016-07-21", False),
        ("4", "2016-07-06", False),
    ]  # fmt: skip
    # child 1's referral is before the start (open then): dated, flagged by its date
    assert r.referrals[r.referrals["child"] == "1"]["date"].iloc[0] < pd.Timestamp(run.start)
    kids = children(run).assign(child=lambda k: k["child"].astype(str)).set_index("child")
    got = r.children.set_index("child").loc[kids.index]
    assert (got["sex"] == kids["sex"]).all()
    pd.testing.assert_series_equal(got["dob"], kids["dob"], check_dtype=False)
    assert got["uasc"].tolist() == [False, False, False, True]
    w = r.workers.set_index(["worker", "agency"])
    assert len(w) == 5  # worker 4, agency between censuses, is in no census
    nqsw = w.loc[("SW0000000002", False)]
    assert (nqsw["kind"], nqsw["fte"], nqsw["qualified"]) == (
        "asye", 0.8, pd.Timestamp("2017-07-31")
    )  # fmt: skip
    leaver = w.loc[("SW0000000005", False)]
    assert (leaver["end"], leaver["reason"], leaver["case_holding"]) == (
        pd.Timestamp("2016-08-20"), "left", False
    )  # fmt: skip
    # worker 3: agency (seen in 2016), then permanent from 29 October 2016 (seen in 2017)
    assert w.loc[("SW0000000003", True), "start"] == pd.Timestamp("2016-06-21")
    assert w.loc[("SW0000000003", False), "start"] == pd.Timestamp("2016-10-29")
    # leaves after the last census: not seen to leave
    assert pd.isna(w.loc[("SW0000000003", False), "end"])
    sept = r.council_sept
    assert sept["date"].tolist() == [pd.Timestamp("2016-09-30"), pd.Timestamp("2017-09-30")]
    assert sept["vacancies_fte"].tolist() == [13.0, 25.0]


# -- a council's own files -------------------------------------------------------------------
HEADER = (
    "child,sex,dob,ethnic,upn,mother,mc_dob\nA1,1,01/02/2010,WBRI,,,\nA2,2,03/04/2012,NOBT,,0,\n"
)
EPISODES = (
    "LS,CHILD,DECOM,RNE,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,"
    "URN,LOCAL_NOTE\n"
    "V2,A1,01/05/2019,S,N1,U6,PR1,01/06/2019,X1,,,,XXXXXXX,first home\n"
    "C2,A1,01/06/2019,L,N1,U6,PR1,2019-09-10,X1,,,,XXXXXXX,\n"
    "C2,A1,10/09/2019,P,N1,K2,PR4,20/12/2019,E4A,CARPL,,,SC123456,\n"
    "E1,A2,05/05/2019,S,N1,A6,PR1,,,,,,XXXXXXX,\n"
)


def test_a_council_s_files_are_read_in_any_column_order_and_case(tmp_path):
    root = tmp_path / "council"
    (root / "ssda903").mkdir(parents=True)
    (root / "ssda903" / "SSDA903_2019_header.csv").write_text("\ufeff" + HEADER)
    (root / "ssda903" / "SSDA903_2019_episodes.csv").write_text(EPISODES)
    (root / "ssda903" / "SSDA903_2019_reviews.csv").write_text("CHILD,DOB,REVIEW,REVIEW_CODE\n")
    r = read_returns(root)
    lac = r.spells.set_index("child")
    # three episodes, one period of care: legal status at the start, how from the last REC
    a1 = lac.loc["A1"]
    assert (a1["start"], a1["end"], a1["legal_status"], a1["how"]) == (
        pd.Timestamp("2019-05-01"), pd.Timestamp("2019-12-20"), "V2", "return_home"
    )  # fmt: skip
    assert pd.isna(lac.loc["A2", "end"]) and lac.loc["A2", "how"] == ""
    assert len(r.episodes) == 4
    assert r.children.set_index("child")["sex"].to_dict() == {"A1": "M", "A2": "F"}
    assert r.children["uasc"].isna().all()  # no UASC file: not known
    assert r.referrals.empty and r.workers.empty


def test_a_council_s_cin_tables_may_link_modules_by_referral_date(tmp_path):
    year = tmp_path / "council" / "cin_census" / "2019-20"
    year.mkdir(parents=True)
    (year / "kids.csv").write_text("LAchildID,PersonBirthDate,GenderCurrent\nB7,2015-01-09,1\n")
    (year / "referrals.csv").write_text(
        "lachildid,cinreferraldate,cinclosuredate,reasonforclosure,referralnfa\n"
        "B7,2019-06-03,2019-08-01,RC8,false\nB7,2020-01-10,,,0\n"
    )
    (year / "assess.csv").write_text(
        "LAchildID,CINreferralDate,AssessmentActualStartDate,AssessmentAuthorisationDate\n"
        "B7,2019-06-03,2019-06-04,2019-08-01\nB7,2020-01-10,2020-01-12,\n"
    )
    r = read_returns(tmp_path / "council")
    assert len(r.referrals) == 2 and not r.referrals["nfa"].any()
    a = r.spells.sort_values("start")
    assert a["stage"].tolist() == ["assessment", "assessment"]
    assert a["how"].tolist() == ["close", ""]
    assert r.children["sex"].tolist() == ["M"]


# -- bad and partial files -------------------------------------------------------------------
def test_an_unparseable_date_names_file_row_and_column(folder):
    edit(folder / "ssda903/2017-18/episodes.csv",
         lambda f: f.assign(DECOM=f["DECOM"].where(f.index != 1, "31/02/2017")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == (
        "ssda903/2017-18/episodes.csv", 2, "DECOM", "31/02/2017"
    )  # fmt: skip
    assert "not a date" in p.rule
    assert "row 2 (line 3), column DECOM" in str(p)


def test_an_unknown_legal_status_is_refused(folder):
    edit(folder / "ssda903/2016-17/episodes.csv",
         lambda f: f.assign(LS=f["LS"].where(f.index != 0, "C9")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("ssda903/2016-17/episodes.csv", 1, "LS", "C9")
    assert "not a code" in p.rule and "C2" in p.rule


def test_an_unknown_reason_episode_ceased_is_refused(folder):
    edit(folder / "ssda903/2017-18/episodes.csv",
         lambda f: f.assign(REC=f["REC"].replace("E11", "E99")))  # fmt: skip
    p = refused(folder)
    assert (p.column, p.value) == ("REC", "E99") and "E4A" in p.rule


def test_an_episode_ending_before_it_began_is_refused(folder):
    edit(folder / "ssda903/2017-18/episodes.csv",
         lambda f: f.assign(DEC=f["DEC"].replace("27/04/2017", "01/08/2016")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.column, p.value) == ("ssda903/2017-18/episodes.csv", "DEC", "01/08/2016")
    assert "before DECOM" in p.rule


def test_a_missing_column_is_refused(folder):
    edit(folder / "ssda903/2016-17/episodes.csv", lambda f: f.drop(columns="LS"))
    p = refused(folder)
    assert (p.file, p.row, p.column) == ("ssda903/2016-17/episodes.csv", None, "LS")
    assert "required column is missing" in p.rule


def test_an_episode_of_a_child_not_in_the_header_is_refused(folder):
    edit(folder / "ssda903/2017-18/header.csv", lambda f: f[f["CHILD"] != "3"])
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("ssda903/2017-18/episodes.csv", 2, "CHILD", "3")
    assert "not in the header" in p.rule


def test_two_years_giving_an_episode_different_ends_is_refused(folder):
    edit(folder / "ssda903/2016-17/episodes.csv",
         lambda f: f.assign(DEC=f["DEC"].where(f["CHILD"] != "3", "01/03/2017"),
                            REC=f["REC"].where(f["CHILD"] != "3", "E8")))  # fmt: skip
    p = refused(folder)
    assert p.column == "DEC" and "another year" in p.rule
    assert p.file in {"ssda903/2016-17/episodes.csv", "ssda903/2017-18/episodes.csv"}


def test_a_new_episode_that_never_begins_is_refused(folder):
    edit(folder / "ssda903/2017-18/episodes.csv",
         lambda f: f.assign(REC=f["REC"].replace("E11", "X1")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("ssda903/2017-18/episodes.csv", 2, "REC", "X1")


def test_an_empty_file_is_refused(folder):
    (folder / "ssda903/2016-17/header.csv").write_text("")
    p = refused(folder)
    assert p.file == "ssda903/2016-17/header.csv" and "empty" in p.rule


def test_a_plan_of_an_episode_not_in_the_census_is_refused(folder):
    edit(folder / "cin_census/2016-17/cin_plans.csv", lambda f: f.assign(CINdetailsID="7"))
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("cin_census/2016-17/cin_plans.csv", 1,
                                                   "CINdetailsID", "7")  # fmt: skip


def test_a_closure_without_a_reason_is_refused(folder):
    edit(folder / "cin_census/2016-17/cin_details.csv",
         lambda f: f.assign(ReasonForClosure=f["ReasonForClosure"].replace("RC8", "")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.column) == ("cin_census/2016-17/cin_details.csv", "ReasonForClosure")
    assert p.row == 3 and "blank" in p.rule


def test_an_assessment_before_its_referral_is_refused(folder):
    edit(folder / "cin_census/2016-17/assessments.csv",
         lambda f: f.assign(AssessmentActualStartDate=f["AssessmentActualStartDate"].replace(
             "2016-08-25", "2016-08-01")))  # fmt: skip
    p = refused(folder)
    assert (p.column, p.value) == ("AssessmentActualStartDate", "2016-08-01")
    assert "CINreferralDate" in p.rule


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("FTE", "1.5", "outside 0 to 1"), ("AgencyWorker", "2", "not a code"),
     ("RoleEndDate", "2017-01-05", "after the census date")],
)  # fmt: skip
def test_bad_workforce_census_values_are_refused(folder, column, value, rule):
    def spoil(f: pd.DataFrame) -> None:
        f.loc[f["SWENo"] == "SW0000000005", column] = value

    edit(folder / "workforce_census/2016/workers.csv", spoil)
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("workforce_census/2016/workers.csv", 4,
                                                   column, value)  # fmt: skip
    assert rule in p.rule


def test_every_problem_of_a_file_is_reported_at_once(folder):
    edit(folder / "ssda903/2016-17/episodes.csv",
         lambda f: f.assign(LS="XX", DECOM="someday"))  # fmt: skip
    with pytest.raises(ReturnsError) as info:
        read_returns(folder)
    cols = {(p.row, p.column) for p in info.value.problems}
    assert {(1, "LS"), (2, "LS"), (1, "DECOM"), (2, "DECOM")} <= cols


def test_a_folder_without_returns_is_refused(tmp_path):
    p = refused(tmp_path)
    assert "holds no returns" in p.rule
    p = refused(tmp_path / "nowhere")
    assert "not a folder" in p.rule
