"""The price-response curve: a logistic fit of unlocks (or conversions) on price, its parameter
covariance, and parameter draws averaged over two shapes. See :mod:`.ppv` for how suggestions use it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

RIDGE = 1e-3
DRAWS = 4000

FloatArray = NDArray[np.float64]
Shape = Literal["log", "linear"]
SHAPES: tuple[Shape, ...] = ("log", "linear")


@dataclass(frozen=True)
class PricePoint:
    """Offers sent at one price and how many of them were unlocked (aggregated observations)."""

    price_cents: int
    offered: int
    unlocked: int


def _price_term(shape: Shape, prices_cents: FloatArray, center: float) -> FloatArray:
    """The regressor: ``ln x − c`` (log shape) or ``x / c − 1`` (linear shape), centred on the data."""
    return np.log(prices_cents) - center if shape == "log" else prices_cents / center - 1.0


@dataclass(frozen=True)
class PriceResponse:
    """The fitted ``p(x) = 1/(1+exp(-(intercept + slope·z(x))))``, ``z`` from :func:`_price_term`."""

    shape: Shape
    intercept: float
    slope: float
    covariance: tuple[tuple[float, float], tuple[float, float]]
    """Covariance of (intercept, slope): the inverse penalised Fisher information."""
    center: float
    """What ``z`` is centred on: the offers' mean log price (log shape) or mean price in cents (linear)."""
    log_likelihood: float

    def rate(self, price_cents: float) -> float:
        return float(self.rates(np.array([[self.intercept, self.slope]]), np.array([float(price_cents)]))[0, 0])

    def rates(self, thetas: FloatArray, prices_cents: FloatArray) -> FloatArray:
        """Unlock probability per parameter draw (rows of ``thetas``) and price: (draws, prices)."""
        z = _price_term(self.shape, prices_cents, self.center)
        return _expit(thetas[:, :1] + thetas[:, 1:2] * z[None, :])


def _expit(x: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def fit_price_response(
    points: Sequence[PricePoint], *, shape: Shape | None = None, ridge: float = RIDGE
) -> PriceResponse | None:
    """Maximum-likelihood logistic fit of unlocks on price; None when it cannot be fitted: fewer than
    two distinct prices, no unlock or only unlocks, or a degenerate (separated) result. Without a
    ``shape``, both shapes are fitted and the one with the higher likelihood is kept (log on a tie)."""
    if shape is None:
        fits = [f for f in (fit_price_response(points, shape=s, ridge=ridge) for s in SHAPES) if f is not None]
        return max(fits, key=lambda f: f.log_likelihood - (1e-9 if f.shape == "linear" else 0.0), default=None)
    used = [p for p in points if p.offered > 0 and p.price_cents > 0]
    if len({p.price_cents for p in used}) < 2:
        return None
    n = np.array([p.offered for p in used], dtype=float)
    y = np.array([min(p.unlocked, p.offered) for p in used], dtype=float)
    if y.sum() <= 0 or y.sum() >= n.sum():
        return None
    price = np.array([p.price_cents for p in used], dtype=float)
    center = float(np.average(np.log(price), weights=n) if shape == "log" else np.average(price, weights=n))
    x = np.column_stack([np.ones_like(price), _price_term(shape, price, center)])
    mean_rate = y.sum() / n.sum()
    theta = np.array([math.log(mean_rate / (1 - mean_rate)), 0.0])
    penalty = ridge * np.eye(2)
    for _ in range(100):
        p = _expit(x @ theta)
        information = x.T @ (x * (n * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(information, x.T @ (y - n * p) - penalty @ theta)
        theta = theta + step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    else:
        return None
    p = np.clip(_expit(x @ theta), 1e-12, 1 - 1e-12)
    information = x.T @ (x * (n * p * (1 - p))[:, None]) + penalty
    cov = np.linalg.inv(information)
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(cov))) or abs(theta[1]) > 50:
        return None
    return PriceResponse(
        shape=shape,
        intercept=float(theta[0]),
        slope=float(theta[1]),
        covariance=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        center=center,
        log_likelihood=float(np.sum(y * np.log(p) + (n - y) * np.log(1 - p))),
    )


@dataclass(frozen=True)
class ResponseSamples:
    """Parameter draws of both shapes, as many of each as its weight: the model-averaged curve."""

    fits: tuple[PriceResponse, ...]
    weights: tuple[float, ...]
    """``exp(log-likelihood)`` normalised (both shapes have two parameters, so this is their BIC weight)."""
    thetas: tuple[FloatArray, ...]

    def rates(self, prices_cents: FloatArray) -> FloatArray:
        """Unlock probability per draw and price: (draws, prices)."""
        return np.vstack([fit.rates(theta, prices_cents) for fit, theta in zip(self.fits, self.thetas, strict=True)])

    def rate(self, price_cents: int) -> float:
        return sum(w * fit.rate(price_cents) for fit, w in zip(self.fits, self.weights, strict=True))


def sample_response(points: Sequence[PricePoint], draws: int, seed: int) -> ResponseSamples | None:
    """Fits both shapes and draws ``draws`` parameter sets, shared out by the shapes' weights, so a
    shape the data cannot rule out still counts (a single "best" shape can be confidently wrong)."""
    fits = [fit for shape in SHAPES if (fit := fit_price_response(points, shape=shape)) is not None]
    if not fits:
        return None
    log_likelihood = np.array([fit.log_likelihood for fit in fits])
    weights = np.exp(log_likelihood - log_likelihood.max())
    weights /= weights.sum()
    counts = [int(round(w * draws)) for w in weights]
    top = int(np.argmax(weights))
    counts[top] = draws - sum(c for i, c in enumerate(counts) if i != top)
    rng = np.random.default_rng(seed)
    thetas = tuple(
        rng.multivariate_normal([fit.intercept, fit.slope], np.array(fit.covariance), size=count)
        for fit, count in zip(fits, counts, strict=True)
    )
    return ResponseSamples(tuple(fits), tuple(float(w) for w in weights), thetas)
