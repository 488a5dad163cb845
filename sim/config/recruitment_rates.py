"""Recruitment to vacancies in numbers: the appointments a council makes a year at a number
of open adverts, and the other way round, a council's ``appointable_per_advert`` from its
own starters and vacancies (children's social work workforce census).

The model (``sim.config.council.Recruitment``): each open advert round lasts ``round_days``
on average (the advert, then the wait for the next panel) and ends in an offer if it drew
at least one appointable applicant, Poisson with mean ``a(V) = a0 / (1 + V / pool)`` at
``V`` open adverts. So a council with ``V`` open adverts makes
``V x (1 - exp(-a(V))) x 365.25 / round_days`` offers a year.

Deriving ``a0`` from the census (DfE counts a post as vacant until its holder starts, so
posts under offer are among the vacancies; agency workers who take permanent posts are
among the starters):

1. offers a year = starters - agency conversions;
2. open adverts = vacancies - offers a year x mean offer-to-start delay (Little's law);
3. share of rounds ending in an offer ``q`` = offers a year / open adverts x round length;
4. ``a = -ln(1 - q)``, and ``a0 = a x (1 + open adverts / pool)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.config.council import Recruitment

DAYS_PER_YEAR = 365.25  # as sim.model.timeline (the config layer cannot import the model)


def round_days(rc: Recruitment, panel_interval_days: float | None = None) -> float:
    """Mean length of one advert round (days): the advert, then half a panel interval on
    average waiting for the panel that decides it."""
    interval = rc.panel_interval_days if panel_interval_days is None else panel_interval_days
    return rc.advert_to_offer.mean() + interval / 2


def appointable_now(a0: float, open_adverts: float, pool_adverts: float | None) -> float:
    """Mean appointable applicants per advert round at ``open_adverts`` open adverts."""
    return a0 if pool_adverts is None else a0 / (1.0 + open_adverts / pool_adverts)


def offers_per_year(rc: Recruitment, open_adverts: float, multiplier: float = 1.0) -> float:
    """Offers a year (appointments) a council makes while ``open_adverts`` are open, with
    ``multiplier`` x the applicants (a campaign, a supplement)."""
    if open_adverts <= 0:
        return 0.0
    # the multiplier acts on a0, so a campaign raises the limit on appointments too
    a = appointable_now(rc.appointable_per_advert * multiplier, open_adverts, rc.pool_adverts)
    return open_adverts * -math.expm1(-a) * DAYS_PER_YEAR / round_days(rc)


@dataclass(frozen=True)
class CensusRate:
    """``appointable_per_advert`` derived from a council's census figures, with the steps."""

    offers_per_year: float
    open_adverts: float
    round_share_offered: float
    appointable_per_advert: float


def rate_from_census(
    *,
    starters_per_year: float,
    vacancies_fte: float,
    agency_conversions_per_year: float,
    start_delay_days: float,
    round_days: float,
    pool_adverts: float | None,
) -> CensusRate:
    """``appointable_per_advert`` that makes a council with ``vacancies_fte`` vacant posts
    (census day) appoint its ``starters_per_year`` (the census year's starters, FTE)."""
    offers = starters_per_year - agency_conversions_per_year
    open_adverts = vacancies_fte - offers * start_delay_days / DAYS_PER_YEAR
    if offers <= 0 or open_adverts <= 0:
        raise ValueError(
            f"starters {starters_per_year:g} less conversions {agency_conversions_per_year:g} "
            f"must be positive and fewer than vacancies {vacancies_fte:g} can hold under offer"
        )
    q = offers / open_adverts * round_days / DAYS_PER_YEAR
    if q >= 1:
        raise ValueError(
            f"{offers:g} offers a year from {open_adverts:g} open adverts needs more than one "
            f"offer per round of {round_days:g} days: shorten the rounds"
        )
    a = -math.log1p(-q)
    a0 = a if pool_adverts is None else a * (1 + open_adverts / pool_adverts)
    return CensusRate(offers, open_adverts, q, a0)
