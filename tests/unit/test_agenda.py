"""The agenda keeps far events out of SimPy's heap without changing the order in which
anything happens, exact ties at month ends and slice boundaries included."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.model.agenda import Agenda

MONTH_ENDS = [31.0, 59.0, 90.0, 120.0]


def firing_order(seed: int, use_agenda: bool) -> list[tuple[float, str]]:
    """Run a script of bookings (many on whole, half and quarter days, so that ties with
    month ends and slice boundaries are common) and return what fired, when, in order.
    A month-end snapshot is part of the record, as the model's clock takes one."""
    env = simpy.Environment()
    agenda = Agenda(env, MONTH_ENDS)
    rng = np.random.default_rng(seed)
    fired: list[tuple[float, str]] = []

    def book(delay: float, label: str) -> None:
        if use_agenda:
            agenda.book(delay, label, on_fire)
        elif env.now + delay <= MONTH_ENDS[-1]:
            env.timeout(delay, label).callbacks.append(on_fire)

    def on_fire(event: simpy.Event) -> None:
        fired.append((env.now, event.value))
        if len(fired) < 400 and rng.random() < 0.8:  # events book further events
            book(float(rng.integers(0, 60)) / rng.choice([1, 2, 4]), f"{event.value}+")

    def clock():
        for end in MONTH_ENDS:
            if use_agenda:
                agenda.open_month()
            yield env.timeout(end - env.now)
            fired.append((env.now, "snapshot"))

    for i in range(60):  # booked before the run, as the model's initial cases
        book(float(rng.integers(0, 125)) / rng.choice([1, 2, 4]), f"e{i}")
    env.run(until=env.process(clock()))
    return fired


@pytest.mark.parametrize("seed", range(8))
def test_same_order_as_plain_timeouts(seed):
    plain = firing_order(seed, use_agenda=False)
    assert len(plain) > 100
    assert any(t in MONTH_ENDS and label != "snapshot" for t, label in plain), "no tie tested"
    assert firing_order(seed, use_agenda=True) == plain
