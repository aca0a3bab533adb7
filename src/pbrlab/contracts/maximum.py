"""The most a contract can pay for one participant, by group and contract year of attachment."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from pbrlab.contracts.model import ByYear, Contract, PaymentKind
from pbrlab.payments.rules import to_pennies


@dataclass(frozen=True)
class MaximumPayment:
    group: str
    attachment_fee: float
    service_fees: float
    job_outcome_fee: float
    sustainment_total: float
    total: float

    def as_dict(self) -> dict[str, str | float]:
        """The published columns; `total` includes any service fees."""
        row = asdict(self)
        del row["service_fees"]
        return row


def maximum_payments(contract: Contract, year: int) -> list[MaximumPayment]:
    """Per group: the sum of every payment one participant attached in `year` can earn.

    Outcome tariffs carry the bid discount; the per-participant cap, if any, bounds the total.
    """
    n_years = len(contract.contract_years.starts)
    if not 1 <= year <= n_years:
        raise ValueError(f"contract year must be between 1 and {n_years}; found {year}")

    def amount(by_year: ByYear | None, kind: PaymentKind) -> float:
        if by_year is None:
            return 0.0
        values = by_year.value
        value = values[min(year, len(values)) - 1]
        if kind in contract.discount_applies_to:
            value *= 1.0 - contract.discount
        return float(to_pennies(value))

    cap = contract.cap_per_participant.value if contract.cap_per_participant else float("inf")
    rows = []
    for g in contract.groups:
        attachment = amount(g.attachment_fee, PaymentKind.attachment)
        service = (
            amount(g.service_fee.fee, PaymentKind.service_fee) * g.service_fee.max_count.value
            if g.service_fee
            else 0.0
        )
        outcome = amount(g.job_outcome.fee if g.job_outcome else None, PaymentKind.job_outcome)
        sustainment = (
            amount(g.sustainment.fee, PaymentKind.sustainment) * g.sustainment.max_count.value
            if g.sustainment
            else 0.0
        )
        total = min(cap, attachment + service + outcome + sustainment)
        rows.append(
            MaximumPayment(
                g.id, attachment, round(service, 2), outcome, round(sustainment, 2), round(total, 2)
            )
        )
    return rows
