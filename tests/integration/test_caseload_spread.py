"""Caseloads spread as they do (issue 12, item 4): each case-holder's capacity (their share
of a full caseload: part caseloads, a personal spread, a build-up for starters;
``sim.model.capacity``) scales their cap and target, and least-loaded allocation then gives
caseloads in proportion to it. Off (the default), every worker in a team holds about the
team's average; on, the spread follows the capacities, and draws come from a stream of
their own."""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from sim.model.monitor import BANDS
from sim.model.simulation import CouncilModel
from tests.conftest import council

SPREAD = {"part_caseload_share": 0.3, "part_caseload_max": 0.6, "capacity_sd": 0.3}
MONTH = 365.25 / 12


def _council(**allocation: object):
    """40 workers who never leave, 3,000 referrals a year: about 18 children each."""
    return council(
        horizon_months=24,
        demand={"referrals_per_year": 3000},
        initial_workforce={"permanent_fte": 40, "asye_fte": 0, "agency_fte": 0, "tenure": "zero"},
        establishment={"fte": 40},
        allocation={"when_full": "over_cap", **allocation},
    )


def _month_ends(seed: int, **allocation: object) -> tuple[CouncilModel, list[list[tuple]]]:
    """Run the council; each worker's (team, children, cap) every 30 days from day 180."""
    model = CouncilModel(_council(**allocation), seed)
    seen: list[list[tuple]] = []

    def watch() -> Generator[simpy.Event, None, None]:
        for day in range(180, 720, 30):
            yield model.env.timeout(day - model.env.now)
            seen.append([(w.team, len(w.children), w.cap) for w in model.workforce.workers])

    model.env.process(watch())
    model.run()
    return model, seen


def _by_team(seen: list[list[tuple]]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(children, caps) of each team at each look."""
    out = []
    for look in seen:
        for team in ("assessment", "cin_cp", "lac"):
            rows = [(n, cap) for t, n, cap in look if t == team]
            out.append((np.array([r[0] for r in rows]), np.array([r[1] for r in rows])))
    return out


def test_without_capacity_spread_everyone_holds_about_their_team_average():
    _, seen = _month_ends(1)
    dev = np.concatenate([n - n.mean() for n, _ in _by_team(seen)])
    assert np.abs(dev).max() <= 3, f"a worker {np.abs(dev).max():.1f} from the team's mean"
    assert (np.abs(dev) > 2).mean() < 0.01, "least-loaded allocation keeps caseloads within 2"
    caps = {cap for look in seen for _, _, cap in look}
    assert caps == {1000.0}, f"every cap is the team's: {caps}"


def test_each_caseload_is_proportional_to_capacity_in_a_steady_state():
    _, seen = _month_ends(1, **SPREAD)
    teams = _by_team(seen)
    # a worker's fair share of the team's children, by cap
    err = np.concatenate([n - cap / cap.sum() * n.sum() for n, cap in teams])
    assert np.abs(err).max() <= 4 and (np.abs(err) > 2).mean() < 0.02, (
        f"caseload off its capacity's share by up to {np.abs(err).max():.1f}"
    )
    dev = np.concatenate([n - n.mean() for n, _ in teams])
    assert (np.abs(dev) > 2).mean() > 0.5, "the caseloads themselves spread"


def test_the_spread_moves_caseloads_across_dfe_bands():
    off, _ = _month_ends(2)
    on, _ = _month_ends(2, **SPREAD)

    def bands(model: CouncilModel) -> np.ndarray:
        b = np.array(model.monitor.caseload_bands[6:], dtype=float)
        return (b / b.sum(axis=1, keepdims=True)).mean(axis=0)

    b_off, b_on = bands(off), bands(on)
    assert len(b_on) == BANDS and np.isclose(b_on.sum(), 1.0)
    assert b_off[0] < 0.01, f"nobody holds under 5 without the spread: {b_off[0]:.3f}"
    # about a third of a 30% part-caseload share is under a third of a full caseload
    assert 0.05 < b_on[0] < 0.25, f"under 5 cases: {b_on[0]:.3f}"
    assert np.abs(b_on - b_off).sum() > 0.3, (b_off.round(3), b_on.round(3))


def test_a_starter_builds_up_their_caseload_month_by_month():
    model = CouncilModel(_council(build_up_months=3), 4)
    shares: list[float] = []

    def hire() -> Generator[simpy.Event, None, None]:
        yield model.env.timeout(200)
        w = model.workforce.join("permanent", "cin_cp")
        for month in range(5):  # the middle of each of their first five months
            yield model.env.timeout(200 + (month + 0.5) * MONTH - model.env.now)
            peers = [len(p.children) for p in model.pools["cin_cp"].workers if p is not w]
            shares.append(len(w.children) / np.mean(peers))

    model.env.process(hire())
    model.run()
    # 1/6, 1/2 and 5/6 of their own capacity (its middle value) in months 0-2, then all
    expected = [1 / 6, 1 / 2, 5 / 6, 1, 1]
    assert np.allclose(shares, expected, atol=0.15), f"{np.round(shares, 2)} != {expected}"


def test_same_seed_same_spread_and_its_draws_on_a_stream_of_their_own():
    on = [_month_ends(5, **SPREAD, build_up_months=2) for _ in range(2)]
    (a, seen_a), (b, seen_b) = on
    assert seen_a == seen_b and a.monitor.caseload_bands == b.monitor.caseload_bands
    off, _ = _month_ends(5)
    referrals = [[r["referrals"] for r in m.monitor.rows] for m in (a, off)]
    assert referrals[0] == referrals[1], "capacities are drawn from their own stream"
    assert a.monitor.caseload_bands != off.monitor.caseload_bands
