"""Payments week by week through the rule kernel, for the treated and the counterfactual path.

One `KernelState` per path covers every participant; each contract's compiled rules act on the
participants of the providers holding it. What the treated path triggers is what the
commissioner pays; what the counterfactual path triggers is what it would have paid anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import FloatArray, IntArray
from pbrlab.contracts.model import PaymentKind
from pbrlab.engine.world import World
from pbrlab.payments.kernel import Caseload, Events, KernelState, advance, periodic_events, price
from pbrlab.payments.ledger import sort_order
from pbrlab.payments.rules import KIND_CODE, to_pennies

LAGGED = np.array([KIND_CODE[PaymentKind.job_outcome], KIND_CODE[PaymentKind.sustainment]])


@dataclass
class Priced(Events):
    """Triggered events with their amounts (to the penny) and the day each is due to be paid."""

    amount: FloatArray
    due: IntArray


@dataclass(frozen=True)
class Segments:
    """This week's piece of work (or of attachment) for each participant in `who`."""

    who: IntArray
    start: IntArray
    end: IntArray


class PaymentBook:
    """The kernel states of both paths and the contract each participant is paid under."""

    def __init__(self, world: World, contract: IntArray, caseload: Caseload) -> None:
        self.world = world
        self.contract = contract  # [participant]
        self.caseload = caseload
        self.treated = KernelState.empty(caseload.size)
        self.counterfactual = KernelState.empty(caseload.size)

    def week(self, state: KernelState, work: Segments, attached: Segments | None) -> Priced:
        """Price this week's events on one path; `attached` adds attachment and service fees."""
        parts = []
        for c, rules in enumerate(self.world.rules):
            mine = self._of_contract(work, c)
            earnings = np.full(mine.who.size, self.world.daily_earnings)
            found = [advance(rules, self.caseload, state, mine.who, mine.start, mine.end, earnings)]
            if attached is not None:
                on = self._of_contract(attached, c)
                since = on.start - 1
                found.append(periodic_events(rules, self.caseload, on.end, on.who, since))
            events = Events.concat(found)
            events = events.take(
                sort_order(events.participant, events.day, events.kind.astype(np.int64))
            )
            amount = price(rules, self.caseload, state, events)
            lag = np.where(np.isin(events.kind, LAGGED), rules.claim_lag, 0)
            parts.append(Priced(*_fields(events), to_pennies(amount), events.day + lag))
        return Priced.concat(parts)

    def _of_contract(self, segments: Segments, c: int) -> Segments:
        if len(self.world.rules) == 1:
            return segments
        mine = self.contract[segments.who] == c
        return Segments(segments.who[mine], segments.start[mine], segments.end[mine])


def _fields(events: Events) -> tuple[IntArray, np.ndarray, IntArray, IntArray]:
    return events.participant, events.kind, events.sequence, events.day
