"""Every mistake a person makes in a config gives one clear message naming the file, the
field, the value and the rule; the CLI exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import main
from sim.config.loader import ConfigError, load_config
from tests.conftest import CONFIGS

BASE = yaml.safe_load((CONFIGS / "manchester_2016.yaml").read_text())


def mutate(path: str, value: Any) -> dict[str, Any]:
    """A copy of the Manchester config with the dotted ``path`` set (or removed if
    ``value`` is ``...``)."""
    data = yaml.safe_load(yaml.safe_dump(BASE))
    *parents, last = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


CASES = [
    # (mutation path, value, substrings the message must contain)
    ("demand.referals_per_year", 100, ["demand.referals_per_year", "100", "unknown field"]),
    ("horizon_months", "sixty", ["horizon_months", "'sixty'", "whole number"]),
    (
        "demand.referrals_per_year",
        -5,
        ["demand.referrals_per_year", "-5", "greater than or equal to 0"],
    ),
    ("demand.referrals_per_year", float("nan"), ["demand.referrals_per_year", "nan", "finite"]),
    (
        "recruitment.experienced_share",
        1.5,
        ["recruitment.experienced_share", "1.5", "less than or equal to 1"],
    ),
    ("pathway.cin.next", {"close": 0.5, "cp": 0.1}, ["pathway.cin.next", "sum to 1", "0.6"]),
    (
        "pathway.assessment.outcomes",
        {"nfa": 0.5, "foster": 0.5},
        ["pathway.assessment.outcomes", "foster"],
    ),
    ("target.date", "2015-01-01", ["target", "before start_date"]),
    (
        "establishment.schedule",
        [{"date": "2017-04-01", "fte": 288}, {"date": "2016-10-01", "fte": 245}],
        ["establishment", "date order"],
    ),
    (
        "pathway.lac.duration",
        {"dist": "weibull", "mean_days": 3},
        ["pathway.lac.duration", "weibull"],
    ),
    (
        "pathway.cp.duration.bands",
        [{"upto_days": 90, "share": 0.5}, {"upto_days": 60, "share": 0.5}],
        ["pathway.cp.duration", "increase"],
    ),
    ("teams.lac.caseload_cap", 10, ["teams.lac", "caseload_cap 10", "caseload_target 20"]),
    ("teams.lac.establishment_share", 0.5, ["teams", "establishment_share", "sum to 1"]),
    (
        "leaving.permanent",
        [{"from_years": 1, "per_year": 0.1}],
        ["leaving.permanent", "from_years 0", "[1.0]"],
    ),
    ("start_date", "2016-13-01", ["start_date", "2016-13-01"]),
    ("costs", ..., ["costs", "(none)", "required field is missing"]),
    ("pathway.cin.next", {"close": 0.5, "cin": 0.5}, ["pathway", "cannot step to itself"]),
]


@pytest.mark.parametrize(("path", "value", "needles"), CASES, ids=[c[0] for c in CASES])
def test_broken_config_gives_clear_error_and_exit_2(tmp_path, capsys, path, value, needles):
    cfg = tmp_path / "broken.yaml"
    cfg.write_text(yaml.safe_dump(mutate(path, value)))
    out = tmp_path / "out"
    assert main(["run", str(cfg), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(cfg) in err, err
    for needle in needles:
        assert needle in err, f"message lacks {needle!r}:\n{err}"
    assert "Traceback" not in err
    assert not out.exists(), "an output folder was created for a config that failed"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b"\x00\x01\xff\xfe binary", "not a UTF-8 text file"),
        (b"- a\n- b\n", "must be a mapping"),
        (b"name: [unclosed\n", "not valid YAML"),
        (b"!!python/object/apply:os.system ['echo hacked']\n", "not valid YAML"),
    ],
)
def test_unreadable_files(tmp_path, content, needle):
    p = tmp_path / "bad.yaml"
    p.write_bytes(content)
    with pytest.raises(ConfigError, match=needle):
        load_config(p)


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")]) == 2
    assert "cannot read file" in capsys.readouterr().err


def test_extends_overrides_fields_and_detects_cycles(tmp_path: Path):
    child = tmp_path / "variant.yaml"
    child.write_text(
        f"extends: {CONFIGS / 'manchester_2016.yaml'}\n"
        "name: variant\ndemand: {referrals_per_year: 6000}\n"
        "pathway: {lac: {duration: {dist: exponential, mean_days: 700}}}\n"
    )
    cfg = load_config(child)
    assert cfg.name == "variant"
    assert cfg.demand.referrals_per_year == 6000
    assert cfg.demand.rereferral.probability == 0.2  # kept from the parent
    assert cfg.pathway.lac.duration.dist == "exponential"  # replaced whole, not merged
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("extends: b.yaml\n")
    b.write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load_config(a)
