"""Reading returns back (``sim.returns.read``): the hand-made run's files give back what
was recorded; a council's own files in the same formats are read whatever their column
order and case; and each kind of bad or partial file is refused with an error naming the
file, the row, the column, the value and the rule."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from sim.returns import cin_census, workforce_xml
from sim.returns.common import april_years
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


def edit_xml(path: Path, xpath: str, text: str | None) -> int:
    """Set the first element at ``xpath`` to ``text`` (None: remove it); its line."""
    tree = etree.parse(str(path))
    el = tree.xpath(xpath)[0]
    line = el.sourceline
    if text is None:
        el.getparent().remove(el)
    else:
        el.text = text
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return int(line)


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
    # qualified on 31 July 2017: in the ASYE on the 2016 census, past it on the 2017 one
    assert (nqsw["kind"], nqsw["fte"], nqsw["asye_seen"], nqsw["qualified_seen"]) == (
        "asye", 0.8, pd.Timestamp("2016-09-30"), pd.Timestamp("2017-09-30")
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


CENSUS = """<?xml version="1.0" encoding="utf-8"?>
<Message xmlns="http://example.org/cin">
  <Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>
    <ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails>
    <Source><SourceLevel>L</SourceLevel><LEA>999</LEA></Source></Header>
  <Children>
    <Child>
      <ChildIdentifiers><LAchildID>C9</LAchildID><UPNunknown>UN1</UPNunknown>
        <PersonBirthDate>2020-02-01</PersonBirthDate><GenderCurrent>2</GenderCurrent>
      </ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity>
        <Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2023-05-02</CINreferralDate><ReferralSource>5A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <Assessments><AssessmentActualStartDate>2023-05-03</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2023-06-01</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment><AssessmentFactors>3A</AssessmentFactors>
          </FactorsIdentifiedAtAssessment></Assessments>
        <Section47><S47ActualStartDate>2023-06-01</S47ActualStartDate>
          <DateOfInitialCPC>2023-06-20</DateOfInitialCPC><ICPCnotRequired>0</ICPCnotRequired>
        </Section47>
        <ReferralNFA>0</ReferralNFA>
        <!-- a council's note -->
        <ChildProtectionPlans><CPPstartDate>2023-06-20</CPPstartDate>
          <InitialCategoryOfAbuse>EMO</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>1</NumberOfPreviousCPP>
          <Reviews><CPPreviewDate>2023-09-01</CPPreviewDate></Reviews>
        </ChildProtectionPlans>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""


def test_a_council_s_census_file_is_read(tmp_path):
    """An earlier year's file (GenderCurrent), in a namespace, with items this reader does
    not use (disabilities, factors, reviews, a comment), under any name."""
    year = tmp_path / "council" / "cin_census" / "2024"
    year.mkdir(parents=True)
    (year / "CIN_Census_2024_submitted.xml").write_text(CENSUS)
    r = read_returns(tmp_path / "council")
    assert r.children[["child", "sex"]].values.tolist() == [["C9", "F"]]
    assert r.referrals[["child", "date", "nfa"]].values.tolist() == [
        ["C9", pd.Timestamp("2023-05-02"), False]
    ]  # fmt: skip
    s = r.spells.set_index("stage")
    assert s.loc["assessment", "how"] == "close"  # the CP plan starts after the assessment
    assert (s.loc["cp", "start"], pd.isna(s.loc["cp", "end"])) == (pd.Timestamp("2023-06-20"),
                                                                   True)  # fmt: skip


# -- bad and partial files -------------------------------------------------------------------
def test_an_unparseable_date_names_file_row_and_column(folder):
    edit(folder / "ssda903/2018/episodes.csv",
         lambda f: f.assign(DECOM=f["DECOM"].where(f.index != 1, "31/02/2017")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == (
        "ssda903/2018/episodes.csv", 2, "DECOM", "31/02/2017"
    )  # fmt: skip
    assert "not a date" in p.rule
    assert "row 2 (line 3), column DECOM" in str(p)


def test_an_unknown_legal_status_is_refused(folder):
    edit(folder / "ssda903/2017/episodes.csv",
         lambda f: f.assign(LS=f["LS"].where(f.index != 0, "C9")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("ssda903/2017/episodes.csv", 1, "LS", "C9")
    assert "not a code" in p.rule and "C2" in p.rule


def test_an_unknown_reason_episode_ceased_is_refused(folder):
    edit(folder / "ssda903/2018/episodes.csv",
         lambda f: f.assign(REC=f["REC"].replace("E11", "E99")))  # fmt: skip
    p = refused(folder)
    assert (p.column, p.value) == ("REC", "E99") and "E4A" in p.rule


def test_an_episode_ending_before_it_began_is_refused(folder):
    edit(folder / "ssda903/2018/episodes.csv",
         lambda f: f.assign(DEC=f["DEC"].replace("27/04/2017", "01/08/2016")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.column, p.value) == ("ssda903/2018/episodes.csv", "DEC", "01/08/2016")
    assert "before DECOM" in p.rule


def test_a_missing_column_is_refused(folder):
    edit(folder / "ssda903/2017/episodes.csv", lambda f: f.drop(columns="LS"))
    p = refused(folder)
    assert (p.file, p.row, p.column) == ("ssda903/2017/episodes.csv", None, "LS")
    assert "required column is missing" in p.rule


def test_an_episode_of_a_child_not_in_the_header_is_refused(folder):
    edit(folder / "ssda903/2018/header.csv", lambda f: f[f["CHILD"] != "3"])
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("ssda903/2018/episodes.csv", 2, "CHILD", "3")
    assert "not in the header" in p.rule


def test_two_years_giving_an_episode_different_ends_is_refused(folder):
    edit(folder / "ssda903/2017/episodes.csv",
         lambda f: f.assign(DEC=f["DEC"].where(f["CHILD"] != "3", "01/03/2017"),
                            REC=f["REC"].where(f["CHILD"] != "3", "E8")))  # fmt: skip
    p = refused(folder)
    assert p.column == "DEC" and "another year" in p.rule
    assert p.file in {"ssda903/2017/episodes.csv", "ssda903/2018/episodes.csv"}


def test_a_new_episode_that_never_begins_is_refused(folder):
    edit(folder / "ssda903/2018/episodes.csv",
         lambda f: f.assign(REC=f["REC"].replace("E11", "X1")))  # fmt: skip
    p = refused(folder)
    assert (p.file, p.row, p.column, p.value) == ("ssda903/2018/episodes.csv", 2, "REC", "X1")


def test_an_empty_file_is_refused(folder):
    (folder / "ssda903/2017/header.csv").write_text("")
    p = refused(folder)
    assert p.file == "ssda903/2017/header.csv" and "empty" in p.rule


def test_a_closure_without_a_reason_is_refused(folder):
    path = folder / "cin_census/2017/cin_census.xml"
    episode = "Children/Child[ChildIdentifiers/LAchildID='2']/CINdetails[ReasonForClosure='RC8']"
    line = etree.parse(str(path)).xpath(episode)[0].sourceline
    edit_xml(path, f"{episode}/ReasonForClosure", None)
    p = refused(folder)
    assert (p.file, p.child, p.column, p.row) == (
        "cin_census/2017/cin_census.xml", "2", "ReasonForClosure", None
    )  # fmt: skip
    assert p.line == line and "blank but the case closed" in p.rule  # its CINdetails
    assert str(p).startswith(f"cin_census/2017/cin_census.xml, line {p.line}, child 2, "
                             "element ReasonForClosure")  # fmt: skip


def test_an_assessment_before_its_referral_is_refused(folder):
    path = folder / "cin_census/2017/cin_census.xml"
    line = edit_xml(path, "//AssessmentActualStartDate[.='2016-08-25']", "2016-08-01")
    p = refused(folder)
    assert (p.file, p.line, p.child, p.column, p.value) == (
        "cin_census/2017/cin_census.xml", line, "2", "AssessmentActualStartDate", "2016-08-01"
    )  # fmt: skip
    assert "CINreferralDate" in p.rule


@pytest.mark.parametrize(
    ("xpath", "value", "element", "rule"),
    [
        ("//CPPstartDate", "09/10/2016x", "CPPstartDate", "not a date"),
        ("//Sex", "X", "Sex", "not a code"),
        ("//ReferralNFA", "maybe", "ReferralNFA", "not 0, 1, true or false"),
        ("//InitialCategoryOfAbuse", "ABC", "InitialCategoryOfAbuse", "not a code"),
        ("//CINreferralDate", None, "CINreferralDate", "must be given"),
    ],
)
def test_bad_census_items_name_the_line_child_element_and_value(folder, xpath, value, element,
                                                                 rule):  # fmt: skip
    path = folder / "cin_census/2017/cin_census.xml"
    line = edit_xml(path, xpath, value)
    p = refused(folder)
    assert (p.file, p.child, p.column) == ("cin_census/2017/cin_census.xml", "1", element)
    assert p.value == (value or "") and rule in p.rule
    assert p.line == line or value is None  # a missing item: its group's line


def test_a_census_file_that_is_not_the_census_is_refused(folder):
    path = folder / "cin_census/2018/cin_census.xml"
    text = path.read_text()
    path.write_text(text.replace("</Children>", "", 1))
    p = refused(folder)
    assert p.file == "cin_census/2018/cin_census.xml" and "not well-formed XML" in p.rule
    assert p.line is not None and p.line > 1
    path.write_text(text.replace("<Message>", "<Census>").replace("</Message>", "</Census>"))
    assert "not <Message>" in refused(folder).rule
    root = etree.fromstring(text.encode())
    ids = root.find("Children/Child/ChildIdentifiers")
    ids.append(deepcopy(ids.find("LAchildID")))
    path.write_bytes(etree.tostring(root))
    p = refused(folder)
    assert (p.column, p.value, p.child) == ("LAchildID", "1", None)
    assert "appears twice in <ChildIdentifiers>" in p.rule


def test_a_census_may_hold_what_this_reader_does_not_use(folder, written):
    path = folder / "cin_census/2017/cin_census.xml"
    root = etree.fromstring(path.read_bytes())
    chars = root.find("Children/Child/ChildCharacteristics")
    etree.SubElement(etree.SubElement(chars, "Disabilities"), "Disability").text = "NONE"
    etree.SubElement(root.find("Children/Child/CINdetails"), "PreProceedings").text = "x"
    path.write_bytes(etree.tostring(root))
    pd.testing.assert_frame_equal(read_returns(folder).spells, read_returns(written).spells)


def test_an_earlier_census_s_gender_is_read(folder):
    path = folder / "cin_census/2017/cin_census.xml"
    text = path.read_text()
    path.write_text(text.replace("<Sex>M</Sex>", "<GenderCurrent>1</GenderCurrent>")
                    .replace("<Sex>F</Sex>", "<GenderCurrent>2</GenderCurrent>"))  # fmt: skip
    kids = read_returns(folder).children.set_index("child")
    assert set(kids["sex"]) <= {"M", "F"} and kids["sex"].notna().all()


def test_returns_in_the_earlier_layout_are_read_the_same(written, tmp_path):
    """Folders named 2016-17 and the CIN census as CSV tables (episodes numbered by
    CINdetailsID), as csc-sim returns wrote them before: the same children, referrals and
    spells as the census files give."""
    old = tmp_path / "old"
    shutil.copytree(written / "ssda903", old / "ssda903")
    run = tiny_run()
    eps, linked = cin_census.episodes(run.start, run.tables["referrals"], spells(run))
    for year in april_years(run.start, run.last_day):
        (old / "ssda903" / year.folder).rename(old / "ssda903" / year.label)
        (old / "cin_census" / year.label).mkdir(parents=True)
        for name, table in cin_census.build(eps, linked, children(run), year).items():
            table.to_csv(old / "cin_census" / year.label / name, index=False)
    new, back = read_returns(written), read_returns(old)
    key = ["child", "stage", "start"]
    for got, want in ((back.spells, new.spells), (back.referrals, new.referrals)):
        cols = [c for c in want.columns if c != "id"]
        sort = [c for c in key if c in cols] or ["child", "date"]
        pd.testing.assert_frame_equal(
            got[cols].sort_values(sort).reset_index(drop=True),
            want[cols].sort_values(sort).reset_index(drop=True), check_dtype=False)  # fmt: skip
    pd.testing.assert_frame_equal(back.children, new.children)


def test_one_collection_year_in_two_folders_is_refused(folder):
    shutil.copytree(folder / "ssda903" / "2018", folder / "ssda903" / "2017-18")
    p = refused(folder)
    assert p.file.endswith("ssda903/2018") and "same collection year as 2017-18/" in p.rule


def test_a_census_year_as_xml_and_csv_is_refused(folder):
    (folder / "cin_census/2018/cin_details.csv").write_text("LAchildID,CINreferralDate\n")
    assert "beside the CIN census XML file" in refused(folder).rule


CSWW_2016 = "workforce_census/2016/csww_2016.xml"


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [("FTE", "1.5", "outside 0 to 1"), ("AgencyWorker", "2", "not a code"),
     ("RoleEndDate", "2017-01-05", "after the census date"),
     ("CFKSSstatus", "5", "not a code")],
)  # fmt: skip
def test_bad_workforce_census_items_name_the_line_worker_item_and_value(
    folder, column, value, rule
):
    line = _set_item(folder / CSWW_2016, "SW0000000005", column, value)
    p = refused(folder)
    assert (p.file, p.line, p.worker, p.column, p.value) == (
        CSWW_2016, line, "SW0000000005", column, value
    )  # fmt: skip
    assert rule in p.rule
    assert f"{CSWW_2016}, line {line}, worker SW0000000005, element {column}" in str(p)


def _set_item(path: Path, sweno: str, item: str, value: str) -> int:
    """Set ``item`` of the worker ``sweno`` to ``value`` (added in the schema's place if
    absent); the line it is on once written."""
    tree = etree.parse(str(path))
    (worker,) = tree.xpath(f"//CSWWWorker[SWENo='{sweno}']")
    el = worker.find(item)
    if el is None:
        el = etree.SubElement(worker, item)
    el.text = value
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    return int(etree.parse(str(path)).xpath(f"//CSWWWorker[SWENo='{sweno}']/{item}")[0].sourceline)


def test_a_workforce_census_that_is_not_xml_or_not_the_census_is_refused(folder):
    (folder / CSWW_2016).write_text("AgencyWorker,SWENo\n")
    p = refused(folder)
    assert (p.file, p.row) == (CSWW_2016, None) and "is not XML" in p.rule
    (folder / CSWW_2016).write_text("<?xml version='1.0'?><Message><LALevelVacancies/>"
                                    "<LALevelVacancies/></Message>")  # fmt: skip
    assert "2 LALevelVacancies" in refused(folder).rule
    (folder / CSWW_2016).write_text("<CSWWWorker><SWENo>SW0000000001</SWENo></CSWWWorker>")
    assert "root element is CSWWWorker" in refused(folder).rule


def test_a_council_s_csv_export_of_the_census_is_read_the_same(written, tmp_path):
    """The census as the two tables a council's system exports (any column order, dates as
    dd/mm/YYYY) gives the same workers as the XML file."""
    out = Path(shutil.copytree(written, tmp_path / "returns"))
    for xml in sorted((out / "workforce_census").glob("*/*.xml")):
        workers, la, ref = workforce_xml.read_xml(xml, xml.name)
        w = workers.frame[list(reversed(workers.frame.columns))]
        for col in ("RoleStartDate", "RoleEndDate"):
            w[col] = pd.to_datetime(w[col]).dt.strftime("%d/%m/%Y").fillna("")
        w.to_csv(xml.parent / "workers.csv", index=False)
        la.frame.assign(ReferenceDate=ref).to_csv(xml.parent / "la_level.csv", index=False)
        xml.unlink()
    pd.testing.assert_frame_equal(read_returns(out).workers, read_returns(written).workers)
    pd.testing.assert_frame_equal(
        read_returns(out).council_sept, read_returns(written).council_sept
    )


def test_a_census_that_gives_no_cfkssstatus_says_nothing_of_the_asye(folder):
    for xml in (folder / "workforce_census").glob("*/*.xml"):
        tree = etree.parse(str(xml))
        for el in tree.xpath("//CFKSSstatus"):
            el.getparent().remove(el)
        tree.write(str(xml), xml_declaration=True, encoding="UTF-8")
    w = read_returns(folder).workers
    assert w["asye_seen"].isna().all() and w["qualified_seen"].isna().all()
    assert (w["kind"] == "asye").sum() == 1  # still a newly qualified starter (StartOrigin 1)


def test_a_census_as_xml_and_csv_is_refused(folder):
    (folder / "workforce_census/2016/workers.csv").write_text("SWENo,AgencyWorker,FTE\n")
    assert "beside the workforce census XML file" in refused(folder).rule


def test_every_problem_of_a_file_is_reported_at_once(folder):
    edit(folder / "ssda903/2017/episodes.csv",
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
