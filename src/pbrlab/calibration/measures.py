"""A simulated run measured the way the published Work Programme record measured the real one.

Each measure is named by the id of the record row it compares with (`pbrlab.data.record`), so a
target is just an id. Definitions follow the record's sources (docs/calibration.md):

- a job outcome *paid* by a date is one whose payment is due by then (outcome day plus the
  contract's claim lag): DWP's statistics count payments;
- *first 14 months*: paid job outcomes by 31 July 2012 over referrals from June 2011 to July 2012
  (PAC 2013);
- *cohort 12 months*: referrals of a calendar month with a job outcome paid within 365 days of
  referral (DWP's transparency measure);
- *completers*: people referred June 2011 to March 2012 (attachments over by the NAO's 2014
  figures, to March 2014) with a job outcome by then: outcomes of jobs begun inside the two
  years count when they complete after them, as the contract pays them;
- *contract year 2 performance*: job outcomes triggered April 2012 to March 2013 over referrals
  in the same months (the minimum performance level's definition: 'the fewer referred, the better
  performance looks');
- *sustainment medians*: per quarter in which participants 'secured job outcomes' (the written
  question's words: the month the outcome was achieved), the median number of sustainment
  payments due by 31 March 2013 (the written answer's 'sustainment payment date', four weeks
  after the job outcome's payment date or the previous sustainment payment's);
- *ESA spend per participant*: providers' adviser cost for ESA participants whose two years were
  over by March 2014 (the population of PAC 2014's £630), per participant;
- *subcontractors with no referrals in the first year*: share of subcontractors trading in the
  first year that received nobody in it (NCVO's 2012 survey).
Counts are national: simulated counts divided by the scale.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from pbrlab.arrays import BoolArray, IntArray
from pbrlab.contracts.model import PaymentKind
from pbrlab.payments.rules import KIND_CODE, NO_DAY, to_day

NEVER = np.iinfo(np.int64).max // 4
FIRST_14_MONTHS = (dt.date(2011, 6, 1), dt.date(2012, 7, 31))
COMPLETERS = (dt.date(2011, 6, 1), dt.date(2012, 3, 31))
COMPLETERS_AS_AT = dt.date(2014, 3, 31)
CONTRACT_YEAR_2 = (dt.date(2012, 4, 1), dt.date(2013, 3, 31))
SUSTAINMENT_AS_AT = dt.date(2013, 3, 31)
SUSTAINMENT_QUARTERS = {  # record id suffix: first and last month of job outcomes
    "2011_09": ("2011-09", "2011-11"),
    "2011_12": ("2011-12", "2012-02"),
    "2012_03": ("2012-03", "2012-05"),
    "2012_06": ("2012-06", "2012-08"),
    "2012_09": ("2012-09", "2012-11"),
    "2012_12": ("2012-12", "2013-02"),
    "2013_03": ("2013-03", "2013-03"),
}
CUMULATIVE_AT = {
    "2012_07": "2012-07",
    "2013_06": "2013-06",
    "2014_03": "2014-03",
    "2014_06": "2014-06",
}
COHORTS_12M = ("2011_06", "2012_06", "2012_09")
ESA_GROUPS = ("esa_volunteers", "esa_flow", "esa_ex_ib")
MEASURE_OUTPUT = "record.measures."
"""Where a run's summary keeps the measures: experiments name them as outputs this way."""
SERIES_OUTPUT = "record.series."


def record_measures(sim: Any) -> dict[str, Any]:
    """The run's values of the record's statistics, and monthly curves for the report."""
    run = _Run(sim)
    values: dict[str, float | None] = {
        "first_14_months_all": run.share_paid_by(
            run.referred(*FIRST_14_MONTHS), FIRST_14_MONTHS[1]
        ),
        "first_14_months_jsa_25_plus": run.share_paid_by(
            run.referred(*FIRST_14_MONTHS) & run.group("jsa_25_plus"), FIRST_14_MONTHS[1]
        ),
        "completers_jsa_25_plus": run.completers("jsa_25_plus"),
        "completers_esa_flow": run.completers("esa_flow"),
        "year_2_performance_esa_flow": run.year_performance("esa_flow", *CONTRACT_YEAR_2),
        "year_2_performance_jsa_18_24": run.year_performance("jsa_18_24", *CONTRACT_YEAR_2),
        "esa_spend_per_participant": run.esa_spend(),
        "subcontractors_no_referrals_first_year": run.starved_subcontractors(),
    }
    for month in COHORTS_12M:
        values[f"cohort_12m_{month}"] = run.cohort_12m(month.replace("_", "-"))
    for suffix, month in CUMULATIVE_AT.items():
        values[f"cumulative_job_outcomes_{suffix}"] = run.paid_by(_month_end(month))
    for suffix, (first, last) in SUSTAINMENT_QUARTERS.items():
        values[f"sustainment_median_{suffix}"] = run.sustainment_median(first, last)
    return {"measures": values, "series": run.series()}


class _Run:
    """The arrays the measures read, computed once per run."""

    def __init__(self, sim: Any) -> None:
        self.sim = sim
        people, payments = sim.people, sim.payments
        self.referral_day: IntArray = people.referral_day
        self.group_of: IntArray = people.group
        self.ids = {g.id: i for i, g in enumerate(sim.world.scenario.groups)}
        self.scale = float(sim.world.scenario.scale)
        outcome = payments.kind == KIND_CODE[PaymentKind.job_outcome]
        self.paid_day = np.full(people.size, NEVER, np.int64)
        self.paid_day[payments.participant[outcome]] = payments.due[outcome]
        triggered = sim.book.treated.outcome_day
        self.outcome_day = np.where(triggered == NO_DAY, NEVER, triggered).astype(np.int64)
        self.sustainment = payments.kind == KIND_CODE[PaymentKind.sustainment]

    def group(self, name: str) -> BoolArray:
        return np.asarray(self.group_of == self.ids.get(name, -1), np.bool_)

    def referred(self, first: dt.date, last: dt.date) -> BoolArray:
        day = self.referral_day
        return np.asarray((day >= to_day(first)) & (day <= to_day(last)), np.bool_)

    def share_paid_by(self, who: BoolArray, by: dt.date) -> float | None:
        return _share(self.paid_day[who] <= to_day(by))

    def paid_by(self, by: dt.date) -> float:
        return float(np.count_nonzero(self.paid_day <= to_day(by)) / self.scale)

    def cohort_12m(self, month: str) -> float | None:
        first, last = _month_start(month), _month_end(month)
        who = self.referred(first, last)
        return _share(self.paid_day[who] - self.referral_day[who] < 365)

    def completers(self, group: str) -> float | None:
        who = self.referred(*COMPLETERS) & self.group(group)
        return _share(self.outcome_day[who] <= to_day(COMPLETERS_AS_AT))

    def year_performance(self, group: str, first: dt.date, last: dt.date) -> float | None:
        mine = self.group(group)
        referrals = np.count_nonzero(mine & self.referred(first, last))
        day = self.outcome_day[mine]
        outcomes = np.count_nonzero((day >= to_day(first)) & (day <= to_day(last)))
        return None if referrals == 0 else outcomes / referrals

    def sustainment_median(self, first_month: str, last_month: str) -> float | None:
        start, end = to_day(_month_start(first_month)), to_day(_month_end(last_month))
        quarter = np.flatnonzero((self.outcome_day >= start) & (self.outcome_day <= end))
        if quarter.size == 0:
            return None
        payments = self.sim.payments
        made = self.sustainment & (payments.due <= to_day(SUSTAINMENT_AS_AT))
        counts = np.bincount(payments.participant[made], minlength=self.referral_day.size)
        return float(np.median(counts[quarter]))

    def esa_spend(self) -> float | None:
        sim = self.sim
        attachment = 7 * sim.world.attachment_weeks
        finished = self.referral_day + attachment <= to_day(COMPLETERS_AS_AT)
        esa = np.zeros_like(finished)
        for name in ESA_GROUPS:
            esa |= self.group(name)
        who = finished & esa
        if not who.any():
            return None
        cost = sim.world.policy.cost_per_hour[sim.people.provider[who]]
        return float(np.mean(sim.service_hours[who] * cost))

    def starved_subcontractors(self) -> float | None:
        sim = self.sim
        started = np.asarray(sim.started_week)
        subcontractors = (sim.world.tier > 0) & (started >= 0) & (started < 52)
        if not subcontractors.any():
            return None
        return _share(np.asarray(sim.received_first_year)[subcontractors] == 0)

    def series(self) -> dict[str, dict[str, float | None]]:
        """Monthly curves: national job outcomes paid to date; cohorts' 12-month rates."""
        calendar = self.sim.world.scenario.calendar
        listed = months(calendar.start, calendar.end)
        cumulative: dict[str, float | None] = {
            m.replace("-", "_"): self.paid_by(_month_end(m)) for m in listed
        }
        cohorts = {m.replace("-", "_"): self.cohort_12m(m) for m in listed}
        return {"cumulative_job_outcomes": cumulative, "cohort_12m": cohorts}


def months(start: dt.date, end: dt.date) -> list[str]:
    """The months ('YYYY-MM') of the curves: from the start to the last whose referrals have had
    a full year by the end."""
    first = np.datetime64(start, "M")
    last = (np.datetime64(end, "D") - 364).astype("datetime64[M]") - 1
    return [str(m) for m in np.arange(first, last + 1, dtype="datetime64[M]")]


def _share(hits: BoolArray) -> float | None:
    return None if hits.size == 0 else float(np.mean(hits))


def _month_start(month: str) -> dt.date:
    return dt.date.fromisoformat(f"{month}-01")


def _month_end(month: str) -> dt.date:
    following = np.datetime64(month, "M") + 1
    return dt.date.fromisoformat(str(following.astype("datetime64[D]") - 1))
