"""Durations fitted with right-censoring and left truncation (lifelines): the Kaplan-Meier
estimate and lognormal, Weibull and exponential fits, with a banded distribution read
off the Kaplan-Meier estimate as a fourth candidate, the best chosen by AIC; and the
mixture cure model of re-referral (a share of closed children ever referred again, after a
delay).

Spells still open at the window's end are right-censored there; spells that began before
the window are seen only because they lasted into it, so each enters the fits at the
time it had already run (left truncation, lifelines' ``entry``): without it the long
stays of the stock at the start would bias every duration upwards.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lifelines import (
    ExponentialFitter,
    KaplanMeierFitter,
    LogNormalFitter,
    WeibullFitter,
)
from lifelines.exceptions import ConvergenceError
from lifelines.fitters import ParametricUnivariateFitter
from lifelines.fitters.mixture_cure_fitter import MixtureCureFitter
from scipy import stats

from sim.calibrate.estimate import Estimate, Window, normal, round_shares, sig
from sim.config.council import MIN_STAGE_MEAN_DAYS
from sim.config.distributions import MAX_DAYS
from sim.experiment.stats import Z95

log = logging.getLogger(__name__)

BAND_EDGES_DAYS = (
    7.0,
    14.0,
    30.0,
    61.0,
    91.0,
    182.0,
    273.0,
    365.0,
    548.0,
    730.0,
    1095.0,
    1461.0,
    1826.0,
    2557.0,
    3652.0,
    5479.0,
)
"""Upper limits of the bands a banded fit may use (a week to 15 years; DfE's plan-length
bands are among them), those below the longest duration observed."""
SHORTEST_DAYS = 0.5
"""A spell that starts and ends on the same day lasted half a day on average."""
MIN_EVENTS_BANDED = 50
"""Fewer ended spells than this and no banded fit is tried (too few per band)."""
MIN_EVENTS_TWO_PARAMETERS = 5
"""Fewer ended spells than this and only the exponential (one parameter) is fitted."""
TAIL_SHARE = 1e-3
"""Below this, the Kaplan-Meier survival at the longest duration observed is taken as 0."""
WRITTEN_AS = {"lognormal": "lognormal", "weibull": "gamma", "exponential": "exponential"}
"""The config's distribution written for each fitted family: the config has no Weibull,
so a Weibull fit is written as the gamma of the same mean and standard deviation."""


@dataclass(frozen=True)
class DurationFit:
    """A duration distribution fitted to spells: what the config gets, and the evidence."""

    dist: dict[str, Any]
    """The config's distribution mapping (``dist`` and its fields, days)."""
    family: str
    """lognormal, weibull, exponential or banded."""
    mean: Estimate
    sd: Estimate | None
    aic: dict[str, float]
    km_median: float | None
    """Kaplan-Meier median (days), None where the survival never falls to a half."""

    def cdf(self, days: np.ndarray) -> np.ndarray:
        """The written distribution's probability of lasting at most ``days``."""
        d = self.dist
        if d["dist"] == "banded":
            edges = np.array([0.0] + [b["upto_days"] for b in d["bands"]])
            cum = np.concatenate([[0.0], np.cumsum([b["share"] for b in d["bands"]])])
            return np.interp(days, edges, cum)
        mean = d["mean_days"]
        if d["dist"] == "exponential":
            return np.asarray(stats.expon(scale=mean).cdf(days))
        sd = d["sd_days"]
        if d["dist"] == "gamma":
            shape = (mean / sd) ** 2
            return np.asarray(stats.gamma(shape, scale=mean / shape).cdf(days))
        sigma2 = math.log1p((sd / mean) ** 2)
        return np.asarray(
            stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2)).cdf(
                days
            )
        )

    def note(self) -> str:
        """The YAML comment: the estimates and why this family."""
        best = self.aic[self.family]
        others = ", ".join(
            f"{k} +{v - best:,.0f}"
            for k, v in sorted(self.aic.items(), key=lambda kv: kv[1])
            if k != self.family
        )
        parts = [f"mean {self.mean.note('.4g')}"]
        if self.sd is not None and self.sd.low is not None and self.sd.high is not None:
            parts.append(f"sd {self.sd.value:.4g} (95% {self.sd.low:.4g} to {self.sd.high:.4g})")
        written = (
            ""
            if WRITTEN_AS.get(self.family, self.family) == self.family
            else (f" written as {WRITTEN_AS[self.family]} of equal mean and sd")
        )
        parts.append(f"{self.family}{written} by AIC" + (f" ({others})" if others else ""))
        med = (
            "none (survival stays above 0.5)"
            if self.km_median is None
            else f"{self.km_median:.0f} days"
        )
        parts.append(f"Kaplan-Meier median {med}")
        return "; ".join(parts)


@dataclass(frozen=True)
class Spells:
    """Durations (days) of spells seen in a window: each ``duration`` (to the event or to
    the censoring), whether it ``ended`` (else censored) and the days it had already run
    when the window opened (``entry``, 0 for spells starting inside it)."""

    duration: np.ndarray
    ended: np.ndarray
    entry: np.ndarray

    @property
    def events(self) -> int:
        return int(self.ended.sum())


def _scaled(spells: Spells) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A time unit near the data's (their median, days), and the distinct (duration,
    ended, entry) rows in it with their counts as weights: durations are whole days, so
    tens of thousands of spells fold into a few hundred rows and every fit below is
    exactly the fit to all of them, many times faster."""
    d = np.maximum(spells.duration, SHORTEST_DAYS)
    scale = float(np.median(d[spells.ended])) if spells.events else float(np.median(d))
    scale = max(scale, 1.0)
    entry = np.minimum(spells.entry, d - 1e-6)
    rows = pd.DataFrame({"d": d, "e": spells.ended.astype(bool), "entry": entry})
    folded = rows.groupby(["d", "e", "entry"], sort=True).size().reset_index(name="w")
    return (
        scale,
        folded["d"].to_numpy(dtype=float) / scale,
        folded["e"].to_numpy(dtype=bool),
        folded["entry"].to_numpy(dtype=float) / scale,
        folded["w"].to_numpy(dtype=float),
    )


def _delta_se(f: Callable[[np.ndarray], float], params: np.ndarray, cov: np.ndarray) -> float:
    """Standard error of ``f(params)`` by the delta method (numerical gradient)."""
    grad = np.zeros(len(params))
    for i in range(len(params)):
        h = 1e-5 * max(abs(params[i]), 1e-3)
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up) - f(down)) / (2 * h)
    var = float(grad @ cov @ grad)
    return math.sqrt(var) if var > 0 else math.nan


def _moments(family: str, p: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation (in the fit's time unit) of a fitted family."""
    if family == "lognormal":
        mu, sigma = p
        mean = math.exp(mu + sigma**2 / 2)
        return mean, mean * math.sqrt(math.expm1(sigma**2))
    if family == "weibull":
        lam, rho = p
        m1 = lam * math.gamma(1 + 1 / rho)
        m2 = lam**2 * math.gamma(1 + 2 / rho)
        return m1, math.sqrt(max(m2 - m1**2, 0.0))
    (lam,) = p
    return lam, lam


def _frozen(family: str, p: np.ndarray) -> Any:
    """The fitted family as a scipy distribution (fit's time unit)."""
    if family == "lognormal":
        return stats.lognorm(s=p[1], scale=math.exp(p[0]))
    if family == "weibull":
        return stats.weibull_min(c=p[1], scale=p[0])
    return stats.expon(scale=p[0])


FITTERS: dict[str, Callable[[], ParametricUnivariateFitter]] = {
    "lognormal": LogNormalFitter,
    "weibull": WeibullFitter,
    "exponential": ExponentialFitter,
}


def _parametric(
    t: np.ndarray, e: np.ndarray, entry: np.ndarray, wt: np.ndarray, two_parameters: bool
) -> dict[str, ParametricUnivariateFitter]:
    fits: dict[str, ParametricUnivariateFitter] = {}
    for name, make in FITTERS.items():
        if name != "exponential" and not two_parameters:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits[name] = make().fit(t, e, entry=entry, weights=wt)
        except (ConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
            log.info("%s fit did not converge: %s", name, exc)
    return fits


def fit_duration(
    spells: Spells, source: str, window: Window, unit: str, banded: bool = True
) -> DurationFit | None:
    """The best of the lognormal, Weibull, exponential and (``banded``, with enough ended
    spells) banded fits by AIC, or None when no spell ended."""
    if spells.events == 0:
        return None
    scale, t, e, entry, wt = _scaled(spells)
    fits = _parametric(t, e, entry, wt, spells.events >= MIN_EVENTS_TWO_PARAMETERS)
    if not fits:
        return None
    aic = {name: float(f.AIC_) for name, f in fits.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = KaplanMeierFitter().fit(t, e, entry=entry, weights=wt)
    med = float(km.median_survival_time_)
    km_median = med * scale if math.isfinite(med) else None
    best_parametric = min(aic, key=lambda k: aic[k])
    bands = None
    if banded and spells.events >= MIN_EVENTS_BANDED:
        params = fits[best_parametric].params_.to_numpy()
        bands = _banded(km, t, e, entry, wt, scale, _frozen(best_parametric, params))
        if bands is not None:
            aic["banded"] = bands[2]
    family = min(aic, key=lambda k: aic[k])
    n = spells.events
    dist: dict[str, Any]
    if family == "banded":
        assert bands is not None
        edges, shares, _aic, mean, se_mean, sd = bands
        mean_est = normal(mean, se_mean, n, unit, source, window, log=True)
        dist = {
            "dist": "banded",
            "bands": [
                {"upto_days": round(float(u), 1), "share": s}
                for u, s in zip(edges, round_shares(shares), strict=True)
            ],
        }
        return DurationFit(
            dist, family, mean_est, _plain(sd, n, unit, source, window), aic, km_median
        )
    fit = fits[family]
    p = fit.params_.to_numpy(dtype=float)
    cov = np.asarray(fit.variance_matrix_, dtype=float)
    mean, sd, mean_est, sd_est = _moment_estimates(family, p, cov, scale, n, unit, source, window)
    mean_days = min(max(mean, MIN_STAGE_MEAN_DAYS), MAX_DAYS)
    if family == "exponential":
        dist = {"dist": "exponential", "mean_days": sig(mean_days)}
    else:
        dist = {
            "dist": WRITTEN_AS[family],
            "mean_days": sig(mean_days),
            "sd_days": sig(min(max(sd, 0.01), MAX_DAYS)),
        }
    return DurationFit(dist, family, mean_est, sd_est, aic, km_median)


def _moment_estimates(
    family: str,
    params: np.ndarray,
    cov: np.ndarray,
    scale: float,
    n: int,
    unit: str,
    source: str,
    window: Window,
) -> tuple[float, float, Estimate, Estimate]:
    """Mean and standard deviation of a fitted family (times ``scale``, in days), and each
    as an estimate with its 95% interval from the delta method on its logarithm."""
    mean, sd = (scale * x for x in _moments(family, params))
    se_log_mean = _delta_se(lambda q: math.log(_moments(family, q)[0]), params, cov)
    se_log_sd = _delta_se(lambda q: math.log(max(_moments(family, q)[1], 1e-12)), params, cov)
    return (
        mean,
        sd,
        normal(mean, se_log_mean, n, unit, source, window, log=True),
        normal(sd, se_log_sd, n, unit, source, window, log=True),
    )


def _plain(value: float, n: int, unit: str, source: str, window: Window) -> Estimate:
    return Estimate(value, None, None, n, unit, source, window)


def _banded(
    km: KaplanMeierFitter,
    t: np.ndarray,
    e: np.ndarray,
    entry: np.ndarray,
    wt: np.ndarray,
    scale: float,
    tail_dist: Any,
) -> tuple[np.ndarray, np.ndarray, float, float, float, float] | None:
    """The banded distribution read off the Kaplan-Meier estimate: (upper limits in days,
    shares, AIC, mean, its standard error, sd). The share still surviving at the longest
    duration observed goes in a last band whose length gives the fitted parametric
    family's mean beyond it (the data cannot say how long the longest spells last)."""
    t_max = float(t.max())
    ladder = [x / scale for x in BAND_EDGES_DAYS if x / scale < t_max]
    edges = np.array([*ladder, t_max])
    surv = np.concatenate([[1.0], km.survival_function_at_times(edges).to_numpy(dtype=float)])
    surv = np.minimum.accumulate(np.clip(surv, 0.0, 1.0))
    tail = float(surv[-1])
    if tail > TAIL_SHARE:
        beyond = float(tail_dist.expect(lambda x: x, lb=t_max, conditional=True))
        upper = t_max + 2 * max(beyond - t_max, 1.0 / scale)
        upper = min(upper, MAX_DAYS / scale)
        if upper <= t_max:
            return None
        edges = np.append(edges, upper)
        surv = np.append(surv, 0.0)
    else:
        surv[-1] = 0.0
    shares = -np.diff(surv)
    lo = np.concatenate([[0.0], edges[:-1]])
    width = edges - lo
    loglik = _banded_loglik(t, e, entry, wt, lo, edges, shares, surv)
    if not math.isfinite(loglik):
        return None
    k = int((shares > 0).sum()) - 1
    aic = 2 * k - 2 * loglik
    mid = (lo + edges) / 2
    mean = float(np.sum(shares * mid))
    second = float(np.sum(shares * (lo**2 + lo * edges + edges**2) / 3))
    sd = math.sqrt(max(second - mean**2, 0.0))
    se = _km_mean_se(km, t_max) / mean if mean > 0 else math.nan
    del width
    return edges * scale, shares, aic, mean * scale, se, sd * scale


def _banded_loglik(
    t: np.ndarray,
    e: np.ndarray,
    entry: np.ndarray,
    wt: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    shares: np.ndarray,
    surv: np.ndarray,
) -> float:
    """Log-likelihood of durations ``t`` (``e``: ended), entered at ``entry``, each
    ``wt`` times, under the banded density (uniform within each band)."""
    width = hi - lo

    def survival(x: np.ndarray) -> np.ndarray:
        j = np.clip(np.searchsorted(hi, x, side="left"), 0, len(hi) - 1)
        return surv[j] - shares[j] * np.clip((x - lo[j]) / width[j], 0.0, 1.0)

    j = np.clip(np.searchsorted(hi, t, side="left"), 0, len(hi) - 1)
    with np.errstate(divide="ignore"):
        dens = np.log(shares[j] / width[j])
        cens = np.log(np.maximum(survival(t), 0.0))
        start = np.log(np.maximum(survival(entry), 0.0))
    ll = np.where(e, dens, cens) - start
    return float((wt * ll).sum())


def _km_mean_se(km: KaplanMeierFitter, tau: float) -> float:
    """Standard error of the Kaplan-Meier mean restricted to ``tau`` (Klein and
    Moeschberger 4.5.2: the sum over event times of A_j^2 d_j / (n_j (n_j - d_j)), A_j
    the area under the survival from the j-th event time to ``tau``)."""
    table = km.event_table
    times = table.index.to_numpy(dtype=float)
    d = table["observed"].to_numpy(dtype=float)
    n = table["at_risk"].to_numpy(dtype=float)
    keep = (d > 0) & (times <= tau)
    times, d, n = times[keep], d[keep], n[keep]
    if len(times) == 0:
        return math.nan
    s = km.survival_function_at_times(times).to_numpy(dtype=float)
    # area from each event time to tau under the step function
    steps = np.diff(np.append(times, tau))
    area = np.cumsum((s * steps)[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, area**2 * d / (n * (n - d)), 0.0)
    return math.sqrt(float(terms.sum()))


# -- re-referral: a mixture cure model --------------------------------------------------------


@dataclass(frozen=True)
class CureFit:
    """Closed children referred again: the ``probability`` they ever are, and the delay
    (from closure) of those who are."""

    probability: Estimate
    delay: DurationFit


def fit_cure(spells: Spells, source: str, window: Window, unit: str) -> CureFit | None:
    """Mixture cure models (exponential and lognormal delays; lifelines'
    ``MixtureCureFitter``), the better by AIC; None when no closed child came back."""
    if spells.events == 0:
        return None
    scale, t, e, _entry, wt = _scaled(spells)
    fits: dict[str, ParametricUnivariateFitter] = {}
    bases = {"exponential": ExponentialFitter, "lognormal": LogNormalFitter}
    for name, base in bases.items():
        if name != "exponential" and spells.events < MIN_EVENTS_TWO_PARAMETERS:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fits[name] = MixtureCureFitter(base()).fit(t, e, weights=wt)
        except (ConvergenceError, ValueError, np.linalg.LinAlgError) as exc:
            log.info("cure model with %s delay did not converge: %s", name, exc)
    if not fits:
        return None
    aic = {k: float(f.AIC_) for k, f in fits.items()}
    family = min(aic, key=lambda k: aic[k])
    fit = fits[family]
    p = fit.params_.to_numpy(dtype=float)
    cov = np.asarray(fit.variance_matrix_, dtype=float)
    n = spells.events
    cured, se_cured = p[0], math.sqrt(max(cov[0, 0], 0.0))
    prob = Estimate(
        1 - cured,
        max(0.0, 1 - cured - Z95 * se_cured),
        min(1.0, 1 - cured + Z95 * se_cured),
        n,
        unit,
        source,
        window,
        f"mixture cure model, {family} delay",
    )
    base = p[1:]
    base_cov = cov[1:, 1:]
    mean, sd, mean_est, sd_est = _moment_estimates(
        family, base, base_cov, scale, n, unit, source, window
    )
    mean_days = min(max(mean, MIN_STAGE_MEAN_DAYS), MAX_DAYS)
    if family == "exponential":
        dist: dict[str, Any] = {"dist": "exponential", "mean_days": sig(mean_days)}
    else:
        dist = {"dist": "lognormal", "mean_days": sig(mean_days), "sd_days": sig(sd)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        km = KaplanMeierFitter().fit(t, e, weights=wt)
    med = float(km.median_survival_time_)
    delay = DurationFit(
        dist, family, mean_est, sd_est, aic, med * scale if math.isfinite(med) else None
    )
    return CureFit(prob, delay)
