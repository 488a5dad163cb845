"""Regenerate the golden outputs on purpose: ``python -m tests.golden`` (from the repository
root) reruns tests/golden/council.yaml and tests/golden/experiment.yaml with the current
code and rewrites tests/golden/expected/. Do it only when a change is meant to move the
draws or the outputs; then review ``git diff tests/golden/expected`` and commit the files
with the change, saying why they moved. See tests/golden/__init__.py."""

from __future__ import annotations

import sys

from tests.golden import EXPECTED, FILES, regenerate


def main() -> int:
    changed = regenerate()
    if not changed:
        print(f"golden outputs unchanged ({len(FILES)} files in {EXPECTED})")
        return 0
    print(f"rewrote {len(changed)} of {len(FILES)} golden files in {EXPECTED}:")
    for name in changed:
        print(f"  {name}")
    print("review them with `git diff tests/golden/expected` before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
