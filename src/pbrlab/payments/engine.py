"""Files in, ledger out: the payment engine as one call, used by the CLI and by scripts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from pbrlab.contracts.load import load_contract
from pbrlab.contracts.model import Contract
from pbrlab.errors import InputError
from pbrlab.io import write_parquet
from pbrlab.payments.ledger import build_ledger
from pbrlab.payments.records import max_day, read_participants, read_spells
from pbrlab.payments.summary import totals
from pbrlab.provenance import file_hash, model_hash, provenance


@dataclass(frozen=True)
class PaymentRun:
    ledger: pa.Table
    summary: dict[str, Any]
    provenance: dict[str, str]

    @property
    def rows(self) -> int:
        return int(self.ledger.num_rows)


def compute_ledger(
    participants: str | Path,
    spells: str | Path,
    contract: Contract | str | Path,
    as_of: str | dt.date | None = None,
) -> tuple[pa.Table, str]:
    """The ledger of payments due by `as_of` (default: the latest date in the records)."""
    model = contract if isinstance(contract, Contract) else load_contract(contract)
    people = read_participants(participants, tuple(g.id for g in model.groups), model.commissioner)
    work = read_spells(spells, people)
    if as_of is None and people.size == 0:
        raise InputError(
            str(participants),
            "",
            "expected at least one participant to take the default --as-of date from; "
            "found none (give --as-of YYYY-MM-DD)",
        )
    day = max_day(people, work) if as_of is None else _parse_day(as_of)
    return build_ledger(model, people, work, day), str(np.datetime64(day, "D"))


def run_payments(
    participants: str | Path,
    spells: str | Path,
    contract: Contract | str | Path,
    as_of: str | dt.date | None,
    out: str | Path,
) -> PaymentRun:
    """Compute the ledger, write it atomically to `out` (.parquet), and summarise it."""
    if Path(out).suffix.lower() != ".parquet":
        raise InputError(str(out), "", "expected an output path ending in .parquet")
    model = contract if isinstance(contract, Contract) else load_contract(contract)
    ledger, as_of_text = compute_ledger(participants, spells, model, as_of)
    stamp = provenance(
        contract=model.id,
        contract_hash=model_hash(model),
        participants_hash=file_hash(participants),
        spells_hash=file_hash(spells),
        as_of=as_of_text,
        ledger=str(out),
    )
    try:
        write_parquet(ledger, out, stamp)
    except OSError as exc:
        problem = f"cannot write the ledger there ({exc.strerror or exc})"
        raise InputError(str(out), "", problem) from None
    return PaymentRun(ledger, totals(ledger), stamp)


def _parse_day(text: str | dt.date) -> int:
    if isinstance(text, dt.date):
        return (text - dt.date(1970, 1, 1)).days
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError(text)
        return (dt.date.fromisoformat(text.strip()) - dt.date(1970, 1, 1)).days
    except ValueError:
        raise InputError("--as-of", "", f"expected a date as YYYY-MM-DD; found {text!r}") from None
