"""Fitting a stochastic simulator to published moments: simulated method of moments on a
quadratic surrogate (response surface) of each target, fitted to replicated runs.

The distance is Σ ((model − published) / tolerance)²: each target counts in units of its own
tolerance. The runs' noise averages out in the least-squares surface, so the optimum does not
chase one lucky seed. The uncertainty is an approximate posterior under uniform priors: draws
weighted by a Gaussian kernel on that distance (each tolerance the kernel's bandwidth, widened by
the runs' scatter); identification follows from its spread and from the surface's slopes.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import optimize

from pbrlab.arrays import FloatArray
from pbrlab.calibration.targets import Target


@dataclass(frozen=True)
class Surrogate:
    """One quadratic surface per target over unit parameter values: prediction = F(x) @ coef."""

    coef: FloatArray  # [features, targets]
    residual_sd: FloatArray  # [targets]: the runs' scatter around the surface
    dimension: int  # parameters
    inverse: FloatArray  # (FᵀF)⁻¹ of the design: how uncertain the surface is where

    @classmethod
    def fit(cls, x: FloatArray, y: FloatArray, ridge: float = 1e-6) -> Surrogate:
        """Least squares per target column, skipping a column's missing values."""
        f = features(x)
        coef = np.zeros((f.shape[1], y.shape[1]))
        sd = np.zeros(y.shape[1])
        for t in range(y.shape[1]):
            ok = np.isfinite(y[:, t])
            a, b = f[ok], y[ok, t]
            coef[:, t] = np.linalg.solve(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ b)
            spare = b.size - a.shape[1]  # degrees of freedom left by the surface
            residual = b - a @ coef[:, t]
            sd[t] = float(np.sqrt(residual @ residual / spare)) if spare > 0 else np.nan
        inverse = np.asarray(np.linalg.inv(f.T @ f + ridge * np.eye(f.shape[1])), np.float64)
        return cls(coef, sd, x.shape[1], inverse)

    def predict(self, x: FloatArray) -> FloatArray:
        return np.asarray(features(np.atleast_2d(x)) @ self.coef, np.float64)

    def prediction_variance(self, x: FloatArray) -> FloatArray:
        """The variance of the fitted surface's mean at x, per target: sd² f(x)ᵀ(FᵀF)⁻¹f(x)."""
        f = features(np.atleast_2d(x))
        leverage = np.einsum("ij,jk,ik->i", f, self.inverse, f)
        return np.asarray(leverage[:, None] * np.nan_to_num(self.residual_sd) ** 2, np.float64)


def features(x: FloatArray) -> FloatArray:
    """1, x_i, x_i², x_i x_j for unit values centred on 0.5."""
    c = np.asarray(x, np.float64) - 0.5
    n, d = c.shape
    columns = [np.ones(n), *c.T, *(c**2).T]
    columns += [c[:, i] * c[:, j] for i, j in combinations(range(d), 2)]
    return np.column_stack(columns)


def distance(predicted: FloatArray, targets: list[Target]) -> FloatArray:
    """Σ ((predicted − published) / tolerance)² for each row of predictions."""
    value = np.array([t.value for t in targets])
    scale = np.array([t.scale for t in targets])
    return np.asarray((((np.atleast_2d(predicted) - value) / scale) ** 2).sum(axis=1), np.float64)


def best_fit(
    surrogate: Surrogate, targets: list[Target], starts: FloatArray, box: FloatArray
) -> FloatArray:
    """The unit point minimising the surrogate's distance within `box` ([parameter, low/high]),
    from several starts."""

    def objective(u: FloatArray) -> float:
        return float(distance(surrogate.predict(u), targets)[0])

    bounds = [(float(low), float(high)) for low, high in box]
    found = [
        optimize.minimize(
            objective, np.clip(s, box[:, 0], box[:, 1]), method="L-BFGS-B", bounds=bounds
        )
        for s in starts
    ]
    return np.asarray(min(found, key=lambda r: r.fun).x, np.float64)


def posterior(
    surrogate: Surrogate, targets: list[Target], draws: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray, float]:
    """Uniform draws over the prior ranges weighted by a Gaussian kernel on the distance to the
    record (ABC with each target's distance scale as its bandwidth, widened by the surface's own
    uncertainty there, so a search with few runs reports wider intervals), normalised. Where even
    the best draw is far from the record (distance D above the k targets), every bandwidth is
    widened by sqrt(D/k), so a model that cannot fit is not reported as precisely fitted.
    Returns draws, weights and that widening."""
    u = rng.random((draws, surrogate.dimension))
    value = np.array([t.value for t in targets])
    scale = np.array([t.scale for t in targets])
    width = np.sqrt(scale**2 + surrogate.prediction_variance(u))
    distance_ = (((surrogate.predict(u) - value) / width) ** 2).sum(axis=1)
    widen = max(1.0, float(distance_.min()) / len(targets))
    weight = np.exp(-0.5 * (distance_ - distance_.min()) / widen)
    return u, weight / weight.sum(), float(np.sqrt(widen))


def weighted_quantiles(u: FloatArray, weight: FloatArray, q: tuple[float, ...]) -> FloatArray:
    """Per column of `u`, the values below which shares `q` of the weight lie: [len(q), d]."""
    rows = []
    for j in range(u.shape[1]):
        order = np.argsort(u[:, j])
        cumulative = np.cumsum(weight[order])
        index = np.minimum(np.searchsorted(cumulative, q), u.shape[0] - 1)
        rows.append(u[order, j][index])
    return np.asarray(rows, np.float64).T


def effective_draws(weight: FloatArray) -> float:
    """Kish's effective sample size of weighted draws."""
    return float(1.0 / np.sum(weight**2))


def slopes(surrogate: Surrogate, u: FloatArray, step: float = 1e-4) -> FloatArray:
    """d prediction / d unit value at u: [targets, parameters]."""
    d = u.size
    columns = []
    for j in range(d):
        up, down = u.copy(), u.copy()
        up[j], down[j] = min(u[j] + step, 1.0), max(u[j] - step, 0.0)
        columns.append((surrogate.predict(up)[0] - surrogate.predict(down)[0]) / (up[j] - down[j]))
    return np.column_stack(columns)


def conflicts(
    surrogate: Surrogate, targets: list[Target], u: FloatArray, threshold: float = -0.5
) -> list[dict[str, Any]]:
    """Pairs of targets pulling against each other at the fit: the parameter moves that would
    bring one nearer its published value take the other further away (negative cosine between
    their terms' gradients), while both are off by a fifth of a tolerance or more."""
    jac = slopes(surrogate, u)
    predicted = surrogate.predict(u)[0]
    off = np.array([(predicted[i] - t.value) / t.scale for i, t in enumerate(targets)])
    pull = -(off[:, None] * jac / np.array([t.scale for t in targets])[:, None])
    norms = np.linalg.norm(pull, axis=1)
    found = []
    for i, j in combinations(range(len(targets)), 2):
        if abs(off[i]) < 0.2 or abs(off[j]) < 0.2 or norms[i] == 0 or norms[j] == 0:
            continue
        cosine = float(pull[i] @ pull[j] / (norms[i] * norms[j]))
        if cosine <= threshold:
            found.append({"targets": [targets[i].id, targets[j].id], "cosine": round(cosine, 3)})
    return sorted(found, key=lambda c: c["cosine"])


def identification(
    surrogate: Surrogate, targets: list[Target], u: FloatArray, interval: FloatArray
) -> list[dict[str, Any]]:
    """Per parameter: how far a move across its whole prior range shifts the targets (in
    tolerances, the largest), and how much of that range its 90% interval (`interval`, [2, d]
    in unit values) spans."""
    jac = slopes(surrogate, u) / np.array([t.scale for t in targets])[:, None]
    spans = interval[1] - interval[0]
    rows = []
    for j in range(u.size):
        strongest = int(np.argmax(np.abs(jac[:, j])))
        span = float(spans[j])
        verdict = "pinned down" if span < 0.5 else ("weakly" if span < 0.8 else "not pinned down")
        rows.append(
            {
                "effect_tolerances": round(float(np.abs(jac[strongest, j])), 3),
                "most_sensitive_target": targets[strongest].id,
                "interval_share_of_range": round(span, 3),
                "verdict": verdict,
            }
        )
    return rows
