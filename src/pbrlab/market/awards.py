"""From a tender to a scenario: the awarded bids become the scenario's providers.

Each area keeps its places (as many as the scenario names providers there). The best-scoring
awarded bid takes the area's first place, and so on: the organisation takes over that place's
adviser hours, cost per hour and starting cash, holds the market plan's contract at its bid
discount, and serves with its own effectiveness.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.contracts.load import load_contract
from pbrlab.contracts.model import Sourced, derived
from pbrlab.errors import InputError
from pbrlab.market.consortia import with_consortia
from pbrlab.market.load import load_market
from pbrlab.market.model import SECTORS, Market
from pbrlab.market.procurement import Lots, Round, mean_or_none, procure
from pbrlab.market.supply import first_claims, pool_ids
from pbrlab.scenarios.model import Provider, Scenario, holds_a_place


@dataclass(frozen=True)
class Tender:
    scenario: Scenario  # with the awarded providers and their supply chains
    round: Round
    bid_of_provider: IntArray  # [prime provider] row of its winning bid in round.bids
    signed: BoolArray | None = None  # [named subcontractor] signed with the winner that named it

    def summary(self, realised_rate: FloatArray) -> dict[str, Any]:
        """The round's summary, with each award's promise set against what it achieved."""
        promised = self.round.bids.promised_rate[self.bid_of_provider]
        primes = [i for i, p in enumerate(self.scenario.providers) if holds_a_place(p)]
        realised_rate = realised_rate[primes]
        known = np.isfinite(realised_rate)
        ratio = realised_rate[known] / promised[known]
        return {
            **self.round.summary(),
            "realised_rate_24m_winners": mean_or_none(realised_rate[known]),
            "realised_to_promised": mean_or_none(ratio),
        }


def tender(scenario: Scenario, label: str = "scenario") -> Tender | None:
    """Run the scenario's procurement round, if it has a market plan."""
    plan = scenario.market
    if plan is None:
        return None
    try:
        market = load_market(plan.market, plan.overrides)
    except InputError as exc:
        raise InputError(label, "market.market", f"cannot load {plan.market!r}: {exc}") from None
    if any(p.prime is not None for p in scenario.providers):
        raise InputError(
            label,
            "market",
            "expected no subcontractors with a market plan (the market's bids name them)",
        )
    try:
        load_contract(plan.contract)
    except InputError as exc:
        raise InputError(
            label, "market.contract", f"cannot load {plan.contract!r}: {exc}"
        ) from None
    chains = market.supply_chains
    if chains is not None and chains.tier_2_per_bid.value > 0 and scenario.supply_chains is None:
        raise InputError(
            label,
            "supply_chains",
            f"expected a [supply_chains] section (spot price and weeks) for the tier-2 "
            f"specialists the {market.id} market's bids name; found none",
        )
    scenario, lots, result = tender_round(scenario, market, scenario.seed, label)
    market = result.market
    providers: list[Provider] = []
    bid_rows: list[int] = []
    awarded = np.flatnonzero(result.bids.won)
    for a, area in enumerate(lots.areas):
        here = awarded[result.bids.area[awarded] == a]
        here = here[np.argsort(-result.bids.score[here], kind="stable")]
        places = [p for p in scenario.providers if p.area == area]
        if here.size < len(places):
            raise InputError(
                label,
                f"market.market ({plan.market})",
                f"expected at least {len(places)} bidders for the places in {area}; found "
                f"{here.size} (too few organisations clear the turnover threshold)",
            )
        for place, row in zip(places, here, strict=True):
            organisation = market.organisations[int(result.bids.bidder[row])]
            discount = round(float(result.bids.discount[row]), 6)
            providers.append(
                place.model_copy(
                    update={
                        "id": f"{area}-{organisation.id}",
                        "name": organisation.name,
                        "organisation": organisation.id,
                        "sector": organisation.sector,
                        "contract": plan.contract,
                        "bid_discount": Sourced[float](
                            value=discount,
                            assumption=f"its winning bid in the {market.id} tender "
                            f"(seed {scenario.seed})",
                        ),
                        "effectiveness": organisation.effectiveness,
                        "innovation": organisation.innovation,
                        "professional_norm": organisation.professional_norm,
                    }
                )
            )
            bid_rows.append(int(row))
    standbys = [_standby(p) for p in providers] if plan.retender else []
    signed = None
    if result.chains is not None:
        signed = first_claims(result.chains, np.array(bid_rows, np.int64))
        providers = _with_chains(providers, result, np.array(bid_rows, np.int64), signed)
    providers += standbys
    awarded_scenario = scenario.model_copy(update={"providers": providers})
    return Tender(awarded_scenario, result, np.array(bid_rows, np.int64), signed)


def tender_round(
    scenario: Scenario, market: Market, seed: int, label: str = "scenario"
) -> tuple[Scenario, Lots, Round]:
    """The round the scenario's market plan holds over `market`: its smaller lots and consortia
    if it asks for them. Returns the scenario with its places as tendered, the lots and the
    round (whose market includes any consortia)."""
    plan = scenario.market
    if plan is not None and plan.places_per_area is not None:
        scenario = relotted(scenario, plan.places_per_area.value)
    lots = Lots.of(scenario)
    if plan is not None and plan.consortia:
        if market.supply_chains is None:
            raise InputError(
                label,
                "market.consortia",
                f"expected a market with a pool of potential subcontractors ([supply_chains]) "
                f"to form consortia from; {market.id} has none",
            )
        market = with_consortia(market, lots.areas, lots.share, seed)
    return scenario, lots, procure(market, lots, seed)


def relotted(scenario: Scenario, places: int) -> Scenario:
    """Smaller lots: `places` places in every area, sharing the area's adviser hours, starting
    cash, overheads and credit equally, on the other terms of its first place."""
    providers: list[Provider] = []
    for area in scenario.areas:
        here = [p for p in scenario.providers if p.area == area.id]
        hours = sum(p.adviser_hours_per_week.value for p in here)
        cash = sum(p.starting_cash.value for p in here)
        overheads = sum(p.fixed_cost_per_week.value for p in here if p.fixed_cost_per_week)
        credit = sum(p.credit_line.value for p in here if p.credit_line)
        note = f"{area.id}'s places' total shared by {places} smaller lots"
        for k in range(places):
            providers.append(
                here[0].model_copy(
                    update={
                        "id": f"{area.id}-lot{k + 1}",
                        "name": f"{area.name}, lot {k + 1} of {places}",
                        "referral_share": None,
                        "adviser_hours_per_week": derived(hours / places, note),
                        "starting_cash": derived(cash / places, note),
                        "fixed_cost_per_week": derived(overheads / places, note)
                        if overheads
                        else None,
                        "credit_line": derived(credit / places, note) if credit else None,
                    }
                )
            )
    return scenario.model_copy(update={"providers": providers})


def _with_chains(
    primes: list[Provider], result: Round, bid_rows: IntArray, signed: BoolArray
) -> list[Provider]:
    """Each prime followed by the subcontractors that signed with it. A subcontractor's planned
    share is its tier's share over the names a bid gives that tier; its adviser hours are that
    share of its prime's place, whose own hours shrink by its tier-1 subcontractors' shares; it
    starts with its reserves and pays overheads of `overhead_share` of its planned delivery cost."""
    rules = result.market.supply_chains
    assert rules is not None and result.pool is not None and result.chains is not None
    pool, chains = result.pool, result.chains
    ids = pool_ids(pool, result.lots.areas)
    per_name = {
        1: rules.tier_1_planned_share.value / max(rules.tier_1_per_bid.value, 1),
        2: rules.tier_2_planned_share.value / max(rules.tier_2_per_bid.value, 1),
    }
    providers: list[Provider] = []
    for prime, bid in zip(primes, bid_rows, strict=True):
        members = chains.member[signed & (chains.bid == bid)]
        end_to_end = int((pool.tier[members] == 1).sum())
        hours = prime.adviser_hours_per_week.value
        in_house = 1.0 - per_name[1] * end_to_end
        providers.append(
            prime.model_copy(
                update={"adviser_hours_per_week": _derived(hours * in_house, "its bid's plan")}
            )
        )
        for m in members:
            tier = int(pool.tier[m])
            share = per_name[tier]
            weekly_cost = share * hours * prime.cost_per_hour.value
            providers.append(
                Provider(
                    id=ids[m],
                    name=f"Subcontractor {ids[m]} (tier {tier})",
                    organisation=ids[m],
                    prime=prime.id,
                    tier=1 if tier == 1 else 2,
                    planned_share=_derived(share, "its prime's bid"),
                    area=prime.area,
                    sector=SECTORS[int(pool.sector[m])],
                    contract=prime.contract,
                    bid_discount=prime.bid_discount,
                    adviser_hours_per_week=_derived(share * hours, "its planned share"),
                    cost_per_hour=prime.cost_per_hour,
                    starting_cash=_derived(float(pool.reserves[m]), "the pool's reserves"),
                    fixed_cost_per_week=_derived(
                        rules.overhead_share.value * weekly_cost, "the market's overhead share"
                    ),
                    effectiveness=_derived(float(pool.effectiveness[m]), "the pool"),
                    innovation=_derived(float(pool.innovation[m]), "the pool"),
                    professional_norm=rules.pool.voluntary_professional_norm
                    if SECTORS[int(pool.sector[m])] == "voluntary"
                    else None,
                )
            )
    return providers


def _standby(prime: Provider) -> Provider:
    """The place a re-tender would fill: the prime's contract, discount, hours and starting cash
    (its subcontractors leave with it); who holds it is decided when the prime exits."""
    return prime.model_copy(
        update={
            "id": f"{prime.id}-retender",
            "name": f"{prime.area}: the place of {prime.name}, re-tendered",
            "organisation": None,
            "replaces": prime.id,
        }
    )


def _derived(value: float, how: str) -> Sourced[float]:
    return derived(value, f"derived from {how} in the tender")
