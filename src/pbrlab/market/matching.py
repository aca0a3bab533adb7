"""How a buyer finds a supplier: three drivers and five patterns (behaviour-evidence 7.1).

A search starts from a driver (an internal need, a push by a third party, a pull by a provider)
and the driver leads to one of Viljamaa's five patterns, each a selection rule over the
candidates:

- informal: the candidate the buyer knows best (its strongest informal tie); looks at one;
- routine: the candidate it has done most business with before; looks at one;
- reactive: the first two to hand (at random); takes the larger, able to start at once;
- opportunistic: whoever approaches it, more likely the larger (they market themselves more);
- calculated: compares `calculated_breadth` candidates at random on value and takes the best.

Only a calculated purchase looks at value at all, so the mix of patterns decides how much a
supply chain is chosen on merit. The same rules serve primes choosing subcontractors and
commissioners choosing providers; every match records its driver and pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.market.model import DRIVERS, PATTERNS, Matching


@dataclass(frozen=True)
class Candidates:
    """What buyers can know about the candidates (arrays over candidates)."""

    value: FloatArray  # what a calculated comparison ranks by
    size: FloatArray  # turnover: who is to hand, who approaches
    known: FloatArray  # the buyer's informal tie with each
    used: FloatArray  # the buyer's past business with each


@dataclass(frozen=True)
class Match:
    supplier: int  # index into the candidates, -1 when none was available
    driver: int  # index into DRIVERS
    pattern: int  # index into PATTERNS


def choose(
    rules: Matching, candidates: Candidates, available: BoolArray, rng: np.random.Generator
) -> Match:
    """One supplier among the available candidates, and how it was found."""
    supplier, driver, pattern = choose_many(rules, candidates, available, rng, 1)
    return Match(int(supplier[0]), int(driver[0]), int(pattern[0]))


def choose_many(
    rules: Matching,
    candidates: Candidates,
    available: BoolArray,
    rng: np.random.Generator,
    searches: int,
) -> tuple[IntArray, IntArray, IntArray]:
    """Independent searches among the available candidates: each one's supplier (-1 when none is
    available), driver and pattern."""
    driver = _draw(rng, [rules.drivers.get(d, 0.0) for d in DRIVERS], searches)
    pattern = np.zeros(searches, np.int64)
    for d, driver_name in enumerate(DRIVERS):
        rows = driver == d
        shares = rules.patterns.get(driver_name, {})
        pattern[rows] = _draw(rng, [shares.get(p, 0.0) for p in PATTERNS], int(rows.sum()))
    supplier = np.full(searches, -1, np.int64)
    pool = np.flatnonzero(available)
    if not pool.size:
        return supplier, driver, pattern
    for k, name in enumerate(PATTERNS):
        rows = np.flatnonzero(pattern == k)
        if not rows.size:
            continue
        if name == "opportunistic":
            size = candidates.size[pool]
            weights = size if size.sum() > 0 else np.ones(pool.size)
            supplier[rows] = pool[_draw(rng, weights, rows.size)]
            continue
        looked_at, score = {
            "informal": (1_000_000, candidates.known),
            "routine": (1_000_000, candidates.used),
            "reactive": (2, candidates.size),
            "calculated": (rules.calculated_breadth, candidates.value),
        }[name]
        supplier[rows] = _best(rng, _looked_at(rng, pool, looked_at, rows.size), score)
    return supplier, driver, pattern


def _looked_at(rng: np.random.Generator, pool: IntArray, breadth: int, searches: int) -> IntArray:
    """For each search, `breadth` candidates of the pool at random (all of them if fewer)."""
    order = rng.random((searches, pool.size)).argsort(axis=1)[:, : min(breadth, pool.size)]
    return np.asarray(pool[order], np.int64)


def _best(rng: np.random.Generator, looked_at: IntArray, score: FloatArray) -> IntArray:
    """For each search (row), the candidate it looked at with the highest score; ties at random."""
    scores = score[looked_at]
    top = scores == scores.max(axis=1, keepdims=True)
    key = np.where(top, rng.random(scores.shape), -1.0)
    return np.asarray(looked_at[np.arange(looked_at.shape[0]), key.argmax(axis=1)], np.int64)


def _draw(rng: np.random.Generator, weights: FloatArray | list[float], size: int) -> IntArray:
    """Indices with chance in proportion to their weights."""
    cumulative = np.cumsum(np.asarray(weights, np.float64))
    u = rng.random(size) * cumulative[-1]
    return np.asarray(np.searchsorted(cumulative, u, side="right"), np.int64)
