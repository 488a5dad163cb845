"""Writing results: every file is written to a temporary name and renamed into place, so
a results folder never holds a half-written file. A new file gets the permissions a plain
``open()`` would give it (0666 less the umask, so a group or others can read results where
the user's umask lets them); a replaced file keeps its own."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import pandas as pd
import yaml

log = logging.getLogger(__name__)

TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")
"""The name of :func:`write_atomic`'s temporary files (``.<name>.<8 random>.tmp``)."""
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"


def _create_temporary(path: Path) -> tuple[int, str]:
    """Open a new temporary file beside ``path`` for writing: (descriptor, name). Created
    as ``open()`` creates a file (mode 0666 less the umask, as ``tempfile.mkstemp``'s 0600
    is not), then given ``path``'s own mode if ``path`` exists, so that replacing a file
    keeps its permissions."""
    try:
        keep: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        keep = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = "".join(secrets.choice(_LETTERS) for _ in range(8))
        tmp = str(path.parent / f".{path.name}.{name}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if keep is not None:
            try:
                os.fchmod(fd, keep)
            except BaseException:
                os.close(fd)
                Path(tmp).unlink(missing_ok=True)
                raise
        return fd, tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def write_atomic(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Call ``write`` on a temporary file beside ``path``, fsync it, then rename it over
    ``path``. On any error the temporary file is removed and ``path`` is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = _create_temporary(path)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.filename in (None, tmp):  # name the file being written, not its temporary
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is a temporary file of :func:`write_atomic`: one beside results
    means a run was killed while writing."""
    return TEMPORARY.fullmatch(path.name) is not None


def remove_temporaries(root: Path) -> None:
    """Delete the temporary files that killed runs left anywhere under ``root`` (only
    while no other run writes there: hold its lock)."""
    for path in sorted(root.rglob(".*.tmp")):
        if is_temporary(path) and path.is_file():
            log.info("removing %s, left by a run that was stopped while writing it", path)
            path.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes) -> None:
    write_atomic(path, lambda fh: fh.write(data))


def write_text(path: Path, text: str) -> None:
    write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def write_json(path: Path, data: Any) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_yaml(path: Path, data: Any) -> None:
    write_text(path, yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_text(path, frame.to_csv(index=False, lineterminator="\n"))
