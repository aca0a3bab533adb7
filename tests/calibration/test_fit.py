"""The fitting machinery on problems with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from pbrlab.calibration import fit
from pbrlab.calibration.targets import Target

BOX = np.array([[0.0, 1.0], [0.0, 1.0]])


def made(name: str, value: float, tolerance: float) -> Target:
    return Target(name, name, value, "share", tolerance, "test", "I")


def test_the_surrogate_recovers_a_quadratic_exactly() -> None:
    rng = np.random.default_rng(1)
    x = rng.random((40, 2))
    y = (1 + 2 * x[:, 0] - x[:, 1] + 3 * x[:, 0] * x[:, 1] - x[:, 1] ** 2)[:, None]
    surrogate = fit.Surrogate.fit(x, y)
    test = rng.random((5, 2))
    truth = 1 + 2 * test[:, 0] - test[:, 1] + 3 * test[:, 0] * test[:, 1] - test[:, 1] ** 2
    assert surrogate.predict(test)[:, 0] == pytest.approx(truth, abs=1e-4)  # the small ridge
    assert surrogate.residual_sd[0] < 1e-4


def linear_problem(noise: float = 0.0) -> tuple[fit.Surrogate, list[Target]]:
    """Two targets, one per parameter (y0 = x0, y1 = 0.5 + 0.2 x1), and x1 matters only to y1."""
    rng = np.random.default_rng(2)
    x = rng.random((200, 2))
    y = np.column_stack([x[:, 0], 0.5 + 0.2 * x[:, 1]]) + noise * rng.standard_normal((200, 2))
    return fit.Surrogate.fit(x, y), [made("a", 0.3, 0.05), made("b", 0.6, 0.05)]


def test_the_best_fit_is_the_known_answer_despite_noise() -> None:
    surrogate, targets = linear_problem(noise=0.05)
    best = fit.best_fit(surrogate, targets, np.array([[0.5, 0.5], [0.1, 0.9]]), BOX)
    assert best == pytest.approx([0.3, 0.5], abs=0.05)


def test_the_posterior_centres_on_the_truth_and_measures_identification() -> None:
    surrogate, targets = linear_problem()
    u, weight, widened = fit.posterior(surrogate, targets, 40000, np.random.default_rng(3))
    assert widened == 1.0  # the truth is reachable: no widening
    low, high = fit.weighted_quantiles(u, weight, (0.05, 0.95))
    # y0 = x0 with bandwidth 0.05 around 0.3: x0 ~ N(0.3, 0.05), 90% within 0.3 ± 0.082
    assert low[0] == pytest.approx(0.3 - 0.082, abs=0.01)
    assert high[0] == pytest.approx(0.3 + 0.082, abs=0.01)
    # y1 = 0.5 + 0.2 x1 around 0.6: x1 ~ N(0.5, 0.25), so far wider
    assert high[1] - low[1] > 3 * (high[0] - low[0])
    assert fit.effective_draws(weight) > 1000
    rows = fit.identification(surrogate, targets, np.array([0.3, 0.5]), np.vstack([low, high]))
    assert rows[0]["verdict"] == "pinned down" and rows[0]["most_sensitive_target"] == "a"
    assert rows[1]["verdict"] == "weakly"


def test_a_model_that_cannot_fit_gets_wider_intervals() -> None:
    """The same problem with a target out of reach (y1 can be at most 0.7; asked for 1.5): the
    bandwidths widen by sqrt(D/k), and x0's interval with them."""
    surrogate, targets = linear_problem()
    rng = np.random.default_rng(5)
    u, weight, _ = fit.posterior(surrogate, targets, 40000, rng)
    fitting = np.diff(fit.weighted_quantiles(u, weight, (0.05, 0.95))[:, 0])[0]
    unreachable = [targets[0], made("b", 1.5, 0.05)]
    u, weight, widened = fit.posterior(surrogate, unreachable, 40000, rng)
    missing = np.diff(fit.weighted_quantiles(u, weight, (0.05, 0.95))[:, 0])[0]
    assert widened > 2 and missing > 2 * fitting


def test_targets_pulling_against_each_other_are_found() -> None:
    """One parameter, two targets asking for opposite moves: y = x wants 0.2 and 0.8."""
    x = np.linspace(0, 1, 50)[:, None]
    surrogate = fit.Surrogate.fit(x, np.column_stack([x[:, 0], x[:, 0]]))
    targets = [made("low", 0.2, 0.05), made("high", 0.8, 0.05)]
    best = fit.best_fit(surrogate, targets, np.array([[0.1], [0.9]]), np.array([[0.0, 1.0]]))
    assert best == pytest.approx([0.5], abs=1e-3)
    found = fit.conflicts(surrogate, targets, best)
    assert found == [{"targets": ["low", "high"], "cosine": -1.0}]
