"""The shipped gb-2011 market: it validates, holds the 35 ERSS framework members with the 18
Work Programme primes in their sectors, every number carries evidence, and the values keep the
relations the evidence gives (turnover threshold, sector sizes, narrow effectiveness spread)."""

from __future__ import annotations

import math
import statistics
import tomllib
from collections.abc import Iterator
from importlib import resources
from typing import Any

import numpy as np
import pytest

from pbrlab import config
from pbrlab.market.load import load_market, preset_names
from pbrlab.market.model import Market
from pbrlab.market.procurement import Lots, procure
from pbrlab.scenarios.load import load_scenario

PRESET = "gb-2011"

# The 18 primes (inputs-and-market.md 3.3) and their sectors: CDG and Rehab JobFit voluntary,
# NCG public, the rest private.
PRIMES = {
    "ingeus": "private",
    "a4e": "private",
    "avanta": "private",
    "g4s": "private",
    "seetec": "private",
    "working-links": "private",
    "maximus": "private",
    "serco": "private",
    "rehab-jobfit": "voluntary",
    "ncg": "public",
    "cdg": "voluntary",
    "esg": "private",
    "pertemps": "private",
    "prospects": "private",
    "jhp": "private",
    "eos": "private",
    "reed-in-partnership": "private",
    "business-employment-service": "private",
}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    text = (resources.files("pbrlab.market.presets") / f"{PRESET}.toml").read_text("utf-8")
    return tomllib.loads(text)


@pytest.fixture(scope="module")
def market() -> Market:
    return load_market(PRESET)


def by_sector(market: Market, field: str) -> dict[str, list[float]]:
    values: dict[str, list[float]] = {}
    for o in market.organisations:
        values.setdefault(o.sector, []).append(getattr(o, field).value)
    return values


def evidence(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every table with a `value` key (a Sourced number) in the parsed TOML, with its path."""
    if isinstance(node, dict):
        if "value" in node:
            yield path, node
        for key, child in node.items():
            yield from evidence(child, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from evidence(child, f"{path}[{i}]")


def test_the_preset_is_shipped_and_validates(data: dict[str, Any], market: Market) -> None:
    assert PRESET in preset_names()
    assert config.validate(Market, data, PRESET) == market
    assert market.id == PRESET


def test_the_framework_has_35_members(market: Market) -> None:
    assert len(market.organisations) == 35
    assert len({o.id for o in market.organisations}) == 35


def test_the_18_primes_are_present_with_their_sectors(market: Market) -> None:
    sectors = {o.id: o.sector for o in market.organisations}
    assert {p: sectors.get(p) for p in PRIMES} == PRIMES


def test_the_framework_is_mostly_private(market: Market) -> None:
    counts = {s: len(v) for s, v in by_sector(market, "turnover_gbp").items()}
    assert counts["private"] > 2 * (counts["voluntary"] + counts["public"])
    assert counts["voluntary"] >= 2
    assert counts["public"] >= 1


def test_every_member_clears_the_turnover_threshold(market: Market) -> None:
    threshold = market.procurement.minimum_turnover_gbp.value
    assert threshold == 20_000_000
    low = [o.id for o in market.organisations if o.turnover_gbp.value < threshold]
    assert low == []


def test_every_number_carries_a_source_or_an_assumption(data: dict[str, Any]) -> None:
    found = list(evidence(data))
    # 35 organisations x 4 values and 6 voluntary ones' professional norm, 9 procurement values,
    # 4 weights, 6 supply-chain rules and 14 values of the subcontractor pool.
    assert len(found) == 35 * 4 + 6 + 9 + 4 + 6 + 14
    for path, node in found:
        kinds = [k for k in ("source", "assumption") if k in node]
        assert len(kinds) == 1, path
        assert isinstance(node[kinds[0]], str), path
        assert node[kinds[0]].strip(), path


def test_unidentified_members_are_labelled_as_assumptions(data: dict[str, Any]) -> None:
    unnamed = [o for o in data["organisations"] if "unidentified" in o["name"]]
    assert unnamed
    for o in unnamed:
        assert "assumption" in o["turnover_gbp"], o["id"]


def test_voluntary_members_are_smaller_and_hold_less_reserves(market: Market) -> None:
    turnover = by_sector(market, "turnover_gbp")
    reserves = by_sector(market, "reserves_gbp")
    assert statistics.median(turnover["voluntary"]) < statistics.median(turnover["private"])
    assert statistics.median(reserves["voluntary"]) < statistics.median(reserves["private"])


def test_voluntary_members_are_rated_more_innovative(market: Market) -> None:
    innovation = by_sector(market, "innovation")
    assert min(innovation["voluntary"]) > statistics.mean(innovation["private"])


def test_effectiveness_is_centred_on_one_with_a_narrow_spread(market: Market) -> None:
    effectiveness = [o.effectiveness.value for o in market.organisations]
    assert 0.95 <= statistics.mean(effectiveness) <= 1.05
    assert statistics.stdev(effectiveness) <= 0.1
    best = max(market.organisations, key=lambda o: o.effectiveness.value)
    worst = min(market.organisations, key=lambda o: o.effectiveness.value)
    assert best.id == "maximus"  # best published rate, Hampshire and Isle of Wight
    assert worst.id == "jhp"  # worst published performer


def test_procurement_rules_stay_within_the_evidence(market: Market) -> None:
    rules = market.procurement
    assert 0.26 <= rules.expected_outcome_rate.value <= 0.34
    assert 0.1 <= rules.belief_noise.value <= 0.3
    # Mean optimism of all bidders lies below the winners' ln(42/27).
    assert 0.0 < rules.optimism.value < math.log(42 / 27)
    assert rules.discount_mean.value == pytest.approx(0.06)
    assert rules.discount_mean.value <= rules.maximum_discount.value <= 0.1
    w = rules.weights
    total = w.price.value + w.performance.value + w.financial_standing.value + w.quality.value
    assert total == pytest.approx(1.0)
    assert w.financial_standing.value > w.quality.value


def test_a_round_on_the_reference_scenario_looks_like_2011(market: Market) -> None:
    lots = Lots.of(load_scenario("work-programme-2011"))
    rounds = [procure(market, lots, seed).summary() for seed in range(5)]
    assert all(r["contracts"] == 40 for r in rounds)
    assert all(r["excluded_by_turnover"] == 0 for r in rounds)
    assert 12 <= np.mean([r["primes"] for r in rounds]) <= 24
    private = np.mean([r["contracts_by_sector"]["private"] for r in rounds])
    assert private >= 28  # 35 of 40 went to private firms in 2011
    winners = np.mean([r["promised_to_true_winners"] for r in rounds])
    everyone = np.mean([r["promised_to_true_all_bids"] for r in rounds])
    assert everyone < winners
    assert 1.2 <= winners <= 1.65  # x1.2-1.6 for familiar groups (behaviour-evidence 5.1)
