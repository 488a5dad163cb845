"""Looked-after stays: each child's route into care (legal status) by age, the length of the
stay (at most until the 18th birthday) and how it ends.

Called once per stay (England: about 33,000 a year), so plain Python beside the compiled
core. ``sim.model.cases`` asks :meth:`Care.start` for a stay and seeds the children looked
after at the start date with :meth:`Care.seed_stock`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.config.council import (
    AGE_BANDS_YEARS,
    CARE_LEAVING_AGE_YEARS,
    PERMANENCE_EXITS,
    UASC_ROUTE,
    AgeBand,
    CouncilConfig,
)
from sim.config.distributions import Duration
from sim.model.rng import Streams, sampler
from sim.model.timeline import DAYS_PER_YEAR

AGED_OUT = "18_plus"
"""The exit of a stay that lasts until the 18th birthday."""
UNKNOWN_STATUS = "C2"
"""The legal status given to stays of a config without routes (a full care order, the
commonest status of children looked after: DfE CLA 2018, 73% of the stock)."""
LEAVING_AGE_DAYS = CARE_LEAVING_AGE_YEARS * DAYS_PER_YEAR
BANDS: tuple[AgeBand, ...] = tuple(AGE_BANDS_YEARS)
_BAND_EDGES_DAYS = [AGE_BANDS_YEARS[b][1] * DAYS_PER_YEAR for b in BANDS]


@dataclass(frozen=True, slots=True)
class Route:
    """One route into care, as the model draws from it."""

    name: str
    legal_status: str
    duration: Duration
    exits: tuple[tuple[str, ...], np.ndarray]
    """Exit names and their cumulative shares."""


@dataclass(frozen=True, slots=True)
class Stay:
    """One looked-after stay as drawn at its start."""

    route: str
    legal_status: str
    days: float
    """Length of the stay (days): the drawn length, or the days to the 18th birthday."""
    exit: str
    """``return_home``, ``adoption``, ``special_guardianship``, ``other`` or ``18_plus``."""


def band_of(age_days: float) -> int:
    """Index in ``BANDS`` of an age (days); 16-17 for anyone older."""
    for k, edge in enumerate(_BAND_EDGES_DAYS):
        if age_days < edge:
            return k
    return len(BANDS) - 1


def _pick(cum: np.ndarray, u: float | np.ndarray) -> np.ndarray:
    """Index of the option each uniform ``u`` picks from cumulative shares ``cum`` (the
    first whose cumulative share exceeds ``u`` times the total)."""
    return np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(cum) - 1)


def draw_ages_days(shares: dict[AgeBand, float], rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` ages (days) from shares of DfE's age bands, uniform within a band."""
    names = [b for b in BANDS if shares.get(b, 0.0) > 0]
    p = np.array([shares[b] for b in names])
    k = rng.choice(len(names), size=n, p=p / p.sum())
    lo = np.array([AGE_BANDS_YEARS[b][0] for b in names])[k]
    hi = np.array([AGE_BANDS_YEARS[b][1] for b in names])[k]
    return (lo + (hi - lo) * rng.random(n)) * DAYS_PER_YEAR


class Care:
    """The looked-after stays of one replication."""

    def __init__(self, cfg: CouncilConfig, streams: Streams) -> None:
        lac = cfg.pathway.lac
        self.ages = cfg.children is not None
        self._u = streams.uniform("care")
        rng = streams["care_durations"]
        if lac.routes:
            self.routes = {
                name: Route(
                    name,
                    r.legal_status,
                    r.duration,
                    (tuple(r.exits), np.cumsum(list(r.exits.values()))),
                )
                for name, r in lac.routes.items()
            }
            referred = [n for n in lac.routes if n != UASC_ROUTE]
            # per age band: the routes a referred child can take and their cumulative shares
            self._by_band = [
                (
                    [self.routes[n] for n in referred],
                    np.cumsum([lac.routes[n].share_by_age.get(b, 0.0) for n in referred]),
                )
                for b in BANDS
            ]
        else:
            assert lac.duration is not None  # the config's validator requires one of the two
            only = Route("care", UNKNOWN_STATUS, lac.duration, (("other",), np.ones(1)))
            self.routes = {"care": only}
            self._by_band = [([only], np.ones(1))] * len(BANDS)
        self._draw: dict[str, Callable[[], float]] = {
            name: sampler(r.duration, rng) for name, r in self.routes.items()
        }

    def route_for(self, age_days: float | None) -> Route:
        """The route a referred child of ``age_days`` (None: ages not modelled) takes."""
        routes, cum = self._by_band[band_of(age_days) if age_days is not None else 0]
        return routes[0] if len(routes) == 1 else routes[int(_pick(cum, self._u()))]

    def exit_of(self, route: Route) -> str:
        """How a stay on ``route`` ends if the child is not 18 first."""
        names, cum = route.exits
        return names[0] if len(names) == 1 else names[int(_pick(cum, self._u()))]

    def stock(
        self,
        n: int,
        referral_ages: dict[AgeBand, float] | None,
        uasc_ages: dict[AgeBand, float] | None,
        uasc_share: float,
        rng: np.random.Generator,
    ) -> list[tuple[float, Stay, float]]:
        """``n`` children looked after at the start, as a steady flow of entries would leave
        them: entries spread evenly over the last 18 years (a share ``uasc_share`` of them
        UASC), each with an age, route, exit and length of stay, kept if still in care at
        the start. Each is (age now in days or NaN, the stay, days remaining)."""
        out: list[tuple[float, Stay, float]] = []
        names = list(self.routes)
        while len(out) < n:
            m = max(10 * (n - len(out)), 1000)
            since = rng.random(m) * LEAVING_AGE_DAYS  # days since entering care
            uasc = rng.random(m) < uasc_share if UASC_ROUTE in self.routes else np.zeros(m, bool)
            ages = np.full(m, np.nan)
            route = np.zeros(m, dtype=int)
            if referral_ages is not None:
                ages = draw_ages_days(referral_ages, rng, m)
                if uasc_ages is not None and uasc.any():
                    ages[uasc] = draw_ages_days(uasc_ages, rng, int(uasc.sum()))
                bands = np.minimum(
                    np.searchsorted(_BAND_EDGES_DAYS, ages, side="right"), len(BANDS) - 1
                )
                u = rng.random(m)
                for b, (routes, cum) in enumerate(self._by_band):
                    sel = bands == b
                    idx = np.array([names.index(r.name) for r in routes])
                    route[sel] = idx[_pick(cum, u[sel])]
            if uasc.any():
                route[uasc] = names.index(UASC_ROUTE)
            days = np.zeros(m)
            exits = np.empty(m, dtype=object)
            for j, name in enumerate(names):
                sel = route == j
                count = int(sel.sum())
                if count:
                    r = self.routes[name]
                    days[sel] = r.duration.draw(rng, count)
                    labels, cum = r.exits
                    exits[sel] = np.array(labels, dtype=object)[_pick(cum, rng.random(count))]
            to_18 = LEAVING_AGE_DAYS - ages  # NaN when ages are not modelled
            aged_out = days >= to_18
            days = np.where(aged_out, np.maximum(to_18, 0.0), days)
            exits[aged_out] = AGED_OUT
            for j in np.flatnonzero(days > since).tolist():
                r = self.routes[names[route[j]]]
                stay = Stay(r.name, r.legal_status, float(days[j]), str(exits[j]))
                out.append((float(ages[j] + since[j]), stay, float(days[j] - since[j])))
                if len(out) == n:
                    break
        return out

    def stay_on(
        self,
        route: Route,
        age_days: float | None,
        factor: float = 1.0,
        cap_days: float | None = None,
        complies: Callable[[], bool] | None = None,
    ) -> Stay:
        """A stay on ``route`` for a child of ``age_days`` starting care: its drawn length
        times ``factor`` (drift); cut to ``cap_days`` if it ends in permanence (return home,
        adoption, special guardianship) and ``complies()`` (practice guidance on timely
        permanence); ended at the 18th birthday if that comes first."""
        days = self._draw[route.name]() * factor
        exit = self.exit_of(route)
        if (
            cap_days is not None
            and days > cap_days
            and exit in PERMANENCE_EXITS
            and (complies is None or complies())
        ):
            days = cap_days
        if age_days is not None and age_days + days >= LEAVING_AGE_DAYS:
            days, exit = max(0.0, LEAVING_AGE_DAYS - age_days), AGED_OUT
        return Stay(route.name, route.legal_status, days, exit)


def mean_stay_days(cfg: CouncilConfig, samples: int = 50_000, seed: int = 12345) -> float:
    """The mean length of a looked-after stay (days) for children referred at the config's
    ages, by Monte Carlo with a fixed seed (for calibration and checks: the steady state
    has LAC stock = starts x this). Ages at entering care are taken as the ages at
    referral (the weeks between make little difference to an 18-year limit)."""
    care = Care(cfg, Streams(seed))
    rng = np.random.default_rng(seed)
    ages: np.ndarray | list[None]
    if cfg.children is not None:
        ages = draw_ages_days(cfg.children.age_at_referral, rng, samples)
    else:
        ages = [None] * samples
    total = 0.0
    for age in ages:
        a = None if age is None else float(age)
        total += care.stay_on(care.route_for(a), a).days
    return total / samples
