"""Payments week by week through the rule kernel, for the treated and the counterfactual path.

One `KernelState` per path covers every participant; each contract's compiled rules act on the
participants of the providers holding it. What the treated path triggers is what the
commissioner pays; what the counterfactual path triggers is what it would have paid anyway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
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
    """The kernel states of both paths and the contract each participant is paid under.

    Until a person's two paths differ they are the same path, so the kernel runs for the treated
    path only and the counterfactual takes its outcome and sustainment events; when they split,
    the counterfactual state starts from a copy of the treated one. This halves the work when the
    service effect is small, and changes no result.
    """

    def __init__(self, world: World, contract: IntArray, caseload: Caseload) -> None:
        self.world = world
        self.contract = contract  # [participant]
        self.caseload = caseload
        self.treated = KernelState.empty(caseload.size)
        self.counterfactual = KernelState.empty(caseload.size)
        self.base = world.contract_base[contract]  # [participant]

    def treated_week(self, work: Segments, fees: Segments) -> Priced:
        """This week's payments on the treated path, attachment and service fees included."""
        return self._week(self.treated, work, fees=fees)

    def counterfactual_week(self, work: Segments, treated: Priced, diverged: BoolArray) -> Priced:
        """What would have been paid anyway; `work` covers only those whose paths diverged."""
        same = ~diverged[treated.participant] & np.isin(treated.kind, LAGGED)
        shared = Events(*_fields(treated.where(same)))
        return self._week(self.counterfactual, work, shared=shared)

    def split(self, who: IntArray) -> None:
        """These people's paths differ from this week on: their counterfactual goes its own way."""
        self.counterfactual.copy_rules_state(self.treated, who)

    def settle(self, diverged: BoolArray) -> None:
        """At the end, the counterfactual state of those whose paths never differed."""
        self.counterfactual.copy_rules_state(self.treated, np.flatnonzero(~diverged))

    def _week(
        self,
        state: KernelState,
        work: Segments,
        fees: Segments | None = None,
        shared: Events | None = None,
    ) -> Priced:
        """Advance and collect events per base contract; price them per contract."""
        empty = Segments(*(np.empty(0, np.int64) for _ in range(3)))
        fees = empty if fees is None else fees
        shared = Events.concat([]) if shared is None else shared
        world = self.world
        n_bases = int(world.contract_base.max()) + 1
        rows = zip(
            _groups(self.base[work.who], n_bases),
            _groups(self.base[fees.who], n_bases),
            _groups(self.base[shared.participant], n_bases),
            strict=True,
        )
        parts = []
        for b, (w, f, e) in enumerate(rows):
            rules = world.rules[b]  # the base's own rules: triggers shared by its variants
            earnings = np.full(work.who[w].size, world.daily_earnings)
            events = Events.concat(
                [
                    advance(
                        rules,
                        self.caseload,
                        state,
                        work.who[w],
                        work.start[w],
                        work.end[w],
                        earnings,
                    ),
                    periodic_events(
                        rules, self.caseload, fees.end[f], fees.who[f], fees.start[f] - 1
                    ),
                    shared.take(e) if isinstance(e, np.ndarray) else shared,
                ]
            )
            if events.size:
                parts.extend(self._price(state, events))
        return Priced.concat(parts)

    def _price(self, state: KernelState, events: Events) -> list[Priced]:
        """Each contract's events priced in time order, within its cap."""
        events = events.take(
            sort_order(events.participant, events.day, events.kind.astype(np.int64))
        )
        parts = []
        groups = _groups(self.contract[events.participant], len(self.world.rules))
        for rules, rows in zip(self.world.rules, groups, strict=True):
            mine = events.take(rows) if isinstance(rows, np.ndarray) else events
            if not mine.size:
                continue
            amount = price(rules, self.caseload, state, mine)
            lag = np.where(np.isin(mine.kind, LAGGED), rules.claim_lag, 0)
            parts.append(Priced(*_fields(mine), to_pennies(amount), mine.day + lag))
        return parts


def _groups(key: IntArray, n: int) -> list[IntArray | slice]:
    """The positions of each key 0..n-1 in `key` (one stable sort, not a scan per key)."""
    if n == 1:
        return [slice(None)]
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], np.arange(n + 1))
    rows: list[IntArray | slice] = [order[bounds[k] : bounds[k + 1]] for k in range(n)]
    return rows


def _fields(events: Events) -> tuple[IntArray, np.ndarray, IntArray, IntArray]:
    return events.participant, events.kind, events.sequence, events.day
