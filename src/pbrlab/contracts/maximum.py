"""The most a contract can pay for one participant, by group and contract year of attachment."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from pbrlab.contracts.model import Contract, PaymentKind
from pbrlab.payments.rules import compile_rules, to_pennies


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

    Read from the same compiled tariffs the payment engine uses, so tariffs carry the bid
    discount, service fees count only the periods that fit in the attachment window, and the
    per-participant cap, if any, bounds the total.
    """
    rules = compile_rules(contract)
    if not 1 <= year <= rules.n_years:
        raise ValueError(f"contract year must be between 1 and {rules.n_years}; found {year}")
    y = year - 1
    fees = rules.fees
    periods = np.minimum(rules.service_max, rules.attachment_days // rules.service_days)
    rows = []
    for g, group_id in enumerate(rules.ids):
        attachment = float(fees[PaymentKind.attachment][g, y])
        service = float(fees[PaymentKind.service_fee][g, y] * periods[g])
        outcome = float(fees[PaymentKind.job_outcome][g, y]) if rules.has_outcome[g] else 0.0
        sustainment = float(fees[PaymentKind.sustainment][g, y] * rules.sustain_max[g])
        total = min(rules.cap, attachment + service + outcome + sustainment)
        rows.append(
            MaximumPayment(
                group_id,
                attachment,
                float(to_pennies(service)),
                outcome,
                float(to_pennies(sustainment)),
                float(to_pennies(total)),
            )
        )
    return rows
