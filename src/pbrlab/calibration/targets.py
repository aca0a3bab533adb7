"""The calibration targets and the qualitative facts, as data: record ids with their tolerances.

Published values, units, sources and tags come from the record tables (`pbrlab.data.record`);
what is added here is which rows are targets, a short label, and the tolerance rule of the
calibration issue: ±1.5 percentage points for rates under 10%, ±3 points for larger rates, ±10%
for counts (sustainment payments included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from pbrlab.arrays import FloatArray
from pbrlab.data.record import value

TARGETS: dict[str, str] = {  # record id -> label
    "first_14_months_all": "Referrals June 2011 - July 2012 with a paid job outcome by July 2012",
    "first_14_months_jsa_25_plus": "The same, JSA 25+",
    "cohort_12m_2011_06": "June 2011 referrals with a job outcome paid within 12 months",
    "cohort_12m_2012_06": "June 2012 referrals with a job outcome paid within 12 months",
    "completers_jsa_25_plus": "JSA 25+ completers (referred to March 2012) with a job outcome",
    "completers_esa_flow": "New ESA completers (referred to March 2012) with a job outcome",
    "cumulative_job_outcomes_2013_06": "Job outcomes to June 2013 (national)",
    "cumulative_job_outcomes_2014_06": "Job outcomes to June 2014 (national)",
    **{
        f"sustainment_median_{quarter}": f"Median sustainment payments by March 2013, {months}"
        for quarter, months in {
            "2011_09": "outcomes Sep-Nov 2011",
            "2011_12": "outcomes Dec 2011 - Feb 2012",
            "2012_03": "outcomes Mar-May 2012",
            "2012_06": "outcomes Jun-Aug 2012",
            "2012_09": "outcomes Sep-Nov 2012",
            "2012_12": "outcomes Dec 2012 - Feb 2013",
            "2013_03": "outcomes March 2013",
        }.items()
    },
    "year_2_performance_esa_flow": "Contract year 2 performance measure: new ESA",
    "year_2_performance_jsa_18_24": "Contract year 2 performance measure: JSA 18-24",
}
"""Every calibration target of issue 6, in the order reports list them."""

HALF_PAYMENT = 0.5
"""The least distance scale of a sustainment median: medians of whole payments move in steps of a
half or one, so ±10% of a median of 1 (0.1) or 0 (nothing) would let one target swamp the fit."""


@dataclass(frozen=True)
class Target:
    id: str
    label: str
    value: float
    unit: str
    tolerance: float  # absolute, in the target's unit
    source: str
    tag: str

    def within(self, model: float) -> bool:
        return abs(model - self.value) <= self.tolerance + 1e-12

    @property
    def scale(self) -> float:
        """The fit's unit of distance: the tolerance, but at least half a payment for medians."""
        if self.unit == "payments":
            return max(self.tolerance, HALF_PAYMENT)
        return self.tolerance


def tolerance(published: float, unit: str) -> float:
    if unit == "share":
        return 0.015 if published < 0.10 else 0.03
    return 0.10 * abs(published)


def target(record_id: str) -> Target:
    """A target of the issue, or a fact with a band (its centre, the band's half-width as the
    tolerance): a calibration may fit a fact whose number only one free parameter moves."""
    row = value(record_id)
    if record_id in TARGETS:
        return Target(
            record_id,
            TARGETS[record_id],
            row.value,
            row.unit,
            tolerance(row.value, row.unit),
            row.source,
            row.tag,
        )
    fact = banded_facts()[record_id]
    half = (fact.high - fact.low) / 2
    return Target(record_id, fact.statement, fact.low + half, row.unit, half, row.source, row.tag)


def targets(ids: list[str] | None = None) -> list[Target]:
    return [target(i) for i in (ids or list(TARGETS))]


@dataclass(frozen=True)
class Fact:
    """A published fact the model must show, with one measured number and the test it must pass."""

    id: str
    statement: str
    measure: str  # record id of the model's measure
    compare: Literal["at_most", "between"]
    low: float  # between: the lower bound; at_most: unused
    high: float
    reason: str


def facts() -> list[Fact]:
    expected = value("expected_first_14_months_all").value
    planned = value("esa_spend_per_participant_planned").value
    return [
        Fact(
            "first_year_below_expectation",
            f"First-year performance far below the department's expectation ({expected:.1%})",
            "first_14_months_all",
            "at_most",
            0.0,
            expected / 2,
            "at most half the expectation: the record's 3.6% is under a third of it",
        ),
        Fact(
            "esa_spend_below_plan",
            f"Providers' spend per ESA participant well below plan (GBP {planned:,.0f})",
            "esa_spend_per_participant",
            "at_most",
            0.0,
            0.6 * planned,
            "at most 60% of plan: the record's GBP 630 is 46% of it",
        ),
        Fact(
            "subcontractors_starved",
            "About a third of surveyed subcontractors had no referrals in the first year",
            "subcontractors_no_referrals_first_year",
            "between",
            0.24,
            0.43,
            "the 95% interval of a third in a survey of 98 (NCVO 2012): 0.24 to 0.43",
        ),
    ]


def banded_facts() -> dict[str, Fact]:
    """Facts a calibration may list among its targets, by measure."""
    return {f.measure: f for f in facts() if f.compare == "between"}


def holds(fact: Fact, model: float | None) -> bool:
    if model is None:
        return False
    if fact.compare == "at_most":
        return model <= fact.high
    return fact.low <= model <= fact.high


def over_replicates(values: FloatArray) -> tuple[float | None, float | None, float | None]:
    """A measure over replicates: its mean and 5th and 95th percentiles (missing runs left out;
    None where every run is missing)."""
    kept = values[np.isfinite(values)]
    if kept.size == 0:
        return None, None, None
    low, high = np.quantile(kept, [0.05, 0.95])
    return float(np.mean(kept)), float(low), float(high)
