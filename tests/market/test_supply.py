"""Supply chains at the bid: the subcontractor pool, the chains bids name through the matching
rules, who signs with whom, and the subcontractors the awards bring into a scenario."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.market.awards import tender
from pbrlab.market.load import load_market
from pbrlab.market.matching import Candidates, choose
from pbrlab.market.model import DRIVERS, PATTERNS, SECTORS, Market, Matching
from pbrlab.market.procurement import Lots, procure
from pbrlab.market.supply import draw_pool, first_claims
from pbrlab.scenarios.load import load_scenario
from variants import SPOT, reference


@pytest.fixture(scope="module")
def market() -> Market:
    return load_market("gb-2011")


@pytest.fixture(scope="module")
def lots() -> Lots:
    return Lots.of(load_scenario("work-programme-2011-core"))


def test_the_pool_has_the_records_size_and_sector_mix(market: Market, lots: Lots) -> None:
    rules = market.supply_chains
    assert rules is not None
    pool = draw_pool(rules.pool, lots.share, np.random.default_rng(1))
    assert pool.size == 1099
    voluntary = float(np.mean(pool.sector == SECTORS.index("voluntary")))
    assert voluntary == pytest.approx(0.46, abs=0.04)  # 508 of 1,099 in the record
    assert float(np.mean(pool.tier == 2)) == pytest.approx(0.5, abs=0.05)
    # Shared between areas by referrals, to within one organisation.
    per_area = np.bincount(pool.area, minlength=len(lots.areas))
    assert np.abs(per_area - 1099 * lots.share).max() < 1
    assert (pool.reserves == pool.turnover * 13 / 52).all()
    specialist = pool.tier == 2
    assert (
        np.median(pool.effectiveness[specialist]) > 1.3 > np.median(pool.effectiveness[~specialist])
    )


def test_each_bid_names_its_chain_from_its_own_area(market: Market, lots: Lots) -> None:
    result = procure(market, lots, seed=3)
    chains, pool, bids = result.chains, result.pool, result.bids
    assert chains is not None and pool is not None
    assert (pool.area[chains.member] == bids.area[chains.bid]).all()
    for bid in range(bids.size):
        mine = chains.member[chains.bid == bid]
        assert np.unique(mine).size == mine.size  # no one named twice
        assert (pool.tier[mine] == 1).sum() == 2 and (pool.tier[mine] == 2).sum() == 4
    again = procure(market, lots, seed=3)
    assert again.chains is not None and (again.chains.member == chains.member).all()
    summary = result.summary()["named_by_pattern"]
    assert set(summary) == set(PATTERNS) and sum(summary.values()) == chains.size


def test_a_subcontractor_signs_with_the_best_winner_that_named_it(
    market: Market, lots: Lots
) -> None:
    result = procure(market, lots, seed=4)
    chains, bids = result.chains, result.bids
    assert chains is not None
    winners = np.flatnonzero(bids.won)
    order = winners[np.lexsort((-bids.score[winners], bids.area[winners]))]
    signed = first_claims(chains, order)
    members = chains.member[signed]
    assert np.unique(members).size == members.size
    assert not signed[~bids.won[chains.bid]].any()  # losing bids sign no one
    rank = {int(b): r for r, b in enumerate(order)}
    for row in np.flatnonzero(~signed & bids.won[chains.bid]):
        better = chains.bid[signed & (chains.member == chains.member[row])]
        assert better.size == 1 and rank[int(better[0])] < rank[int(chains.bid[row])]


def matching(**patterns: dict[str, float]) -> Matching:
    data: dict[str, Any] = {
        "drivers": {"internal_need": 1.0},
        "patterns": {"internal_need": patterns.get("need", {"calculated": 1.0})},
        "calculated_breadth": 5,
        "assumption": "test value",
    }
    return config.validate(Matching, data, "test matching")


CANDIDATES = Candidates(
    value=np.array([0.1, 0.9, 0.5, 0.2, 0.3]),
    size=np.array([1.0, 1.0, 0.0, 50.0, 1.0]),
    known=np.array([0.2, 0.1, 0.8, 0.3, 0.4]),
    used=np.array([0.9, 0.1, 0.2, 0.3, 0.4]),
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("informal", 2), ("routine", 0), ("calculated", 1)],
)
def test_patterns_with_one_answer_choose_it(pattern: str, expected: int) -> None:
    rules = matching(need={pattern: 1.0})
    everyone = np.ones(5, np.bool_)
    match = choose(rules, CANDIDATES, everyone, np.random.default_rng(0))
    assert (match.supplier, PATTERNS[match.pattern], DRIVERS[match.driver]) == (
        expected,
        pattern,
        "internal_need",
    )
    # Only the available are chosen.
    without = everyone.copy()
    without[expected] = False
    assert choose(rules, CANDIDATES, without, np.random.default_rng(0)).supplier != expected
    assert choose(rules, CANDIDATES, np.zeros(5, np.bool_), np.random.default_rng(0)).supplier < 0


def test_opportunists_take_whoever_approaches_mostly_the_large() -> None:
    rules = matching(need={"opportunistic": 1.0})
    rng = np.random.default_rng(1)
    picks = [choose(rules, CANDIDATES, np.ones(5, np.bool_), rng).supplier for _ in range(400)]
    assert 2 not in picks  # size 0 never approaches
    assert np.mean(np.array(picks) == 3) > 0.85  # 50 of 53


def test_drivers_and_patterns_follow_their_shares(market: Market) -> None:
    rules = market.supply_chains
    assert rules is not None
    rng = np.random.default_rng(2)
    n = 3000
    matches = [choose(rules.matching, CANDIDATES, np.ones(5, np.bool_), rng) for _ in range(n)]
    drivers = np.bincount([m.driver for m in matches], minlength=3) / n
    expected = [rules.matching.drivers[d] for d in DRIVERS]
    np.testing.assert_allclose(drivers, expected, atol=0.03)
    pull = [m for m in matches if DRIVERS[m.driver] == "provider_pull"]
    opportunistic = np.mean([PATTERNS[m.pattern] == "opportunistic" for m in pull])
    assert opportunistic == pytest.approx(0.8, abs=0.04)


def test_matching_shares_must_add_up() -> None:
    with pytest.raises(InputError, match=r"patterns\.internal_need.*adding up to 1"):
        matching(need={"calculated": 0.5, "routine": 0.2})


def test_awards_bring_each_winners_signed_chain_into_the_scenario() -> None:
    plan = {"market": "gb-2011", "contract": "work-programme-2011"}
    scenario = reference(0.001, market=plan, supply_chains=SPOT)
    bought = tender(scenario)
    assert bought is not None and bought.signed is not None
    providers = bought.scenario.providers
    primes = {p.id: p for p in providers if p.prime is None}
    subs = [p for p in providers if p.prime is not None]
    assert len(primes) == 40 and len(subs) == int(bought.signed.sum())
    places = {p.area: p for p in scenario.providers}
    for sub in subs:
        prime = primes[sub.prime or ""]
        assert sub.area == prime.area and sub.contract == prime.contract
        assert sub.bid_discount == prime.bid_discount
        assert sub.planned_share is not None
        assert sub.planned_share.value == pytest.approx(0.3 / 2 if sub.tier == 1 else 0.1 / 4)
        norm = None if sub.professional_norm is None else sub.professional_norm.value
        assert norm == (0.5 if sub.sector == "voluntary" else None)  # the pool's mission rule
    market = load_market("gb-2011")
    norms = {o.id: o.professional_norm for o in market.organisations}
    assert all(p.professional_norm == norms[p.organisation or ""] for p in primes.values())
    for prime in primes.values():
        tier_1 = sum(1 for s in subs if s.prime == prime.id and s.tier == 1)
        place = places[prime.area].adviser_hours_per_week.value
        assert prime.adviser_hours_per_week.value == pytest.approx(
            place * (1 - 0.15 * tier_1), rel=1e-5
        )


def test_a_market_with_specialists_needs_spot_terms() -> None:
    plan = {"market": "gb-2011", "contract": "work-programme-2011"}
    with pytest.raises(InputError, match="supply_chains"):
        tender(reference(0.001, market=plan))
