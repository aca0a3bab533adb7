"""Providers' cash: opening balance, plus payments received when due, minus costs.

Payments reach a provider on their due day (outcome and sustainment claims in arrears by the
contract's claim lag); costs are paid in the week they arise: the adviser hours given, and fixed
overheads while the provider trades. Incentive payments are reckoned when a contract year's claims
fall due, from that year's attachments and outcomes.

With the scenario's finance rules, a provider whose cash stays below minus its credit line for
`insolvency_weeks` weeks in a row is insolvent: it exits (the simulator moves its caseload), stops
paying overheads and receiving delivery fees, and keeps only what is still owed to it.
Delivery fees are at the simulated scale (the world scales the contract value).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.contracts.model import PaymentKind
from pbrlab.engine.payments import Priced
from pbrlab.engine.world import World, scaled
from pbrlab.payments.ledger import delivery_schedule, incentive_payments
from pbrlab.payments.rules import KIND_CODE, to_pennies
from pbrlab.population.cohorts import Cohort


@dataclass(frozen=True)
class _SubcontractTerms:
    """Each contract's subcontract terms as lookups by contract and payment-kind code."""

    passes: BoolArray  # [contract, kind] passed down to an end-to-end subcontractor
    charged: BoolArray  # [contract, kind] the management fee is taken from it
    fee: FloatArray  # [contract] management fee
    lag_weeks: IntArray  # [contract] payment lag

    @classmethod
    def of(cls, world: World) -> _SubcontractTerms:
        n = len(world.contracts)
        passes = np.zeros((n, len(KIND_CODE)), np.bool_)
        charged = np.zeros_like(passes)
        fee, lag = np.zeros(n), np.zeros(n, np.int64)
        for c, contract in enumerate(world.contracts):
            terms = contract.subcontract
            if terms is None:
                continue
            passes[c, [KIND_CODE[k] for k in terms.pass_through]] = True
            charged[c, [KIND_CODE[k] for k in terms.fee_applies_to]] = True
            fee[c], lag[c] = terms.management_fee.value, terms.payment_lag_weeks.value
        return cls(passes, charged, fee, lag)


class Cash:
    def __init__(
        self,
        world: World,
        opening: FloatArray,
        attached: list[IntArray],
        provider: IntArray,
        contract: IntArray,
        referral_day: IntArray,
        server: IntArray,
    ) -> None:
        self.world = world
        self.referral_day = referral_day  # [participant]
        self._provider = provider  # [participant] who is paid for them (the prime)
        self._server = server  # [participant] who serves them (a prime or its subcontractor)
        self._contract = contract  # [participant]
        n_providers = opening.size
        self.balance = opening.copy()
        self.opening = opening.copy()
        self.receipts = np.zeros((world.weeks, n_providers))  # by the week they fall due
        self.history = np.zeros((world.weeks, n_providers))  # balance at each week's end
        self.costs = np.zeros((world.weeks, n_providers))
        self.passed_on = np.zeros((world.weeks, n_providers))  # paid by primes to subcontractors
        self.spot_paid = np.zeros(n_providers)  # to each specialist for spot interventions
        self.below = np.zeros(n_providers, np.int64)  # weeks in a row below the credit line
        self.exit_week = np.full(n_providers, -1, np.int64)  # -1: still trading
        self.started = np.array([p.replaces is None for p in world.scenario.providers])
        self.attached = attached  # per contract: [provider, contract year], as they arrive
        self.achieved = [np.zeros_like(a) for a in attached]
        self.provider_level: list[tuple[int, int, int, float]] = []  # kind, provider, due, amount
        self.terms = _SubcontractTerms.of(world)  # each contract's, as lookups
        for c, terms in enumerate(world.contracts):
            paid = (world.provider_contract == c) & self.started & (world.value_share > 0)
            for p in np.flatnonzero(paid):
                _, due, amount = delivery_schedule(scaled(terms, float(world.value_share[p])))
                for day, pounds in zip(due, amount, strict=True):
                    self._provider_payment(PaymentKind.delivery_fee, int(p), int(day), pounds)

    @classmethod
    def open(cls, world: World, contract: IntArray, people: Cohort, payee: IntArray) -> Cash:
        scale = world.scenario.scale
        opening = np.array([p.starting_cash.value for p in world.scenario.providers]) * scale
        attached = [np.zeros((opening.size, r.n_years), np.int64) for r in world.rules]
        return cls(world, opening, attached, payee, contract, people.referral_day, people.provider)

    def arrive(self, who: IntArray) -> None:
        """Count attachments by the prime and contract year they arrive in (for incentives, which
        are the prime's under its own contract)."""
        contract = self.world.provider_contract[self._provider[who]]
        year = self.world.contract_year(contract, self.referral_day[who])
        for c in range(len(self.world.rules)):
            mine = contract == c
            np.add.at(self.attached[c], (self._provider[who[mine]], year[mine]), 1)

    @property
    def trading(self) -> BoolArray:
        return np.asarray(self.started & (self.exit_week < 0), np.bool_)

    def start(self, provider: int) -> None:
        """A standby place holder starts trading (it won a re-tender)."""
        self.started[provider] = True

    @property
    def under_pressure(self) -> BoolArray:
        """Drawing on credit: such providers cut service first."""
        return np.asarray(self.balance < 0, np.bool_)

    def week(self, w: int, priced: Priced, hours_cost: FloatArray) -> IntArray:
        """Book this week's receipts and costs; return the providers that became insolvent."""
        world = self.world
        payable = (priced.due <= world.as_of) & (priced.amount > 0)
        provider = self._provider[priced.participant[payable]]
        np.add.at(
            self.receipts, (self._week_of(priced.due[payable]), provider), priced.amount[payable]
        )
        self._pass_down(priced.where(payable))
        cost = hours_cost + np.where(self.trading, world.fixed_cost, 0.0) + self.passed_on[w]
        self._count_outcomes(priced)
        self._incentives_due(w)
        self.costs[w] = cost
        self.balance += self.receipts[w] - cost
        self.history[w] = self.balance
        return self._failures(w)

    def _pass_down(self, paid: Priced) -> None:
        """A subcontractor's share of its participants' payments: passed on by the prime after the
        subcontract's lag, less the management fee (as the batch ledger's subcontract rows)."""
        who = paid.participant
        server, payee, contract = self._server[who], self._provider[who], self._contract[who]
        terms = self.terms
        mine = (self.world.tier[server] == 1) & terms.passes[contract, paid.kind]
        due = paid.due[mine] + 7 * terms.lag_weeks[contract[mine]]
        keep = due <= self.world.as_of
        rows = np.flatnonzero(mine)[keep]
        amount = paid.amount[rows]
        rate = np.where(
            terms.charged[contract[rows], paid.kind[rows]], terms.fee[contract[rows]], 0
        )
        fee = np.where(rate > 0, to_pennies(amount * rate), 0.0)
        week = self._week_of(due[keep])
        np.add.at(self.receipts, (week, server[rows]), amount - fee)
        np.add.at(self.passed_on, (week, payee[rows]), amount - fee)

    def spot(self, w: int, prime: IntArray, specialist: IntArray, price: float) -> None:
        """Specialist interventions bought in week `w`: each prime pays `price` per participant to
        the specialist after its subcontract's payment lag (within the run)."""
        week = w + self.terms.lag_weeks[self.world.provider_contract[specialist]]
        inside = week < self.world.weeks
        np.add.at(self.receipts, (week[inside], specialist[inside]), price)
        np.add.at(self.passed_on, (week[inside], prime[inside]), price)
        np.add.at(self.spot_paid, specialist[inside], price)

    def exit(self, provider: int, w: int) -> None:
        """The provider stops trading at the end of week `w`: no overheads, no more delivery
        fees; payments already earned still arrive."""
        self.exit_week[provider] = w
        kept = []
        for kind, p, due, amount in self.provider_level:
            later = self._week_of(np.array([due]))[0] > w
            if p == provider and later and kind == KIND_CODE[PaymentKind.delivery_fee]:
                self.receipts[self._week_of(np.array([due]))[0], p] -= amount
            else:
                kept.append((kind, p, due, amount))
        self.provider_level = kept

    def _failures(self, w: int) -> IntArray:
        finance = self.world.scenario.finance
        if finance is None:
            return np.empty(0, np.int64)
        short = self.trading & (self.balance < -self.world.credit_line)
        self.below = np.where(short, self.below + 1, 0)
        failed = np.flatnonzero(self.below >= finance.insolvency_weeks.value)
        self.below[failed] = 0
        return failed

    def _week_of(self, day: IntArray) -> IntArray:
        return np.asarray(np.minimum((day - self.world.week_start[0]) // 7, self.world.weeks - 1))

    def _count_outcomes(self, priced: Priced) -> None:
        hit = priced.kind == KIND_CODE[PaymentKind.job_outcome]
        who, day = priced.participant[hit], priced.day[hit]
        contract = self.world.provider_contract[self._provider[who]]
        for c, rules in enumerate(self.world.rules):
            mine = contract == c
            year = rules.year_of(day[mine])
            np.add.at(self.achieved[c], (self._provider[who[mine]], year), 1)

    def _incentives_due(self, w: int) -> None:
        first, last = self.world.week_start[w], self.world.week_start[w] + 6
        for c, contract in enumerate(self.world.contracts):
            if contract.incentive is None:
                continue
            rules = self.world.rules[c]
            above, due, amount = incentive_payments(
                contract, rules, self.attached[c], self.achieved[c]
            )
            for year in np.flatnonzero((due >= first) & (due <= min(last, self.world.as_of))):
                for p in np.flatnonzero(above[:, year]):
                    self._provider_payment(
                        PaymentKind.incentive, int(p), int(due[year]), float(amount[p, year])
                    )

    def _provider_payment(self, kind: PaymentKind, provider: int, due: int, amount: float) -> None:
        if due > self.world.as_of or amount <= 0:
            return
        self.receipts[self._week_of(np.array([due]))[0], provider] += amount
        self.provider_level.append((int(KIND_CODE[kind]), provider, due, amount))

    @property
    def provider_payments(self) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
        """Provider-level payments made: kind code, provider, due day, amount."""
        if not self.provider_level:
            empty = np.empty(0, np.int64)
            return empty, empty, empty, np.empty(0)
        kind, provider, due, amount = zip(*self.provider_level, strict=True)
        return np.array(kind), np.array(provider), np.array(due), np.array(amount)
