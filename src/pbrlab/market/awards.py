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

from pbrlab.arrays import FloatArray, IntArray
from pbrlab.contracts.model import Sourced
from pbrlab.errors import InputError
from pbrlab.market.load import load_market
from pbrlab.market.procurement import Lots, Round, mean_or_none, procure
from pbrlab.scenarios.model import Provider, Scenario


@dataclass(frozen=True)
class Tender:
    scenario: Scenario  # with the awarded providers
    round: Round
    bid_of_provider: IntArray  # [provider] row of its winning bid in round.bids

    def summary(self, realised_rate: FloatArray) -> dict[str, Any]:
        """The round's summary, with each award's promise set against what it achieved."""
        promised = self.round.bids.promised_rate[self.bid_of_provider]
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
        market = load_market(plan.market)
    except InputError as exc:
        raise InputError(label, "market.market", f"cannot load {plan.market!r}: {exc}") from None
    if any(p.prime is not None for p in scenario.providers):
        raise InputError(
            label, "market", "expected no subcontractors with a market plan (not supported yet)"
        )
    lots = Lots.of(scenario)
    result = procure(market, lots, scenario.seed)
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
                    }
                )
            )
            bid_rows.append(int(row))
    awarded_scenario = scenario.model_copy(update={"providers": providers})
    return Tender(awarded_scenario, result, np.array(bid_rows, np.int64))
