"""The simulated returns shipped in ``notebooks/example_returns/`` are what their README's
command writes today, byte for byte: when the model or the config changes, this fails and
says how to make them again."""

from __future__ import annotations

import zlib
from pathlib import Path

from sim.cli import main
from tests.conftest import ROOT

EXAMPLE = ROOT / "notebooks" / "example_returns"
CONFIG = EXAMPLE / "example_council.yaml"
SEED = "2017"
COMMAND = (
    f"csc-sim returns notebooks/example_returns/example_council.yaml --seed {SEED} "
    "--out notebooks/example_returns --force"
)
NOT_WRITTEN = {"README.md", "example_council.yaml"}
"""The folder's own files, which the command keeps."""
MAX_STORED_BYTES = 3_000_000
"""The most the folder may add to a clone: git stores each file zlib-compressed, and the CIN
census XML, about 5 MB a year on disk, is about 0.2 MB so."""


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in NOT_WRITTEN
    }


def test_the_readme_gives_the_command():
    assert COMMAND in (EXAMPLE / "README.md").read_text()


def test_the_shipped_returns_are_what_the_command_writes(tmp_path, capsys):
    out = tmp_path / "example_returns"
    assert main(["returns", str(CONFIG), "--seed", SEED, "--out", str(out)]) == 0
    capsys.readouterr()
    fresh, shipped = _files(out), _files(EXAMPLE)
    stale = sorted(
        name for name in fresh.keys() | shipped.keys() if fresh.get(name) != shipped.get(name)
    )
    assert not stale, (
        f"notebooks/example_returns/ is out of date with the model ({len(stale)} file(s) differ, "
        f"e.g. {', '.join(stale[:3])}). From the checkout's root run:\n  {COMMAND}\n"
        "then rerun notebooks/calibrate_council.ipynb and check the README's figures."
    )
    stored = sum(len(zlib.compress(b)) for b in shipped.values())
    assert stored < MAX_STORED_BYTES, "keep the shipped folder small"
