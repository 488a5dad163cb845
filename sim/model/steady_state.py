"""Expected steady-state flows and open cases by stage when capacity never binds.

Open cases then form an M/G/inf network: the stock of each stage is its entry rate times
its mean duration (and is Poisson distributed). Used to calibrate configs and as the
analytic reference in the tests.
"""

from __future__ import annotations

import numpy as np

from sim.config.council import STAGES, CouncilConfig, Pathway
from sim.model.timeline import DAYS_PER_YEAR


def routing_matrix(p: Pathway) -> np.ndarray:
    """``R[i, j]``: probability that a child leaving stage i enters stage j."""
    idx = {s: k for k, s in enumerate(STAGES)}
    r = np.zeros((len(STAGES), len(STAGES)))
    for k, v in p.assessment.outcomes.items():
        if k != "nfa":
            r[idx["assessment"], idx[k]] = v
    for s in ("cin", "cp", "lac"):
        for k, v in getattr(p, s).next.items():
            if k != "close":
                r[idx[s], idx[k]] = v
    return r


class NoSteadyState(ValueError):
    """Some stages lead only to one another, never to a close: children who reach them stay
    open for ever, so open cases and stage entries grow without bound."""


def never_closing(p: Pathway) -> list[str]:
    """The stages from which no sequence of steps reaches a close (``nfa`` or ``close``)."""
    r = routing_matrix(p)
    closes = set(np.flatnonzero(r.sum(axis=1) < 1.0 - 1e-12).tolist())
    grew = True
    while grew:
        reach = {i for i in range(len(STAGES)) if any(r[i, j] > 0 for j in closes)}
        grew = not reach <= closes
        closes |= reach
    return [s for k, s in enumerate(STAGES) if k not in closes]


def stage_entry_rates(
    p: Pathway,
    referrals_per_year: float,
    rereferral_probability: float = 0.0,
    nfa_at_referral: float = 0.0,
    into_care_per_year: float = 0.0,
) -> dict[str, float]:
    """Entries per year to each stage, counting re-referrals of closed cases (of every
    referral, closed at the front door or not), less the share ``nfa_at_referral`` closed
    before an assessment, plus ``into_care_per_year`` looked after on arrival (UASC);
    :class:`NoSteadyState` if some stages never close."""
    trapped = never_closing(p)
    if trapped:
        raise NoSteadyState(
            f"no steady state: a child in {', '.join(trapped)} never reaches a close, so "
            "open cases grow for as long as the run lasts"
        )
    assessments = referrals_per_year / (1.0 - rereferral_probability) * (1.0 - nfa_at_referral)
    external = np.zeros(len(STAGES))
    external[0] = assessments
    external[STAGES.index("lac")] = into_care_per_year
    r = routing_matrix(p)
    x = np.linalg.solve(np.eye(len(STAGES)) - r.T, external)
    return dict(zip(STAGES, x.tolist(), strict=True))


def expected_open_cases(
    p: Pathway,
    referrals_per_year: float,
    rereferral_probability: float = 0.0,
    lac_mean_days: float | None = None,
) -> dict[str, float]:
    """Mean open cases per stage in steady state (Little's law per stage). The mean
    looked-after stay is ``pathway.lac.duration``'s unless given (with routes and ages it
    depends on the ages: ``sim.model.care.mean_stay_days``)."""
    rates = stage_entry_rates(p, referrals_per_year, rereferral_probability)
    if lac_mean_days is None:
        if p.lac.duration is None:
            raise ValueError("pathway.lac has routes: give lac_mean_days")
        lac_mean_days = p.lac.duration.mean()
    means = {
        "assessment": p.assessment.duration.mean(),
        "cin": p.cin.duration.mean(),
        "cp": p.cp.duration.mean(),
        "lac": lac_mean_days,
    }
    return {s: rates[s] * means[s] / DAYS_PER_YEAR for s in STAGES}


def stage_means_days(cfg: CouncilConfig) -> dict[str, float]:
    """Mean length of each stage (days). A looked-after stay with routes or ages depends
    on the ages (``sim.model.care.mean_stay_days``, by Monte Carlo with a fixed seed)."""
    from sim.model.care import mean_stay_days  # care imports the model's streams

    p = cfg.pathway
    lac = p.lac.duration
    return {
        "assessment": p.assessment.duration.mean(),
        "cin": p.cin.duration.mean(),
        "cp": p.cp.duration.mean(),
        "lac": lac.mean() if lac is not None and cfg.children is None else mean_stay_days(cfg),
    }
