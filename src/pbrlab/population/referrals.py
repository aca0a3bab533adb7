"""Expected referral flows by week and payment group, from the published cumulative totals.

The national cumulative count is interpolated linearly between the scenario's milestones (from
zero at the calendar start); no one is referred after the last milestone or after
`referrals_end`. Each week's flow is split between groups by the mix in force at its start, and
multiplied by the scenario's scale. A launch stock (`referrals.launch`) lowers the mean
employability of the first weeks' referrals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import FloatArray, IntArray
from pbrlab.payments.rules import to_day
from pbrlab.scenarios.model import Scenario


@dataclass(frozen=True)
class WeeklyReferrals:
    """Expected (not yet drawn) referrals: one row per simulated week, one column per group."""

    week_start: IntArray  # day numbers
    groups: tuple[str, ...]
    expected: FloatArray  # [week, group], already scaled
    employability: FloatArray  # [week] mean frailty of the week's referrals (launch stock)

    @property
    def total(self) -> float:
        return float(self.expected.sum())


def simulated_weeks(scenario: Scenario) -> IntArray:
    """Start day of every simulated week, from the calendar start to before its end."""
    start, end = to_day(scenario.calendar.start), to_day(scenario.calendar.end)
    return np.arange(start, end, 7, dtype=np.int64)


def expected_referrals(scenario: Scenario) -> WeeklyReferrals:
    weeks = simulated_weeks(scenario)
    start = to_day(scenario.calendar.start)
    stop = to_day(scenario.calendar.referrals_end) + 1  # referrals run to the end of that day
    milestones = scenario.referrals.milestones
    days = np.array([start] + [to_day(m.date) + 1 for m in milestones], np.float64)
    counts = np.array([0.0] + [float(m.cumulative.value) for m in milestones])
    edges = np.minimum(np.r_[weeks, weeks[-1] + 7], stop).astype(np.float64)
    cumulative = np.interp(edges, days, counts)  # flat after the last milestone
    national = np.diff(cumulative)

    groups = tuple(g.id for g in scenario.groups)
    mixes = scenario.referrals.mix
    mix_starts = np.array([to_day(m.starts) for m in mixes], np.int64)
    shares = np.array([[m.shares.get(g, 0.0) for g in groups] for m in mixes])
    in_force = np.maximum(np.searchsorted(mix_starts, weeks, side="right") - 1, 0)
    expected = national[:, None] * shares[in_force] * scenario.scale
    return WeeklyReferrals(weeks, groups, expected, launch_employability(scenario, weeks.size))


def launch_employability(scenario: Scenario, weeks: int) -> FloatArray:
    """1 for every week, except a launch stock's lower employability fading in linearly."""
    launch = scenario.referrals.launch
    if launch is None:
        return np.ones(weeks)
    low, span = launch.employability.value, launch.weeks.value
    return np.asarray(low + (1.0 - low) * np.minimum(np.arange(weeks) / span, 1.0), np.float64)
