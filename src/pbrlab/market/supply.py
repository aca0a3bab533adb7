"""Supply chains at the bid: a pool of potential subcontractors, and the chain each bid names.

The pool is drawn from the market's rules (the record gives counts and shares, not names):
each area gets its share of the subcontractors by referrals, each subcontractor a sector, a tier
(1: end-to-end, 2: a specialist bought on the spot), a turnover, reserves, innovation and
effectiveness. Each bid names `tier_1_per_bid` and `tier_2_per_bid` of its area's pool, one at a
time through the matching rules (`pbrlab.market.matching`), so each name records the driver and
pattern that produced it. Bidders' informal ties and past business with each subcontractor are
drawn too: nothing but a calculated purchase looks at a subcontractor's value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, Columns, FloatArray, IntArray
from pbrlab.market.matching import Candidates, choose
from pbrlab.market.model import SECTORS, SubcontractorPool, SupplyChainRules

PROCUREMENT_STREAM = 2
"""Random draws of round r come from SeedSequence(seed, spawn_key=(2, r)): apart from cohorts."""


def pool_generator(seed: int, round_number: int) -> np.random.Generator:
    """The round's own stream for its pool of potential subcontractors and the chains named
    from it (so the pool is the same whoever bids)."""
    return np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(PROCUREMENT_STREAM, round_number, 1))
    )


@dataclass
class Pool(Columns):
    """Potential subcontractors, one row each (struct of arrays)."""

    area: IntArray  # index into the lots' areas
    sector: IntArray  # index into SECTORS
    tier: IntArray  # 1 end-to-end, 2 specialist
    turnover: FloatArray
    reserves: FloatArray
    innovation: FloatArray
    effectiveness: FloatArray


@dataclass
class Chains(Columns):
    """One row per subcontractor named in a bid."""

    bid: IntArray  # row in the round's bids
    member: IntArray  # row in the pool
    driver: IntArray  # index into DRIVERS
    pattern: IntArray  # index into PATTERNS


def pool_ids(pool: Pool, areas: tuple[str, ...]) -> list[str]:
    """Stable names for the pool's organisations: area and number."""
    return [f"{areas[a]}-sub{i:04d}" for i, a in enumerate(pool.area)]


def draw_pool(rules: SubcontractorPool, area_share: FloatArray, rng: np.random.Generator) -> Pool:
    """The pool, shared between areas by their referral shares (largest remainders)."""
    count = rules.count.value
    exact = count * area_share / area_share.sum()
    per_area = np.floor(exact).astype(np.int64)
    short = count - int(per_area.sum())
    per_area[np.argsort(-(exact - per_area), kind="stable")[:short]] += 1
    area = np.repeat(np.arange(area_share.size), per_area)
    n = area.size
    voluntary, public = rules.voluntary_share.value, rules.public_share.value
    u = rng.random(n)
    sector = np.where(u < voluntary, 1, np.where(u < voluntary + public, 2, 0))
    tier = np.where(rng.random(n) < rules.tier_2_share.value, 2, 1)
    turnover = rules.median_turnover_gbp.value * np.exp(
        rules.turnover_spread.value * rng.standard_normal(n)
    )
    mean_innovation = np.array(
        [getattr(rules, f"innovation_{s}").value for s in SECTORS], np.float64
    )[sector]
    innovation = np.clip(
        mean_innovation + rules.innovation_spread.value * rng.standard_normal(n), 0.0, 1.0
    )
    effectiveness = np.exp(rules.effectiveness_spread.value * rng.standard_normal(n))
    effectiveness *= np.where(tier == 2, rules.specialist_effect.value, 1.0)
    return Pool(
        area=area,
        sector=sector,
        tier=tier,
        turnover=turnover,
        reserves=turnover * rules.reserves_weeks.value / 52.0,
        innovation=innovation,
        effectiveness=effectiveness,
    )


def name_chains(
    rules: SupplyChainRules,
    pool: Pool,
    bidder: IntArray,
    area: IntArray,
    n_organisations: int,
    rng: np.random.Generator,
) -> Chains:
    """Each bid's named subcontractors, tier by tier, chosen through the matching rules."""
    known = rng.random((n_organisations, pool.size))
    used = rng.random((n_organisations, pool.size))
    value = pool.innovation * pool.effectiveness
    wanted = ((1, rules.tier_1_per_bid.value), (2, rules.tier_2_per_bid.value))
    # voluntary organisations bidding together as consortia are nobody's subcontractors
    available = ~((pool.sector == SECTORS.index("voluntary")) & rules.consortia)
    rows: list[tuple[int, int, int, int]] = []
    for b in range(bidder.size):
        candidates = Candidates(value, pool.turnover, known[bidder[b]], used[bidder[b]])
        named = np.zeros(pool.size, np.bool_)
        for tier, count in wanted:
            here = (pool.area == area[b]) & (pool.tier == tier) & available
            for _ in range(count):
                match = choose(rules.matching, candidates, here & ~named, rng)
                if match.supplier < 0:
                    break
                named[match.supplier] = True
                rows.append((b, match.supplier, match.driver, match.pattern))
    columns = np.array(rows, np.int64).reshape(-1, 4).T
    return Chains(*columns)


def chain_innovation(chains: Chains, pool: Pool, n_bids: int) -> FloatArray:
    """Mean innovation of each bid's named chain (0 for a bid naming none)."""
    total = np.bincount(chains.bid, pool.innovation[chains.member], minlength=n_bids)
    named = np.bincount(chains.bid, minlength=n_bids)
    return np.asarray(np.where(named > 0, total / np.maximum(named, 1), 0.0), np.float64)


def first_claims(chains: Chains, winners_in_order: IntArray) -> BoolArray:
    """Which named subcontractors sign: each goes to the best-scoring winner that named it
    (a subcontractor named by losing bids, or by a better winner too, does not sign with them)."""
    signed = np.zeros(chains.size, np.bool_)
    taken: set[int] = set()
    for bid in winners_in_order:
        for row in np.flatnonzero(chains.bid == bid):
            member = int(chains.member[row])
            if member not in taken:
                taken.add(member)
                signed[row] = True
    return signed
