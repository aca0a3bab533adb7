"""The event trail: every procurement, bid, award, subcontract (with the driver and pattern by
which the prime found the subcontractor), share shift, termination, insolvency and ended
subcontract of a run as one table, for audit and for open-data export. (Payments are in the
timeseries and, with `--records`, the ledger, one row each.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from pbrlab.engine.simulate import Simulation
from pbrlab.market.awards import Tender
from pbrlab.market.model import DRIVERS, PATTERNS
from pbrlab.market.supply import pool_ids
from pbrlab.scenarios.model import holds_a_place

EVENT_SCHEMA = pa.schema(
    [
        ("date", pa.date32()),
        ("event", pa.string()),
        ("organisation_id", pa.string()),
        ("counterparty_id", pa.string()),
        ("area_id", pa.string()),
        ("payment_group", pa.string()),
        ("value", pa.float64()),
        ("count", pa.int64()),
        ("detail", pa.string()),
    ]
)


def event_table(sim: Simulation, tender: Tender | None = None) -> pa.Table:
    """One row per event, in date order; `value` and `count` mean what the event's detail says."""
    rows = [*_procurement(sim, tender), *_market_moves(sim)]
    rows.sort(key=lambda r: (r["date"], r["event"], r["organisation_id"] or ""))
    columns = {f.name: [r.get(f.name) for r in rows] for f in EVENT_SCHEMA}
    return pa.table(columns, schema=EVENT_SCHEMA)


def _procurement(sim: Simulation, tender: Tender | None) -> list[dict[str, Any]]:
    if tender is None:
        return []
    day = _day(sim.world.week_start[0])
    bids, market = tender.round.bids, tender.round.market
    areas = tender.round.lots.areas
    rows: list[dict[str, Any]] = [
        {
            "date": day,
            "event": "procurement",
            "organisation_id": sim.world.scenario.id,
            "area_id": area,
            "count": int(tender.round.lots.places[a]),
            "detail": "tender for the area's places (count)",
        }
        for a, area in enumerate(areas)
    ]
    for i in range(bids.size):
        organisation = market.organisations[int(bids.bidder[i])].id
        for event in ("bid", "award") if bids.won[i] else ("bid",):
            rows.append(
                {
                    "date": day,
                    "event": event,
                    "organisation_id": organisation,
                    "counterparty_id": sim.world.scenario.id,
                    "area_id": areas[int(bids.area[i])],
                    "value": float(bids.promised_rate[i]),
                    "detail": f"promised job outcome rate (value); discount "
                    f"{bids.discount[i]:.4f}; score {bids.score[i]:.4f}",
                }
            )
    return rows + _subcontracts(sim, tender)


def _subcontracts(sim: Simulation, tender: Tender) -> list[dict[str, Any]]:
    """One row per subcontract signed at the award, with how the prime found the subcontractor."""
    chains, signed = tender.round.chains, tender.signed
    if chains is None or signed is None:
        return []
    day = _day(sim.world.week_start[0])
    providers = sim.world.scenario.providers
    by_id = {p.id: p for p in providers}
    primes = [p for p in providers if holds_a_place(p)]
    prime_of_bid = {int(b): primes[i].id for i, b in enumerate(tender.bid_of_provider)}
    ids = pool_ids(tender.round.pool, tender.round.lots.areas) if tender.round.pool else []
    rows = []
    for row in np.flatnonzero(signed):
        sub = by_id[ids[int(chains.member[row])]]
        rows.append(
            {
                "date": day,
                "event": "subcontract",
                "organisation_id": sub.id,
                "counterparty_id": prime_of_bid[int(chains.bid[row])],
                "area_id": sub.area,
                "value": None if sub.planned_share is None else sub.planned_share.value,
                "detail": f"tier {sub.tier}; planned share of the prime's referrals (value); "
                f"found by a {DRIVERS[int(chains.driver[row])]} driver, "
                f"{PATTERNS[int(chains.pattern[row])]} pattern",
            }
        )
    return rows


def _market_moves(sim: Simulation) -> list[dict[str, Any]]:
    providers, groups = sim.world.scenario.providers, sim.world.scenario.groups
    rows: list[dict[str, Any]] = []
    exits = (
        ("insolvency", sim.insolvencies),
        ("termination", sim.terminations),
        ("subcontract_ended", sim.subcontracts_ended),
    )
    for name, events in exits:
        for e in events:
            provider = providers[e["provider"]]
            rows.append(
                {
                    "date": _day(sim.world.week_start[e["week"]]),
                    "event": name,
                    "organisation_id": provider.id,
                    "counterparty_id": provider.prime,
                    "area_id": provider.area,
                    "count": e["moved"],
                    "detail": "participants moved to other providers (count)",
                }
            )
    for e in sim.retenders:
        place = providers[e["provider"]]
        for event, count in (("retender", e["bidders"]), ("award", None)):
            rows.append(
                {
                    "date": _day(sim.world.week_start[min(e["week"] + 1, sim.world.weeks - 1)]),
                    "event": event,
                    "organisation_id": e["organisation"],
                    "counterparty_id": sim.world.scenario.id,
                    "area_id": place.area,
                    "value": e["promised_rate"],
                    "count": count,
                    "detail": f"the place of {providers[e['replaces']].id} ({place.id}): "
                    "promised job outcome rate (value); bidders (count)",
                }
            )
    for e in sim.share_shifts:
        rows.append(
            {
                "date": _day(sim.world.week_start[e["week"]]),
                "event": "share_shift",
                "organisation_id": providers[e["from"]].id,
                "counterparty_id": providers[e["to"]].id,
                "area_id": providers[e["from"]].area,
                "payment_group": groups[e["group"]].id,
                "count": e["moved"],
                "detail": "future referrals moved from the organisation to the counterparty",
            }
        )
    return rows


def _day(day: np.integer[Any] | int) -> Any:
    return np.datetime64(int(day), "D").astype(object)
