"""Targets and facts: the tolerance rule of issue 6 as cases, and targets read from the record."""

from __future__ import annotations

import pytest

from pbrlab.calibration.targets import TARGETS, Fact, facts, holds, target, tolerance
from pbrlab.data.record import value


@pytest.mark.parametrize(
    ("published", "unit", "expected"),
    [
        (0.036, "share", 0.015),  # a rate under 10%: ±1.5 points
        (0.0999, "share", 0.015),
        (0.10, "share", 0.03),  # 10% and over: ±3 points
        (0.27, "share", 0.03),
        (168000, "count", 16800),  # counts: ±10%
        (16, "payments", 1.6),
        (0, "payments", 0.0),
    ],
)
def test_tolerance_rule(published: float, unit: str, expected: float) -> None:
    assert tolerance(published, unit) == pytest.approx(expected)


@pytest.mark.parametrize("record_id", list(TARGETS))
def test_every_target_is_a_record_row(record_id: str) -> None:
    row, made = value(record_id), target(record_id)
    assert (made.value, made.unit, made.source, made.tag) == (
        row.value,
        row.unit,
        row.source,
        row.tag,
    )
    assert made.within(row.value) and made.scale > 0


def test_the_targets_of_the_issue() -> None:
    assert target("first_14_months_all").value == 0.036
    assert target("cohort_12m_2011_06").tolerance == pytest.approx(0.015)
    assert target("cohort_12m_2012_06").tolerance == pytest.approx(0.03)
    assert target("cumulative_job_outcomes_2014_06").value == 331000
    medians = [target(i).value for i in TARGETS if i.startswith("sustainment_median")]
    assert medians == [16, 13, 11, 8, 5, 1, 0]


def test_within_is_inclusive_and_two_sided() -> None:
    t = target("completers_jsa_25_plus")  # 27% ± 3 points
    assert t.within(0.24) and t.within(0.30) and not t.within(0.2399) and not t.within(0.3001)


@pytest.mark.parametrize(
    ("fact_id", "model", "shown"),
    [
        ("first_year_below_expectation", 0.036, True),
        ("first_year_below_expectation", 0.06, False),  # over half of the 11.9% expected
        ("esa_spend_below_plan", 630.0, True),
        ("esa_spend_below_plan", 900.0, False),
        ("subcontractors_starved", 1 / 3, True),
        ("subcontractors_starved", 0.05, False),
        ("subcontractors_starved", None, False),
    ],
)
def test_facts(fact_id: str, model: float | None, shown: bool) -> None:
    fact: Fact = {f.id: f for f in facts()}[fact_id]
    assert holds(fact, model) is shown


def test_a_banded_fact_is_fitted_at_its_centre_within_its_band() -> None:
    starved = target("subcontractors_no_referrals_first_year")
    assert starved.value == pytest.approx(0.335) and starved.tolerance == pytest.approx(0.095)
    assert starved.within(0.24) and starved.within(0.43) and not starved.within(0.2399)
