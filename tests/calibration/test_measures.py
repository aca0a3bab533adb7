"""The record measures of a simulated run: consistency, a known answer, and the launch stock."""

from __future__ import annotations

from typing import Any

import pytest

from pbrlab.engine.outputs import summary
from pbrlab.engine.simulate import simulate
from pbrlab.engine.world import build_world
from variants import assumed, reference


def measured(scale: float = 0.005, seed: int = 3, **changes: Any) -> dict[str, Any]:
    sim = simulate(build_world(reference(scale, seed, **changes)))
    record: dict[str, Any] = summary(sim)["record"]
    return record


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    return measured()


def test_measures_agree_with_their_curves(record: dict[str, Any]) -> None:
    values, series = record["measures"], record["series"]
    cumulative = series["cumulative_job_outcomes"]
    assert values["cumulative_job_outcomes_2013_06"] == cumulative["2013_06"]
    assert values["cumulative_job_outcomes_2012_07"] == cumulative["2012_07"]
    assert values["cohort_12m_2011_06"] == series["cohort_12m"]["2011_06"]
    counts = list(cumulative.values())
    assert counts == sorted(counts) and counts[0] == 0  # nobody is paid in the first month


def test_measures_are_shares_counts_and_medians(record: dict[str, Any]) -> None:
    values = record["measures"]
    for name in ("first_14_months_all", "completers_esa_flow", "year_2_performance_jsa_18_24"):
        assert 0 < values[name] < 1
    medians = [v for k, v in values.items() if k.startswith("sustainment_median")]
    assert medians == sorted(medians, reverse=True)  # older outcomes have had longer to earn
    assert medians[-1] == 0  # an outcome paid in March 2013 has no payment due by then
    assert values["subcontractors_no_referrals_first_year"] is None  # the core has none
    assert values["esa_spend_per_participant"] > 0


def test_without_job_entries_every_outcome_measure_is_zero() -> None:
    values = measured(labour_market={"entry_multiplier": assumed(1e-9)})["measures"]
    assert values["first_14_months_all"] == 0.0
    assert values["cumulative_job_outcomes_2014_06"] == 0.0
    assert values["completers_jsa_25_plus"] == 0.0
    assert values["sustainment_median_2012_06"] is None  # no outcomes in the quarter


def test_a_harder_launch_stock_lowers_early_cohorts_only() -> None:
    """The same seed, the launch stock's employability halved: the first cohort does worse, the
    June 2012 cohort (after the stock) the same within noise."""
    plain = measured(0.01, 5)["measures"]
    launch = {"employability": assumed(0.4), "weeks": assumed(52)}
    hard = measured(0.01, 5, referrals={"launch": launch})["measures"]
    assert hard["cohort_12m_2011_06"] < 0.7 * plain["cohort_12m_2011_06"]
    assert hard["cohort_12m_2012_06"] == pytest.approx(plain["cohort_12m_2012_06"], abs=0.03)
