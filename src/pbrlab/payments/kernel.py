"""The rule kernel: job outcome and sustainment triggers, advanced one work segment at a time.

A *segment* is a stretch of days [start, end] (inclusive) in which a participant is in work,
with a daily earnings rate. Segments of one participant must arrive in time order and must not
overlap; a segment that starts the day after the previous one ended continues the same run of
work. Everything the rules need to remember lives in `KernelState`, one array per quantity.

Two drivers use this kernel: the batch ledger (`pbrlab.payments.ledger`), which feeds each
participant's whole history as a handful of vectorised calls, and the weekly simulator, which
feeds one week at a time. Both get the same payments, because cutting a segment in two does not
change what the rules see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pbrlab.arrays import BoolArray, Columns, FloatArray, IntArray
from pbrlab.contracts.model import PaymentKind
from pbrlab.payments.rules import BREAK_RULES, KIND_CODE, NO_DAY, GroupRules

_EPS = 1e-6  # pounds: earnings within a millionth of the threshold count as reaching it
_RESET, _STOP = (np.int8(BREAK_RULES.index(r)) for r in ("reset", "stop"))  # 'pause' keeps


@dataclass
class Caseload:
    """The participants a contract pays for, as arrays (struct of arrays)."""

    group: IntArray  # index into the contract's groups
    attach_day: IntArray

    @property
    def size(self) -> int:
        return int(self.group.size)


@dataclass
class Events(Columns):
    """Triggered payments, before pricing: who, which kind, which occurrence, on which day."""

    participant: IntArray
    kind: npt.NDArray[np.int8]
    sequence: IntArray
    day: IntArray


@dataclass
class KernelState:
    """What the rules remember about each participant between segments."""

    days_counted: IntArray
    earned: FloatArray
    outcome_day: IntArray
    last_end: IntArray
    run_start: IntArray
    sustain_count: IntArray
    sustain_progress: IntArray
    sustain_stopped: BoolArray
    paid: FloatArray

    def copy_rules_state(self, source: KernelState, who: IntArray) -> None:
        """Give `who` the rule state they have in `source` (not what was paid them)."""
        for name in self.__dataclass_fields__:
            if name != "paid":
                getattr(self, name)[who] = getattr(source, name)[who]

    @classmethod
    def empty(cls, n: int) -> KernelState:
        return cls(
            days_counted=np.zeros(n, np.int64),
            earned=np.zeros(n, np.float64),
            outcome_day=np.full(n, NO_DAY, np.int64),
            last_end=np.full(n, NO_DAY, np.int64),
            run_start=np.full(n, NO_DAY, np.int64),
            sustain_count=np.zeros(n, np.int64),
            sustain_progress=np.zeros(n, np.int64),
            sustain_stopped=np.zeros(n, bool),
            paid=np.zeros(n, np.float64),
        )


def advance(
    rules: GroupRules,
    caseload: Caseload,
    state: KernelState,
    who: IntArray,
    start: IntArray,
    end: IntArray,
    daily_earnings: FloatArray,
) -> Events:
    """Apply one work segment per participant in `who` (no repeats); return triggered events."""
    group = caseload.group[who]
    continues = start == state.last_end[who] + 1
    run_start = np.where(continues, state.run_start[who], start)
    # Each rule sees only those it may concern (most segments concern one rule or none).
    o = np.flatnonzero(rules.has_outcome[group] & (state.outcome_day[who] == NO_DAY))
    outcome = _outcome(
        rules,
        state,
        who[o],
        group[o],
        caseload.attach_day[who[o]],
        start[o],
        end[o],
        run_start[o],
        daily_earnings[o],
    )
    s = np.flatnonzero(
        rules.has_sustainment[group]
        & (state.outcome_day[who] != NO_DAY)
        & (state.sustain_count[who] < rules.sustain_max[group])
        & ~state.sustain_stopped[who]
    )
    sustainment = _sustainment(rules, state, who[s], group[s], start[s], end[s], continues[s])
    state.last_end[who] = end
    state.run_start[who] = run_start
    return Events.concat([outcome, sustainment])


def _outcome(
    rules: GroupRules,
    state: KernelState,
    who: IntArray,
    group: IntArray,
    attach: IntArray,
    start: IntArray,
    end: IntArray,
    run_start: IntArray,
    rate: FloatArray,
) -> Events:
    pending = rules.has_outcome[group] & (state.outcome_day[who] == NO_DAY)
    lo = np.maximum(start, attach)
    by_earnings = rules.by_earnings[group]

    # Weeks in work: days inside the window count; a run begun inside it may carry on counting.
    window_end = attach + rules.attachment_days - 1
    carry_on = rules.continue_after_window[group] & (run_start <= window_end)
    hi = np.where(carry_on, end, np.minimum(end, window_end))
    days = np.maximum(hi - lo + 1, 0)
    counted = state.days_counted[who]
    need_days = rules.required_days[group] - counted
    hit_weeks = pending & ~by_earnings & (days >= need_days)
    day_weeks = lo + need_days - 1

    # Earnings: pounds earned inside the earnings window reach the threshold.
    earn_hi = np.minimum(end, attach + rules.earnings_window[group] - 1)
    earn_days = np.maximum(earn_hi - lo + 1, 0)
    earned = state.earned[who]
    need_pounds = rules.threshold[group] - earned
    gain = rate * earn_days
    hit_earn = pending & by_earnings & (rate > 0) & (gain >= need_pounds - _EPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        days_to_hit = np.ceil((need_pounds - _EPS) / np.where(rate > 0, rate, 1.0))
    day_earn = lo + np.maximum(days_to_hit.astype(np.int64), 1) - 1

    hit = hit_weeks | hit_earn
    miss = pending & ~hit
    state.days_counted[who[miss & ~by_earnings]] = (counted + days)[miss & ~by_earnings]
    state.earned[who[miss & by_earnings]] = (earned + gain)[miss & by_earnings]
    day = np.where(hit_earn, day_earn, day_weeks)[hit]
    state.outcome_day[who[hit]] = day
    n = int(hit.sum())
    return Events(
        who[hit],
        np.full(n, KIND_CODE[PaymentKind.job_outcome], np.int8),
        np.ones(n, np.int64),
        day,
    )


def _sustainment(
    rules: GroupRules,
    state: KernelState,
    who: IntArray,
    group: IntArray,
    start: IntArray,
    end: IntArray,
    continues: BoolArray,
) -> Events:
    outcome_day = state.outcome_day[who]
    count = state.sustain_count[who]
    cap = rules.sustain_max[group]
    live = (
        rules.has_sustainment[group]
        & (outcome_day != NO_DAY)
        & ~state.sustain_stopped[who]
        & (count < cap)
    )
    # A break is a gap between this segment and work after the outcome.
    broke = live & ~continues & (outcome_day < start)
    rule = rules.break_rule[group]
    progress = np.where(broke & (rule == _RESET), 0, state.sustain_progress[who])
    stopped = broke & (rule == _STOP)
    state.sustain_stopped[who[stopped]] = True
    live &= ~stopped

    lo = np.maximum(start, outcome_day + 1)
    days = np.where(live, np.maximum(end - lo + 1, 0), 0)
    period = rules.sustain_days[group]
    total = progress + days
    paid_now = np.minimum(total // period, cap - count)
    paid_now = np.where(live, paid_now, 0)
    state.sustain_progress[who[live]] = (total % period)[live]
    state.sustain_count[who] = count + paid_now

    # One event per completed period: k-th new period ends (k * period - progress) days in.
    rows = np.repeat(np.arange(who.size), paid_now)
    k = _ranks_within(paid_now) + 1
    day = lo[rows] + k * period[rows] - progress[rows] - 1
    return Events(
        who[rows],
        np.full(rows.size, KIND_CODE[PaymentKind.sustainment], np.int8),
        count[rows] + k,
        day,
    )


def may_pay_later(
    rules: GroupRules,
    caseload: Caseload,
    state: KernelState,
    who: IntArray,
    after: IntArray,
    in_work: BoolArray,
    can_start_work: BoolArray,
) -> BoolArray:
    """Whether work after day `after` could still trigger an outcome or sustainment payment.

    The simulator stops following a participant once this is false for both paths, so the
    exported records give the batch engine exactly the payments the weekly run made.
    """
    group = caseload.group[who]
    attach = caseload.attach_day[who]
    pending = rules.has_outcome[group] & (state.outcome_day[who] == NO_DAY)
    window_end = np.where(
        rules.by_earnings[group],
        attach + rules.earnings_window[group] - 1,
        attach + rules.attachment_days - 1,
    )
    in_window = (after < window_end) & (in_work | can_start_work)
    carries_on = (
        in_work
        & ~rules.by_earnings[group]
        & rules.continue_after_window[group]
        & (state.run_start[who] <= window_end)
    )
    outcome = pending & (in_window | carries_on)
    sustaining = (
        rules.has_sustainment[group]
        & (state.outcome_day[who] != NO_DAY)
        & ~state.sustain_stopped[who]
        & (state.sustain_count[who] < rules.sustain_max[group])
        & (in_work | (can_start_work & (rules.break_rule[group] != _STOP)))
    )
    return np.asarray(outcome | sustaining, np.bool_)


def periodic_events(
    rules: GroupRules,
    caseload: Caseload,
    as_of: int | IntArray,
    who: IntArray | None = None,
    since: int | IntArray = int(NO_DAY),
) -> Events:
    """Attachment fees and fees per completed period on programme, with days in (since, as_of].

    By default for everyone since the start; the simulator asks for one week at a time.
    """
    who = np.arange(caseload.size) if who is None else who
    attach = caseload.attach_day[who]
    new = (since < attach) & (attach <= as_of)
    attachment = Events(
        who[new],
        np.full(int(new.sum()), KIND_CODE[PaymentKind.attachment], np.int8),
        np.ones(int(new.sum()), np.int64),
        attach[new],
    )
    group = caseload.group[who]
    period = rules.service_days[group]

    def completed(day: int | IntArray) -> IntArray:
        elapsed = np.minimum(rules.attachment_days, day - attach + 1)
        return np.clip(np.minimum(elapsed // period, rules.service_max[group]), 0, None)

    before = completed(since)
    count = np.maximum(completed(as_of) - before, 0)
    rows = np.repeat(np.arange(who.size), count)
    k = before[rows] + _ranks_within(count) + 1
    service = Events(
        who[rows],
        np.full(rows.size, KIND_CODE[PaymentKind.service_fee], np.int8),
        k,
        attach[rows] + k * period[rows] - 1,
    )
    return Events.concat([attachment, service])


def price(rules: GroupRules, caseload: Caseload, state: KernelState, events: Events) -> FloatArray:
    """Amount of each event: the tariff for its group and year, within the participant's cap.

    Events are capped in the order given, so callers pass them in time order; what is paid is
    added to `state.paid`, so later calls continue from it.
    """
    if events.size == 0:
        return np.zeros(0)
    # One lookup in a [kind, group, year] cube of fees; kinds without a fee cost nothing here.
    cube = np.zeros((len(KIND_CODE), *next(iter(rules.fees.values())).shape))
    for kind, table in rules.fees.items():
        cube[KIND_CODE[kind]] = table
    who, attach = events.participant, caseload.attach_day
    # Contract year of attachment: per participant when there are more events than people.
    year = rules.year_of(attach)[who] if who.size > attach.size else rules.year_of(attach[who])
    tariff = cube[events.kind, caseload.group[who], year]
    if not np.isfinite(rules.cap):
        np.add.at(state.paid, events.participant, tariff)
        return tariff
    # Running total per participant within this batch, on top of what was paid before.
    order = np.argsort(events.participant, kind="stable")
    who = events.participant[order]
    running = np.cumsum(tariff[order])
    first = np.r_[True, who[1:] != who[:-1]]
    before_batch = np.repeat(running[first] - tariff[order][first], np.diff(_starts(first)))
    paid_before = state.paid[who] + running - tariff[order] - before_batch
    amount_sorted = np.clip(np.minimum(tariff[order], rules.cap - paid_before), 0, None)
    amount = np.empty_like(tariff)
    amount[order] = amount_sorted
    np.add.at(state.paid, events.participant, amount)
    return amount


def _starts(first: BoolArray) -> IntArray:
    """Start index of each run of equal keys, plus the end, for np.diff."""
    return np.concatenate([np.flatnonzero(first), [first.size]])


def _ranks_within(counts: IntArray) -> IntArray:
    """0, 1, ..., c-1 for each count c, concatenated (the rank of each repeated row)."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total, dtype=np.int64) - offsets
