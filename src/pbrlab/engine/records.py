"""A simulation as the records real programme data would give: participants, spells, ledger.

The participant and spell tables have the columns `pbrlab payments` reads, so the batch payment
engine can be run on them; its ledger must equal the one the simulator paid week by week.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pbrlab.engine.simulate import Simulation
from pbrlab.payments.kernel import Events
from pbrlab.payments.ledger import ledger_table, sort_order
from pbrlab.payments.records import Participants
from pbrlab.tables import coded, dates


def participant_ids(n: int) -> pa.Array:
    """Ids that sort in referral order: P0000001, P0000002, ..."""
    width = max(7, len(str(n)))
    return pa.array(np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), width)))


def participant_table(sim: Simulation) -> pa.Table:
    people, scenario = sim.people, sim.world.scenario
    referral = dates(people.referral_day)
    ids = [p.id for p in scenario.providers]
    subcontracted = sim.world.tier[people.provider] == 1
    return pa.table(
        {
            "participant_id": participant_ids(people.size),
            "payment_group": coded(people.group, [g.id for g in scenario.groups]),
            "provider_id": coded(sim.payee, ids),
            "subcontractor_id": coded(people.provider, ids, missing=~subcontracted),
            "referral_date": referral,
            "attachment_date": referral,
            "area_id": coded(people.area, [a.id for a in scenario.areas]),
            "contract": coded(sim.contract, sim.world.contract_names),
        }
    )


def spell_table(sim: Simulation) -> pa.Table:
    """The treated path's jobs; `end_date` is empty for a job still going at the end. A job of
    someone the simulator stopped following (no payment was possible any more) ends on that day."""
    who, start, end = sim.spells
    order = sort_order(who, start)
    who, start, end = who[order], start[order], end[order]
    ids = participant_ids(sim.size).take(pa.array(who))
    return pa.table(
        {
            "participant_id": ids,
            "start_date": dates(start),
            "end_date": dates(end, missing=end < 0),
            "weekly_earnings": pa.array(np.full(who.size, 7.0 * sim.world.daily_earnings)),
        }
    )


def ledger(sim: Simulation) -> pa.Table:
    """What the simulator paid, as the batch engine's ledger (one prime contract after another;
    a subcontractor with its own fee and lag passes them to the ledger as its own terms)."""
    world = sim.world
    ids = participant_ids(sim.size)
    held_by_prime = world.provider_contract[sim.payee]  # [participant] the prime's contract
    own_terms = {
        p.id: terms
        for i, p in enumerate(world.scenario.providers)
        if world.provider_contract[i] != world.provider_contract[world.payee[i]]
        and (terms := world.contracts[world.provider_contract[i]].subcontract) is not None
    }
    parts = []
    for c, (contract, rules) in enumerate(zip(world.contracts, world.rules, strict=True)):
        mine = np.flatnonzero(held_by_prime == c)
        local = np.full(sim.size, -1, np.int64)
        local[mine] = np.arange(mine.size)
        server, payee = sim.people.provider[mine], sim.payee[mine]
        held = np.unique(np.r_[server, payee])
        organisations = sorted(world.scenario.providers[p].id for p in held)
        position = {name: i for i, name in enumerate(organisations)}
        provider_index = np.array(
            [position.get(p.id, -1) for p in world.scenario.providers], np.int64
        )
        participants = Participants(
            ids=ids.take(pa.array(mine)),
            group=sim.book.caseload.group[mine],
            provider=provider_index[payee],
            subcontractor=np.where(world.tier[server] == 1, provider_index[server], -1),
            referral_day=sim.people.referral_day[mine],
            attach_day=sim.people.referral_day[mine],
            organisations=organisations,
        )
        paid = sim.payments.where(held_by_prime[sim.payments.participant] == c)
        events = Events(local[paid.participant], paid.kind, paid.sequence, paid.day)
        order = sort_order(events.participant, events.day, events.kind.astype(np.int64))
        amount = paid.amount[order]
        parts.append(
            ledger_table(
                contract, rules, participants, events.take(order), amount, world.as_of, own_terms
            )
        )
    return pa.concat_tables(parts, promote_options="permissive")
