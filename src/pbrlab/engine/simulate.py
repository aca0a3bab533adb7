"""The weekly loop: referrals arrive, providers allocate hours, both paths step, payments flow.

Everyone referred over the run is drawn first (week by week from the scenario seed), so the
loop itself draws nothing: the same scenario gives the same run however it is split. Each week
the loop touches only the *active* participants, dropping those for whom nothing more can
happen (attachment over and no payment still possible on either path).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.commissioning.management import Rules as ManagementRules
from pbrlab.commissioning.management import YearResults, minimum_levels, review
from pbrlab.engine.capabilities import Capabilities
from pbrlab.engine.cash import Cash
from pbrlab.engine.employers import EmployerMatches
from pbrlab.engine.payments import PaymentBook, Priced, Segments
from pbrlab.engine.tally import Tally
from pbrlab.engine.world import World
from pbrlab.market.consortia import with_consortia
from pbrlab.market.load import load_market
from pbrlab.market.procurement import Lots, procure
from pbrlab.payments.kernel import Caseload, may_pay_later
from pbrlab.population.cohorts import Allocation, Cohort, draw_all
from pbrlab.population.employment import COUNTERFACTUAL, TREATED, Hazards, Moves, Paths, step
from pbrlab.population.referrals import expected_referrals
from pbrlab.providers.allocation import Caseloads, ServiceRecord, allocate, judged
from pbrlab.scenarios.model import SupplyChains

TRANSFER_STREAM, SHIFT_STREAM, REFERRAL_STREAM = 3, 4, 5
"""Moves after an exit in week w draw from SeedSequence(seed, spawn_key=(3, w, provider)); a
market-share shift of group g from a provider, from spawn_key=(4, w, g, provider); referrals on
to subcontractors in week w, from spawn_key=(5, w)."""


@dataclass
class JobLog:
    """The treated path's jobs as records: start and end day (-1: still in work at the end)."""

    participant: list[IntArray] = field(default_factory=list)
    start: list[IntArray] = field(default_factory=list)
    end: list[IntArray] = field(default_factory=list)

    def add(self, who: IntArray, start: IntArray, end: IntArray) -> None:
        self.participant.append(who)
        self.start.append(start)
        self.end.append(end)

    def arrays(self) -> tuple[IntArray, IntArray, IntArray]:
        def cat(parts: list[IntArray]) -> IntArray:
            return np.concatenate(parts) if parts else np.empty(0, np.int64)

        return cat(self.participant), cat(self.start), cat(self.end)


@dataclass
class Simulation:
    """Everything a run produced, as arrays; `pbrlab.engine.outputs` turns it into tables."""

    world: World
    people: Cohort
    contract: IntArray  # [participant]
    paths: Paths
    book: PaymentBook
    payments: Priced  # treated path, every event triggered by the end
    deadweight: Priced  # counterfactual path: what would have been paid anyway
    spells: tuple[IntArray, IntArray, IntArray]
    service_hours: FloatArray  # [participant] total hours received
    served_weeks: IntArray  # [participant] weeks attached, on the programme and out of work
    tally: Tally
    cash: Cash
    participant_weeks: int  # participant-weeks stepped: the unit of the benchmark
    insolvencies: list[dict[str, int]]  # provider, week, participants moved
    terminations: list[dict[str, int]]  # provider, week, participants moved
    share_shifts: list[dict[str, int]]  # week, group, from and to provider, referrals moved
    capabilities: Capabilities | None  # providers' ties and innovation at the end
    payee: IntArray  # [participant] who the commissioner pays for them (the prime)
    referred_on: IntArray  # [provider] newcomers each prime referred to its subcontractors
    received: IntArray  # [provider] participants each subcontractor received (tier 2: bought)
    received_first_year: IntArray  # [provider] the same, in the first 52 weeks
    subcontracts_ended: list[dict[str, int]]  # provider, week, participants moved
    employer_matches: IntArray | None  # [provider, pattern] job starts by how employers chose
    effectiveness: FloatArray  # [provider] own effectiveness at the end (a re-tender sets it)
    organisation: list[str]  # [provider] who holds it at the end (a re-tender may change it)
    started_week: IntArray  # [provider] first week trading (-1: a standby never used)
    retenders: list[dict[str, Any]]  # week, replaces, provider, organisation, bidders, ...
    work_weeks: IntArray  # [path, participant] weeks ending in work while attached
    sustained_week: IntArray  # [path, participant] week work_weeks reached a sustained job, or -1

    @property
    def size(self) -> int:
        return self.people.size


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class _Week:
    """The active participants this week, in loop order, and their programme week's days."""

    active: IntArray
    k: IntArray  # weeks on the programme
    start: IntArray
    end: IntArray
    attached: BoolArray
    newcomers: slice | BoolArray  # those referred this week

    def segments(self, rows: BoolArray | slice) -> Segments:
        """This week's segments of the participants at `rows`."""
        index = np.flatnonzero(rows) if isinstance(rows, np.ndarray) else rows
        return Segments(self.active[index], self.start[index], self.end[index])


SUSTAINED_JOB_WEEKS = 26
"""A sustained job, the yardstick every option is measured by whoever pays for what: 26 weeks in
work (cumulative) within the attachment, the Work Programme's longer job outcome definition
("for two groups of Jobseeker's Allowance claimants, the measure is six months in paid work",
Learning and Work Institute, work-programme-record.md 1.4; cumulative across jobs, WPC 2013
16205.htm para 17) and Restart's 26 weeks ("working 16 hours per week for 26 weeks", DWP
statistics via Advice Network, work-programme-record.md, Restart)."""


def simulate(world: World, progress: Progress | None = None) -> Simulation:
    """Run the scenario week by week; `progress(done, total)` is called after each week."""
    scenario = world.scenario
    people = draw_all(expected_referrals(scenario), Allocation.of(scenario), scenario.seed)
    run = _Run(world, people)
    for week in range(world.weeks):
        run.week(week)
        if progress is not None:
            progress(week + 1, world.weeks)
    return run.finish()


class _Run:
    def __init__(self, world: World, people: Cohort) -> None:
        self.world, self.people = world, people
        n = people.size
        self.contract = world.provider_contract[people.provider]
        n_groups = world.contract_group.shape[1]
        self.row = self.contract * n_groups + people.group
        group_in_contract = world.contract_group[self.contract, people.group]
        self.caseload = Caseload(group_in_contract, people.referral_day)
        self.year = world.contract_year(self.contract, people.referral_day)
        self.book = PaymentBook(world, self.contract, self.caseload)
        self.paths = Paths.start(n)
        self.clocks = (people.entry_clock, people.exit_clock, people.leave_clock)
        self.first = np.searchsorted(people.referral_week, np.arange(world.weeks + 1))
        self.active = np.empty(0, np.int64)
        self.job_start = np.full(n, -1, np.int64)
        self.odds_factor = np.exp(world.policy.judgement_noise * people.judgement)
        self.service = ServiceRecord.empty(n, n_groups, len(world.scenario.providers))
        self.spells = JobLog()
        self.work_weeks = np.zeros((2, n), np.int64)
        self.sustained_week = np.full((2, n), -1, np.int64)
        self.payments: list[Priced] = []
        self.deadweight: list[Priced] = []
        n_providers = len(world.scenario.providers)
        self.tally = Tally(world.weeks, n_groups, n_providers, world.week_start[0], world.as_of)
        self.payee = world.payee[people.provider]  # [participant] who is paid for them
        self.cash = Cash.open(world, self.contract, people, self.payee)
        self.participant_weeks = 0
        self.service_from = np.zeros(n, np.int64)  # first week a moved participant is served again
        self.insolvencies: list[dict[str, int]] = []
        self.terminations: list[dict[str, int]] = []
        self.share_shifts: list[dict[str, int]] = []
        self.streak = np.zeros(len(world.scenario.providers), np.int64)
        self.policy = world.policy  # this week's: effectiveness moves with capabilities
        # Who holds each place, and how they serve: a re-tender's winner changes them.
        self.effectiveness = world.policy.effectiveness.copy()
        self.norm = world.policy.professional_norm.copy()
        self.organisation = [p.organisation or p.id for p in world.scenario.providers]
        self.started_week = np.array([-1 if p.replaces else 0 for p in world.scenario.providers])
        self.retenders: list[dict[str, Any]] = []
        self.has_subcontractors = bool((world.payee != np.arange(world.payee.size)).any())
        self.referred_on = np.zeros(n_providers, np.int64)  # by prime, to tier 1
        self.received = np.zeros(n_providers, np.int64)  # by subcontractor
        self.received_first_year = np.zeros(n_providers, np.int64)
        self.sent_to = np.full(n, -1, np.int64)  # [participant] the tier-1 subcontractor, if any
        self.returns: dict[int, list[tuple[IntArray, IntArray]]] = {}  # week -> spot returns
        self.subcontracts_ended: list[dict[str, int]] = []
        relationships = world.scenario.relationships
        self.capabilities = (
            None if relationships is None else Capabilities(relationships, world.scenario)
        )
        self.referral_weeks = int(
            np.searchsorted(self.first, people.size)
        )  # last referral week + 1
        chains = world.scenario.supply_chains
        ends_subcontracts = chains is not None and chains.end_below is not None
        self.year_ends = _year_ends(world) if world.scenario.management or ends_subcontracts else {}
        areas = [a.id for a in world.scenario.areas]
        self.provider_area = np.array([areas.index(p.area) for p in world.scenario.providers])
        employers = world.scenario.employers
        self.employers = (
            None
            if employers is None
            else EmployerMatches(
                employers,
                self.provider_area,
                world.policy.capacity,
                world.tier < 2,
                world.scenario.seed,
            )
        )

    def week(self, w: int) -> None:
        """Referrals arrive; providers give hours; both paths step; payments and cash move."""
        self._review_employers(w)
        effectiveness = self.effectiveness
        if self.capabilities is not None:
            effectiveness = effectiveness * self.capabilities.multiplier()
        if self.employers is not None:
            effectiveness = effectiveness * self.employers.factor
        self.policy = dataclasses.replace(
            self.world.policy, effectiveness=effectiveness, professional_norm=self.norm
        )
        week = self._this_week(w)
        hours = self._allocate(w, week.active, week.k, week.attached)
        moves = self._step(w, week, hours)
        self._pay(w, week, moves)
        # Every fourth week is often enough to forget people (the last may leave some out).
        if w % 4 == 3 and w < self.world.weeks - 1:
            self._drop_finished(week.k, week.end)

    def _this_week(self, w: int) -> _Week:
        world, people = self.world, self.people
        new = np.arange(self.first[w], self.first[w + 1])
        self.active = np.concatenate([self.active, new])
        self.tally.arrivals(w, people.group[new], people.provider[new])
        self.cash.arrive(new)
        self._back_from_specialists(w)
        self._refer_on(w, new)
        active = self.active
        k = w - people.referral_week[active]
        start = people.referral_day[active] + 7 * k
        # Newcomers end `active`; the calendar may end inside some people's last week.
        newcomers: slice | BoolArray = slice(active.size - new.size, None)
        if w == world.weeks - 1:
            keep = start <= world.as_of
            active, k, start = active[keep], k[keep], start[keep]
            newcomers = k == 0
        self.participant_weeks += active.size
        end = np.minimum(start + 6, world.as_of)
        return _Week(active, k, start, end, k < world.attachment_weeks, newcomers)

    def _step(self, w: int, week: _Week, hours: FloatArray) -> Moves:
        world, people = self.world, self.people
        policy = self.policy
        effect = policy.service_effect * policy.effectiveness[people.provider[week.active]]
        uplift = effect * np.minimum(hours / policy.full_service_hours, 1.0)
        hazards = Hazards(
            world.entry_rate,
            world.separation_rate,
            world.later_separation_rate,
            world.leave_rate,
            world.demand[w],
            world.duration,
        )
        moves = step(
            self.paths,
            week.active,
            week.k,
            week.attached,
            people.group,
            people.area,
            people.frailty,
            uplift,
            self.clocks,
            hazards,
        )
        self._record_spells(week.active, week.start, moves.entered[TREATED], moves.left[TREATED])
        self._count_work(w, week.active, moves.working & week.attached)
        starts = week.active[moves.entered[TREATED] & week.attached]
        self.tally.job_starts(w, people.group[starts], people.provider[starts])
        if self.employers is not None:
            self.employers.record(w, people.provider[starts])
        return moves

    def _count_work(self, w: int, active: IntArray, working: BoolArray) -> None:
        """The contract-free yardstick every option is measured by: weeks in work while attached
        on each path, and the week each person's reached a sustained job."""
        path, at = np.nonzero(working)  # only the weeks worked change anything
        cell = path * self.work_weeks.shape[1] + active[at]
        weeks = self.work_weeks.reshape(-1)
        weeks[cell] += 1  # one cell per person and path: no repeats
        reached = cell[weeks[cell] == SUSTAINED_JOB_WEEKS]  # the week the count gets there
        self.sustained_week.reshape(-1)[reached] = w

    def _pay(self, w: int, week: _Week, moves: Moves) -> None:
        """Both paths through the kernel; attachment fees at referral, service fees while
        attached where a contract pays them."""
        service_fees = any(r.service_max.any() for r in self.world.rules)
        fee_weeks = week.attached if service_fees else week.newcomers
        self.book.split(week.active[moves.split])
        treated = self.book.treated_week(
            week.segments(moves.working[TREATED]), week.segments(fee_weeks)
        )
        deadweight = self.book.counterfactual_week(
            week.segments(moves.working[COUNTERFACTUAL] & moves.apart),
            treated,
            self.paths.diverged,
        )
        self.payments.append(treated)
        self.deadweight.append(deadweight)
        self.tally.payments(treated, self.people.group, self.payee)
        failed = self.cash.week(w, treated, self.tally.provider_cost(w))
        for provider in failed:
            self._exit(w, int(provider), self.insolvencies)
        self._review(w)
        if self.capabilities is not None:
            surplus = self.cash.balance > self.cash.opening
            self.capabilities.week(self.cash.trading, surplus, w, self.referral_weeks)

    def _review_employers(self, w: int) -> None:
        """Once a year employers' choices among providers are renewed (see engine.employers)."""
        if self.employers is None or w % 52:
            return
        n = self.world.payee.size
        ties = np.zeros(n) if self.capabilities is None else self.capabilities.ties
        placed = self.tally.counts["job_starts"][:w].sum(axis=(0, 1)).astype(np.float64)
        self.employers.review(w, self.world.policy.effectiveness, ties, placed, self.cash.trading)

    def _refer_on(self, w: int, new: IntArray) -> None:
        """Primes pass newcomers down their supply chains when that pays them.

        Tier 1: a prime refers a newcomer on (to one of its trading end-to-end subcontractors, at
        random) when the expected payments it would keep, (1 - management fee) of stake × its
        chance estimate over the attachment, are worth less than the minimum contact it would owe
        them in-house. So it keeps the job-ready and passes on the hardest to help.
        Tier 2: for a newcomer it keeps, it buys a specialist's intervention when that pays
        (`_buy_specialists`). How many each subcontractor receives, against what the bid
        planned, is an outcome."""
        world, people = self.world, self.people
        if not self.has_subcontractors or not new.size:
            return
        prime = people.provider[new]
        stake, chance = self._expected(w, new)
        rng = self._rng(REFERRAL_STREAM, w)
        draws = rng.random(new.size)
        weeks = world.attachment_weeks
        contact = world.policy.minimum_contact_hours * weeks * world.policy.cost_per_hour[prime]
        kept = (1.0 - self.cash.terms.fee[self.contract[new]]) * stake
        refer = kept * _window(chance, weeks) < contact
        end_to_end = self._pick_end_to_end(prime, refer, draws)
        sent = end_to_end >= 0
        self._hand_over(w, new[sent], end_to_end[sent])
        self.sent_to[new[sent]] = end_to_end[sent]
        np.add.at(self.referred_on, prime[sent], 1)
        chains = world.scenario.supply_chains
        if chains is not None:
            kept_here = np.flatnonzero(~sent)
            order = kept_here[np.argsort(rng.random(kept_here.size), kind="stable")]
            self._buy_specialists(w, chains, new[order], prime[order], stake[order], chance[order])

    def _buy_specialists(
        self,
        w: int,
        chains: SupplyChains,
        new: IntArray,
        prime: IntArray,
        stake: FloatArray,
        chance: FloatArray,
    ) -> None:
        """A prime buys a specialist's intervention for a newcomer it keeps when the rise in its
        expected payments over the spot weeks is worth more than the spot price. It buys from
        the specialist that adds most (the most effective one trading), and from the next only
        while that one has no free place (its adviser hours at full service), as any buyer
        would at one price. So purchases concentrate on a prime's best specialists and the
        others named in its bid may get none: 'bid candy' (behaviour-evidence 4.2). Newcomers
        come in random order (`new` is shuffled)."""
        world = self.world
        spot, price = chains.spot_weeks.value, chains.spot_price_gbp.value
        effect = world.policy.service_effect * self.policy.effectiveness
        free = self._free_places()
        specialists = (world.tier == 2) & self.cash.trading
        for p in np.unique(prime):
            subs = np.flatnonzero(specialists & (world.payee == p))
            if not subs.size:
                continue
            subs = subs[np.argsort(-effect[subs], kind="stable")]
            mine = np.flatnonzero(prime == p)
            worth = stake[mine] * _spot_gain(chance[mine], effect[subs[0]], spot) > price
            slots = np.repeat(subs, free[subs])
            rows = mine[worth][: slots.size]
            to = slots[: rows.size]
            pays = stake[rows] * _spot_gain(chance[rows], effect[to], spot) > price
            rows, to = rows[pays], to[pays]
            if not rows.size:
                continue
            self._hand_over(w, new[rows], to)
            self.cash.spot(w, prime[rows], to, price)
            self.returns.setdefault(w + spot, []).append((new[rows], to))

    def _free_places(self) -> IntArray:
        """[provider] places a specialist has free for spot purchases: as many as its adviser
        hours give full service to (at least one), less those it is serving now."""
        policy = self.world.policy
        places = np.maximum(np.rint(policy.capacity / policy.full_service_hours), 1.0)
        held = np.zeros(places.size, np.int64)
        for batches in self.returns.values():
            for who, specialist in batches:
                still = specialist[self.people.provider[who] == specialist]
                held += np.bincount(still, minlength=places.size)
        free: IntArray = np.maximum(places.astype(np.int64) - held, 0)
        return free

    def _pick_end_to_end(self, prime: IntArray, rows: BoolArray, draws: FloatArray) -> IntArray:
        """For each row, one of its prime's trading tier-1 subcontractors at random (-1: none)."""
        payee, trading = self.world.payee, self.cash.trading
        chosen = np.full(prime.size, -1, np.int64)
        for p in np.unique(prime[rows]):
            subs = np.flatnonzero((payee == p) & (self.world.tier == 1) & trading)
            if subs.size:
                mine = rows & (prime == p)
                chosen[mine] = subs[(draws[mine] * subs.size).astype(np.int64)]
        return chosen

    def _hand_over(self, w: int, who: IntArray, to: IntArray) -> None:
        """Participants go to a subcontractor: counted against its prime's plan."""
        self._move(who, to)
        np.add.at(self.received, to, 1)
        if w < 52:
            np.add.at(self.received_first_year, to, 1)

    def _back_from_specialists(self, w: int) -> None:
        """Spot interventions that end this week: participants go back to their prime (unless an
        exit has moved them already)."""
        for who, specialist in self.returns.pop(w, []):
            still = who[self.people.provider[who] == specialist]
            self._move(still, self.world.payee[self.people.provider[still]])

    def _expected(self, w: int, who: IntArray) -> tuple[FloatArray, FloatArray]:
        """Each newcomer's stake (outcome fee and sustainment) and the prime's weekly chance
        estimate, as in the allocation rule."""
        world, people = self.world, self.people
        stakes = world.stakes
        row, year = self.row[who], self.year[who]
        stake = (
            stakes.outcome_fee[row, year]
            + stakes.sustainment_fee[row, year] * (stakes.sustainment_max[row])
        )
        rate = world.entry_rate[people.group[who]] * people.frailty[who]
        rate = rate * world.demand[w][people.area[who]] * world.duration[0]
        chance = stakes.retention[row] * (1.0 - np.exp(-rate))
        return stake, judged(chance, self.odds_factor[who])

    def _exit(self, w: int, gone: int, log: list[dict[str, int]]) -> None:
        """A provider stops trading (insolvent or terminated). A subcontractor's caseload goes
        back to its prime. A prime's caseload, its subcontractors' (whose subcontracts end with
        it) and its future referrals move to the primes still trading in its area (or anywhere,
        if none is), at random. Those on the programme go without service for the disruption
        weeks."""
        world, people = self.world, self.people
        payee = world.payee
        subcontractors = np.flatnonzero((payee == gone) & (np.arange(payee.size) != gone))
        for p in [gone, *subcontractors[self.cash.trading[subcontractors]]]:
            self.cash.exit(int(p), w)
            if self.capabilities is not None:
                self.capabilities.exit(int(p))
        providers = world.scenario.providers
        here = np.array([p.area == providers[gone].area for p in providers])
        primes = self.cash.trading & (payee == np.arange(payee.size))
        successor = self._retender(w, gone)
        if payee[gone] != gone and self.cash.trading[payee[gone]]:
            others = payee[gone : gone + 1]  # back to its prime
        elif successor >= 0:
            others = np.array([successor])  # to the re-tender's winner
        else:
            others = np.flatnonzero(primes & here)
            others = others if others.size else np.flatnonzero(primes)
        current = np.zeros(people.size, np.bool_)
        current[self.active] = True
        mine = (people.provider == gone) | (self.payee == gone)
        moved = np.flatnonzero(mine & (current | (people.referral_week > w)))
        if not others.size:  # nobody left to take them: they stay where they are
            moved = moved[:0]
        log.append({"provider": gone, "week": w, "moved": int(moved.size)})
        if not moved.size:
            return
        new = self._successors(w, gone, moved, others, primes)
        keep = new >= 0  # no one anywhere takes their group: they stay where they are
        moved, new = moved[keep], new[keep]
        self._move(moved, new)
        finance = world.scenario.finance
        gap = 0 if finance is None else finance.disruption_weeks.value
        self.service_from[moved] = w + 1 + gap

    def _successors(
        self, w: int, gone: int, moved: IntArray, others: IntArray, primes: BoolArray
    ) -> IntArray:
        """Each moved participant's new provider, at random among `others` taking their group
        (else among the primes anywhere that do; -1 if none does)."""
        rng = self._rng(TRANSFER_STREAM, w, gone)
        serves = self.world.serves
        if serves[others].all():
            return np.asarray(rng.choice(others, size=moved.size), np.int64)
        group = self.people.group[moved]
        new = np.full(moved.size, -1, np.int64)
        for g in np.unique(group):
            mine = group == g
            takers = others[serves[others, g]]
            if not takers.size:
                takers = np.flatnonzero(primes & serves[:, g])
            if takers.size:
                new[mine] = rng.choice(takers, size=int(mine.sum()))
        return new

    def _retender(self, w: int, gone: int) -> int:
        """With the market plan's `retender`, the commissioner re-tenders an exiting prime's place
        among the organisations not holding a place in its area (round 1, 2, ... of the seed's
        procurement stream); the winner takes the standby place, serving with its own
        effectiveness, innovation and norm. Returns the standby (or -1: no re-tender, no bid)."""
        world = self.world
        plan = world.scenario.market
        standby = int(world.standby[gone])
        if plan is None or not plan.retender or standby < 0:
            return -1
        market = load_market(plan.market, plan.overrides)
        every = Lots.of(world.scenario)
        if plan.consortia:  # the same consortia as at the first tender
            market = with_consortia(market, every.areas, every.share, world.scenario.seed)
        area = world.scenario.providers[gone].area
        ids = [o.id for o in market.organisations]
        here = (self.provider_area == self.provider_area[gone]) & self.cash.trading
        holding = {self.organisation[p] for p in np.flatnonzero(here)} | {self.organisation[gone]}
        excluded = np.array([i in holding for i in ids])
        lots = every.only(area)
        result = procure(market, lots, world.scenario.seed, len(self.retenders) + 1, excluded)
        won = np.flatnonzero(result.bids.won)
        if not won.size:
            return -1
        winner = market.organisations[int(result.bids.bidder[won[0]])]
        self.organisation[standby] = winner.id
        self.effectiveness[standby] = winner.effectiveness.value
        if winner.professional_norm is not None:
            self.norm[standby] = winner.professional_norm.value
        if self.capabilities is not None:
            self.capabilities.innovation[standby] = winner.innovation.value
        self.cash.start(standby)
        self.started_week[standby] = w + 1
        self.retenders.append(
            {
                "week": w,
                "replaces": gone,
                "provider": standby,
                "organisation": winner.id,
                "bidders": int(result.bids.size),
                "promised_rate": float(result.bids.promised_rate[won[0]]),
                "score": float(result.bids.score[won[0]]),
            }
        )
        return standby

    def _move(self, who: IntArray, to: IntArray) -> None:
        """Participants change provider: everything that follows from the provider follows."""
        world, people = self.world, self.people
        people.provider[who] = to
        self.payee[who] = world.payee[to]
        self.contract[who] = world.provider_contract[to]
        n_groups = world.contract_group.shape[1]
        self.row[who] = self.contract[who] * n_groups + people.group[who]
        self.caseload.group[who] = world.contract_group[self.contract[who], people.group[who]]
        self.book.base[who] = world.contract_base[self.contract[who]]
        self.year[who] = world.contract_year(self.contract[who], people.referral_day[who])

    def _rng(self, *key: int) -> np.random.Generator:
        return np.random.default_rng(
            np.random.SeedSequence(self.world.scenario.seed, spawn_key=key)
        )

    def _review(self, w: int) -> None:
        """Contract years ending this week: shift market shares and terminate, as managed."""
        world, people = self.world, self.people
        for base, year in self.year_ends.get(w, []):
            rules = world.rules[base]
            first, last = rules.year_starts[year], rules.year_starts[year + 1] - 1
            weeks = (world.week_start >= first) & (world.week_start <= last)
            holds = world.contract_base[world.provider_contract] == base
            results = YearResults(
                year=year + 1,
                referrals=self.tally.counts["referrals"][weeks, :-1, :].sum(axis=0).T,
                outcomes=self.tally.counts["job_outcomes"][weeks, :-1, :].sum(axis=0).T,
                minimum=minimum_levels(
                    world.contracts[base], [g.id for g in world.scenario.groups], year + 1
                ),
            )
            rules_here = _management_rules(world, base)
            decisions = review(
                results,
                rules_here,
                self.provider_area,
                self.cash.trading,
                self.streak,
                holds,
                world.serves,
            )
            for g, worst, best in decisions.shifts:
                future = np.flatnonzero(
                    (people.provider == worst) & (people.group == g) & (people.referral_week > w)
                )
                share = rules_here.shift_share
                chosen = self._rng(SHIFT_STREAM, w, g, worst).random(future.size) < share
                self._move(future[chosen], np.full(int(chosen.sum()), best))
                self.share_shifts.append(
                    {
                        "week": w,
                        "group": g,
                        "from": worst,
                        "to": best,
                        "moved": int(chosen.sum()),
                        "eligible": int(future.size),
                    }
                )
            for provider in decisions.terminated:
                self._exit(w, provider, self.terminations)
            self._end_subcontracts(w, last, holds)

    def _end_subcontracts(self, w: int, last: int, holds: BoolArray) -> None:
        """At a contract year's end a prime ends a tier-1 subcontract whose job outcomes so far are
        below `end_below` of what its own in-house rates, group by group, would have given the
        same referrals, once those rates would have given enough outcomes to judge by. The
        caseload comes back to the prime."""
        chains = self.world.scenario.supply_chains
        if chains is None or chains.end_below is None:
            return
        people, world = self.people, self.world
        n, n_groups = world.payee.size, len(world.scenario.groups)
        outcome_day = self.book.treated.outcome_day
        unit = np.where(self.sent_to >= 0, self.sent_to, self.payee)  # first served by
        referred = people.referral_day <= last
        achieved = referred & (outcome_day <= last)
        cell = unit * n_groups + people.group
        referrals = np.bincount(cell[referred], minlength=n * n_groups).reshape(n, n_groups)
        outcomes = np.bincount(cell[achieved], minlength=n * n_groups).reshape(n, n_groups)
        in_house = outcomes / np.maximum(referrals, 1)  # meaningful for primes
        expected = (referrals * in_house[world.payee]).sum(axis=1)
        least = chains.end_minimum_expected.value if chains.end_minimum_expected else 1.0
        judged = (world.tier == 1) & holds & self.cash.trading & (expected >= least)
        poor = judged & (outcomes.sum(axis=1) < chains.end_below.value * expected)
        for sub in np.flatnonzero(poor):
            self._exit(w, int(sub), self.subcontracts_ended)

    def _allocate(self, w: int, active: IntArray, k: IntArray, attached: BoolArray) -> FloatArray:
        world, people, state = self.world, self.people, self.book.treated
        policy, servable = self.policy, attached
        finance = world.scenario.finance
        if finance is not None:  # failing providers cut service; moved people wait for it
            share = np.where(self.cash.under_pressure, finance.pressure_service_share.value, 1.0)
            capacity = policy.capacity * share * self.cash.trading
            policy = dataclasses.replace(policy, capacity=capacity)
            servable = attached & (self.service_from[active] <= w)
        caseloads = Caseloads(
            active=active,
            attached=servable,
            left=self.paths.left,
            in_work=self.paths.in_work[TREATED],
            provider=people.provider,
            row=self.row,
            year=self.year,
            odds_factor=self.odds_factor,
            group=people.group,
            area=people.area,
            frailty=people.frailty,
            entry_rate=world.entry_rate,
            demand=world.demand[w],
            programme_week=k,
            duration=world.duration,
            outcome_day=state.outcome_day,
            sustain_count=state.sustain_count,
            paid=state.paid,
        )
        self.service.by_cell[:] = 0.0
        hours = allocate(caseloads, world.stakes, policy, self.service)
        self.tally.service(w, self.service.by_cell, world.policy.cost_per_hour)
        return hours

    def _record_spells(
        self, active: IntArray, start: IntArray, entered: BoolArray, left: BoolArray
    ) -> None:
        ended = active[left]
        self.spells.add(ended, self.job_start[ended], start[left] - 1)
        self.job_start[ended] = -1
        self.job_start[active[entered]] = start[entered]

    def _drop_finished(self, k: IntArray, end: IntArray) -> None:
        """Forget those past attachment for whom neither path can trigger another payment."""
        done_attachment = k >= self.world.attachment_weeks - 1
        if not done_attachment.any():
            return
        who = self.active[done_attachment]
        after = end[done_attachment]
        can_start = ~self.paths.left[who]
        live = np.zeros(who.size, np.bool_)
        apart = self.paths.diverged[who]  # otherwise the counterfactual is the treated path
        for path, state, these in (
            (TREATED, self.book.treated, np.ones(who.size, np.bool_)),
            (COUNTERFACTUAL, self.book.counterfactual, apart),
        ):
            in_work = self.paths.in_work[path, who]
            for c, rules in enumerate(self.world.rules):
                mine = these & (self.contract[who] == c)
                live[mine] |= may_pay_later(
                    rules,
                    self.caseload,
                    state,
                    who[mine],
                    after[mine],
                    in_work[mine],
                    can_start[mine],
                )
        finished = np.zeros(self.active.size, np.bool_)
        finished[done_attachment] = ~live
        gone = self.active[finished]
        working = self.job_start[gone] >= 0
        self.spells.add(gone[working], self.job_start[gone[working]], end[finished][working])
        self.job_start[gone[working]] = -1
        self.active = self.active[~finished]

    def finish(self) -> Simulation:
        self.book.settle(self.paths.diverged)
        kind, provider, due, amount = self.cash.provider_payments
        provider_level = np.full(provider.size, -1)  # the tally's provider-level slot
        self.tally.money(kind, due, provider_level, provider, amount)
        ongoing = self.active[self.job_start[self.active] >= 0]
        self.spells.add(ongoing, self.job_start[ongoing], np.full(ongoing.size, -1, np.int64))
        return Simulation(
            world=self.world,
            people=self.people,
            contract=self.contract,
            paths=self.paths,
            book=self.book,
            payments=Priced.concat(self.payments),
            deadweight=Priced.concat(self.deadweight),
            spells=self.spells.arrays(),
            service_hours=self.service.hours,
            served_weeks=self.service.weeks,
            tally=self.tally,
            cash=self.cash,
            participant_weeks=self.participant_weeks,
            insolvencies=self.insolvencies,
            terminations=self.terminations,
            share_shifts=self.share_shifts,
            capabilities=self.capabilities,
            payee=self.payee,
            referred_on=self.referred_on,
            received=self.received,
            received_first_year=self.received_first_year,
            subcontracts_ended=self.subcontracts_ended,
            employer_matches=None if self.employers is None else self.employers.matches,
            effectiveness=self.effectiveness,
            organisation=self.organisation,
            started_week=self.started_week,
            retenders=self.retenders,
            work_weeks=self.work_weeks,
            sustained_week=self.sustained_week,
        )


def _spot_gain(chance: FloatArray, effect: FloatArray | float, weeks: int) -> FloatArray:
    """The rise in the chance of a job start over a spot purchase's weeks from a specialist
    of `effect` (the service effect times its effectiveness)."""
    uplift = np.minimum(chance * (1.0 + effect), 1.0)
    return _window(uplift, weeks) - _window(chance, weeks)


def _window(chance: FloatArray, weeks: int) -> FloatArray:
    """The chance of at least one success in `weeks` weeks at a weekly `chance`."""
    return np.asarray(1.0 - (1.0 - chance) ** weeks, np.float64)


def _management_rules(world: World, contract: int) -> ManagementRules:
    managed = world.scenario.management
    shift = world.contracts[contract].performance.market_share_shift
    if managed is None:
        return ManagementRules(0.0, 0, 0)
    return ManagementRules(
        shift_share=0.0
        if shift is None or managed.share_shift_from_year is None
        else shift.share.value,
        shift_from_year=0
        if managed.share_shift_from_year is None
        else managed.share_shift_from_year.value,
        terminate_after_years=0
        if managed.terminate_after_years is None
        else managed.terminate_after_years.value,
    )


def _year_ends(world: World) -> dict[int, list[tuple[int, int]]]:
    """Week -> (base contract, 0-based year) for every contract year that ends that week."""
    ends: dict[int, list[tuple[int, int]]] = {}
    for base in np.unique(world.contract_base):
        starts = world.rules[base].year_starts
        for year in range(starts.size - 1):
            week = int((starts[year + 1] - 1 - world.week_start[0]) // 7)
            if 0 <= week < world.weeks:
                ends.setdefault(week, []).append((int(base), year))
    return ends
