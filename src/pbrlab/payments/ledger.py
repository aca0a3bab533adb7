"""The batch driver: whole participant histories in, an auditable payment ledger out.

It cuts each participant's employment into non-overlapping work segments, feeds them to the
rule kernel rank by rank (every participant's first segment in one vectorised call, then every
second segment, ...), prices the events, and adds the provider-level payments (delivery fees,
incentives) and the prime-to-subcontractor flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from pbrlab.arrays import Columns, FloatArray, IntArray
from pbrlab.contracts.model import (
    Contract,
    EarningsThreshold,
    PaymentGroup,
    PaymentKind,
    SubcontractTerms,
    WeeksInWork,
)
from pbrlab.errors import InputError
from pbrlab.payments.kernel import Caseload, Events, KernelState, advance, periodic_events, price
from pbrlab.payments.records import Participants, Spells
from pbrlab.payments.rules import (
    KIND_CODE,
    KINDS,
    NO_DAY,
    GroupRules,
    compile_rules,
    to_pennies,
)

_TEXT = pa.dictionary(pa.int32(), pa.string())
LEDGER_SCHEMA = pa.schema(
    [
        ("participant_id", _TEXT),
        ("payer", _TEXT),
        ("payee", _TEXT),
        ("kind", _TEXT),
        ("sequence", pa.int32()),
        ("rule", _TEXT),
        ("contract_year", pa.int16()),
        ("trigger_date", pa.date32()),
        ("due_date", pa.date32()),
        ("amount", pa.float64()),
    ]
)


Ints = npt.NDArray[np.integer[Any]]


@dataclass
class Rows(Columns):
    """Ledger rows as arrays; participant -1 marks a provider-level payment.

    Held in the narrow types of the ledger's columns (39 bytes a row, not 80), whatever
    integer arrays are given.
    """

    participant: Ints
    payer: Ints  # index into parties
    payee: Ints
    kind: Ints
    sequence: Ints
    rule: Ints  # index into rule texts
    year: Ints  # 1-based contract year
    trigger: Ints
    due: Ints
    amount: FloatArray

    def __post_init__(self) -> None:
        for name, dtype in _ROW_TYPES.items():
            setattr(self, name, np.asarray(getattr(self, name)).astype(dtype, copy=False))


_ROW_TYPES: dict[str, type] = {
    "participant": np.int32,
    "payer": np.int32,
    "payee": np.int32,
    "kind": np.int8,
    "sequence": np.int32,
    "rule": np.int32,
    "year": np.int16,
    "trigger": np.int32,
    "due": np.int32,
    "amount": np.float64,
}


def sort_order(*keys: IntArray) -> IntArray:
    """Stable order by keys[0], then keys[1], ...: np.lexsort(keys[::-1]), but faster.

    Non-negative offsets of the keys are packed into one int64 when their ranges fit in 62 bits
    (participant and day always do), so NumPy sorts one key instead of several.
    """
    if not keys[0].size:
        return np.empty(0, np.int64)
    spans = [(int(k.min()), int(k.max())) for k in keys]
    widths = [(hi - lo).bit_length() for lo, hi in spans]
    if sum(widths) > 62:
        return np.lexsort(keys[::-1])
    packed = np.zeros(keys[0].size, np.int64)
    for key, (lo, _), width in zip(keys, spans, widths, strict=True):
        packed <<= width
        packed |= key - lo
    return np.argsort(packed, kind="stable")


def work_segments(spells: Spells, as_of: int) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Non-overlapping work segments per participant, in time order, cut at `as_of`.

    Overlapping jobs are merged: a day in two jobs is one day in work, earning both wages.
    """
    end = np.where(spells.end_day == NO_DAY, as_of, np.minimum(spells.end_day, as_of))
    keep = spells.start_day <= end
    who, start, end = spells.participant[keep], spells.start_day[keep], end[keep]
    weekly = spells.weekly_earnings[keep]
    order = sort_order(who, start)
    who, start, end, weekly = who[order], start[order], end[order], weekly[order]
    same = who[1:] == who[:-1]
    if not np.any(same & (start[1:] <= end[:-1])):
        return who, start, end, np.round(weekly * 100) / 700.0  # same pence as _sweep
    return _sweep(who, start, end, weekly)


def _sweep(
    who: IntArray, start: IntArray, end: IntArray, weekly: FloatArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Split overlapping spells into pieces with a constant number of jobs and earnings."""
    pence = np.round(weekly * 100).astype(np.int64)  # integer sums stay exact
    e_who = np.r_[who, who]
    e_day = np.r_[start, end + 1]
    e_jobs = np.r_[np.ones_like(who), -np.ones_like(who)]
    e_pence = np.r_[pence, -pence]
    order = sort_order(e_who, e_day)
    e_who, e_day = e_who[order], e_day[order]
    jobs, pay = np.cumsum(e_jobs[order]), np.cumsum(e_pence[order])
    # State after the last event of each (participant, day); each person's events sum to zero.
    last = np.r_[(e_who[1:] != e_who[:-1]) | (e_day[1:] != e_day[:-1]), True]
    e_who, e_day, jobs, pay = e_who[last], e_day[last], jobs[last], pay[last]
    piece = (jobs[:-1] > 0) & (e_who[1:] == e_who[:-1])
    return (
        e_who[:-1][piece],
        e_day[:-1][piece],
        e_day[1:][piece] - 1,
        pay[:-1][piece] / 700.0,
    )


def participant_events(
    rules: GroupRules, participants: Participants, spells: Spells, as_of: int
) -> tuple[Events, FloatArray]:
    """Every triggered participant payment up to `as_of`, in time order, with its amount."""
    caseload = Caseload(participants.group, participants.attach_day)
    state = KernelState.empty(caseload.size)
    parts = [periodic_events(rules, caseload, as_of)]
    who, start, end, rate = work_segments(spells, as_of)
    # Segments come sorted by participant: round r takes the r-th segment of each who has one.
    sel = np.flatnonzero(np.r_[True, who[1:] != who[:-1]]) if who.size else who
    left = np.diff(np.r_[sel, who.size])
    while sel.size:
        parts.append(advance(rules, caseload, state, who[sel], start[sel], end[sel], rate[sel]))
        more = left > 1
        sel, left = sel[more] + 1, left[more] - 1
    events = Events.concat(parts)
    # Time order within each participant; the day and kind keys are what the cap cuts by.
    order = sort_order(events.participant, events.day, events.kind.astype(np.int64))
    events = events.take(order)
    return events, price(rules, caseload, state, events)


def build_ledger(
    contract: Contract, participants: Participants, spells: Spells, as_of: int
) -> pa.Table:
    """The auditable ledger: one row per payment due on or before `as_of`."""
    rules = compile_rules(contract)
    events, amount = participant_events(rules, participants, spells, as_of)
    return ledger_table(contract, rules, participants, events, amount, as_of)


def ledger_table(
    contract: Contract,
    rules: GroupRules,
    participants: Participants,
    events: Events,
    amount: FloatArray,
    as_of: int,
    own_terms: dict[str, SubcontractTerms] | None = None,
) -> pa.Table:
    """Ledger rows for priced participant events, plus provider-level and subcontract flows
    (under the contract's subcontract terms, or a subcontractor's `own_terms`: its own
    management fee and payment lag)."""
    parties = [contract.commissioner, *participants.organisations]
    rule_texts = _rule_texts(contract)
    lagged = (events.kind == KIND_CODE[PaymentKind.job_outcome]) | (
        events.kind == KIND_CODE[PaymentKind.sustainment]
    )
    # Select the payable events first, then build rows for them only (no 13M-row copy to drop).
    due = events.day + np.where(lagged, rules.claim_lag, 0)
    amount = to_pennies(amount)
    payable = (due <= as_of) & (amount > 0)
    who, kind = events.participant[payable], events.kind[payable].astype(np.int64)
    prime_rows = Rows(
        participant=who,
        payer=np.zeros(who.size, np.int64),
        payee=participants.provider[who] + 1,
        kind=kind,
        sequence=events.sequence[payable],
        rule=participants.group[who] * len(KINDS) + kind,
        year=(rules.year_of(participants.attach_day) + 1)[who],
        trigger=events.day[payable],
        due=due[payable],
        amount=amount[payable],
    )
    del due, amount, payable, who, kind
    n_rules = len(rule_texts)
    blocks = [
        *(
            b.where(b.amount > 0)
            for b in _provider_payments(contract, rules, participants, events, as_of, n_rules)
        ),
        prime_rows,
        *_subcontract_flows(contract, participants, prime_rows, as_of, n_rules, own_terms or {}),
    ]
    names = _Names(participants, parties, [*rule_texts, *_EXTRA_RULES])
    return pa.concat_tables([names.table(block) for block in blocks])


_EXTRA_RULES = (
    "delivery_fee: share of contract value paid monthly in arrears",
    "incentive: per job outcome above the performance threshold in a contract year",
    "subcontract: pass-through of the prime's payment for this participant",
    "subcontract: management fee retained by the prime",
)


def _rule_texts(contract: Contract) -> list[str]:
    """One text per (group, kind), indexed group * len(KINDS) + kind: the rule that fired."""
    return [_describe(contract, group, kind) for group in contract.groups for kind in KINDS]


def _describe(contract: Contract, group: PaymentGroup, kind: PaymentKind) -> str:
    name = f"{group.id}.{kind.value}"
    trigger = group.job_outcome.trigger if group.job_outcome else None
    if kind is PaymentKind.attachment:
        return f"{name}: fee for the contract year of attachment"
    if kind is PaymentKind.service_fee and group.service_fee:
        fee = group.service_fee
        return f"{name}: every {fee.every_weeks.value} weeks attached, up to {fee.max_count.value}"
    if kind is PaymentKind.job_outcome and isinstance(trigger, WeeksInWork):
        return (
            f"{name}: {trigger.weeks.value} weeks in work within the "
            f"{contract.attachment_weeks.value}-week attachment ({trigger.after_window})"
        )
    if kind is PaymentKind.job_outcome and isinstance(trigger, EarningsThreshold):
        threshold, days = trigger.threshold.value, trigger.window_days.value
        return f"{name}: £{threshold:,.2f} earned within {days} days of attachment"
    if kind is PaymentKind.sustainment and group.sustainment:
        rule = group.sustainment
        return (
            f"{name}: every {rule.every_weeks.value} weeks in work after the outcome, "
            f"up to {rule.max_count.value} ({rule.on_break} on a break)"
        )
    return name


def _provider_payments(
    contract: Contract,
    rules: GroupRules,
    participants: Participants,
    events: Events,
    as_of: int,
    n_rules: int,
) -> list[Rows]:
    out = []
    providers = np.unique(participants.provider)
    if contract.delivery_fee is not None and contract.delivery_fee.per == "budget":
        raise InputError(
            contract.id,
            "delivery_fee.per",
            "expected 'provider' for the ledger of records: a budget is shared by the providers' "
            "adviser hours, which only a simulation has (pbrlab run); found 'budget'",
        )
    if contract.delivery_fee is not None and providers.size:
        months, due, amount = delivery_schedule(contract)
        months, due, amount = months[due <= as_of], due[due <= as_of], amount[due <= as_of]
        n = providers.size * months.size
        out.append(
            Rows(
                participant=np.full(n, -1),
                payer=np.zeros(n, np.int64),
                payee=np.repeat(providers + 1, months.size),
                kind=np.full(n, KIND_CODE[PaymentKind.delivery_fee], np.int64),
                sequence=np.tile(months, providers.size),
                rule=np.full(n, n_rules),
                year=np.tile(rules.year_of(due) + 1, providers.size),
                trigger=np.tile(due - 1, providers.size),
                due=np.tile(due, providers.size),
                amount=np.tile(amount, providers.size),
            )
        )
    if contract.incentive is not None:
        out.append(_incentives(contract, rules, participants, events, as_of, n_rules + 1))
    return out


def delivery_schedule(contract: Contract) -> tuple[IntArray, IntArray, FloatArray]:
    """Each provider's delivery-fee instalments: month number, due day, amount."""
    fee = contract.delivery_fee
    if fee is None:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    months = np.arange(1, fee.months.value + 1)
    first_month = np.datetime64(fee.start_date, "M")
    due = (first_month + months).astype("datetime64[D]").astype(np.int64)
    amount = _instalments(fee.contract_value.value * fee.share.value, fee.months.value)
    return months, due, amount


def _instalments(total: float, count: int) -> FloatArray:
    """Equal instalments rounded to the penny; the last one takes the rounding remainder."""
    each = float(to_pennies(total / count))
    if each * (count - 1) > total:  # tiny totals: rounding up would leave a negative remainder
        each = np.floor(total / count * 100) / 100
    amounts = np.full(count, each)
    amounts[-1] = to_pennies(total - each * (count - 1))
    return amounts


def _incentives(
    contract: Contract,
    rules: GroupRules,
    participants: Participants,
    events: Events,
    as_of: int,
    rule: int,
) -> Rows:
    """Per provider and completed contract year: a payment for each outcome above threshold."""
    assert contract.incentive is not None
    n_orgs = len(participants.organisations)
    n_years = rules.n_years
    # The last contract year never completes: it has no successor to pay its incentive in.
    year_ends = np.r_[rules.year_starts[1:] - 1, NO_DAY]
    attached = np.zeros((n_orgs, n_years), np.int64)
    np.add.at(attached, (participants.provider, rules.year_of(participants.attach_day)), 1)
    outcome = events.kind == KIND_CODE[PaymentKind.job_outcome]
    who = events.participant[outcome]
    achieved = np.zeros((n_orgs, n_years), np.int64)
    np.add.at(achieved, (participants.provider[who], rules.year_of(events.day[outcome])), 1)
    above, due, amount = incentive_payments(contract, rules, attached, achieved)
    above[:, due > as_of] = 0
    org, year = np.nonzero(above)
    n = org.size
    return Rows(
        participant=np.full(n, -1),
        payer=np.zeros(n, np.int64),
        payee=org + 1,
        kind=np.full(n, KIND_CODE[PaymentKind.incentive], np.int64),
        sequence=above[org, year],
        rule=np.full(n, rule),
        year=year + 1,
        trigger=year_ends[year],
        due=due[year],
        amount=amount[org, year],
    )


def incentive_payments(
    contract: Contract, rules: GroupRules, attached: IntArray, achieved: IntArray
) -> tuple[IntArray, IntArray, FloatArray]:
    """Outcomes above the threshold [org, year], the day each year's payment is due, amounts.

    `attached` and `achieved` count attachments and job outcomes by organisation and contract
    year. The last contract year never completes, so it has no incentive (its count is zero).
    """
    assert contract.incentive is not None
    year_ends = np.r_[rules.year_starts[1:] - 1, NO_DAY]
    allowed = np.ceil(contract.incentive.threshold_rate.value * attached - 1e-9).astype(np.int64)
    above = np.maximum(achieved - allowed, 0)
    above[:, year_ends == NO_DAY] = 0
    due = np.where(year_ends == NO_DAY, NO_DAY, year_ends + 1 + rules.claim_lag)
    return above, due, to_pennies(above * contract.incentive.amount_per_outcome.value)


def _subcontract_flows(
    contract: Contract,
    participants: Participants,
    prime_rows: Rows,
    as_of: int,
    n_rules: int,
    own_terms: dict[str, SubcontractTerms],
) -> list[Rows]:
    """Prime to subcontractor: pass-through of each eligible payment, less the management fee."""
    terms = contract.subcontract
    if terms is None:
        return []
    names = participants.organisations
    lag = np.array([own_terms.get(n, terms).payment_lag_weeks.value for n in names], np.int64)
    rate = np.array([own_terms.get(n, terms).management_fee.value for n in names])
    sub = participants.subcontractor[prime_rows.participant]
    passes = np.isin(prime_rows.kind, [KIND_CODE[k] for k in terms.pass_through])
    passed = prime_rows.where((sub >= 0) & passes)
    passed.payer, passed.payee = passed.payee, participants.subcontractor[passed.participant] + 1
    passed.due = passed.due + 7 * lag[passed.payee - 1]
    passed.rule = np.full(passed.size, n_rules + 2)
    passed = passed.where(passed.due <= as_of)
    fee = passed.where(np.isin(passed.kind, [KIND_CODE[k] for k in terms.fee_applies_to]))
    fee.payer, fee.payee = fee.payee, fee.payer
    fee.kind = np.full(fee.size, KIND_CODE[PaymentKind.management_fee], np.int64)
    fee.amount = to_pennies(fee.amount * rate[fee.payer - 1])
    fee.rule = np.full(fee.size, n_rules + 3)
    return [passed, fee.where(fee.amount > 0)]


class _Names:
    """Turns coded rows into an Arrow table whose text columns are dictionary-encoded."""

    def __init__(self, participants: Participants, parties: list[str], rules: list[str]) -> None:
        self.ids = pa.concat_arrays([participants.ids, pa.array([""], pa.string())])
        self.blank = len(participants.ids)
        self.parties = pa.array(parties, pa.string())
        self.kinds = pa.array([k.value for k in KINDS], pa.string())
        self.rules = pa.array(rules, pa.string())

    def table(self, rows: Rows) -> pa.Table:
        def coded(codes: Ints, names: pa.Array) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(
                pa.array(codes.astype(np.int32, copy=False)), names
            )

        def dates(days: Ints) -> pa.Array:
            return pa.array(days.astype(np.int32, copy=False)).view(pa.date32())

        who = np.where(rows.participant >= 0, rows.participant, self.blank)
        return pa.table(
            [
                coded(who, self.ids),
                coded(rows.payer, self.parties),
                coded(rows.payee, self.parties),
                coded(rows.kind, self.kinds),
                pa.array(rows.sequence.astype(np.int32, copy=False)),
                coded(rows.rule, self.rules),
                pa.array(rows.year.astype(np.int16, copy=False)),
                dates(rows.trigger),
                dates(rows.due),
                pa.array(rows.amount, pa.float64()),
            ],
            schema=LEDGER_SCHEMA,
        )
