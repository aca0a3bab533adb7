"""Performance management at a contract year's end: market-share shifts and terminations.

Performance of a provider in a payment group over a contract year is its job outcomes triggered
in the year over its referrals in the year (the minimum performance level's definition: share of
those referred who achieve a job outcome in a 12-month period). Then, per area:

- **market-share shift** (from the scenario's first shift year, where the contract has the rule):
  in every payment group with a minimum performance level, the worst performer in the area loses
  the contract's share of its future referrals in that group to the best performer, if the best
  meets every minimum level that year (the Merlin Standard and performance-assessment conditions
  are not modelled);
- **termination** (if the scenario sets it): a provider below every minimum level for that many
  year-ends in a row loses its contract, if another provider still trades in its area.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.contracts.model import Contract


@dataclass(frozen=True)
class YearResults:
    """One contract year of the providers holding a contract: [provider, group] counts."""

    year: int  # 1-based contract year that has just ended
    referrals: IntArray
    outcomes: IntArray
    minimum: FloatArray  # [group] minimum performance level, NaN where none


@dataclass(frozen=True)
class Rules:
    shift_share: float  # 0: no shift
    shift_from_year: int
    terminate_after_years: int  # 0: never


@dataclass(frozen=True)
class Decisions:
    shifts: list[tuple[int, int, int]]  # (group, from provider, to provider)
    terminated: list[int]


def review(
    results: YearResults,
    rules: Rules,
    area: IntArray,
    trading: BoolArray,
    streak: IntArray,
    holders: BoolArray | None = None,
    serves: BoolArray | None = None,
) -> Decisions:
    """The commissioner's decisions for one contract at one year-end; updates `streak` (years in
    a row below every minimum level) for the providers under review: the contract's `holders`
    (default: all) still trading, with referrals. A provider is terminated only if, for every
    payment group it takes (`serves[provider, group]`; default: all), a trading provider in its
    area, whatever its contract, takes that group too."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = results.outcomes / results.referrals
    judged = ~np.isnan(results.minimum)
    holding = np.ones(trading.size, np.bool_) if holders is None else holders
    reviewed: BoolArray = holding & trading & (results.referrals[:, judged].sum(axis=1) > 0)
    seen = np.asarray(results.referrals > 0, np.bool_)
    meets = np.asarray(np.where(seen, rate >= results.minimum, True)[:, judged].all(axis=1))
    below = np.asarray(np.where(seen, rate < results.minimum, False)[:, judged].all(axis=1))
    below &= seen[:, judged].any(axis=1)
    streak[reviewed] = np.where(below[reviewed], streak[reviewed] + 1, 0)

    shifts = []
    if rules.shift_share > 0 and results.year >= rules.shift_from_year:
        for a in np.unique(area[reviewed]):
            here = np.flatnonzero(reviewed & (area == a))
            for g in np.flatnonzero(judged):
                rated = here[seen[here, g]]
                if rated.size < 2:
                    continue
                worst = rated[np.argmin(rate[rated, g])]
                best = rated[np.argmax(rate[rated, g])]
                if rate[best, g] > rate[worst, g] and meets[best]:
                    shifts.append((int(g), int(worst), int(best)))

    terminated = []
    if rules.terminate_after_years > 0:
        still = np.array(trading, np.bool_)
        takes = np.ones((trading.size, 1), np.bool_) if serves is None else serves
        for p in np.flatnonzero(reviewed & (streak >= rules.terminate_after_years)):
            still[p] = False
            left = takes[still & (area == area[p])].any(axis=0)
            if left[takes[p]].all() and (still & (area == area[p])).any():
                terminated.append(int(p))  # someone is left to serve each of its groups
            else:
                still[p] = True
    return Decisions(shifts, terminated)


def minimum_levels(contract: Contract, groups: list[str], year: int) -> FloatArray:
    """The contract's minimum performance level in a 1-based contract year, by group (NaN: none)."""
    levels = np.full(len(groups), np.nan)
    for rule in contract.performance.minimum_levels:
        for level in rule.levels:
            if level.year == year and rule.group in groups:
                levels[groups.index(rule.group)] = level.value.value
    return levels
