"""Weekly counts and sums by payment group and provider, for the timeseries output.

Events are tallied in the week their day falls in (job outcomes and sustainment payments by
trigger day, money by the day it is due); counts of people in the week the loop handles them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from pbrlab.arrays import FloatArray, IntArray
from pbrlab.contracts.model import PaymentKind
from pbrlab.engine.payments import Priced
from pbrlab.payments.rules import KIND_CODE, KINDS

COUNTS = ("referrals", "job_starts", "job_outcomes", "sustainment_payments")
"""People and events counted per week × group × provider."""

SUMS = ("service_hours", "service_cost", *(f"paid_{kind.value}" for kind in KINDS))
"""Hours and pounds summed per week × group × provider (provider-level payments in group -1)."""


class Tally:
    def __init__(
        self, weeks: int, groups: int, providers: int, first_day: int, last_day: int
    ) -> None:
        self.shape = (weeks, groups + 1, providers)  # the last group slot: provider-level
        self.first_day, self.last_day = first_day, last_day
        self.counts = {name: np.zeros(self.shape, np.int64) for name in COUNTS}
        self.sums = {name: np.zeros(self.shape) for name in SUMS}

    def week_of(self, day: IntArray) -> IntArray:
        return np.asarray(np.minimum((day - self.first_day) // 7, self.shape[0] - 1))

    def arrivals(self, w: int, group: IntArray, provider: IntArray) -> None:
        self._count("referrals", np.full(group.size, w), group, provider)

    def job_starts(self, w: int, group: IntArray, provider: IntArray) -> None:
        self._count("job_starts", np.full(group.size, w), group, provider)

    def service(self, w: int, by_cell: FloatArray, cost: FloatArray) -> None:
        """This week's hours by group × provider, and what they cost."""
        self.sums["service_hours"][w, :-1] += by_cell
        self.sums["service_cost"][w, :-1] += by_cell * cost[None, :]

    def provider_cost(self, w: int) -> FloatArray:
        return np.asarray(self.sums["service_cost"][w].sum(axis=0), np.float64)

    def payments(self, priced: Priced, group: IntArray, provider: IntArray) -> None:
        """Participant payments: counted on their trigger day, money on the day it is due."""
        who = priced.participant
        for kind, name in (
            (PaymentKind.job_outcome, "job_outcomes"),
            (PaymentKind.sustainment, "sustainment_payments"),
        ):
            hit = priced.kind == KIND_CODE[kind]
            self._count(name, self.week_of(priced.day[hit]), group[who[hit]], provider[who[hit]])
        paid = (priced.due <= self.last_day) & (priced.amount > 0)
        self.money(
            priced.kind[paid],
            priced.due[paid],
            group[who[paid]],
            provider[who[paid]],
            priced.amount[paid],
        )

    def money(
        self,
        kind: npt.NDArray[np.integer[Any]],
        due: IntArray,
        group: IntArray,
        provider: IntArray,
        amount: FloatArray,
    ) -> None:
        """Pounds due by `due` day, by kind; group -1 marks a provider-level payment."""
        for code, name in enumerate(f"paid_{k.value}" for k in KINDS):
            hit = kind == code
            if hit.any():
                cell = (self.week_of(due[hit]), group[hit], provider[hit])
                np.add.at(self.sums[name], cell, amount[hit])

    def _count(self, name: str, week: IntArray, group: IntArray, provider: IntArray) -> None:
        np.add.at(self.counts[name], (week, group, provider), 1)
