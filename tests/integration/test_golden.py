"""Golden outputs: the whole outputs of a small council run and a small experiment
(tests/golden/) are exactly the stored ones, so that no change moves a draw or a number
unnoticed. When a change is meant to move them, regenerate them with
``python -m tests.golden`` and commit the new files (see tests/golden/__init__.py)."""

from __future__ import annotations

import pytest

from tests.golden import FILES, REGENERATE, first_difference, produce, stored


@pytest.fixture(scope="module")
def produced(tmp_path_factory) -> dict[str, str]:
    return produce(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("name", FILES)
def test_output_is_the_stored_golden_file(produced, name):
    expected = stored()[name]
    same = produced[name] == expected  # (not in the assert: no diff of whole files)
    assert same, (
        f"tests/golden/expected/{name} differs from what the code now writes, at "
        f"{first_difference(expected, produced[name])}\n"
        f"If the change is meant to move the outputs, regenerate them with `{REGENERATE}` "
        "(from the repository root), review `git diff tests/golden/expected` and commit them."
    )
