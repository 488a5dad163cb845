"""Named random streams for one replication, all spawned from one seed.

Each concern of the model draws only from its own stream, so changing how often one
concern draws (say, a recruitment policy) leaves every other concern's draws untouched:
this is what makes scenarios comparable on common random numbers. Add new names at the
end only, so that existing streams keep their draws.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Protocol

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "demand",
    "assessment",
    "durations",
    "transitions",
    "rereferral",
    "initial",
    "leaving",
    "absence",
    "recruitment",
    "agency",
    "policy",
    "guidance",
    "grades",
    "holding",  # new streams go last, so the others keep their draws
    "agency_fill",
    "uncertain",  # experiment-level uncertain config values (sim.experiment.uncertain)
    "destinations",
    "capacity",  # each case-holder's share of a full caseload (sim.model.capacity)
    "ages",  # children's ages when first referred
    "care",  # looked-after routes and exits (sim.model.care)
    "care_durations",  # looked-after lengths of stay
    "nfa_at_referral",  # referrals closed at the front door
    "uasc",  # arrivals of unaccompanied asylum-seeking children
)

BLOCK = 512
"""Draws made per refill of a buffer: numpy's per-call cost shared over a block."""


def replication_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication`` (0-based) under ``root_seed``: the
    same as ``SeedSequence(root_seed).spawn(n)[replication]`` for any n > replication."""
    return np.random.SeedSequence(root_seed, spawn_key=(replication,))


def stream_seed(
    seed: np.random.SeedSequence, name: str, key: str | None = None
) -> np.random.SeedSequence:
    """The seed sequence of stream ``name`` under ``seed`` (the one :class:`Streams` gives
    that stream), or, with ``key``, of one named quantity drawn from that stream: a child of
    it keyed by ``key``, so each quantity's draw does not depend on which others exist."""
    spawn_key = (*seed.spawn_key, STREAM_NAMES.index(name))
    if key is not None:
        spawn_key = (*spawn_key, zlib.crc32(key.encode("utf-8")))
    return np.random.SeedSequence(seed.entropy, spawn_key=spawn_key)


class Streams:
    """One ``numpy.random.Generator`` per named concern, from one ``SeedSequence``."""

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self._root = ss
        children = [stream_seed(ss, name) for name in STREAM_NAMES]
        self._gens = {
            name: np.random.default_rng(child)
            for name, child in zip(STREAM_NAMES, children, strict=True)
        }

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._gens[name]

    def keyed(self, key: str) -> np.random.Generator:
        """A generator for one named quantity (e.g. a policy's uncertain effect), the same in
        every scenario that has it, whatever else the scenario contains."""
        tag = zlib.crc32(key.encode("utf-8"))
        ss = np.random.SeedSequence(
            self._root.entropy, spawn_key=(*self._root.spawn_key, 1_000_000, tag)
        )
        return np.random.default_rng(ss)

    def uniform_block(self, name: str) -> tuple[list[float], Callable[[], None]]:
        """U(0,1) draws from stream ``name`` for a hot loop to take with ``buf.pop()``: the
        buffer, and a function that refills it (call it when the buffer is empty)."""
        gen = self._gens[name]
        buf: list[float] = []

        def refill() -> None:
            buf.extend(gen.random(BLOCK).tolist())

        return buf, refill

    def uniform(self, name: str) -> Callable[[], float]:
        """A callable giving U(0,1) draws from stream ``name``, drawn in blocks for speed."""
        return _popper(*self.uniform_block(name))


def block_sampler(draw: Callable[[int], np.ndarray]) -> Callable[[], float]:
    """A callable giving one value of ``draw(n)`` at a time, in the order drawn, from
    blocks of ``BLOCK`` (a numpy call per value would cost several times more)."""
    buf: list[float] = []

    def refill() -> None:
        buf.extend(draw(BLOCK)[::-1].tolist())

    return _popper(buf, refill)


class Drawable(Protocol):
    """A distribution that draws ``n`` values at once (``sim.config.distributions``)."""

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray: ...


def sampler(dist: Drawable, rng: np.random.Generator) -> Callable[[], float]:
    """A callable returning one draw of ``dist`` at a time from ``rng``, from pre-drawn
    blocks."""
    return block_sampler(lambda n: dist.draw(rng, n))


def _popper(buf: list[float], refill: Callable[[], None]) -> Callable[[], float]:
    """A callable taking one value at a time from the end of ``buf``, calling ``refill``
    whenever ``buf`` is empty."""

    def next_value() -> float:
        if not buf:
            refill()
        return buf.pop()

    return next_value
