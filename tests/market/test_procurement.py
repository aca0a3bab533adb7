"""Procurement rounds on a hand-made market: prequalification, awards, the winner's curse, and
how the scoring weights decide who wins."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pbrlab import config
from pbrlab.market.model import Market
from pbrlab.market.procurement import Lots, procure
from pbrlab.scenarios.load import load_scenario


def assumed(value: Any) -> dict[str, Any]:
    return {"value": value, "assumption": "test value"}


def organisation(i: int, sector: str, turnover: float, innovation: float) -> dict[str, Any]:
    return {
        "id": f"org-{i}",
        "name": f"Organisation {i}",
        "sector": sector,
        "turnover_gbp": assumed(turnover),
        "reserves_gbp": assumed(turnover / 10),
        "innovation": assumed(innovation),
        "effectiveness": assumed(1.0),
    }


def market(
    optimism: float = 0.3,
    noise: float = 0.2,
    weights: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25),
    underbidding: float = 0.0,
) -> Market:
    big = [organisation(i, "private", 1e8 * (i + 1), 0.3) for i in range(6)]
    small = [organisation(6 + i, "voluntary", 2.5e7 + 5e6 * i, 0.8) for i in range(4)]
    tiny = [organisation(10 + i, "voluntary", 1e7, 0.9) for i in range(2)]
    price, performance, standing, quality = weights
    data = {
        "id": "test-market",
        "name": "test market",
        "organisations": big + small + tiny,
        "procurement": {
            "minimum_turnover_gbp": assumed(2e7),
            "full_standing_turnover_gbp": assumed(5e8),
            "expected_outcome_rate": assumed(0.27),
            "optimism": assumed(optimism),
            "belief_noise": assumed(noise),
            "discount_mean": assumed(0.06),
            "underbidding": assumed(underbidding),
            "discount_sd": assumed(0.02),
            "maximum_discount": assumed(0.10),
            "weights": {
                "price": assumed(price),
                "performance": assumed(performance),
                "financial_standing": assumed(standing),
                "quality": assumed(quality),
            },
        },
    }
    return config.validate(Market, data, "test market")


LOTS = Lots(
    areas=tuple(f"area-{a}" for a in range(8)),
    places=np.array([2, 3, 2, 2, 3, 2, 2, 2]),
    area_factor=np.linspace(0.8, 1.2, 8),
    share=np.full(8, 1 / 8),
)


def test_the_same_seed_gives_the_same_round_and_another_seed_another() -> None:
    first = procure(market(), LOTS, seed=1).table()
    assert first.equals(procure(market(), LOTS, seed=1).table())
    assert not first.equals(procure(market(), LOTS, seed=2).table())


def test_only_prequalified_organisations_bid_and_each_lot_fills_its_places() -> None:
    result = procure(market(), LOTS, seed=3)
    bids = result.bids
    assert result.prequalified.tolist() == [True] * 10 + [False] * 2
    assert set(bids.bidder.tolist()) == set(range(10))
    assert bids.size == 10 * len(LOTS.areas)
    assert np.bincount(result.awards.area, minlength=8).tolist() == LOTS.places.tolist()
    # Each lot's winners outscore its losers.
    for a in range(len(LOTS.areas)):
        here = bids.area == a
        assert bids.score[here & bids.won].min() >= bids.score[here & ~bids.won].max()
    summary = result.summary()
    assert summary["excluded_by_turnover"] == 2 and summary["contracts"] == LOTS.places.sum()


def test_a_promise_is_the_true_rate_times_the_optimism_when_there_is_no_noise() -> None:
    bids = procure(market(optimism=0.4, noise=0.0), LOTS, seed=4).bids
    np.testing.assert_allclose(bids.promised_rate / bids.true_rate, np.exp(0.4))
    np.testing.assert_allclose(bids.true_rate, 0.27 * LOTS.area_factor[bids.area])


def test_winners_over_promise_more_than_bidders_do_the_winners_curse() -> None:
    curse = []
    for seed in range(10):
        summary = procure(market(optimism=0.0, noise=0.3), LOTS, seed).summary()
        curse.append(summary["promised_to_true_winners"] - summary["promised_to_true_all_bids"])
    assert np.mean(curse) > 0.05
    assert min(curse) > 0


def test_more_optimism_means_promises_further_above_what_winners_can_deliver() -> None:
    def gap(optimism: float) -> float:
        rounds = [procure(market(optimism=optimism), LOTS, s).summary() for s in range(5)]
        return float(np.mean([r["promised_to_true_winners"] for r in rounds]))

    assert gap(0.5) > gap(0.2) + 0.3 > gap(0.0) + 0.5


@pytest.mark.parametrize("seed", [5, 6])
def test_weight_on_financial_standing_favours_the_big_and_loses_innovation(seed: int) -> None:
    standing = procure(market(weights=(0.1, 0.2, 0.6, 0.1)), LOTS, seed).summary()
    quality = procure(market(weights=(0.1, 0.2, 0.1, 0.6)), LOTS, seed).summary()
    assert (
        standing["contracts_by_sector"]["voluntary"] < quality["contracts_by_sector"]["voluntary"]
    )
    assert standing["contracts_to_smaller_bidders"] < quality["contracts_to_smaller_bidders"]
    assert standing["mean_innovation_of_contracts"] < quality["mean_innovation_of_contracts"] - 0.2


def test_lots_of_the_reference_scenario_are_its_areas_and_provider_places() -> None:
    scenario = load_scenario("work-programme-2011")
    lots = Lots.of(scenario)
    assert len(lots.areas) == 18 and lots.places.sum() == 40
    assert set(lots.places.tolist()) == {2, 3}
    share = np.array([a.referral_share.value for a in scenario.areas])
    assert float(np.sum(share * lots.area_factor)) == pytest.approx(1.0)
    # Areas with higher unemployment get lower true rates.
    first = np.array([a.unemployment.value[0] for a in scenario.areas])
    assert lots.area_factor[np.argmax(first)] < 1 < lots.area_factor[np.argmin(first)]


def test_optimists_underbid_when_price_follows_belief() -> None:
    def winning_discount(optimism: float) -> float:
        rounds = [
            procure(market(optimism=optimism, underbidding=0.05), LOTS, s).summary()
            for s in range(5)
        ]
        return float(np.mean([r["mean_discount_winners"] for r in rounds]))

    assert winning_discount(0.4) > winning_discount(0.0) + 0.01
