"""Properties of the payment engine, checked on generated caseloads.

Each example is a small caseload (at most 30 participants) with employment spells, written as CSV
or Parquet and run through `compute_ledger`. The expected payments come from an independent,
deliberately naive oracle: it walks each participant's history day by day, as
docs/payment-rules.md words the rules, instead of the engine's vectorised segment arithmetic.

Contracts: the Work Programme preset, and two variants built from its data that switch on what the
preset leaves off: a bid discount, a per-participant cap, `after_window = "stop"`, the `pause` and
`stop` break rules, a service fee, an earnings trigger, a delivery fee, and a management fee that
applies to some passed-through kinds only.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import random
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pbrlab.cli.main import app
from pbrlab.contracts.load import contract_data, parse_contract
from pbrlab.contracts.maximum import maximum_payments
from pbrlab.contracts.model import Contract, EarningsThreshold, PaymentKind, WeeksInWork
from pbrlab.payments.engine import compute_ledger
from pbrlab.payments.kernel import Caseload, Events, KernelState, advance
from pbrlab.payments.rules import compile_rules

EPOCH = dt.date(1970, 1, 1)
PENNY = 0.005 + 1e-9  # two amounts agree "to the penny" when they round to the same pence
PRIMES = ("prime-a", "prime-b")
SUBCONTRACTORS = ("sub-x", "sub-y")
KIND_ORDER = {kind.value: i for i, kind in enumerate(PaymentKind)}


def day(date: dt.date) -> int:
    return (date - EPOCH).days


def date(day_number: int) -> dt.date:
    return EPOCH + dt.timedelta(days=day_number)


# ---------------------------------------------------------------------------------- contracts


def sourced(value: Any) -> dict[str, Any]:
    return {"value": value, "assumption": "property-test variant"}


def variant(cap: float, discount: float) -> dict[str, Any]:
    """The preset with everything it leaves off switched on, for some groups each."""
    data = copy.deepcopy(contract_data("work-programme-2011")[0])
    data["id"] = f"wp-variant-cap-{int(cap)}"
    data["cap_per_participant"] = sourced(cap)
    data["bid_discount"] = sourced(discount)
    groups = {g["id"]: g for g in data["groups"]}
    groups["jsa_18_24"]["job_outcome"]["trigger"]["after_window"] = "stop"
    groups["jsa_18_24"]["sustainment"]["on_break"] = "pause"
    groups["jsa_25_plus"]["job_outcome"]["trigger"]["after_window"] = "stop"
    groups["jsa_25_plus"]["sustainment"]["on_break"] = "stop"
    groups["jsa_early_access"]["sustainment"]["on_break"] = "pause"
    groups["jsa_early_access"]["service_fee"] = {
        "fee": sourced([55.5, 40]),
        "every_weeks": sourced(4),
        "max_count": sourced(6),
    }
    groups["esa_volunteers"]["job_outcome"]["trigger"] = {
        "kind": "earnings",
        "threshold": sourced(1500),
        "window_days": sourced(365),
    }
    groups["ib_is"]["sustainment"]["on_break"] = "stop"
    data["delivery_fee"] = {
        "contract_value": sourced(100_000),
        "share": sourced(0.3),
        "months": sourced(24),
        "start_date": dt.date(2011, 6, 1),
    }
    data["subcontract"]["pass_through"] = [
        "attachment",
        "service_fee",
        "job_outcome",
        "sustainment",
    ]
    data["subcontract"]["fee_applies_to"] = ["job_outcome", "sustainment"]
    data["subcontract"]["management_fee"] = sourced(0.175)
    data["subcontract"]["payment_lag_weeks"] = sourced(2)
    return data


CONTRACT_DATA: dict[str, dict[str, Any]] = {
    "work-programme-2011": contract_data("work-programme-2011")[0],
    "capped": variant(cap=2500, discount=0.15),
    "tightly-capped": variant(cap=900, discount=0.3),
}
CONTRACTS: dict[str, Contract] = {
    name: parse_contract(data, name) for name, data in CONTRACT_DATA.items()
}


def toml_value(value: Any) -> str:
    """A value as inline TOML (enough for contract data: no TOML writer is installed)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid in TOML basic strings
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }"
    raise TypeError(type(value))


def toml_text(data: dict[str, Any]) -> str:
    text = "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in data.items())
    assert tomllib.loads(text) == data
    return text


# -------------------------------------------------------------------------------- the caseload


@dataclass
class Person:
    id: str
    group: str
    provider: str
    subcontractor: str | None
    referral: int
    attach: int


@dataclass
class Spell:
    participant: str
    start: int
    end: int | None  # None: ongoing
    weekly_pence: int


@dataclass
class Scenario:
    contract_name: str
    people: list[Person]
    spells: list[Spell]
    as_of: int | None
    fmt: str

    @property
    def contract(self) -> Contract:
        return CONTRACTS[self.contract_name]

    def as_of_text(self) -> str | None:
        return None if self.as_of is None else date(self.as_of).isoformat()


YEAR_1 = day(dt.date(2011, 6, 1))


@st.composite
def spells_for(draw: st.DrawFn, person: Person) -> list[Spell]:
    spells = []
    # the first job: near attachment, or near the end of the attachment window
    cursor = person.attach + draw(st.one_of(st.integers(-150, 500), st.integers(600, 760)))
    for _ in range(draw(st.integers(0, 4))):
        length = draw(st.integers(1, 420))
        ongoing = draw(st.integers(0, 5)) == 0
        end = cursor + length - 1
        pence = draw(st.one_of(st.just(0), st.integers(5_000, 60_000)))
        spells.append(Spell(person.id, cursor, None if ongoing else end, pence))
        # next job: the day after (same run), overlapping, or after a gap
        cursor = end + 1 + draw(st.one_of(st.just(0), st.integers(-60, 150)))
    return spells


@st.composite
def scenarios(draw: st.DrawFn, contracts: tuple[str, ...] = tuple(CONTRACTS)) -> Scenario:
    name = draw(st.sampled_from(contracts))
    groups = [g.id for g in CONTRACTS[name].groups]
    people, spells = [], []
    for i in range(draw(st.integers(1, 30))):
        attach = YEAR_1 + draw(st.integers(-20, 1_300))
        person = Person(
            id=f"P{i:03d}",
            group=draw(st.sampled_from(groups)),
            provider=draw(st.sampled_from(PRIMES)),
            subcontractor=draw(st.sampled_from((None, None, *SUBCONTRACTORS))),
            referral=attach - draw(st.integers(0, 30)),
            attach=attach,
        )
        people.append(person)
        spells += draw(spells_for(person))
    as_of = draw(st.one_of(st.none(), st.integers(YEAR_1 + 100, YEAR_1 + 2_600)))
    return Scenario(name, people, spells, as_of, draw(st.sampled_from(["csv", "parquet"])))


def participant_table(people: list[Person]) -> pa.Table:
    return pa.table(
        {
            "participant_id": [p.id for p in people],
            "payment_group": [p.group for p in people],
            "provider_id": [p.provider for p in people],
            "referral_date": pa.array([date(p.referral) for p in people], pa.date32()),
            "attachment_date": pa.array([date(p.attach) for p in people], pa.date32()),
            "subcontractor_id": pa.array([p.subcontractor for p in people], pa.string()),
        }
    )


def spell_table(spells: list[Spell]) -> pa.Table:
    return pa.table(
        {
            "participant_id": pa.array([s.participant for s in spells], pa.string()),
            "start_date": pa.array([date(s.start) for s in spells], pa.date32()),
            "end_date": pa.array(
                [None if s.end is None else date(s.end) for s in spells], pa.date32()
            ),
            "weekly_earnings": pa.array([s.weekly_pence / 100 for s in spells], pa.float64()),
        }
    )


def write_table(table: pa.Table, path: Path) -> None:
    if path.suffix == ".parquet":
        pq.write_table(table, path)
        return
    lines = [",".join(table.column_names)]
    for row in table.to_pylist():
        cells = []
        for name, value in row.items():
            if value is None:
                cells.append("")
            elif name == "weekly_earnings":
                cells.append(f"{value:.2f}")
            else:
                cells.append(str(value))
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_inputs(
    folder: Path, s: Scenario, people: list[Person] | None = None, spells: list[Spell] | None = None
) -> tuple[Path, Path]:
    participants = folder / f"participants.{s.fmt}"
    spell_file = folder / f"spells.{s.fmt}"
    write_table(participant_table(s.people if people is None else people), participants)
    write_table(spell_table(s.spells if spells is None else spells), spell_file)
    return participants, spell_file


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="pbrlab-props-") as name:
        yield Path(name)


def ledger_of(s: Scenario) -> tuple[list[dict[str, Any]], int]:
    with folder() as where:
        participants, spells = write_inputs(where, s)
        table, as_of_text = compute_ledger(participants, spells, s.contract, s.as_of_text())
    as_of = day(dt.date.fromisoformat(as_of_text))
    expected_as_of = s.as_of
    if expected_as_of is None:  # the latest date in the records
        ends = [sp.end for sp in s.spells if sp.end is not None]
        expected_as_of = max([p.attach for p in s.people] + [sp.start for sp in s.spells] + ends)
    assert as_of == expected_as_of
    return table.to_pylist(), as_of


def commissioner_rows(rows: list[dict[str, Any]], contract: Contract) -> list[dict[str, Any]]:
    """Participant payments from the commissioner to a prime."""
    return [r for r in rows if r["payer"] == contract.commissioner and r["participant_id"]]


# --------------------------------------------------------------------- the day-by-day oracle


def work_pence(spells: list[Spell], as_of: int) -> dict[int, int]:
    """Each day in work up to `as_of`, with the weekly pence of every job held that day."""
    days: dict[int, int] = defaultdict(int)
    for s in spells:
        end = as_of if s.end is None else min(s.end, as_of)
        for d in range(s.start, end + 1):
            days[d] += s.weekly_pence
    return dict(days)


def counted_days(
    contract: Contract, trigger: WeeksInWork, attach: int, work: dict[int, int]
) -> Iterator[int]:
    """Days (in order) that count towards a weeks-in-work outcome, per docs/payment-rules.md."""
    window_end = attach + 7 * contract.attachment_weeks.value - 1
    d = attach
    last = max(work, default=attach)
    while d <= last:
        if d <= window_end:
            if d in work:
                yield d
        elif trigger.after_window == "continuing_run" and window_end in work and d in work:
            yield d  # still in the run that was under way on the window's last day
        else:
            return
        d += 1


def outcome_day(contract: Contract, group: str, attach: int, work: dict[int, int]) -> int | None:
    outcome = contract.group(group).job_outcome
    if outcome is None:
        return None
    trigger = outcome.trigger
    if isinstance(trigger, WeeksInWork):
        need = 7 * trigger.weeks.value
        for n, d in enumerate(counted_days(contract, trigger, attach, work), start=1):
            if n == need:
                return d
        return None
    assert isinstance(trigger, EarningsThreshold)
    earned = Fraction(0)
    threshold = Fraction(trigger.threshold.value) - Fraction(1, 10**6)
    for d in range(attach, attach + trigger.window_days.value):
        earned += Fraction(work.get(d, 0), 700)  # weekly pence / 7 / 100
        if earned >= threshold:
            return d
    return None


def sustainment_days(
    contract: Contract, group: str, outcome: int, work: dict[int, int], as_of: int
) -> list[int]:
    rules = contract.group(group).sustainment
    if rules is None:
        return []
    period, cap = 7 * rules.every_weeks.value, rules.max_count.value
    paid: list[int] = []
    progress = 0
    for d in range(outcome + 1, as_of + 1):
        if d not in work:
            continue
        if d - 1 not in work:  # back after a break (the outcome day itself is a day in work)
            if rules.on_break == "stop":
                break
            if rules.on_break == "reset":
                progress = 0
        progress += 1
        if progress == period:
            paid.append(d)
            progress = 0
            if len(paid) == cap:
                break
    return paid


def contract_year(contract: Contract, d: int) -> int:
    starts = [day(s) for s in contract.contract_years.starts]
    return max(1, sum(1 for s in starts if s <= d))


def by_year(values: list[float], year: int) -> float:
    return values[min(year, len(values)) - 1]


def expected_commissioner_rows(s: Scenario, as_of: int) -> list[tuple[Any, ...]]:
    """(participant, kind, sequence, trigger, due, amount) of every commissioner->prime row."""
    c = s.contract
    cap = c.cap_per_participant.value if c.cap_per_participant else float("inf")
    lag = c.claim_lag_days.value
    window = 7 * c.attachment_weeks.value
    by_person: dict[str, list[Spell]] = defaultdict(list)
    for sp in s.spells:
        by_person[sp.participant].append(sp)
    rows = []
    for p in s.people:
        g = c.group(p.group)
        year = contract_year(c, p.attach)

        def tariff(kind: PaymentKind, fees: list[float], year: int = year) -> float:
            amount = by_year(fees, year)
            return amount * (1.0 - c.discount) if kind in c.discount_applies_to else amount

        events = []  # (trigger, kind, sequence, due, tariff)
        if p.attach <= as_of and g.attachment_fee:
            fee = tariff(PaymentKind.attachment, g.attachment_fee.value)
            events.append((p.attach, PaymentKind.attachment, 1, p.attach, fee))
        if g.service_fee:
            period = 7 * g.service_fee.every_weeks.value
            fee = tariff(PaymentKind.service_fee, g.service_fee.fee.value)
            for k in range(1, g.service_fee.max_count.value + 1):
                end = p.attach + k * period - 1
                if k * period <= window and end <= as_of:
                    events.append((end, PaymentKind.service_fee, k, end, fee))
        work = work_pence(by_person[p.id], as_of)
        outcome = outcome_day(c, p.group, p.attach, work)
        if outcome is not None and g.job_outcome:
            fee = tariff(PaymentKind.job_outcome, g.job_outcome.fee.value)
            events.append((outcome, PaymentKind.job_outcome, 1, outcome + lag, fee))
            if g.sustainment:
                fee = tariff(PaymentKind.sustainment, g.sustainment.fee.value)
                for k, d in enumerate(sustainment_days(c, p.group, outcome, work, as_of), 1):
                    events.append((d, PaymentKind.sustainment, k, d + lag, fee))
        paid = 0.0
        for trigger, kind, seq, due, fee in sorted(events, key=lambda e: (e[0], KIND_ORDER[e[1]])):
            amount = max(0.0, min(fee, cap - paid))
            paid += amount
            if due <= as_of and round(amount, 2) > 0:
                rows.append((p.id, kind.value, seq, trigger, due, round(amount, 2)))
    return sorted(rows)


# -------------------------------------------------------------------------------- properties

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# A capped contract with nothing to pay yet (the as-of date is before every attachment).
NOTHING_DUE_UNDER_A_CAP = Scenario(
    "capped",
    [Person("P000", "jsa_18_24", "prime-a", None, YEAR_1 + 100, YEAR_1 + 100)],
    [],
    YEAR_1 + 99,
    "csv",
)


@SETTINGS
@given(scenarios())
@example(NOTHING_DUE_UNDER_A_CAP)
def test_participant_payments_match_the_day_by_day_oracle(s: Scenario) -> None:
    """Every commissioner payment for a participant, exactly as the rules document words it."""
    rows, as_of = ledger_of(s)
    got = sorted(
        (
            r["participant_id"],
            r["kind"],
            r["sequence"],
            day(r["trigger_date"]),
            day(r["due_date"]),
            r["amount"],
        )
        for r in commissioner_rows(rows, s.contract)
    )
    want = expected_commissioner_rows(s, as_of)
    assert [g[:5] for g in got] == [w[:5] for w in want]
    for g, w in zip(got, want, strict=True):
        assert abs(g[5] - w[5]) <= PENNY, (g, w)


@SETTINGS
@given(scenarios())
def test_no_payment_without_its_trigger(s: Scenario) -> None:
    rows, as_of = ledger_of(s)
    c = s.contract
    people = {p.id: p for p in s.people}
    spells_of: dict[str, list[Spell]] = defaultdict(list)
    for sp in s.spells:
        spells_of[sp.participant].append(sp)
    outcome_rows = [r for r in rows if r["kind"] == "job_outcome"]
    sustainment_rows = [r for r in rows if r["kind"] == "sustainment"]

    # No spells, no outcome or sustainment payment (to anyone).
    for r in outcome_rows + sustainment_rows:
        assert spells_of[r["participant_id"]], r

    # An outcome: the required days (or earnings), counted day by day from attachment.
    for r in commissioner_rows(outcome_rows, c):
        p = people[r["participant_id"]]
        outcome = c.group(p.group).job_outcome
        assert outcome is not None
        trigger = outcome.trigger
        work = work_pence(spells_of[p.id], as_of)
        if isinstance(trigger, WeeksInWork):
            counted = [
                d for d in counted_days(c, trigger, p.attach, work) if d <= day(r["trigger_date"])
            ]
            assert len(counted) == 7 * trigger.weeks.value, (r, len(counted))
            assert counted[-1] == day(r["trigger_date"])
        else:
            window = range(p.attach, p.attach + trigger.window_days.value)
            earned = sum(work[d] for d in window if d in work and d <= day(r["trigger_date"]))
            assert earned / 700 >= trigger.threshold.value - 1e-6

    # Sustainment k: after a job outcome; sequence 1..n without gaps; n <= max_count.
    sequences: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for r in sustainment_rows:
        sequences[(r["participant_id"], r["payer"], r["payee"])].append(r["sequence"])
    for (pid, _payer, _payee), seq in sequences.items():
        sustain = c.group(people[pid].group).sustainment
        assert sustain is not None
        assert sorted(seq) == list(range(1, len(seq) + 1)), (pid, seq)
        assert len(seq) <= sustain.max_count.value
    outcome_trigger = {
        r["participant_id"]: r["trigger_date"] for r in commissioner_rows(outcome_rows, c)
    }
    for r in commissioner_rows(sustainment_rows, c):
        assert r["participant_id"] in outcome_trigger, r
        assert outcome_trigger[r["participant_id"]] < r["trigger_date"], r


@SETTINGS
@given(scenarios())
def test_at_most_one_job_outcome_per_participant_and_payee(s: Scenario) -> None:
    rows, _ = ledger_of(s)
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in rows:
        if r["kind"] == "job_outcome":
            seen[(r["participant_id"], r["payer"], r["payee"])] += 1
    assert all(n == 1 for n in seen.values()), seen
    prime_paid = [k for k in seen if k[1] == s.contract.commissioner]
    assert len(prime_paid) == len({k[0] for k in prime_paid})


@SETTINGS
@given(scenarios())
@example(NOTHING_DUE_UNDER_A_CAP)
def test_nobody_is_paid_more_than_the_contract_maximum(s: Scenario) -> None:
    rows, _ = ledger_of(s)
    c = s.contract
    paid: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    for r in commissioner_rows(rows, c):
        paid[r["participant_id"]] += r["amount"]
        count[r["participant_id"]] += 1
    for p in s.people:
        year = contract_year(c, p.attach)
        maximum = {m.group: m.total for m in maximum_payments(c, year)}[p.group]
        assert paid[p.id] <= maximum + PENNY * max(1, count[p.id]), (p, paid[p.id], maximum)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
@example(NOTHING_DUE_UNDER_A_CAP)
def test_ledger_totals_equal_the_cli_summary(s: Scenario) -> None:
    with folder() as where:
        participants, spells = write_inputs(where, s)
        contract_arg = s.contract_name  # the preset by name, a variant as a TOML file
        if contract_arg != "work-programme-2011":
            contract_arg = str(where / "contract.toml")
            Path(contract_arg).write_text(toml_text(CONTRACT_DATA[s.contract_name]))
        out = where / "ledger.parquet"
        args = [
            "payments",
            "--participants",
            str(participants),
            "--spells",
            str(spells),
            "--contract",
            contract_arg,
            "--out",
            str(out),
            "--format",
            "json",
        ]
        if s.as_of is not None:
            args += ["--as-of", date(s.as_of).isoformat()]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, (result.output, result.exception)
        summary = json.loads(result.stdout)
        written = pq.read_table(out)
        direct, _ = compute_ledger(participants, spells, s.contract, s.as_of_text())
    assert written.equals(direct), "the CLI's ledger file is the engine's ledger"
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in written.to_pylist():
        sums[r["payee"]][r["kind"]] += r["amount"]
    assert set(summary["totals"]) == set(sums)
    for payee, kinds in sums.items():
        assert set(summary["totals"][payee]) == set(kinds)
        for kind, amount in kinds.items():
            assert abs(summary["totals"][payee][kind] - amount) <= PENNY, (payee, kind)
    total = sum(r["amount"] for r in written.to_pylist())
    assert abs(summary["total"] - total) <= PENNY
    assert summary["provenance"]["as_of"] == _as_of_of(s, written)


def _as_of_of(s: Scenario, ledger: pa.Table) -> str:
    if s.as_of is not None:
        return date(s.as_of).isoformat()
    ends = [sp.end for sp in s.spells if sp.end is not None]
    return date(
        max([p.attach for p in s.people] + [sp.start for sp in s.spells] + ends)
    ).isoformat()


@SETTINGS
@given(scenarios())
def test_subcontractor_receives_the_pass_through_less_the_fee(s: Scenario) -> None:
    rows, as_of = ledger_of(s)
    c = s.contract
    terms = c.subcontract
    assert terms is not None
    lag = 7 * terms.payment_lag_weeks.value
    fee = terms.management_fee.value
    passing = {k.value for k in terms.pass_through}
    charged = {k.value for k in terms.fee_applies_to}
    for p in s.people:
        mine = [r for r in rows if r["participant_id"] == p.id]
        if p.subcontractor is None:
            assert all(c.commissioner in (r["payer"], r["payee"]) for r in mine)
            continue
        to_sub = [r for r in mine if (r["payer"], r["payee"]) == (p.provider, p.subcontractor)]
        fees = [r for r in mine if (r["payer"], r["payee"]) == (p.subcontractor, p.provider)]
        assert all(r["kind"] == "management_fee" for r in fees)
        assert all(r["kind"] in passing for r in to_sub)
        received = sum(r["amount"] for r in to_sub) - sum(r["amount"] for r in fees)
        owed = [
            r
            for r in commissioner_rows(mine, c)
            if r["kind"] in passing and day(r["due_date"]) + lag <= as_of
        ]
        expected = sum(r["amount"] * ((1 - fee) if r["kind"] in charged else 1) for r in owed)
        assert abs(received - expected) <= PENNY * max(1, len(owed)), (p.id, received, expected)


@SETTINGS
@given(scenarios(), st.data())
def test_ledger_does_not_depend_on_input_row_order(s: Scenario, data: st.DataObject) -> None:
    with folder() as where:
        participants, spells = write_inputs(where, s)
        before, _ = compute_ledger(participants, spells, s.contract, s.as_of_text())
    people = data.draw(st.permutations(s.people), label="participants shuffled")
    spells_shuffled = data.draw(st.permutations(s.spells), label="spells shuffled")
    with folder() as where:
        participants, spells = write_inputs(where, s, people, spells_shuffled)
        after, _ = compute_ledger(participants, spells, s.contract, s.as_of_text())
    assert after.equals(before)


# ------------------------------------------------------------- the kernel: batch = incremental

KERNEL_CONTRACT = CONTRACTS["capped"]  # every trigger and break rule the kernel knows


@dataclass
class History:
    group: list[int]
    attach: list[int]
    segments: list[list[tuple[int, int, float]]]  # per participant: (start, end, daily rate)


@st.composite
def histories(draw: st.DrawFn) -> History:
    n = draw(st.integers(1, 20))
    n_groups = len(KERNEL_CONTRACT.groups)
    group = [draw(st.integers(0, n_groups - 1)) for _ in range(n)]
    attach = [YEAR_1 + draw(st.integers(0, 1_200)) for _ in range(n)]
    segments = []
    for a in attach:
        mine = []
        cursor = a + draw(st.one_of(st.integers(-150, 500), st.integers(600, 760)))
        for _ in range(draw(st.integers(0, 5))):
            length = draw(st.integers(1, 420))
            rate = draw(st.one_of(st.just(0), st.integers(5_000, 60_000))) / 700
            mine.append((cursor, cursor + length - 1, rate))
            cursor += length + draw(st.one_of(st.just(0), st.integers(1, 120)))
        segments.append(mine)
    return History(group, attach, segments)


def feed(history: History, pieces: list[list[tuple[int, int, float]]], rng: random.Random | None):
    """Feed each participant's pieces in time order; a random subset of participants per call."""
    caseload = Caseload(np.array(history.group, np.int64), np.array(history.attach, np.int64))
    rules = compile_rules(KERNEL_CONTRACT)
    state = KernelState.empty(caseload.size)
    parts = []
    nxt = [0] * caseload.size
    while True:
        waiting = [i for i in range(caseload.size) if nxt[i] < len(pieces[i])]
        if not waiting:
            break
        if rng is not None:
            waiting = rng.sample(waiting, rng.randint(1, len(waiting)))
        chosen = [pieces[i][nxt[i]] for i in waiting]
        for i in waiting:
            nxt[i] += 1
        parts.append(
            advance(
                rules,
                caseload,
                state,
                np.array(waiting, np.int64),
                np.array([c[0] for c in chosen], np.int64),
                np.array([c[1] for c in chosen], np.int64),
                np.array([c[2] for c in chosen], np.float64),
            )
        )
    events = Events.concat(parts)
    found = sorted(
        zip(
            events.participant.tolist(),
            events.kind.tolist(),
            events.sequence.tolist(),
            events.day.tolist(),
            strict=True,
        )
    )
    return found, state


def cut(segment: tuple[int, int, float], cuts: set[int]) -> list[tuple[int, int, float]]:
    """Cut [start, end] before each day in `cuts`."""
    start, end, rate = segment
    bounds = [start, *sorted(c for c in cuts if start < c <= end), end + 1]
    return [(a, b - 1, rate) for a, b in itertools.pairwise(bounds)]


@settings(max_examples=100, deadline=None)
@given(histories(), st.data())
def test_kernel_batch_equals_incremental(history: History, data: st.DataObject) -> None:
    weekly = data.draw(st.booleans(), label="cut at every week boundary")
    week_start = data.draw(st.integers(0, 6), label="weekday the weeks start on")
    pieces = []
    for mine in history.segments:
        cut_up = []
        for segment in mine:
            start, end, _ = segment
            cuts = set()
            if end > start:
                cuts = data.draw(st.sets(st.integers(start + 1, end), max_size=6), label="cuts")
            if weekly:
                cuts |= {d for d in range(start + 1, end + 1) if (d - week_start) % 7 == 0}
            cut_up += cut(segment, cuts)
        pieces.append(cut_up)
    rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="feeding order seed"))
    whole, whole_state = feed(history, history.segments, None)
    in_pieces, pieces_state = feed(history, pieces, rng)
    assert in_pieces == whole
    assert np.array_equal(pieces_state.outcome_day, whole_state.outcome_day)
    assert np.array_equal(pieces_state.sustain_count, whole_state.sustain_count)
    for kind in {k for _, k, _, _ in whole}:
        event(f"kernel event kind {kind}")
