"""Totals of a ledger, and writing it to Parquet with its provenance."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pbrlab.io import write_atomically


def totals(ledger: pa.Table) -> dict[str, Any]:
    """Amounts by payee then kind, the grand total, and what the commissioner paid out."""
    grouped = ledger.group_by(["payee", "kind"]).aggregate([("amount", "sum")])
    by_payee: dict[str, dict[str, float]] = {}
    for payee, kind, amount in zip(
        grouped["payee"].to_pylist(),
        grouped["kind"].to_pylist(),
        grouped["amount_sum"].to_pylist(),
        strict=True,
    ):
        by_payee.setdefault(payee, {})[kind] = round(amount, 2)
    ordered = {p: dict(sorted(k.items())) for p, k in sorted(by_payee.items())}
    amount = ledger["amount"].to_numpy()
    return {"totals": ordered, "total": round(float(np.sum(amount)), 2)}


def paid_by(ledger: pa.Table, payer: str) -> float:
    mask = pc.equal(ledger["payer"], payer)
    return round(float(pc.sum(ledger["amount"].filter(mask)).as_py() or 0.0), 2)


def write_ledger(ledger: pa.Table, path: str | Path, provenance: dict[str, str]) -> None:
    """Write the ledger as Parquet, atomically, with provenance in the file's metadata."""
    stamped = ledger.replace_schema_metadata({"pbrlab": json.dumps(provenance)})
    write_atomically(path, lambda tmp: pq.write_table(stamped, tmp))
