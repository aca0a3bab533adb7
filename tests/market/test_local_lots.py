"""Locally based commissioning in the tender: smaller lots, consortia bidding at home, and the
market's rules changed by the scenario."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from pbrlab.errors import InputError
from pbrlab.market.awards import tender
from pbrlab.scenarios.model import Scenario
from variants import SPOT, assumed, reference

PLAN: dict[str, Any] = {"market": "gb-2011", "contract": "work-programme-2011"}
LOCAL: dict[str, Any] = {
    **PLAN,
    "places_per_area": assumed(5),
    "consortia": True,
    "overrides": {"procurement": {"minimum_turnover_gbp": assumed(8_800_000.0)}},
}


def tendered(plan: dict[str, Any]) -> Scenario:
    return reference(0.001, 2011, market=plan, supply_chains=SPOT)


def test_smaller_lots_share_each_areas_hours_and_cash() -> None:
    national, local = tendered(PLAN), tendered(LOCAL)
    bought = tender(local)
    assert bought is not None
    primes = [p for p in bought.scenario.providers if p.prime is None]
    assert len(primes) == 5 * len(local.areas)
    for area in local.areas:
        before = sum(
            p.adviser_hours_per_week.value for p in national.providers if p.area == area.id
        )
        mine = [p for p in primes if p.area == area.id]
        # tier-1 subcontractors take part of a prime's place: count them back in
        subs = [p for p in bought.scenario.providers if p.prime in {m.id for m in mine}
                and p.tier == 1]  # fmt: skip
        after = sum(p.adviser_hours_per_week.value for p in mine + subs)
        assert after == pytest.approx(before, rel=1e-6)


def test_consortia_bid_only_at_home_and_win_places() -> None:
    bought = tender(tendered(LOCAL))
    assert bought is not None
    round_ = bought.round
    orgs = round_.market.organisations
    consortia = [i for i, o in enumerate(orgs) if o.id.endswith("-consortium")]
    assert len(consortia) == 18
    areas = round_.lots.areas
    for i in consortia:
        bid_areas = {areas[a] for a in round_.bids.area[round_.bids.bidder == i]}
        assert bid_areas == set(orgs[i].areas or [])
        assert orgs[i].sector == "voluntary"
    won = np.isin(round_.bids.bidder[round_.bids.won], consortia).sum()
    assert won > 0  # local voluntary consortia hold some of the smaller lots
    national = tender(tendered(PLAN))
    assert national is not None
    sectors = [orgs[b].sector for b in round_.bids.bidder[round_.bids.won]]
    before = (
        national.round.summary()["contracts_by_sector"]["voluntary"] / national.round.awards.size
    )
    assert sectors.count("voluntary") / len(sectors) > before


def test_the_scenario_can_change_the_markets_rules() -> None:
    higher = {"procurement": {"minimum_turnover_gbp": assumed(100_000_000.0)}}
    raised = tender(tendered({**PLAN, "overrides": higher}))
    usual = tender(tendered(PLAN))
    assert raised is not None and usual is not None
    assert usual.round.prequalified.all()  # every framework member clears GBP20m
    turnover = [o.turnover_gbp.value for o in usual.round.market.organisations]
    assert raised.round.prequalified.sum() == sum(t >= 100_000_000 for t in turnover) == 16


def test_consortia_need_a_pool_to_form_from() -> None:
    plan = {**LOCAL, "overrides": {"supply_chains": None}}
    with pytest.raises(InputError):
        tender(tendered(plan))
