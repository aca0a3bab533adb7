"""Drawing the participants referred in each week, as arrays.

Every week's draws come from their own generator, `SeedSequence(seed, spawn_key=(week,))`, so a
week's cohort is the same however the run is split between processes or machines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, Columns, FloatArray, IntArray
from pbrlab.population.employment import TARGETS
from pbrlab.population.referrals import WeeklyReferrals
from pbrlab.scenarios.model import Scenario, holds_a_place


@dataclass
class Cohort(Columns):
    """Participants referred in one or more weeks (struct of arrays, one row per person)."""

    group: IntArray  # index into scenario.groups
    area: IntArray  # index into scenario.areas
    provider: IntArray  # index into scenario.providers
    referral_week: IntArray  # index of the simulated week of referral
    referral_day: IntArray
    frailty: FloatArray  # individual employability multiplier, mean 1
    judgement: FloatArray  # standard normal: the provider's error about this person, unscaled
    leave_clock: FloatArray  # Exp(1) target for leaving the programme other than for work
    entry_clock: FloatArray  # [person, k] Exp(1) targets for the k-th job entry
    exit_clock: FloatArray  # [person, k] Exp(1) targets for the k-th job exit


@dataclass(frozen=True)
class Allocation:
    """Where referrals go: area shares, and each area's providers with their shares and the
    payment groups each takes."""

    area_share: FloatArray
    providers: list[IntArray]
    provider_share: list[FloatArray]
    frailty_shape: FloatArray  # by group
    serves: BoolArray  # [provider, group]

    @classmethod
    def of(cls, scenario: Scenario) -> Allocation:
        area_ids = [a.id for a in scenario.areas]
        providers, shares = [], []
        for area in area_ids:
            mine = [
                i for i, p in enumerate(scenario.providers) if p.area == area and holds_a_place(p)
            ]
            given = [scenario.providers[i].referral_share for i in mine]
            weights = np.array([1.0 if s is None else s.value for s in given])
            providers.append(np.array(mine, np.int64))
            shares.append(weights / weights.sum())  # random allocation, as in the real programme
        return cls(
            area_share=np.array([a.referral_share.value for a in scenario.areas]),
            providers=providers,
            provider_share=shares,
            frailty_shape=np.array([g.frailty_shape.value for g in scenario.groups]),
            serves=serves(scenario),
        )


def serves(scenario: Scenario) -> BoolArray:
    """[provider, group]: whether the provider takes the group's referrals (default: all)."""
    ids = [g.id for g in scenario.groups]
    table = np.ones((len(scenario.providers), len(ids)), np.bool_)
    for p, provider in enumerate(scenario.providers):
        if provider.groups is not None:
            table[p] = [g in provider.groups for g in ids]
    return table


def choose_providers(
    uniform: FloatArray, group: IntArray, providers: IntArray, share: FloatArray, serves: BoolArray
) -> IntArray:
    """Each person's provider among `providers` at random by `share`, among those taking the
    person's group, from one uniform draw each (as `Generator.choice` draws: with every provider
    taking every group the result is the same)."""
    chosen = np.empty(uniform.size, np.int64)
    for g in np.unique(group):
        mine = group == g
        weights = share * serves[providers, g]
        if not weights.any():
            raise ValueError(f"no provider takes payment group {g} here")
        cdf = weights.cumsum()
        cdf /= cdf[-1]
        chosen[mine] = providers[cdf.searchsorted(uniform[mine], side="right")]
    return chosen


def week_generator(seed: int, week: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(week,)))


def draw_week(referrals: WeeklyReferrals, allocation: Allocation, seed: int, week: int) -> Cohort:
    """The participants referred in simulated week `week` (0-based)."""
    rng = week_generator(seed, week)
    counts = rng.poisson(referrals.expected[week])
    group = np.repeat(np.arange(counts.size), counts)
    n = group.size
    area = rng.choice(allocation.area_share.size, size=n, p=allocation.area_share)
    provider = np.empty(n, np.int64)
    for a in np.unique(area):
        here = np.flatnonzero(area == a)
        provider[here] = choose_providers(
            rng.random(here.size),
            group[here],
            allocation.providers[a],
            allocation.provider_share[a],
            allocation.serves,
        )
    shape = allocation.frailty_shape[group]
    return Cohort(
        group=group,
        area=area.astype(np.int64),
        provider=provider,
        referral_week=np.full(n, week, np.int64),
        referral_day=referrals.week_start[week] + rng.integers(0, 7, size=n),
        frailty=rng.gamma(shape, 1.0 / shape) * referrals.employability[week],
        judgement=rng.standard_normal(n),
        leave_clock=rng.exponential(size=n),
        entry_clock=rng.exponential(size=(n, TARGETS)),
        exit_clock=rng.exponential(size=(n, TARGETS)),
    )


def draw_all(referrals: WeeklyReferrals, allocation: Allocation, seed: int) -> Cohort:
    """Everyone referred over the run, week by week in referral order."""
    weeks = range(referrals.week_start.size)
    return Cohort.concat([draw_week(referrals, allocation, seed, w) for w in weeks])
