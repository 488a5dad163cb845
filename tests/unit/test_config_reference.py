"""The config reference (issue 15 item 7): generated from the pydantic models, every field
with its type, unit, default, rule and an example, and the committed file kept current."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

import sim.config.reference as reference
from sim.cli import main
from sim.config.council import Strict, at_most
from sim.config.policies import AgencyPolicy
from tests.conftest import ROOT

COMMITTED = ROOT / reference.PATH


@pytest.fixture(scope="module")
def generated() -> str:
    return reference.render()


def test_the_committed_reference_is_current(generated):
    assert COMMITTED.is_file(), f"{COMMITTED} is missing: run `csc-sim reference`"
    assert COMMITTED.read_text() == generated + "\n", (
        f"{reference.PATH} is out of date with the config models (a field added, changed or "
        "documented, or a shipped example changed): run `csc-sim reference` and commit it"
    )


def _rows(text: str, cls: type[BaseModel]) -> dict[str, list[str]]:
    """The table rows of ``cls``'s section: field -> its cells."""
    section = text.split(f'<a id="{cls.__name__.lower()}"></a>', 1)[1].split("<a id=", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"\| `([^`]+)` \|", line)
        if m:
            rows[m.group(1)] = [c.strip() for c in line.strip("|").split(" | ")]
    return rows


def test_every_field_of_every_model_is_listed(generated):
    missing = [
        f"{s.cls.__name__}.{name}"
        for s in reference.sections()
        for name in s.cls.model_fields
        if name not in _rows(generated, s.cls)
    ]
    assert not missing, missing
    names = {s.cls.__name__ for s in reference.sections()}
    # the council config, the experiment, policies, uncertain priors and distributions
    assert {"CouncilConfig", "Experiment", "Target", "AgencyPolicy", "UniformEffect"} <= names
    assert {"Lognormal", "Banded", "Councils"} <= names


def test_a_row_has_type_unit_default_rule_example_and_description(generated):
    cells = _rows(generated, AgencyPolicy)["max_share"]
    _, kind, unit, default, rule, example, description = cells
    assert (kind, unit, default, rule) == ("number", "share, 0-1", "required", ">= 0; <= 1")
    assert example.startswith("`0.2` (experiments/")
    assert description.startswith("Absolute: the agency share")
    demand = _rows(generated, reference.CouncilConfig.model_fields["demand"].annotation)
    assert "at most 5,000,000 (about 8 times England" in demand["referrals_per_year"][4]


class Undocumented(Strict):
    """A block someone added without describing its fields."""

    spend_gbp_per_year: float = Field(default=0.0, ge=0)
    cohort_size: int = Field(ge=1, le=40)
    ceiling_fte: float = Field(default=5.0, ge=0)


class Root(Strict):
    block: Undocumented


def test_a_new_field_without_a_description_is_listed_with_its_type_and_rule(monkeypatch):
    monkeypatch.setattr(reference, "ROOTS", (("Test", Root),))
    text = reference.render()
    rows = _rows(text, Undocumented)
    assert rows["spend_gbp_per_year"][1:5] == ["number", "GBP a year", "`0`", ">= 0"]
    assert rows["cohort_size"][1:5] == ["whole number", "", "required", ">= 1; <= 40"]
    assert rows["ceiling_fte"][6] == ""  # no description: the row is there all the same
    assert "At `block`." in text


class Capped(Strict):
    posts: Annotated[float, Field(ge=0), at_most(10, "ten is plenty")]
    extra: Annotated[float, Field(gt=0), at_most(3, "three")] | None = None


def test_a_named_ceiling_gives_its_reason_also_inside_an_optional():
    assert reference.rules(Capped, "posts") == [">= 0", "at most 10 (ten is plenty)"]
    assert reference.rules(Capped, "extra") == ["> 0", "at most 3 (three)"]


def test_the_command_writes_the_reference(tmp_path, capsys, generated):
    out = tmp_path / "ref.md"
    assert main(["reference", "--out", str(out)]) == 0
    assert out.read_text() == generated + "\n"
    assert f"wrote {out}" in capsys.readouterr().out
