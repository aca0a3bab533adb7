"""A procurement round: prequalification, bids, scoring and awards, with the winner's curse.

Each organisation that clears the turnover threshold bids for every lot (contract package area).
Its bid promises the job-outcome rate it *believes* it would achieve there,

    belief = true rate × exp(optimism + belief_noise × ε),   ε ~ N(0, 1) per bid,

where the true rate is the market's expected rate × the organisation's effectiveness × the
area's labour-market factor; and it offers a price discount drawn around the market's mean, plus
`underbidding × log(belief / the area's expected rate)`: a bidder that expects more outcomes than
the market accepts a lower price for each (so optimism shows in prices as well as promises).
Bids are scored within each lot on four criteria scaled to [0, 1] (discount over the maximum
discount; promise over the best promise in the lot; financial standing: log turnover from the
prequalification threshold, 0, to the turnover that earns full marks, 1; innovation capability),
weighted by the market's weights. The best-scoring bids
win the lot's places. Because promises are noisy and scored, winners are the bidders who
over-promised most: their promised-to-true ratio exceeds the bidders' average (the winner's curse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from pbrlab.arrays import BoolArray, Columns, FloatArray, IntArray
from pbrlab.market.model import DRIVERS, PATTERNS, SECTORS, Market
from pbrlab.market.supply import (
    PROCUREMENT_STREAM,
    Chains,
    Pool,
    chain_innovation,
    draw_pool,
    name_chains,
    pool_generator,
    pool_ids,
)
from pbrlab.scenarios.model import Scenario, holds_a_place
from pbrlab.tables import coded


@dataclass(frozen=True)
class Lots:
    """What is tendered: the areas, the contracts to award in each, how good each area is."""

    areas: tuple[str, ...]
    places: IntArray
    area_factor: FloatArray  # true outcome rates relative to an average area
    share: FloatArray  # the areas' shares of referrals

    def only(self, area: str) -> Lots:
        """One place in one area: the lot of a re-tender."""
        a = self.areas.index(area)
        return Lots((area,), np.ones(1, np.int64), self.area_factor[[a]], np.ones(1))

    @classmethod
    def of(cls, scenario: Scenario) -> Lots:
        """The scenario's areas, as many places as it has providers there, and each area's
        labour demand in the first year relative to the referral-weighted average."""
        market = scenario.labour_market
        share = np.array([a.referral_share.value for a in scenario.areas])
        first = np.array([a.unemployment.value[0] for a in scenario.areas])
        demand = (market.reference_unemployment.value / first) ** market.demand_elasticity.value
        places = [
            sum(p.area == a.id and holds_a_place(p) for p in scenario.providers)
            for a in scenario.areas
        ]
        return cls(
            areas=tuple(a.id for a in scenario.areas),
            places=np.array(places, np.int64),
            area_factor=demand / float(np.sum(share * demand)),
            share=share,
        )


@dataclass
class Bids(Columns):
    """One row per bid (struct of arrays)."""

    bidder: IntArray  # index into market.organisations
    area: IntArray  # index into lots.areas
    true_rate: FloatArray
    promised_rate: FloatArray
    discount: FloatArray
    score: FloatArray
    won: BoolArray


@dataclass(frozen=True)
class Round:
    market: Market
    lots: Lots
    prequalified: BoolArray  # [organisation]
    bids: Bids
    pool: Pool | None = None  # potential subcontractors, when bids name supply chains
    chains: Chains | None = None  # who each bid named, and how it found them

    @property
    def awards(self) -> Bids:
        return self.bids.where(self.bids.won)

    def table(self) -> pa.Table:
        """The bids: who bid where, what it promised and offered, its score, and the result."""
        b = self.bids
        orgs = self.market.organisations
        return pa.table(
            {
                "organisation_id": coded(b.bidder, [o.id for o in orgs]),
                "sector": coded(b.bidder, [o.sector for o in orgs]),
                "area_id": coded(b.area, self.lots.areas),
                "true_rate": pa.array(b.true_rate),
                "promised_rate": pa.array(b.promised_rate),
                "discount": pa.array(b.discount),
                "score": pa.array(b.score),
                "won": pa.array(b.won),
            }
        )

    def chain_table(self, signed: BoolArray) -> pa.Table:
        """Who each bid named in its supply chain, how it found them (driver and pattern), and
        whether they signed a subcontract (with the best-scoring winner that named them)."""
        assert self.pool is not None and self.chains is not None
        chains, pool, orgs = self.chains, self.pool, self.market.organisations
        member_ids = pool_ids(pool, self.lots.areas)
        return pa.table(
            {
                "organisation_id": coded(self.bids.bidder[chains.bid], [o.id for o in orgs]),
                "area_id": coded(pool.area[chains.member], self.lots.areas),
                "subcontractor_id": pa.array([member_ids[m] for m in chains.member]),
                "sector": coded(pool.sector[chains.member], list(SECTORS)),
                "tier": pa.array(pool.tier[chains.member]),
                "driver": coded(chains.driver, list(DRIVERS)),
                "pattern": coded(chains.pattern, list(PATTERNS)),
                "bid_won": pa.array(self.bids.won[chains.bid]),
                "signed": pa.array(signed),
            }
        )

    def summary(self) -> dict[str, Any]:
        """What users look at first: who won, and how far promises outran true performance."""
        orgs = self.market.organisations
        won = self.awards
        turnover = np.array([o.turnover_gbp.value for o in orgs])
        small = turnover < np.median(turnover[self.prequalified])
        winners = np.unique(won.bidder)
        sectors = np.array([o.sector for o in orgs])
        return {
            "bidders": int(self.prequalified.sum()),
            "excluded_by_turnover": int((~self.prequalified).sum()),
            "contracts": int(won.size),
            "primes": int(winners.size),
            "contracts_by_sector": {
                s: int((sectors[won.bidder] == s).sum()) for s in ("private", "voluntary", "public")
            },
            "contracts_to_smaller_bidders": int(small[won.bidder].sum()),
            "mean_innovation_of_contracts": mean_or_none(
                [orgs[i].innovation.value for i in won.bidder]
            ),
            "promised_to_true_all_bids": mean_or_none(
                self.bids.promised_rate / self.bids.true_rate
            ),
            "promised_to_true_winners": mean_or_none(won.promised_rate / won.true_rate),
            "mean_promised_rate_winners": mean_or_none(won.promised_rate),
            "mean_true_rate_winners": mean_or_none(won.true_rate),
            "mean_discount_winners": mean_or_none(won.discount),
            **({} if self.chains is None else {"named_by_pattern": self._patterns()}),
        }

    def _patterns(self) -> dict[str, int]:
        """How the named subcontractors were found, pattern by pattern."""
        assert self.chains is not None
        counts = np.bincount(self.chains.pattern, minlength=len(PATTERNS))
        return {p: int(c) for p, c in zip(PATTERNS, counts, strict=True)}


def procure(
    market: Market,
    lots: Lots,
    seed: int,
    round_number: int = 0,
    excluded: BoolArray | None = None,
) -> Round:
    """Run one tender for every lot; the same inputs and seed give the same result. `excluded`
    organisations (for a re-tender: those already holding a place there) do not bid."""
    rules = market.procurement
    orgs = market.organisations
    turnover = np.array([o.turnover_gbp.value for o in orgs])
    prequalified = turnover >= rules.minimum_turnover_gbp.value
    if excluded is not None:
        prequalified &= ~excluded
    bidders = np.flatnonzero(prequalified)
    bidder = np.repeat(bidders, len(lots.areas))
    area = np.tile(np.arange(len(lots.areas)), bidders.size)
    home = [set(lots.areas if o.areas is None else o.areas) for o in orgs]
    allowed = np.array(
        [lots.areas[a] in home[b] for b, a in zip(bidder, area, strict=True)], np.bool_
    )
    bidder, area = bidder[allowed], area[allowed]
    rng = np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(PROCUREMENT_STREAM, round_number))
    )
    effectiveness = np.array([o.effectiveness.value for o in orgs])
    true_rate = np.minimum(
        rules.expected_outcome_rate.value * effectiveness[bidder] * lots.area_factor[area], 1.0
    )
    belief = true_rate * np.exp(
        rules.optimism.value + rules.belief_noise.value * rng.standard_normal(bidder.size)
    )
    promised = np.minimum(belief, 1.0)
    cap = rules.maximum_discount.value
    expected_here = rules.expected_outcome_rate.value * lots.area_factor[area]
    confidence = np.log(belief / expected_here)
    discount = np.clip(
        rng.normal(rules.discount_mean.value, rules.discount_sd.value, bidder.size)
        + rules.underbidding.value * confidence,
        0.0,
        cap,
    )
    pool, chains, quality = _supply_chains(market, lots, bidder, area, seed, round_number)
    score = _scores(market, lots, bidder, area, promised, discount, quality)
    won = _winners(lots, area, score)
    bids = Bids(bidder, area, true_rate, promised, discount, score, won)
    return Round(market, lots, prequalified, bids, pool, chains)


def _supply_chains(
    market: Market, lots: Lots, bidder: IntArray, area: IntArray, seed: int, round_number: int
) -> tuple[Pool | None, Chains | None, FloatArray]:
    """The pool and each bid's named chain (their own stream), and each bid's quality: its own
    innovation, blended with its chain's by the chain weight."""
    own = np.array([o.innovation.value for o in market.organisations])[bidder]
    rules = market.supply_chains
    if rules is None:
        return None, None, own
    rng = pool_generator(seed, round_number)
    pool = draw_pool(rules.pool, lots.share, rng)
    chains = name_chains(rules, pool, bidder, area, len(market.organisations), rng)
    weight = rules.chain_weight.value
    quality = (1.0 - weight) * own + weight * chain_innovation(chains, pool, bidder.size)
    return pool, chains, quality


def _scores(
    market: Market,
    lots: Lots,
    bidder: IntArray,
    area: IntArray,
    promised: FloatArray,
    discount: FloatArray,
    quality: FloatArray,
) -> FloatArray:
    w = market.procurement.weights
    orgs = market.organisations
    best = np.zeros(len(lots.areas))
    np.maximum.at(best, area, promised)
    rules = market.procurement
    turnover = np.array([o.turnover_gbp.value for o in orgs])[bidder]
    low = np.log(rules.minimum_turnover_gbp.value)
    full = np.log(rules.full_standing_turnover_gbp.value)
    standing = np.clip((np.log(turnover) - low) / (full - low), 0.0, 1.0)
    cap = market.procurement.maximum_discount.value
    price = discount / cap if cap > 0 else np.zeros(bidder.size)
    return np.asarray(
        w.price.value * price
        + w.performance.value * promised / np.where(best[area] > 0, best[area], 1.0)
        + w.financial_standing.value * standing
        + w.quality.value * quality,
        np.float64,
    )


def _winners(lots: Lots, area: IntArray, score: FloatArray) -> BoolArray:
    """The best `places[a]` bids in each area (ties go to the earlier bid)."""
    order = np.lexsort((np.arange(area.size), -score, area))
    first = np.searchsorted(area[order], np.arange(len(lots.areas)))
    rank = np.arange(area.size) - first[area[order]]
    won = np.zeros(area.size, np.bool_)
    won[order] = rank < lots.places[area[order]]
    return won


def mean_or_none(values: Any) -> float | None:
    """The mean rounded for a summary, or None for no values."""
    values = np.asarray(values, np.float64)
    return round(float(values.mean()), 6) if values.size else None
