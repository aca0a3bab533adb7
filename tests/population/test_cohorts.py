"""Weekly cohorts: reproducible by week, and faithful to flows, shares and frailty."""

from __future__ import annotations

import numpy as np
import pytest

from pbrlab.arrays import Columns
from pbrlab.population.cohorts import Allocation, Cohort, draw_week
from pbrlab.population.referrals import expected_referrals
from pbrlab.scenarios.load import load_scenario
from pbrlab.scenarios.model import Scenario


@pytest.fixture(scope="module")
def reference() -> Scenario:
    return load_scenario("work-programme-2011")


def all_weeks(scenario: Scenario, seed: int) -> Cohort:
    flows = expected_referrals(scenario)
    allocation = Allocation.of(scenario)
    return Cohort.concat(
        [draw_week(flows, allocation, seed, w) for w in range(flows.week_start.size)]
    )


def same(a: Columns, b: Columns) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)


def test_same_seed_same_people_different_seed_different(reference: Scenario) -> None:
    flows = expected_referrals(reference)
    allocation = Allocation.of(reference)
    first = draw_week(flows, allocation, 7, 10)
    assert same(first, draw_week(flows, allocation, 7, 10))
    assert not same(first, draw_week(flows, allocation, 8, 10))


def test_a_week_does_not_depend_on_which_weeks_were_drawn_before(reference: Scenario) -> None:
    flows = expected_referrals(reference)
    allocation = Allocation.of(reference)
    alone = draw_week(flows, allocation, 7, 30)
    for week in range(5):
        draw_week(flows, allocation, 7, week)
    assert same(alone, draw_week(flows, allocation, 7, 30))


def test_counts_shares_and_frailty_match_the_scenario(reference: Scenario) -> None:
    people = all_weeks(reference, 2011)
    flows = expected_referrals(reference)
    n = people.group.size
    # Poisson total: within 4 standard deviations of the expected count.
    assert abs(n - flows.total) < 4 * np.sqrt(flows.total)
    area_share = np.bincount(people.area, minlength=18) / n
    expected_area = np.array([a.referral_share.value for a in reference.areas])
    assert np.abs(area_share - expected_area).max() < 0.01
    group_share = np.bincount(people.group, minlength=9) / n
    assert np.abs(group_share - flows.expected.sum(axis=0) / flows.total).max() < 0.01
    # Frailty has mean 1 once the launch stock's lower employability is divided out.
    frailty_of_flow = people.frailty / flows.employability[people.referral_week]
    for g in range(9):
        frailty = frailty_of_flow[people.group == g]
        if frailty.size > 1000:
            assert frailty.mean() == pytest.approx(1.0, abs=0.05)


def test_the_launch_stock_is_harder_to_help_and_fades_in_over_its_weeks(
    reference: Scenario,
) -> None:
    launch = reference.referrals.launch
    assert launch is not None
    people = all_weeks(reference, 2011)
    first = people.frailty[people.referral_week < 4].mean()
    later = people.frailty[people.referral_week >= launch.weeks.value].mean()
    assert first == pytest.approx(launch.employability.value, rel=0.1)
    assert later == pytest.approx(1.0, abs=0.05)


def test_providers_are_in_their_area_and_share_it_evenly(reference: Scenario) -> None:
    people = all_weeks(reference, 2011)
    areas = np.array([[a.id for a in reference.areas].index(p.area) for p in reference.providers])
    assert np.array_equal(areas[people.provider], people.area)
    allocation = Allocation.of(reference)
    for a, providers in enumerate(allocation.providers):
        counts = np.array([(people.provider == p).sum() for p in providers])
        shares = counts / counts.sum()
        assert np.abs(shares - allocation.provider_share[a]).max() < 0.03


def test_referral_days_fall_in_their_week(reference: Scenario) -> None:
    flows = expected_referrals(reference)
    cohort = draw_week(flows, Allocation.of(reference), 1, 3)
    assert cohort.referral_day.min() >= flows.week_start[3]
    assert cohort.referral_day.max() < flows.week_start[3] + 7
