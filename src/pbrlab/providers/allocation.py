"""How a provider shares its adviser hours across its caseload each week: one transparent rule.

For each participant it may serve (attached, still on the programme, out of work) a provider
estimates the money that one more hour of service would bring:

    value = stake × p̂ × service_effect × effectiveness / full_service_hours

where `stake` is what the contract would still pay for this person (outcome fee plus the
sustainment payments left, within any cap) and `p̂` is the provider's own noisy estimate of the
chance that this week's job entry would go on to trigger the payment:
logit(p̂) = logit(p) + judgement_noise × z, with z a standard normal fixed per person (held as
the odds factor exp(judgement_noise × z), so p̂ = p·f / (1 − p + p·f) needs no logarithm).

The professional norm α tempers profit with equal treatment: the provider ranks people by
`score = (1 − α) × value + α × (its caseload's mean value)` and funds extra hours for those whose
score covers `(1 − α) × cost_per_hour`. Everyone gets the minimum contact; the hours left are
shared among the funded in proportion to score, at most `full_service_hours` each. At α = 1 all
are treated alike; at α = 0 only those expected to pay for their adviser's time get more than the
minimum. Nothing is scripted per group: creaming and parking come out of the stakes and chances.

Where no money rides on whom a provider serves (its contract, a grant or an in-house budget,
pays nothing for outcomes) the profit rule says nothing, and a provider with any mission
(α > 0) shares its hours among its whole caseload alike, as the norm's equal treatment does at
α = 1; one with none (α = 0) gives the minimum contact and keeps the rest of the money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.payments.rules import NO_DAY


@dataclass(frozen=True)
class Stakes:
    """What contracts pay, by rule row (contract × scenario group) and contract year."""

    outcome_fee: FloatArray  # [row, year]
    sustainment_fee: FloatArray  # [row, year]
    sustainment_max: IntArray  # [row]
    retention: FloatArray  # [row] chance a new job lasts long enough to trigger the outcome
    cap: FloatArray  # [row] per-participant cap (inf for none)


@dataclass(frozen=True)
class Policy:
    """The behaviour parameters of the rule, and each provider's hours and cost this week."""

    judgement_noise: float
    professional_norm: FloatArray  # [provider] weight on need rather than expected payment
    service_effect: float
    full_service_hours: float
    minimum_contact_hours: float
    capacity: FloatArray  # [provider] adviser hours a week (already scaled)
    cost_per_hour: FloatArray  # [provider]
    effectiveness: FloatArray  # [provider] multiplier on the service effect
    paid_on_results: BoolArray  # [provider] its contract pays anything for outcomes


@dataclass(frozen=True)
class Caseloads:
    """Who the providers may serve this week, and what they know of them.

    `active` lists the participants this week in loop order; arrays marked [active] follow it,
    arrays marked [participant] are indexed by participant. A provider may serve those attached,
    still on the programme and (on the treated path) out of work. A person's true weekly chance
    of a job entry without the programme is
    `1 - exp(-entry_rate[group] × frailty × demand[area] × duration[programme week])`; the
    provider sees it only through its judgement error.
    """

    active: IntArray
    attached: BoolArray  # [active]
    left: BoolArray  # [participant] left the programme early
    in_work: BoolArray  # [participant] treated path in work
    provider: IntArray  # [participant]
    row: IntArray  # [participant] rule row
    year: IntArray  # [participant] contract year of attachment
    odds_factor: FloatArray  # [participant] exp(judgement_noise × z)
    group: IntArray  # [participant]
    area: IntArray  # [participant]
    frailty: FloatArray  # [participant]
    entry_rate: FloatArray  # [group]
    demand: FloatArray  # [area], this week
    programme_week: IntArray  # [active]
    duration: FloatArray  # [programme week]
    outcome_day: IntArray  # [participant] NO_DAY until the outcome is triggered
    sustain_count: IntArray  # [participant]
    paid: FloatArray  # [participant]


@dataclass(frozen=True)
class ServiceRecord:
    """Running totals the allocation adds to: by participant, and by group × provider."""

    hours: FloatArray  # [participant] hours received so far
    weeks: IntArray  # [participant] weeks in which they could be served
    by_cell: FloatArray  # [group, provider] hours this week

    @classmethod
    def empty(cls, participants: int, groups: int, providers: int) -> ServiceRecord:
        return cls(
            np.zeros(participants), np.zeros(participants, np.int64), np.zeros((groups, providers))
        )


def judged(chance: FloatArray, odds_factor: FloatArray) -> FloatArray:
    """A provider's estimate p̂ of true chances p: logit(p̂) = logit(p) + log(odds factor).
    (The compiled loop below computes the same, inline.)"""
    return np.asarray(chance * odds_factor / (1.0 - chance + chance * odds_factor), np.float64)


def allocate(
    caseloads: Caseloads, stakes: Stakes, policy: Policy, record: ServiceRecord
) -> FloatArray:
    """Adviser hours given this week to each active participant (0 for those not served)."""
    c = caseloads
    hours = np.zeros(c.active.size)
    _allocate(
        c.active,
        c.attached,
        c.left,
        c.in_work,
        c.provider,
        c.row,
        c.year,
        c.odds_factor,
        c.group,
        c.area,
        c.frailty,
        c.entry_rate,
        c.demand,
        c.programme_week,
        c.duration,
        c.outcome_day,
        c.sustain_count,
        c.paid,
        stakes.outcome_fee,
        stakes.sustainment_fee,
        stakes.sustainment_max,
        stakes.retention,
        stakes.cap,
        policy.professional_norm,
        policy.service_effect / policy.full_service_hours,
        policy.full_service_hours,
        policy.minimum_contact_hours,
        policy.capacity,
        policy.cost_per_hour,
        policy.effectiveness,
        policy.paid_on_results,
        hours,
        record.hours,
        record.weeks,
        record.by_cell,
    )
    return hours


@njit(cache=True, nogil=True)
def _allocate(  # type: ignore[no-untyped-def]
    active,
    attached,
    has_left,
    in_work,
    provider,
    row,
    year,
    odds_factor,
    group,
    area,
    frailty,
    entry_rate,
    demand,
    programme_week,
    duration,
    outcome_day,
    sustain_count,
    paid,
    outcome_fee,
    sustainment_fee,
    sustainment_max,
    retention,
    cap,
    norm,
    effect_per_hour,
    full,
    minimum,
    capacity,
    cost,
    effectiveness,
    paid_on_results,
    hours,
    received,
    served_weeks,
    by_cell,
):
    n_providers = capacity.size
    count = np.zeros(n_providers)
    total_value = np.zeros(n_providers)
    value = np.full(active.size, -2.0)  # -2: not eligible; -1: eligible, not funded
    for j in range(active.size):
        i = active[j]
        if not attached[j] or has_left[i] or in_work[i]:
            continue
        r, y = row[i], year[i]
        stake = sustainment_fee[r, y] * (sustainment_max[r] - sustain_count[i])
        if outcome_day[i] == NO_DAY:
            stake += outcome_fee[r, y]
        stake = max(min(stake, cap[r] - paid[i]), 0.0)
        rate = entry_rate[group[i]] * frailty[i] * demand[area[i]] * duration[programme_week[j]]
        p = retention[r] * (1.0 - np.exp(-rate))
        estimate = p * odds_factor[i] / (1.0 - p + p * odds_factor[i])
        value[j] = stake * estimate * effect_per_hour * effectiveness[provider[i]]
        count[provider[i]] += 1.0
        total_value[provider[i]] += value[j]

    funded = np.zeros(n_providers)
    for j in range(active.size):
        if value[j] < -1.5:
            continue
        p = provider[active[j]]
        if not paid_on_results[p] and norm[p] > 0.0:  # no money rides on whom it serves
            value[j] = 1.0
            funded[p] += 1.0
            continue
        score = (1.0 - norm[p]) * value[j] + norm[p] * total_value[p] / count[p]
        if score >= (1.0 - norm[p]) * cost[p] and score > 0.0:
            value[j] = score
            funded[p] += score
        else:
            value[j] = -1.0

    base = np.full(n_providers, minimum)
    spare = np.zeros(n_providers)
    for p in range(n_providers):
        if count[p] > 0:
            spare[p] = capacity[p] - minimum * count[p]
            if spare[p] < 0.0:  # not even the minimum for all: share what there is
                base[p] = capacity[p] / count[p]
                spare[p] = 0.0
    for j in range(active.size):
        if value[j] < -1.5:
            continue
        i = active[j]
        p = provider[i]
        hours[j] = base[p]
        if value[j] > 0.0 and full > base[p]:
            hours[j] += min(full - base[p], spare[p] * value[j] / funded[p])
        received[i] += hours[j]
        served_weeks[i] += 1
        by_cell[group[i], p] += hours[j]
