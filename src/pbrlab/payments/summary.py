"""Totals of a ledger: by payee and kind, overall, and by payer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa


def totals(ledger: pa.Table) -> dict[str, Any]:
    """Amounts by payee then kind, the grand total of all rows, and the amount each payer paid.

    `total` adds every row, so money passed from a prime to a subcontractor counts twice;
    `paid_by` shows who paid what (the commissioner's spend is its entry there).
    """
    by_payee: dict[str, dict[str, float]] = {}
    for payee, kind, amount in _sums(ledger, ["payee", "kind"]):
        by_payee.setdefault(payee, {})[kind] = amount
    return {
        "totals": {p: dict(sorted(k.items())) for p, k in sorted(by_payee.items())},
        "total": round(float(np.sum(ledger["amount"].to_numpy())), 2),
        "paid_by": dict(sorted((payer, amount) for payer, amount in _sums(ledger, ["payer"]))),
    }


def _sums(ledger: pa.Table, keys: list[str]) -> list[tuple[Any, ...]]:
    grouped = ledger.group_by(keys).aggregate([("amount", "sum")])
    columns = [grouped[k].to_pylist() for k in keys]
    amounts = [round(a, 2) for a in grouped["amount_sum"].to_pylist()]
    return list(zip(*columns, amounts, strict=True))
