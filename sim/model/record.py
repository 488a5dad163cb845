"""What the statutory returns need from one run (``csc-sim returns``): every referral, every
stage spell of every child, every worker's spell with the council. Recorded only when asked
(``CouncilModel(record=True)``): a plain list append per event.

Days are days from the start date (negative for what began before it); the returns writer
(``sim.returns``) turns them into dates and DfE's codes.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.model.entities import Child, Worker

OPEN = math.nan
"""The end day of a spell still open when the run ends."""


class Recorder:
    """Rows for the returns, appended as the run goes."""

    def __init__(self) -> None:
        self.children: dict[int, tuple[float, bool]] = {}
        """Child id -> (birth day, unaccompanied asylum-seeking)."""
        self.referrals: list[tuple[int, float, bool]] = []
        """(child id, day, closed with no further action at referral)."""
        self.spells: list[tuple[int, str, float, float, str, str]] = []
        """(child id, stage, start day, end day, legal status or "", how it ended)."""
        self._open: dict[int, tuple[str, float, str]] = {}
        self.workers: list[list[object]] = []
        """[worker id, kind at start, team, FTE, start day, end day, reason, qualified day]:
        one row per spell (an agency worker who takes a permanent post has two)."""
        self._row_of: dict[int, list[object]] = {}

    # -- children -------------------------------------------------------------------------
    def referral(self, child: Child, day: float, nfa: bool, uasc: bool = False) -> None:
        """A referral of ``child`` (first or again) on ``day``."""
        self.children.setdefault(child.id, (child.born_day, uasc))
        self.referrals.append((child.id, day, nfa))

    def stage_start(self, child: Child, stage: str, day: float, legal_status: str = "") -> None:
        """``child`` enters ``stage`` on ``day`` (before the start date for the initial stock)."""
        self.children.setdefault(child.id, (child.born_day, False))
        self._open[child.id] = (stage, day, legal_status)

    def stage_end(self, child: Child, day: float, how: str) -> None:
        """``child``'s current spell ends on ``day``: ``how`` is the next stage, ``close`` or
        a looked-after exit (``return_home``, ``adoption``, ... ``18_plus``)."""
        stage, start, status = self._open.pop(child.id)
        self.spells.append((child.id, stage, start, day, status, how))

    # -- workers --------------------------------------------------------------------------
    def worker_start(self, w: Worker, day: float) -> None:
        """``w`` starts (``day`` before the start date for those already in post)."""
        row: list[object] = [w.id, w.kind, w.team, w.fte, day, OPEN, "", OPEN]
        self.workers.append(row)
        self._row_of[w.id] = row

    def worker_qualified(self, w: Worker, day: float) -> None:
        """``w`` completes the ASYE."""
        self._row_of[w.id][7] = day

    def worker_end(self, w: Worker, day: float, reason: str) -> None:
        """``w``'s spell ends: ``reason`` is where they went (``other_council``, ``agency``,
        ``out``, ``left`` when destinations are not modelled, ``converted`` for an agency
        worker taking a permanent post, ``assignment_ended``)."""
        row = self._row_of.pop(w.id, None)
        if row is not None:
            row[5], row[6] = day, reason

    # -- tables ---------------------------------------------------------------------------
    def tables(self) -> dict[str, pd.DataFrame]:
        """The rows as tidy tables; spells still open get their end day NaN."""
        spells = self.spells + [
            (cid, stage, start, OPEN, status, "")
            for cid, (stage, start, status) in self._open.items()
        ]
        return {
            "children": pd.DataFrame(
                [(cid, b, u) for cid, (b, u) in self.children.items()],
                columns=["child", "born_day", "uasc"],
            ),
            "referrals": pd.DataFrame(self.referrals, columns=["child", "day", "nfa"]),
            "spells": pd.DataFrame(
                spells, columns=["child", "stage", "start_day", "end_day", "legal_status", "how"]
            ),
            "workers": pd.DataFrame(
                self.workers,
                columns=[
                    "worker",
                    "kind",
                    "team",
                    "fte",
                    "start_day",
                    "end_day",
                    "reason",
                    "qualified_day",
                ],
            ),
        }
