"""The allocation rule on hand-made caseloads: exact shares, limits and the norm's two ends."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbrlab.payments.rules import NO_DAY
from pbrlab.providers.allocation import Caseloads, Policy, ServiceRecord, Stakes, allocate

STAKES = Stakes(
    outcome_fee=np.array([[1000.0], [4000.0]]),  # row 0 cheap group, row 1 dear group
    sustainment_fee=np.array([[0.0], [0.0]]),
    sustainment_max=np.array([0, 0]),
    retention=np.array([1.0, 1.0]),
    cap=np.array([np.inf, np.inf]),
)


def caseloads(
    row: np.ndarray,
    entry: np.ndarray,
    provider: np.ndarray | None = None,
    eligible: np.ndarray | None = None,
) -> Caseloads:
    n = row.size
    return Caseloads(
        active=np.arange(n),
        attached=np.ones(n, bool) if eligible is None else eligible,
        left=np.zeros(n, bool),
        in_work=np.zeros(n, bool),
        provider=np.zeros(n, np.int64) if provider is None else provider,
        row=row,
        year=np.zeros(n, np.int64),
        odds_factor=np.ones(n),
        group=np.arange(n),
        area=np.zeros(n, np.int64),
        frailty=np.ones(n),
        entry_rate=entry,  # one "group" per person: their own hazard
        demand=np.ones(1),
        programme_week=np.zeros(n, np.int64),
        duration=np.ones(1),
        outcome_day=np.full(n, NO_DAY),
        sustain_count=np.zeros(n, np.int64),
        paid=np.zeros(n),
    )


def give(loads: Caseloads, stakes: Stakes, rule: Policy) -> np.ndarray:
    """Allocate, and check the running totals record exactly what was given."""
    n = loads.active.size
    record = ServiceRecord.empty(n, n, rule.capacity.size)
    hours = allocate(loads, stakes, rule, record)
    np.testing.assert_allclose(record.hours, hours)
    served = loads.attached & ~loads.left & ~loads.in_work
    np.testing.assert_array_equal(record.weeks, served.astype(int))
    np.testing.assert_allclose(
        record.by_cell.sum(axis=0), np.bincount(loads.provider, hours, minlength=rule.capacity.size)
    )
    return hours


def policy(norm: float, capacity: float, cost: float = 10.0, providers: int = 1) -> Policy:
    return Policy(
        judgement_noise=0.0,
        professional_norm=np.full(providers, norm),
        service_effect=0.5,
        full_service_hours=1.0,
        minimum_contact_hours=0.1,
        capacity=np.full(providers, capacity),
        cost_per_hour=np.full(providers, cost),
        effectiveness=np.ones(providers),
        paid_on_results=np.ones(providers, np.bool_),
    )


def test_pure_profit_funds_only_those_worth_their_cost_in_proportion_to_value() -> None:
    # value per hour = stake × chance × effect / full hours = stake × (1 - e^-h) × 0.5
    entry = np.array([0.01, 0.05, 0.05, 0.001])
    row = np.array([1, 1, 0, 1])
    hours = give(caseloads(row, entry), STAKES, policy(norm=0.0, capacity=1.0))
    value = STAKES.outcome_fee[row, 0] * (1 - np.exp(-entry)) * 0.5
    funded = value >= 10.0
    assert funded.tolist() == [True, True, True, False]
    spare = 1.0 - 0.1 * 4
    expected = 0.1 + np.where(funded, np.minimum(0.9, spare * value / value[funded].sum()), 0)
    np.testing.assert_allclose(hours, expected)


def test_a_norm_of_one_treats_everyone_alike() -> None:
    entry = np.array([0.01, 0.05, 0.05, 0.001])
    hours = give(caseloads(np.array([1, 1, 0, 1]), entry), STAKES, policy(1.0, 1.0))
    np.testing.assert_allclose(hours, np.full(4, 0.25))


def test_too_few_hours_for_the_minimum_are_shared_equally_and_the_ineligible_get_none() -> None:
    entry = np.full(5, 0.05)
    eligible = np.array([True, True, False, True, True])
    hours = give(
        caseloads(np.ones(5, np.int64), entry, eligible=eligible), STAKES, policy(0.0, 0.2)
    )
    np.testing.assert_allclose(hours, [0.05, 0.05, 0.0, 0.05, 0.05])


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    norm=st.floats(0.0, 1.0),
    capacity=st.floats(0.0, 30.0),
    noise=st.floats(0.0, 3.0),
)
def test_hours_stay_within_capacity_and_the_full_service_limit(
    seed: int, norm: float, capacity: float, noise: float
) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    provider = rng.integers(0, 3, n)
    loads = caseloads(
        rng.integers(0, 2, n), rng.uniform(0.0, 0.1, n), provider, rng.random(n) < 0.8
    )
    odds = np.exp(noise * rng.standard_normal(n))
    loads = Caseloads(**{**loads.__dict__, "odds_factor": odds})
    rule = policy(norm, capacity, providers=3)
    hours = give(loads, STAKES, rule)
    assert (hours[~loads.attached] == 0).all()
    assert (hours <= rule.full_service_hours + 1e-12).all()
    for p in range(3):
        mine = (provider == p) & loads.attached
        assert hours[mine].sum() <= max(capacity, 0.0) + 1e-9
        if mine.any() and capacity >= 0.1 * mine.sum():
            assert (hours[mine] >= 0.1 - 1e-12).all()


@pytest.mark.parametrize("norm", [0.0, 0.5])
def test_a_dearer_tariff_never_gets_fewer_hours(norm: float) -> None:
    entry = np.full(2, 0.05)
    hours = give(caseloads(np.array([0, 1]), entry), STAKES, policy(norm, 1.0, cost=1.0))
    assert hours[1] > hours[0]


def test_a_more_effective_provider_finds_more_people_worth_serving() -> None:
    """Effectiveness scales the value of an hour, so more people clear the cost of one."""
    entry = np.linspace(0.002, 0.05, 40)
    loads = caseloads(np.ones(40, np.int64), entry, provider=np.repeat([0, 1], 20))
    loads = Caseloads(**{**loads.__dict__, "entry_rate": np.r_[entry[:20], entry[:20]]})
    rule = Policy(
        **{
            **policy(0.0, 20.0, cost=40.0, providers=2).__dict__,
            "effectiveness": np.ones(2) * [1, 2],
        }
    )
    hours = give(loads, STAKES, rule)
    funded = hours > 0.1 + 1e-12
    assert funded[20:].sum() > funded[:20].sum() > 0


def test_each_provider_follows_its_own_norm() -> None:
    """Two providers with the same caseload: the one with the stronger mission (norm) gives the
    hardest to help more and the easiest less; the norm of one treats its caseload alike."""
    entry = np.array([0.01, 0.05, 0.05, 0.001])
    row = np.array([1, 1, 0, 1])
    loads = caseloads(np.r_[row, row], np.r_[entry, entry], provider=np.repeat([0, 1], 4))
    loads = Caseloads(**{**loads.__dict__, "group": np.r_[np.arange(4), np.arange(4)]})
    rule = Policy(
        **{
            **policy(0.0, 1.0, providers=2).__dict__,
            "professional_norm": np.array([0.0, 1.0]),
        }
    )
    hours = give(loads, STAKES, rule)
    alone = give(caseloads(row, entry), STAKES, policy(norm=0.0, capacity=1.0))
    np.testing.assert_allclose(hours[:4], alone)
    np.testing.assert_allclose(hours[4:], np.full(4, 0.25))
    assert hours[7] > hours[3] and hours[5] < hours[1]


@pytest.mark.parametrize(("norm", "expected"), [(0.0, 0.1), (0.5, 0.25)])
def test_with_nothing_paid_for_outcomes_only_a_mission_buys_more_than_the_minimum(
    norm: float, expected: float
) -> None:
    """A grant or a budget: with any mission the hours are shared alike; with none, only the
    minimum contact (0.1 here) is given."""
    entry = np.array([0.01, 0.05, 0.05, 0.001])
    loads = caseloads(np.array([1, 1, 0, 1]), entry)
    rule = Policy(**{**policy(norm, 1.0).__dict__, "paid_on_results": np.zeros(1, np.bool_)})
    nothing = dataclasses.replace(
        STAKES, outcome_fee=0 * STAKES.outcome_fee, sustainment_fee=0 * STAKES.sustainment_fee
    )
    np.testing.assert_allclose(give(loads, nothing, rule), np.full(4, expected))
