"""Cumulative-hazard clocks: the counterfactual is exact, and service never delays a job."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrlab.population.employment import (
    COUNTERFACTUAL,
    TARGETS,
    TREATED,
    Hazards,
    Paths,
    rate,
    step,
)

WEEKS = 156
ATTACHED = 104
DURATION = (1 + np.arange(WEEKS) / 52) ** -0.5


def run(
    rng: np.random.Generator, n: int, uplift: np.ndarray
) -> tuple[np.ndarray, list[list[list[int]]], Paths, np.ndarray]:
    """Weekly in-work [week, path, person], each path's entry weeks, and who left when."""
    frailty = rng.gamma(1.5, 1 / 1.5, size=n)
    clocks = (
        rng.exponential(size=(n, TARGETS)),
        rng.exponential(size=(n, TARGETS)),
        rng.exponential(size=n),
    )
    paths = Paths.start(n)
    active = np.arange(n)
    zeros = np.zeros(n, np.int64)
    in_work = np.zeros((WEEKS, 2, n), bool)
    entry_weeks: list[list[list[int]]] = [[[] for _ in range(n)] for _ in range(2)]
    left_week = np.full(n, WEEKS)
    for week in range(WEEKS):
        hazards = Hazards(
            entry=rate(np.array([0.012])),
            separation=rate(np.array([0.02])),
            later_separation=rate(np.array([0.01])),
            leave=rate(np.array([0.003])),
            demand=np.array([1 + 0.3 * np.sin(week / 20)]),
            duration=DURATION,  # a falling term shared by both paths keeps the ordering
        )
        attached = np.full(n, week < ATTACHED)
        weeks = np.full(n, week)
        moves = step(
            paths, active, weeks, attached, zeros, zeros, frailty, uplift[week], clocks, hazards
        )
        entered = moves.entered
        assert np.array_equal(moves.working, paths.in_work)
        assert np.array_equal(moves.apart, paths.diverged)
        assert not (moves.split & (paths.in_work[TREATED] == paths.in_work[COUNTERFACTUAL])).any()
        in_work[week] = paths.in_work
        left_week[paths.left & (left_week == WEEKS)] = week
        for path in (TREATED, COUNTERFACTUAL):
            for person in np.flatnonzero(entered[path]):
                entry_weeks[path][person].append(week)
    return in_work, entry_weeks, paths, left_week


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_with_no_service_effect_both_paths_are_identical(seed: int) -> None:
    in_work, _, paths, _ = run(np.random.default_rng(seed), 200, np.zeros((WEEKS, 200)))
    assert np.array_equal(in_work[:, TREATED], in_work[:, COUNTERFACTUAL])
    assert in_work.any()
    assert paths.left.any()


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), effect=st.floats(0.01, 2.0))
def test_service_never_delays_any_job_entry(seed: int, effect: float) -> None:
    rng = np.random.default_rng(seed)
    uplift = effect * (rng.random((WEEKS, 200)) < 0.5)  # served in some weeks only
    _, entries, _, _ = run(rng, 200, uplift)
    treated, counterfactual = entries[TREATED], entries[COUNTERFACTUAL]
    for t, c in zip(treated, counterfactual, strict=True):
        assert all(tw <= cw for tw, cw in zip(t, c, strict=False))
        assert len(t) >= len(c)
    earlier = any(
        t and (not c or t[0] < c[0]) for t, c in zip(treated, counterfactual, strict=True)
    )
    assert earlier or effect < 0.2  # a real effect moves someone's first job forward


def test_nobody_starts_work_after_leaving_the_programme() -> None:
    _, entries, paths, left_week = run(np.random.default_rng(5), 500, np.full((WEEKS, 500), 0.5))
    assert paths.left.sum() > 50
    assert (left_week[paths.left] < ATTACHED).all()  # one can only leave while attached
    for path in (TREATED, COUNTERFACTUAL):
        for person in np.flatnonzero(paths.left):
            assert all(week < left_week[person] for week in entries[path][person])


def test_the_weekly_chance_of_a_transition_matches_its_rate() -> None:
    """With a constant hazard and no frailty spread, entries follow the stated probability."""
    n = 40_000
    rng = np.random.default_rng(11)
    clocks = (
        rng.exponential(size=(n, TARGETS)),
        rng.exponential(size=(n, TARGETS)),
        np.full(n, np.inf),
    )
    paths = Paths.start(n)
    hazards = Hazards(
        entry=rate(np.array([0.05])),
        separation=rate(np.array([0.5])),
        later_separation=rate(np.array([0.5])),
        leave=rate(np.array([0.0])),
        demand=np.array([1.0]),
        duration=np.ones(1),
    )
    zeros = np.zeros(n, np.int64)
    entered = step(
        paths,
        np.arange(n),
        np.zeros(n, np.int64),
        np.ones(n, bool),
        zeros,
        zeros,
        np.ones(n),
        np.zeros(n),
        clocks,
        hazards,
    ).entered
    share = entered[TREATED].mean()
    assert abs(share - 0.05) < 4 * np.sqrt(0.05 * 0.95 / n)
