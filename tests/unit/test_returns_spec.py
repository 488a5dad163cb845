"""The returns' column lists and code lists against DfE's specifications (SSDA903 2024-25,
CIN census 2024-25, children's social work workforce census 2022), the model's values
mapped into them, collection years and dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lxml import etree

from sim.config.council import LEGAL_STATUSES, PERMANENCE_EXITS
from sim.model.rng import Streams
from sim.returns import cin_census, cin_xml, ssda903, workforce_census
from sim.returns.common import april_years, census_years, collection_year, dates, fill_in_rng

CIN_SCHEMA = Path(__file__).parents[1] / "support" / "cin_census_2024_25.xsd"


def test_ssda903_columns_are_dfe_s_in_dfe_s_order():
    assert ssda903.HEADER_COLUMNS == ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
    assert ssda903.EPISODE_COLUMNS == (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    )  # fmt: skip
    assert ssda903.UASC_COLUMNS == ("CHILD", "SEX", "DOB", "DUC")


def test_ssda903_code_lists():
    # DfE's code sets (2024-25), as the collection's validation rules 101, 143-146, 149 list them
    assert set(ssda903.LS) == {
        "C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"
    }  # fmt: skip
    assert set(ssda903.RNE) == {"S", "L", "P", "T", "U", "B"}
    assert set(ssda903.REC) == {
        "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46",
        "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1",
    }  # fmt: skip
    assert set(ssda903.CIN) == {f"N{k}" for k in range(1, 9)}
    assert len(ssda903.PLACE) == 27 and {"K1", "K2", "R5", "H5", "U6", "A4", "A6"} <= set(
        ssda903.PLACE
    )
    assert "P4" not in ssda903.PLACE and "R4" not in ssda903.PLACE  # withdrawn before 2023-24
    assert set(ssda903.SEX) == {"M", "F", "U"}
    assert len(ssda903.ETHNIC) == 20 and "NOBT" in ssda903.ETHNIC


def test_the_model_s_legal_statuses_and_exits_have_codes():
    assert set(LEGAL_STATUSES) == set(ssda903.LS)
    exits = {"return_home", "adoption", "special_guardianship", "18_plus", "other"}
    assert set(ssda903.REC_OF_EXIT) == exits
    assert set(ssda903.REC_OF_EXIT.values()) <= set(ssda903.REC) - {"X1"}
    # each exit's code reads back as that exit
    for exit_, rec in ssda903.REC_OF_EXIT.items():
        assert ssda903.exit_of(rec, pd.Timestamp("2020-01-01"), pd.NaT) == exit_
    assert exits >= PERMANENCE_EXITS


def test_independent_living_counts_as_leaving_at_18_only_at_18():
    dob = pd.Timestamp("2002-05-10")
    at_18 = pd.Timestamp("2020-05-10")
    assert ssda903.exit_of("E5", at_18, dob) == "18_plus"
    assert ssda903.exit_of("E6", at_18 - pd.Timedelta(days=1), dob) == "18_plus"  # model's year
    assert ssda903.exit_of("E5", pd.Timestamp("2019-05-10"), dob) == "other"
    assert ssda903.exit_of("E5", at_18, pd.NaT) == "other"
    assert ssda903.exit_of("", pd.NaT, dob) == ""


def test_cin_census_columns_and_codes():
    assert cin_census.COLUMNS[cin_census.CIN_DETAILS] == (
        "LAchildID", "CINdetailsID", "CINreferralDate", "ReferralSource", "PrimaryNeedCode",
        "CINclosureDate", "ReasonForClosure", "ReferralNFA",
    )  # fmt: skip
    assert cin_census.COLUMNS[cin_census.SECTION47][2:] == (
        "S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"
    )  # fmt: skip
    assert set(cin_census.REASON_FOR_CLOSURE) == {f"RC{k}" for k in range(1, 10)}
    assert set(cin_census.UPN_UNKNOWN) == {f"UN{k}" for k in range(1, 8)}  # not SSDA903's UN8+
    assert set(cin_census.CATEGORY_OF_ABUSE) == {"NEG", "PHY", "SAB", "EMO", "MUL"}
    cases = [
        ("assessment", "close", "RC8"),
        ("lac", "adoption", "RC1"),
        ("lac", "special_guardianship", "RC4"),
        ("lac", "18_plus", "RC7"),
        ("cin", "close", "RC7"),
        ("cp", "close", "RC7"),
    ]
    for stage, how, code in cases:
        assert cin_census.reason_for_closure(stage, how) == code


XS = "{http://www.w3.org/2001/XMLSchema}"


def _schema_children(schema: etree._ElementTree) -> dict[str, list[str]]:
    """Each element of the transcribed schema with its child elements, in order."""
    types = {t.get("name"): t for t in schema.getroot().iter(f"{XS}complexType") if t.get("name")}
    out: dict[str, list[str]] = {}
    for el in schema.getroot().iter(f"{XS}element"):
        body = types.get(el.get("type")) if el.get("type") in types else el.find(f"{XS}complexType")
        if body is not None:
            out[el.get("name")] = [c.get("name") for c in body.iter(f"{XS}element")
                                   if c.getparent().getparent() is body]  # fmt: skip
    return out


def test_the_census_xml_s_elements_are_the_specification_s_in_its_order():
    spec = _schema_children(etree.parse(str(CIN_SCHEMA)))
    assert {k: list(v) for k, v in cin_xml.STRUCTURE.items()} == spec
    # every item a module table has is an element of its group (or the link, CINdetailsID)
    for name, group in cin_xml.GROUPS.items():
        assert set(cin_census.COLUMNS[name]) - {"LAchildID", "CINdetailsID"} <= set(spec[group])
    child = set(spec["ChildIdentifiers"]) | set(spec["ChildCharacteristics"])
    assert set(cin_census.COLUMNS[cin_census.CHILDREN]) <= child
    assert set(cin_xml.GROUPS) | {cin_xml.CHILDREN} == set(cin_census.COLUMNS)


def _enumerations(name: str) -> set[str]:
    schema = etree.parse(str(CIN_SCHEMA)).getroot()
    (simple,) = [t for t in schema.iter(f"{XS}simpleType") if t.get("name") == name]
    return {e.get("value") for e in simple.iter(f"{XS}enumeration")}


@pytest.mark.parametrize(
    ("codes", "schema_type"),
    [
        (cin_census.REFERRAL_SOURCE, "ReferralSource"),
        (cin_census.PRIMARY_NEED, "PrimaryNeedCode"),
        (cin_census.REASON_FOR_CLOSURE, "ReasonForClosure"),
        (cin_census.CATEGORY_OF_ABUSE, "CategoryOfAbuse"),
        (cin_census.UPN_UNKNOWN, "UPNunknown"),
        (ssda903.ETHNIC, "Ethnicity"),
        (ssda903.SEX, "Sex"),
    ],
)
def test_the_census_code_lists_are_the_specification_s(codes, schema_type):
    assert set(codes) == _enumerations(schema_type)


def test_workforce_census_columns_and_codes():
    # the 2022 schema's CSWWWorker items in its order, and nothing of ours (the schema file
    # in tests/support checks the written files themselves)
    assert workforce_census.WORKER_COLUMNS == (
        "AgencyWorker", "SWENo", "FTE", "PersonBirthDate", "GenderCurrent", "Ethnicity",
        "QualInst", "QualLevel", "StepUpGrad", "OrgRole", "RoleStartDate", "StartOrigin",
        "RoleEndDate", "LeaverDestination", "ReasonLeave", "FTE30", "Cases30",
        "WorkingDaysLost", "ContractWeeks", "FrontlineGrad", "Absat30Sept", "ReasonAbsence",
        "CFKSSstatus",
    )  # fmt: skip
    assert workforce_census.LA_COLUMNS[1:] == (
        "NumberOfVacancies", "NoAgencyFTE", "NoAgencyHeadcount"
    )  # fmt: skip
    # codes: StartOrigin 1 newly qualified, 4 agency; ReasonLeave 1 resignation; CFKSSstatus
    # 1 ASYE, 2 frontline practitioner (3 practice supervisor, 4 practice leader)
    assert (workforce_census.NEWLY_QUALIFIED, workforce_census.FROM_AGENCY) == ("1", "4")
    assert workforce_census.RESIGNATION == "1"
    assert (workforce_census.IN_ASYE, workforce_census.PRACTITIONER) == ("1", "2")
    assert workforce_census.CFKSS == ("1", "2", "3", "4")
    assert set(workforce_census.DESTINATION_OF_REASON.values()) <= set(
        workforce_census.LEAVER_DESTINATION
    )
    for reason, code in workforce_census.DESTINATION_OF_REASON.items():
        assert workforce_census.REASON_OF_DESTINATION.get(code, "left") == reason


def test_collection_years_and_censuses_cover_the_run():
    years = april_years(dt.date(2016, 7, 1), dt.date(2021, 6, 30))
    assert [y.label for y in years] == ["2016-17", "2017-18", "2018-19", "2019-20", "2020-21",
                                        "2021-22"]  # fmt: skip
    assert years[0].first == pd.Timestamp("2016-04-01")
    assert years[0].last == pd.Timestamp("2017-03-31")
    assert [y.label for y in april_years(dt.date(2017, 4, 1), dt.date(2018, 3, 31))] == ["2017-18"]
    censuses = census_years(dt.date(2016, 7, 1), dt.date(2018, 9, 29))
    assert [c.label for c in censuses] == ["2016", "2017"]
    assert censuses[1].first == pd.Timestamp("2016-10-01")
    assert censuses[1].last == pd.Timestamp("2017-09-30")


def test_each_year_s_folder_is_the_year_it_ends():
    # as the CIN census's <Year> and the SSDA903 tools councils run (data-to-insight's demand
    # model and validator, Social Finance's liia-tools) name a collection year
    years = april_years(dt.date(2016, 7, 1), dt.date(2018, 3, 31))
    assert [(y.label, y.folder) for y in years] == [("2016-17", "2017"), ("2017-18", "2018")]
    assert [c.folder for c in census_years(dt.date(2016, 7, 1), dt.date(2017, 12, 31))] == [
        "2016", "2017"
    ]  # fmt: skip
    # both names are read, and nothing else is taken for a year
    assert collection_year("2018") == collection_year("2017-18") == 2018
    assert collection_year("1999-00") == 2000
    assert [collection_year(n) for n in ("2017-19", "201", "old", "2017_18")] == [None] * 4


def test_days_are_the_dates_they_fall_in():
    d = dates(dt.date(2016, 7, 1), pd.Series([0.0, 0.99, -0.01, -1.0, np.nan]))
    assert list(d[:4]) == [pd.Timestamp(x) for x in
                           ("2016-07-01", "2016-07-01", "2016-06-30", "2016-06-30")]  # fmt: skip
    assert pd.isna(d.iloc[4])


def test_fill_ins_have_their_own_stream():
    a = fill_in_rng(3, "sex").random(5)
    assert np.array_equal(a, fill_in_rng(3, "sex").random(5))
    assert not np.array_equal(a, fill_in_rng(4, "sex").random(5))
    assert not np.array_equal(a, fill_in_rng(3, "ethnicity").random(5))
    streams = Streams(3)
    firsts = [streams[name].random(5) for name in ("demand", "ages", "care", "uasc")]
    assert not any(np.array_equal(a, f) for f in firsts)
    ss = np.random.SeedSequence(3, spawn_key=(2,))
    assert not np.array_equal(fill_in_rng(ss, "sex").random(5), a)


@pytest.mark.parametrize("module", [ssda903, cin_census, cin_xml, workforce_census])
def test_each_return_says_which_specification_it_follows(module):
    doc = module.__doc__ or ""
    assert "Specification followed" in doc
    assert "Not modelled" in doc or "does not have" in doc
