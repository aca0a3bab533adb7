"""pbrlab's weekly participant rules written the ordinary Mesa 3 way, for `simulation.py`.

One `mesa.Agent` per participant (created in its referral week, removed when its attachment
window ends) and one per provider. Each week the providers share their adviser hours by the rule
of `pbrlab.providers.allocation._allocate`, then every participant takes one step of
`pbrlab.population.employment._step` on both employment paths. Plain Python: attributes, loops,
`math`; the participants' Exp(1) clocks are the ones pbrlab drew (`Cohort` rows, as Python floats),
so the two implementations can be compared participant by participant.

The arithmetic follows the compiled kernels operation by operation (same operand order, same
summation order per provider), so the paths match pbrlab's exactly, not just in distribution.
Payments are not modelled on either side of the comparison: the payment state the allocation rule
reads (outcome paid, sustainment payments made, money paid) stays at its starting value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import mesa

from pbrlab.engine.world import World
from pbrlab.population.employment import TARGETS, TENURE_SPLIT

TOTALS = ("treated_entries", "counterfactual_entries", "treated_exits", "counterfactual_exits")


@dataclass
class EmploymentPath:
    """One of a participant's two employment paths (treated or counterfactual)."""

    in_work: bool = False
    tenure: int = 0  # weeks in the current job, 0 out of work
    accumulated: float = 0.0  # hazard accumulated since the last transition
    entries: int = 0
    exits: int = 0


@dataclass
class Person:
    """What pbrlab drew for one participant, as Python values (prepared before the timed run)."""

    index: int
    referral_week: int
    provider: int
    group: int
    area: int
    row: int  # rule row: contract × scenario group
    year: int  # contract year of referral
    frailty: float
    odds_factor: float  # exp(judgement_noise × the provider's error about this person)
    leave_clock: float
    entry_clock: list[float] = field(default_factory=list)
    exit_clock: list[float] = field(default_factory=list)


class Participant(mesa.Agent):
    """A participant on the programme: both employment paths and the shared leave clock."""

    def __init__(self, model: ParticipantRules, person: Person, provider: Provider) -> None:
        super().__init__(model)
        self.person = person
        self.provider = provider
        self.treated = EmploymentPath()
        self.counterfactual = EmploymentPath()
        self.leave_accumulated = 0.0
        self.left = False  # left the programme other than for work
        self.programme_week = 0  # weeks on the programme so far
        self.hours = 0.0  # adviser hours this week, set by the provider
        # What the contract has already paid for this person (payments are not modelled here).
        self.outcome_done = False
        self.sustain_count = 0
        self.paid = 0.0

    @property
    def eligible(self) -> bool:
        """Can be served this week: attached (always, while the agent exists), on the
        programme and out of work on the treated path."""
        return not self.left and not self.treated.in_work

    def step(self) -> None:
        """One week of `employment._step` for this participant, attached throughout."""
        model, person = self.model, self.person
        g = person.group
        if not self.left:
            self.leave_accumulated += model.leave_rate[g]
            if self.leave_accumulated >= person.leave_clock:
                self.left = True
        base = (
            model.entry_rate[g]
            * person.frailty
            * model.demand[person.area]
            * model.duration[self.programme_week]
        )
        uplift = model.service_effect * min(self.hours / model.full_service_hours, 1.0)
        self._advance(self.treated, base * (1.0 + uplift))
        self._advance(self.counterfactual, base)
        self.programme_week += 1

    def _advance(self, path: EmploymentPath, entry_hazard: float) -> None:
        model, person = self.model, self.person
        if path.in_work:
            g = person.group
            loss = model.separation_rate[g] if path.tenure < TENURE_SPLIT else model.later_rate[g]
            path.accumulated += loss
            if path.accumulated >= person.exit_clock[path.exits % TARGETS]:
                path.exits += 1
                path.accumulated = 0.0
                path.in_work = False
                path.tenure = 0
            else:
                path.tenure += 1
        elif not self.left:
            path.accumulated += entry_hazard
            if path.accumulated >= person.entry_clock[path.entries % TARGETS]:
                path.entries += 1
                path.accumulated = 0.0
                path.in_work = True
                path.tenure = 1


class Provider(mesa.Agent):
    """A prime provider sharing its weekly adviser hours across its caseload."""

    def __init__(
        self, model: ParticipantRules, capacity: float, cost_per_hour: float, norm: float
    ) -> None:
        super().__init__(model)
        self.capacity = capacity
        self.cost_per_hour = cost_per_hour
        self.professional_norm = norm
        self.caseload: list[Participant] = []  # in referral order, as pbrlab's active arrays

    def value_of_an_hour(self, who: Participant) -> float:
        """The money one more hour of service is expected to bring, by the provider's own
        noisy estimate of the person's chance (allocation.py, first loop)."""
        model, person = self.model, who.person
        r, y = person.row, person.year
        left = model.sustainment_max[r] - who.sustain_count
        stake = model.sustainment_fee[r][y] * left
        if not who.outcome_done:
            stake += model.outcome_fee[r][y]
        rate = (
            model.entry_rate[person.group]
            * person.frailty
            * model.demand[person.area]
            * model.duration[who.programme_week]
        )
        p = model.retention[r] * (1.0 - math.exp(-rate))
        estimate = p * person.odds_factor / (1.0 - p + p * person.odds_factor)
        return max(min(stake, model.cap[r] - who.paid), 0.0) * estimate * model.effect_per_hour

    def allocate(self) -> None:
        """Minimum contact for all; the spare hours to the funded, in proportion to score."""
        model = self.model
        norm, full = self.professional_norm, model.full_service_hours
        served = []
        total = 0.0
        for who in self.caseload:
            who.hours = 0.0
            if who.eligible:
                value = self.value_of_an_hour(who)
                served.append((who, value))
                total += value
        if not served:
            return
        count = float(len(served))
        scores = []
        funded = 0.0
        for who, value in served:
            score = (1.0 - norm) * value + norm * total / count
            if score >= (1.0 - norm) * self.cost_per_hour and score > 0.0:
                funded += score
            else:
                score = -1.0
            scores.append((who, score))
        base = model.minimum_contact_hours
        spare = self.capacity - base * count
        if spare < 0.0:  # not even the minimum for all: share what there is
            base = self.capacity / count
            spare = 0.0
        for who, score in scores:
            who.hours = base
            if score > 0.0 and full > base:
                who.hours += min(full - base, spare * score / funded)


class ParticipantRules(mesa.Model):
    """The weekly participant rules of one scenario run, over `weeks` simulated weeks."""

    def __init__(self, world: World, people: list[Person], weeks: int, record: bool = False):
        super().__init__(seed=world.scenario.seed)
        stakes, policy = world.stakes, world.policy
        self.attachment_weeks = world.attachment_weeks
        self.entry_rate = world.entry_rate.tolist()
        self.separation_rate = world.separation_rate.tolist()
        self.later_rate = world.later_separation_rate.tolist()
        self.leave_rate = world.leave_rate.tolist()
        self.demand_by_week = world.demand.tolist()
        self.duration = world.duration.tolist()
        self.demand: list[float] = []
        self.outcome_fee = stakes.outcome_fee.tolist()
        self.sustainment_fee = stakes.sustainment_fee.tolist()
        self.sustainment_max = stakes.sustainment_max.tolist()
        self.retention = stakes.retention.tolist()
        self.cap = stakes.cap.tolist()
        self.service_effect = policy.service_effect
        self.effect_per_hour = policy.service_effect / policy.full_service_hours
        self.full_service_hours = policy.full_service_hours
        self.minimum_contact_hours = policy.minimum_contact_hours
        self.providers = [
            Provider(self, capacity, cost, norm)
            for capacity, cost, norm in zip(
                policy.capacity.tolist(),
                policy.cost_per_hour.tolist(),
                policy.professional_norm.tolist(),
                strict=True,
            )
        ]
        self.people = people
        self.next_person = 0
        self.weeks = weeks
        self.record = record
        self.history: list[list[tuple[int, float, bool, bool]]] = []
        self.participant_weeks = 0
        self.done = dict.fromkeys(TOTALS, 0)  # totals of the participants already removed

    def step(self) -> None:
        """Referrals arrive, providers allocate, participants step, attachments end."""
        w = self.steps - 1  # Mesa counts steps from 1
        self.demand = self.demand_by_week[w]
        while self.next_person < len(self.people):
            person = self.people[self.next_person]
            if person.referral_week > w:
                break
            provider = self.providers[person.provider]
            provider.caseload.append(Participant(self, person, provider))
            self.next_person += 1
        participants = self.agents_by_type[Participant]
        self.participant_weeks += len(participants)
        self.agents_by_type[Provider].do("allocate")
        participants.shuffle_do("step")
        if self.record:
            self.history.append(
                [
                    (a.person.index, a.hours, a.treated.in_work, a.counterfactual.in_work)
                    for a in participants
                ]
            )
        span = self.attachment_weeks
        finished = participants.select(lambda a: a.programme_week == span)
        if len(finished):
            for provider in self.providers:
                provider.caseload = [a for a in provider.caseload if a.programme_week < span]
            self._count(finished)
            finished.do("remove")

    def run(self) -> None:
        for _ in range(self.weeks):
            self.step()

    def totals(self) -> dict[str, int]:
        """Entries and exits on both paths, over everyone referred so far."""
        totals = dict(self.done)
        still = self.agents_by_type.get(Participant)
        for name, value in self._sums(still if still is not None else []).items():
            totals[name] += value
        return totals

    def _count(self, agents: Iterable[Participant]) -> None:
        for name, value in self._sums(agents).items():
            self.done[name] += value

    @staticmethod
    def _sums(agents: Iterable[Participant]) -> dict[str, int]:
        sums = dict.fromkeys(TOTALS, 0)
        for a in agents:
            sums["treated_entries"] += a.treated.entries
            sums["counterfactual_entries"] += a.counterfactual.entries
            sums["treated_exits"] += a.treated.exits
            sums["counterfactual_exits"] += a.counterfactual.exits
        return sums
