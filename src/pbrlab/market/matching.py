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
    driver = _draw(rng, [rules.drivers.get(d, 0.0) for d in DRIVERS])
    shares = rules.patterns[DRIVERS[driver]]
    pattern = _draw(rng, [shares.get(p, 0.0) for p in PATTERNS])
    pool = np.flatnonzero(available)
    if not pool.size:
        return Match(-1, driver, pattern)
    name = PATTERNS[pattern]
    if name == "informal":
        pick = _best(rng, pool, candidates.known)
    elif name == "routine":
        pick = _best(rng, pool, candidates.used)
    elif name == "reactive":
        to_hand = rng.choice(pool, size=min(2, pool.size), replace=False)
        pick = _best(rng, to_hand, candidates.size)
    elif name == "opportunistic":
        size = candidates.size[pool]
        pick = pool[_draw(rng, size)] if size.sum() > 0 else rng.choice(pool)
    else:
        compared = rng.choice(pool, size=min(rules.calculated_breadth, pool.size), replace=False)
        pick = _best(rng, compared, candidates.value)
    return Match(int(pick), driver, pattern)


def _best(rng: np.random.Generator, among: IntArray, score: FloatArray) -> int:
    """The candidate with the highest score; ties broken at random."""
    top = among[score[among] == score[among].max()]
    return int(top[0] if top.size == 1 else rng.choice(top))


def _draw(rng: np.random.Generator, weights: FloatArray | list[float]) -> int:
    """An index with chance in proportion to its weight."""
    cumulative = np.cumsum(np.asarray(weights, np.float64))
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
