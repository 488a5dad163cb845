"""Writing the returns of a hand-made run (tests/support/returns_run.py), cell by cell where
the specification decides the value: which stays, episodes and workers each year holds,
what is blank while still open, codes and fill-ins."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from sim.returns import workforce_xml
from sim.returns.people import children
from sim.returns.writer import ABOUT, returns_files, write_returns
from tests.support.returns_run import tiny_run

CIN_SCHEMA = Path(__file__).parents[1] / "support" / "cin_census_2024_25.xsd"
CSWW_SCHEMA = Path(__file__).parents[1] / "support" / "csww_2022.xsd"


@pytest.fixture(scope="module")
def files() -> dict[str, pd.DataFrame]:
    return returns_files(tiny_run())


def rows(files: dict[str, pd.DataFrame], path: str, **where: str) -> pd.DataFrame:
    table = files[path]
    for col, value in where.items():
        table = table[table[col] == value]
    return table


def census(files: dict[str, bytes], year: str) -> etree._Element:
    """The CIN census file of the year ending in ``year``."""
    return etree.fromstring(files[f"cin_census/{year}/cin_census.xml"])


def items(el: etree._Element) -> dict[str, str]:
    """An element's items (its children without children of their own), by name."""
    return {c.tag: c.text for c in el if len(c) == 0}


def episodes(root: etree._Element, child: str) -> list[etree._Element]:
    """The CINdetails of ``child`` (LAchildID), in the file's order."""
    return root.xpath(f"Children/Child[ChildIdentifiers/LAchildID='{child}']/CINdetails")


def test_the_folders_are_collection_years_and_censuses(files):
    # each collection year (1 April to 31 March) in the folder of the year it ends
    assert sorted({p.rsplit("/", 1)[0] for p in files}) == [
        "cin_census/2017", "cin_census/2018", "ssda903/2017", "ssda903/2018",
        "workforce_census/2016", "workforce_census/2017",
    ]  # fmt: skip
    assert sorted(p for p in files if p.startswith(("ssda903", "cin_census"))) == [
        "cin_census/2017/cin_census.xml", "cin_census/2018/cin_census.xml",
        "ssda903/2017/episodes.csv", "ssda903/2017/header.csv", "ssda903/2017/uasc.csv",
        "ssda903/2018/episodes.csv", "ssda903/2018/header.csv", "ssda903/2018/uasc.csv",
    ]  # fmt: skip


def test_the_census_header_names_its_year(files):
    header = census(files, "2017").find("Header")
    assert items(header.find("CollectionDetails")) == {
        "Collection": "CIN", "Year": "2017", "ReferenceDate": "2017-03-31"
    }  # fmt: skip
    source = items(header.find("Source"))
    assert (source["SourceLevel"], source["LEA"], source["SerialNo"]) == ("L", "000", "001")
    assert source["DateTime"] == "2017-04-01T00:00:00"  # the year is over
    # the last year is an extract to the run's last day, 31 December 2017
    assert items(census(files, "2018").find("Header/Source"))["DateTime"] == (
        "2018-01-01T00:00:00"
    )  # fmt: skip


def test_a_stay_across_31_march_is_open_in_one_year_and_ends_in_the_next(files):
    before = rows(files, "ssda903/2017/episodes.csv", CHILD="3").iloc[0]
    after = rows(files, "ssda903/2018/episodes.csv", CHILD="3").iloc[0]
    assert before["DECOM"] == after["DECOM"] == "30/08/2016"
    assert before["DEC"] == before["REC"] == ""
    assert (after["DEC"], after["REC"]) == ("27/04/2017", "E11")
    # adopted under a placement order: placed for adoption (A6), own provision
    assert (after["RNE"], after["LS"], after["PLACE"], after["PLACE_PROVIDER"]) == (
        "S", "E1", "A6", "PR1"
    )  # fmt: skip


def test_a_year_lists_the_stays_open_in_it_and_their_children(files):
    eps = files["ssda903/2017/episodes.csv"]
    assert list(eps["CHILD"]) == ["3", "4"]  # child 1 comes into care in 2017-18
    assert list(files["ssda903/2017/header.csv"]["CHILD"]) == ["3", "4"]
    header = files["ssda903/2018/header.csv"].set_index("CHILD")
    assert header.loc["1", "DOB"] == "14/04/2008"
    assert header.loc["3", "DOB"] == ""  # no age in the run: blank
    assert set(header["SEX"]) <= {"M", "F"} and set(header["ETHNIC"]) == {"NOBT"}
    # MOTHER is given for girls only
    assert ((header["SEX"] == "F") == (header["MOTHER"] == "0")).all()
    uasc = files["ssda903/2018/uasc.csv"]
    assert list(uasc["CHILD"]) == ["4"] and uasc["DUC"].iloc[0] == "18/10/2017"
    # in 2016-17 the UASC was not yet 18: no DUC
    assert files["ssda903/2017/uasc.csv"]["DUC"].iloc[0] == ""
    # who leaves care on their 18th birthday, by the written date of birth
    left = rows(files, "ssda903/2018/episodes.csv", CHILD="4").iloc[0]
    assert (left["DEC"], left["REC"]) == ("18/10/2017", "E17")
    dob = pd.to_datetime(header.loc["4", "DOB"], format="%d/%m/%Y")
    assert dob + pd.DateOffset(years=18) == pd.Timestamp("2017-10-18")


def test_cin_episodes_referrals_and_closures(files):
    root = census(files, "2017")
    nfa, assessed = episodes(root, "2")
    # closed at the door: no primary need (left out), closed on its day
    assert items(nfa) == {
        "CINreferralDate": "2016-07-11", "ReferralSource": "10", "CINclosureDate": "2016-07-11",
        "ReasonForClosure": "RC7", "ReferralNFA": "true",
    }  # fmt: skip
    assert [c.tag for c in assessed] == [
        "CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
        "ReasonForClosure", "Assessments", "ReferralNFA",
    ]  # fmt: skip
    assert items(assessed)["ReasonForClosure"] == "RC8"
    assert items(assessed.find("Assessments")) == {
        "AssessmentActualStartDate": "2016-08-25", "AssessmentAuthorisationDate": "2016-09-19"
    }  # fmt: skip
    # child 1 was open at the start: its referral is not known, dated by its first spell
    (stock,) = episodes(root, "1")
    assert items(stock)["CINreferralDate"] == "2016-05-21"
    assert stock.find("CINclosureDate") is None and stock.find("ReasonForClosure") is None
    # adoption closes child 3's episode in 2017-18, not before
    assert episodes(root, "3")[0].find("CINclosureDate") is None
    (later,) = episodes(census(files, "2018"), "3")
    assert (items(later)["CINclosureDate"], items(later)["ReasonForClosure"]) == (
        "2017-04-27", "RC1"
    )  # fmt: skip
    # the UASC's arrival is a referral, with no assessment
    (arrival,) = episodes(root, "4")
    assert arrival.find("Assessments") is None
    # no UPN (not modelled), and no child whose only episodes are NFA: no UPNunknown UN7
    ids = root.xpath("Children/Child/ChildIdentifiers")
    assert [i.findtext("LAchildID") for i in ids] == ["1", "2", "3", "4"]
    assert all(i.find("UPN") is None and i.find("UPNunknown") is None for i in ids)
    assert {i.findtext("Sex") for i in ids} <= {"M", "F"}


def test_every_cp_plan_start_has_a_section_47_and_conference(files):
    (ep,) = episodes(census(files, "2017"), "1")
    # the episode's groups in the specification's order: plans, enquiry, flag, CP plan
    assert [c.tag for c in ep][-4:] == [
        "CINPlanDates", "Section47", "ReferralNFA", "ChildProtectionPlans"
    ]  # fmt: skip
    s47, cp = items(ep.find("Section47")), items(ep.find("ChildProtectionPlans"))
    assert s47["S47ActualStartDate"] == s47["DateOfInitialCPC"] == cp["CPPstartDate"]
    assert s47["InitialCPCtarget"] == "2016-10-31"  # 15 working days after Sunday 9 October
    assert s47["ICPCnotRequired"] == "false"
    assert "CPPendDate" not in cp  # ends in August 2017
    assert (cp["InitialCategoryOfAbuse"], cp["NumberOfPreviousCPP"]) == ("NEG", "0")
    (later,) = episodes(census(files, "2018"), "1")
    assert items(later.find("ChildProtectionPlans"))["CPPendDate"] == "2017-08-05"
    assert later.find("Section47") is None  # started the year before
    assert later.find("CINPlanDates") is None  # ended the year before


def test_the_census_files_follow_the_specification_s_schema(files):
    schema = etree.XMLSchema(etree.parse(str(CIN_SCHEMA)))
    for year in ("2017", "2018"):
        assert schema.validate(census(files, year)), schema.error_log


def csww(files: dict[str, pd.DataFrame | bytes], year: str) -> tuple[pd.DataFrame, pd.Series]:
    """A workforce census file's workers (by SWENo) and its council-level row (named by the
    header's ReferenceDate), as text."""
    data = files[f"workforce_census/{year}/csww_{year}.xml"]
    assert isinstance(data, bytes)
    workers, la, ref = workforce_xml.read_xml(data, year)
    return workers.frame.set_index("SWENo"), la.frame.iloc[0].rename(ref)


def test_the_workforce_census_lists_who_the_census_lists(files):
    w16, la = csww(files, "2016")
    w17, la17 = csww(files, "2017")
    assert set(w16.index) == {"SW0000000001", "SW0000000002", "SW0000000003", "SW0000000005"}
    # an agency worker between censuses is in neither
    assert "SW0000000004" not in w16.index and "SW0000000004" not in w17.index
    leaver = w16.loc["SW0000000005"]
    assert (leaver["FTE"], leaver["FTE30"], leaver["RoleEndDate"], leaver["OrgRole"]) == (
        "0", "1.000000", "2016-08-20", "6"
    )  # fmt: skip
    assert (leaver["LeaverDestination"], leaver["ReasonLeave"]) == ("8", "1")
    nqsw = w16.loc["SW0000000002"]
    assert (nqsw["StartOrigin"], nqsw["CFKSSstatus"], nqsw["FTE"]) == ("1", "1", "0.800000")
    # qualified on 31 July 2017: past the ASYE on the 2017 census; its day is not written
    assert w17.loc["SW0000000002", "CFKSSstatus"] == "2"  # a frontline practitioner now
    assert w16.loc["SW0000000001", "CFKSSstatus"] == "2"  # qualified, holding cases
    assert leaver["CFKSSstatus"] == ""  # a leaver (and a worker without cases): not known
    assert w16.loc["SW0000000003", "CFKSSstatus"] == ""  # agency
    assert w16.loc["SW0000000003", "AgencyWorker"] == "1"
    converted = w17.loc["SW0000000003"]
    assert (converted["AgencyWorker"], converted["StartOrigin"], converted["RoleStartDate"]) == (
        "0", "4", "2016-10-29"
    )  # fmt: skip
    assert (la.name, la.tolist()) == ("2016-09-30", ["13.00", "1.00", "1"])
    assert la17["NoAgencyHeadcount"] == "0"


def test_the_workforce_census_files_follow_the_2022_schema(files):
    """Each census file validates against the 2022 schema (tests/support/csww_2022.xsd,
    transcribed with its source): element names, order, occurrences, types and codes."""
    schema = etree.XMLSchema(etree.parse(str(CSWW_SCHEMA)))
    for year in ("2016", "2017"):
        data = files[f"workforce_census/{year}/csww_{year}.xml"]
        assert isinstance(data, bytes)
        doc = etree.fromstring(data)
        assert schema.validate(doc), schema.error_log
        header = doc.find("Header/CollectionDetails")
        assert [header.findtext(t) for t in ("Collection", "Year", "ReferenceDate")] == [
            "CSWW", year, f"{year}-09-30"
        ]  # fmt: skip
        # the schema catches what is wrong: a code it does not have, an item out of order
        spoilt = etree.fromstring(data)
        spoilt.find("CSWWWorker/StartOrigin").text = "11"
        assert not schema.validate(spoilt)
        spoilt = etree.fromstring(data)
        worker = spoilt.find("CSWWWorker")
        worker.append(worker.find("AgencyWorker"))
        assert not schema.validate(spoilt)


def test_the_fill_ins_follow_the_seed():
    a = returns_files(tiny_run(seed=5))["ssda903/2018/header.csv"]
    b = returns_files(tiny_run(seed=5))["ssda903/2018/header.csv"]
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
    assert (out / "cin_census/2018/cin_census.xml").read_bytes().startswith(b"<?xml")
    assert (out / "notes.txt").read_text() == "mine"
    text = (out / ABOUT).read_text()
    assert "Specification followed" in text and "2016-17" in text and "not a council's" in text
    assert not list(out.glob(".returns.*"))  # no staging folder left
    written = pd.read_csv(out / "ssda903/2018/episodes.csv", dtype=str, keep_default_na=False)
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
