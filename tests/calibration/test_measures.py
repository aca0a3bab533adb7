"""The record measures of a simulated run: consistency, a known answer, and the launch stock."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from pbrlab.calibration.measures import _Run
from pbrlab.contracts.model import PaymentKind
from pbrlab.engine.outputs import summary
from pbrlab.engine.simulate import simulate
from pbrlab.engine.world import build_world
from pbrlab.payments.rules import KIND_CODE, to_day
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


def _ledger(outcomes: list[str], sustainments: list[list[str]]) -> Any:
    """A stand-in run: participant i's job outcome triggered on outcomes[i], its sustainment
    payments due on sustainments[i] (the claim lag already added, as in the ledger)."""

    def day(text: str) -> int:
        return int(to_day(dt.date.fromisoformat(text)))

    n = len(outcomes)
    rows = [(i, PaymentKind.job_outcome, day(t) + 21) for i, t in enumerate(outcomes)]
    rows += [
        (i, PaymentKind.sustainment, day(t)) for i, due in enumerate(sustainments) for t in due
    ]
    payments = SimpleNamespace(
        participant=np.array([r[0] for r in rows]),
        kind=np.array([KIND_CODE[r[1]] for r in rows]),
        due=np.array([r[2] for r in rows], np.int64),
    )
    return SimpleNamespace(
        people=SimpleNamespace(
            size=n, referral_day=np.zeros(n, np.int64), group=np.zeros(n, np.int64)
        ),
        payments=payments,
        book=SimpleNamespace(
            treated=SimpleNamespace(outcome_day=np.array(list(map(day, outcomes))))
        ),
        world=SimpleNamespace(scenario=SimpleNamespace(groups=[], scale=1.0)),
    )


@pytest.mark.parametrize(
    ("quarter", "expected"),
    [
        # Outcomes secured 20, 25 and 30 November 2012: the last is paid in December but
        # counts in the quarter it was secured in, with its 3 payments due by 31 March 2013.
        (("2012-09", "2012-11"), 3.0),
        # Secured 5 December (2 due by 31 March; a third due 2 April does not count) and
        # 1 February (1 due): the median of 2 and 1.
        (("2012-12", "2013-02"), 1.5),
        (("2013-03", "2013-03"), None),  # nobody secured an outcome in March
    ],
)
def test_sustainment_medians_count_by_the_quarter_the_outcome_was_secured(
    quarter: tuple[str, str], expected: float | None
) -> None:
    run = _Run(
        _ledger(
            ["2012-11-20", "2012-11-25", "2012-11-30", "2012-12-05", "2013-02-01"],
            [
                ["2013-01-08", "2013-02-05", "2013-03-05"],
                ["2013-01-13", "2013-02-10", "2013-03-10", "2013-04-07"],
                ["2013-01-18", "2013-02-15", "2013-03-15"],
                ["2013-01-23", "2013-02-20", "2013-04-02"],
                ["2013-03-22"],
            ],
        )
    )
    assert run.sustainment_median(*quarter) == expected
