"""Fitting a stochastic simulator to published moments: simulated method of moments on a
quadratic surrogate (response surface) of each target, fitted to replicated runs.

The distance is Σ ((model − published) / tolerance)²: each target counts in units of its own
tolerance. The runs' noise averages out in the least-squares surface, so the optimum does not
chase one lucky seed. The uncertainty is the set of parameter values whose surrogate predictions
are within every tolerance (an approximate-Bayesian acceptance set under uniform priors);
identification follows from that set and from the surface's slopes at the best fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import optimize

from pbrlab.arrays import FloatArray
from pbrlab.calibration.targets import Target

MIN_ACCEPTED = 200
"""Fewer draws than this within every tolerance, and the set is the nearest 1% instead."""


@dataclass(frozen=True)
class Surrogate:
    """One quadratic surface per target over unit parameter values: prediction = F(x) @ coef."""

    coef: FloatArray  # [features, targets]
    residual_sd: FloatArray  # [targets]: the runs' scatter around the surface
    dimension: int  # parameters

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
            sd[t] = float(np.std(b - a @ coef[:, t])) if b.size else np.nan
        return cls(coef, sd, x.shape[1])

    def predict(self, x: FloatArray) -> FloatArray:
        return np.asarray(features(np.atleast_2d(x)) @ self.coef, np.float64)


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


def within_tolerance(
    surrogate: Surrogate,
    targets: list[Target],
    box: FloatArray,
    draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, bool]:
    """Draws in `box` whose predictions are within every tolerance (True), or the nearest 1%."""
    u = box[:, 0] + rng.random((draws, surrogate.dimension)) * (box[:, 1] - box[:, 0])
    predicted = surrogate.predict(u)
    value = np.array([t.value for t in targets])
    scale = np.array([t.scale if t.tolerance == 0 else t.tolerance for t in targets])
    inside = (np.abs(predicted - value) <= scale).all(axis=1)
    if inside.sum() >= MIN_ACCEPTED:
        return u[inside], True
    nearest = np.argsort(distance(predicted, targets))[: max(MIN_ACCEPTED, draws // 100)]
    return u[nearest], False


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
    surrogate: Surrogate, targets: list[Target], u: FloatArray, accepted: FloatArray
) -> list[dict[str, Any]]:
    """Per parameter: how far a move across the whole searched range shifts the targets (in
    tolerances, the largest), and how much of that range the fits within tolerance span."""
    jac = slopes(surrogate, u) / np.array([t.scale for t in targets])[:, None]
    spans = np.quantile(accepted, 0.95, axis=0) - np.quantile(accepted, 0.05, axis=0)
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
