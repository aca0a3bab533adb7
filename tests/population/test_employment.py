"""Cumulative-hazard clocks: the counterfactual is exact, and service never delays a job."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pbrlab.population.employment import Clocks, Path, step

WEEKS = 156


def run(
    clocks: Clocks, entry: np.ndarray, separation: float, later: float
) -> tuple[np.ndarray, list[list[int]]]:
    """Weekly in-work matrix [week, person] and each person's entry weeks."""
    n = entry.shape[1]
    path = Path.start(n)
    in_work = np.zeros((WEEKS, n), bool)
    entry_weeks: list[list[int]] = [[] for _ in range(n)]
    for week in range(WEEKS):
        entered, _ = step(path, clocks, entry[week], np.full(n, separation), np.full(n, later))
        in_work[week] = path.in_work
        for person in np.flatnonzero(entered):
            entry_weeks[person].append(week)
    return in_work, entry_weeks


def entry_matrix(rng: np.random.Generator, n: int) -> np.ndarray:
    """Job-entry probabilities that vary by person (frailty) and by week (labour demand)."""
    frailty = rng.gamma(1.5, 1 / 1.5, size=n)
    demand = 1 + 0.3 * np.sin(np.arange(WEEKS) / 20)
    return np.clip(0.012 * demand[:, None] * frailty[None, :], 0, 0.9)


@given(seed=st.integers(0, 2**32 - 1))
def test_with_no_service_effect_both_paths_are_identical(seed: int) -> None:
    rng = np.random.default_rng(seed)
    clocks = Clocks.draw(200, rng)
    entry = entry_matrix(rng, 200)
    treated, _ = run(clocks, entry, 0.02, 0.01)
    counterfactual, _ = run(clocks, entry * 1.0, 0.02, 0.01)
    assert np.array_equal(treated, counterfactual)


@given(seed=st.integers(0, 2**32 - 1), effect=st.floats(0.01, 2.0))
def test_service_never_delays_any_job_entry(seed: int, effect: float) -> None:
    rng = np.random.default_rng(seed)
    clocks = Clocks.draw(200, rng)
    base = entry_matrix(rng, 200)
    service = rng.random(base.shape) < 0.5  # served in some weeks only
    treated_entry = np.clip(base * (1 + effect * service), 0, 0.99)
    _, treated = run(clocks, treated_entry, 0.02, 0.01)
    _, counterfactual = run(clocks, base, 0.02, 0.01)
    for t, c in zip(treated, counterfactual, strict=True):
        assert all(tw <= cw for tw, cw in zip(t, c, strict=False))
        assert len(t) >= len(c)


def test_one_week_entry_probability_is_what_was_asked() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    path = Path.start(n)
    entered, _ = step(
        path, Clocks.draw(n, rng), np.full(n, 0.03), np.full(n, 0.02), np.full(n, 0.01)
    )
    assert entered.mean() == pytest.approx(0.03, abs=4 * np.sqrt(0.03 * 0.97 / n))


def test_job_loss_falls_after_thirteen_weeks() -> None:
    rng = np.random.default_rng(2)
    n = 200_000
    path = Path.start(n)
    clocks = Clocks.draw(n, rng)
    ones, zeros = np.ones(n), np.zeros(n)
    step(path, clocks, ones, zeros, zeros)  # everyone starts a job in week 1
    left_early = left_late = 0.0
    for week in range(2, 27):
        _, left = step(path, clocks, zeros, np.full(n, 0.05), np.full(n, 0.01))
        rate = left.sum() / max(1, n - path.exits.sum() + left.sum())
        if week <= 13:
            left_early = max(left_early, rate)
        elif week >= 16:
            left_late = max(left_late, rate)
    assert left_early == pytest.approx(0.05, abs=0.005)
    assert left_late == pytest.approx(0.01, abs=0.003)
