"""Property: every refusal of a mutated shipped config names the file, the field and the
value, one line per mistake."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.loader import ConfigError
from tests.support.mutations import EXAMPLES, PATHS, SHIPPED, VALUES, mutate


@settings(max_examples=max(40, EXAMPLES // 4), deadline=None)
@given(target=st.sampled_from(PATHS), value=VALUES)
def test_every_refusal_names_file_field_and_value(target, value):
    name, path = target
    data = mutate(SHIPPED[name], path, value, "set")
    from sim.config.loader import validate_council

    try:
        validate_council(data, f"{name}.yaml")
    except ConfigError as exc:
        for line in str(exc).splitlines():
            assert line.startswith(f"{name}.yaml: field '"), line
            assert "': value " in line, line


def test_a_value_with_a_line_break_is_refused_on_one_line():
    # pydantic quotes a wrong tag as given: a carriage return in it must not split the line
    path = ("pathway", "lac", "routes", "care_order", "duration", "dist")
    data = mutate(SHIPPED["cheshire_east_2017"], path, "\r", "set")
    from sim.config.loader import validate_council

    try:
        validate_council(data, "cheshire_east_2017.yaml")
    except ConfigError as exc:
        lines = str(exc).splitlines()
    else:
        raise AssertionError("a dist of '\\r' was accepted")
    assert len(lines) == 1 and "Input tag '\\r' found" in lines[0], lines
