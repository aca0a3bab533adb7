"""Year-end performance management on hand-made results, and in a whole run."""

from __future__ import annotations

import numpy as np
import pytest

from pbrlab.commissioning.management import Rules, YearResults, minimum_levels, review
from pbrlab.contracts.load import load_contract
from pbrlab.engine.simulate import simulate
from pbrlab.engine.world import build_world
from variants import assumed, reference

NAN = np.nan
AREA = np.array([0, 0, 0, 1, 1])  # three providers in area 0, two in area 1


def results(rates: list[list[float]], minimum: list[float], year: int = 3) -> YearResults:
    referrals = np.full((len(rates), len(minimum)), 100)
    return YearResults(
        year, referrals, np.rint(np.array(rates) * 100).astype(int), np.array(minimum)
    )


SHIFT = Rules(shift_share=0.05, shift_from_year=2, terminate_after_years=0)


def test_the_worst_loses_share_to_the_best_in_each_judged_group_of_each_area() -> None:
    year = results(
        [[0.40, 0.20], [0.30, 0.30], [0.20, 0.10], [0.50, 0.25], [0.45, 0.35]],
        [0.30, NAN],  # only group 0 has a minimum level
    )
    decided = review(year, SHIFT, AREA, np.ones(5, bool), np.zeros(5, np.int64))
    assert decided.shifts == [(0, 2, 0), (0, 4, 3)]
    assert decided.terminated == []


def test_no_shift_to_a_best_that_misses_a_minimum_level_or_before_the_first_year() -> None:
    year = results([[0.40, 0.05], [0.30, 0.30], [0.20, 0.10], [0.5, 0.5], [0.4, 0.4]], [0.3, 0.2])
    decided = review(year, SHIFT, AREA, np.ones(5, bool), np.zeros(5, np.int64))
    assert (0, 2, 0) not in decided.shifts and (1, 2, 0) not in decided.shifts
    early = results(
        [[0.4, 0.4], [0.3, 0.3], [0.2, 0.2], [0.5, 0.5], [0.4, 0.4]], [0.1, 0.1], year=1
    )
    assert review(early, SHIFT, AREA, np.ones(5, bool), np.zeros(5, np.int64)).shifts == []


def test_termination_after_the_years_below_every_level_but_never_the_last_in_an_area() -> None:
    rules = Rules(shift_share=0.0, shift_from_year=99, terminate_after_years=2)
    streak = np.zeros(5, np.int64)
    below = results([[0.1], [0.1], [0.5], [0.1], [0.1]], [0.3])
    assert review(below, rules, AREA, np.ones(5, bool), streak).terminated == []
    assert streak.tolist() == [1, 1, 0, 1, 1]
    decided = review(below, rules, AREA, np.ones(5, bool), streak)
    # Area 0 keeps provider 2; area 1 loses one of its two failing providers, not both.
    assert decided.terminated == [0, 1, 3]


def test_no_termination_leaves_a_group_without_a_provider_in_its_area() -> None:
    """Provider 1 is the only one in area 0 taking group 1 (the others take group 0 only): it
    stays, however badly it does, while failing provider 0 goes."""
    rules = Rules(shift_share=0.0, shift_from_year=99, terminate_after_years=1)
    below = results([[0.1], [0.1], [0.5], [0.1], [0.1]], [0.3])
    serves = np.array([[1, 0], [1, 1], [1, 0], [1, 1], [1, 1]], bool)
    decided = review(below, rules, AREA, np.ones(5, bool), np.zeros(5, np.int64), None, serves)
    assert decided.terminated == [0, 3]


def test_minimum_levels_come_from_the_contract_by_year() -> None:
    contract = load_contract("work-programme-2011")
    groups = [g.id for g in contract.groups]
    year3 = minimum_levels(contract, groups, 3)
    assert year3[groups.index("jsa_25_plus")] == pytest.approx(0.33)
    assert np.isnan(year3[groups.index("esa_ex_ib")])
    assert np.isnan(minimum_levels(contract, groups, 2)).all()


def test_the_reference_run_shifts_about_the_contracts_share_of_referrals() -> None:
    sim = simulate(build_world(reference(0.01)))
    assert len(sim.share_shifts) > 10
    moved = sum(s["moved"] for s in sim.share_shifts)
    eligible = sum(s["eligible"] for s in sim.share_shifts)
    assert abs(moved / eligible - 0.05) < 3 * np.sqrt(0.05 * 0.95 / eligible)
    for shift in sim.share_shifts:  # nobody moved is referred before the shift
        week = shift["week"]
        assert (
            not ((sim.people.provider == shift["from"]) & (sim.people.referral_week <= week)).sum()
            < 0
        )
    assert sim.terminations == []


def test_terminations_move_the_caseload_of_the_persistently_worst() -> None:
    managed = {"management": {"terminate_after_years": assumed(1)}}
    sim = simulate(build_world(reference(0.005, **managed)))
    gone = [t["provider"] for t in sim.terminations]
    assert gone  # some fall below every level at year 3
    for t in sim.terminations:
        assert sim.cash.exit_week[t["provider"]] == t["week"]
        later = sim.people.referral_week > t["week"]
        assert not ((sim.people.provider == t["provider"]) & later).any()
