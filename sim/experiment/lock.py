"""One writer per output folder: a lock file inside it, created atomically (``O_CREAT |
O_EXCL``) and holding the holder's pid, host, command line and start time as JSON.

A second run on a locked folder is refused with the holder's command and start time. A lock
whose pid is no longer alive on this host (a run killed with ``kill -9``) is stale: it is
moved aside atomically and cleared, with a warning. The lock is removed when the holder
exits, Ctrl-C and SIGTERM included (``csc-sim`` turns SIGTERM into KeyboardInterrupt). A
process may take a lock it already holds (a command that locks its folder, then runs an
experiment that locks it again)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sim.experiment.errors import ExperimentError

log = logging.getLogger(__name__)

LOCK = ".csc-sim.lock"
"""The lock file's name inside a locked folder."""
UNREADABLE_STALE_S = 10.0
"""A lock file that cannot be read (its holder was killed between creating and writing it)
is taken as stale once it is this old."""


class FolderLocked(ExperimentError):
    """Another run is writing the folder; ``str()`` names it and what to do."""


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is running on this host (a zombie is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill()
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _holder(path: Path) -> dict[str, Any] | None:
    """The lock file's record, or None if it is unreadable or half-written."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("pid"), int) else None


def _stale(path: Path, holder: dict[str, Any] | None) -> bool:
    if holder is None:
        try:
            return time.time() - path.stat().st_mtime > UNREADABLE_STALE_S
        except FileNotFoundError:
            return True
    return holder.get("host") == socket.gethostname() and not _alive(holder["pid"])


def _mine(holder: dict[str, Any] | None) -> bool:
    return (
        holder is not None
        and holder["pid"] == os.getpid()
        and holder.get("host") == socket.gethostname()
    )


def _clear_stale(path: Path, holder: dict[str, Any] | None) -> None:
    """Move the stale lock aside (atomic) and delete it; if what was moved is not the lock
    judged stale (a new run took the folder meanwhile), put it back."""
    aside = path.with_name(f"{LOCK}.stale.{os.getpid()}")
    try:
        os.replace(path, aside)
    except FileNotFoundError:
        return  # another run cleared it first
    if _holder(aside) != holder:
        with suppress(FileExistsError):
            os.link(aside, path)
        aside.unlink(missing_ok=True)
        return
    aside.unlink(missing_ok=True)
    what = (
        "an unreadable lock"
        if holder is None
        else (
            f"the lock of pid {holder['pid']} ({holder.get('command')!r}, started "
            f"{holder.get('started')}), which is no longer running"
        )
    )
    log.warning("%s: cleared %s", path, what)


def _refusal(path: Path, holder: dict[str, Any] | None) -> FolderLocked:
    if holder is None:
        return FolderLocked(
            f"{path.parent}: another csc-sim run is starting to write this folder ({path} "
            "is being written); wait for it, or use another --out"
        )
    where = "" if holder.get("host") == socket.gethostname() else f" on host {holder.get('host')}"
    return FolderLocked(
        f"{path.parent}: in use by another csc-sim run{where} (pid {holder['pid']}, "
        f"started {holder.get('started')}): {holder.get('command')}\n"
        "Wait for it to finish, or use another --out. If no such run is going on "
        f"(e.g. it ran on another host that is gone), delete {path}"
    )


def acquire(folder: Path, command: str) -> bool:
    """Lock ``folder`` (created if missing) for this process. Returns False if this process
    already held it. Raises :class:`FolderLocked` if another live run holds it, and OSError
    if the folder cannot be written."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": command,
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(path)
            if _mine(holder):
                return False
            if not _stale(path, holder):
                raise _refusal(path, holder) from None
            _clear_stale(path, holder)
            continue
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException as exc:
            path.unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.filename is None:
                raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
            raise
        return True
    raise _refusal(path, _holder(path))


def release(folder: Path) -> None:
    """Remove this process's lock on ``folder`` (nothing if another's)."""
    path = folder / LOCK
    if _mine(_holder(path)):
        path.unlink(missing_ok=True)


@contextmanager
def locked(folder: str | Path, command: str) -> Iterator[Path]:
    """Hold the lock on ``folder`` for the ``with`` block, recording ``command`` (see
    :func:`acquire`); a folder this call created is removed again if it is left empty."""
    folder = Path(folder)
    created = not folder.exists()
    took = False
    try:
        took = acquire(folder, command)
        yield folder
    finally:
        if took:
            release(folder)
        if created:
            with suppress(OSError):  # not empty: results (or another run's lock) are there
                folder.rmdir()
