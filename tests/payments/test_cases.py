"""Hand-worked ledger cases, stored as data: input records -> the exact expected payments.

Each file in cases/ names a contract (a preset, optionally with overrides), participant and
spell rows, an as-of date and every ledger row expected. See cases/README.md.
"""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path
from typing import Any

import pytest

from pbrlab.contracts.load import contract_data, parse_contract
from pbrlab.payments.engine import compute_ledger

CASES = sorted((Path(__file__).parent / "cases").glob("*.toml"))
ROOT = Path(__file__).resolve().parents[2]  # the repository: contract paths are relative to it
COMPARED = (
    "participant_id",
    "payer",
    "payee",
    "kind",
    "sequence",
    "trigger_date",
    "due_date",
    "amount",
)


def merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = merge(base[key], value)
        else:
            merged[key] = value
    return merged


def write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


def row_key(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row[c]) for c in COMPARED)


def test_there_are_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case(path: Path, tmp_path: Path) -> None:
    case = tomllib.loads(path.read_text())
    name = case["contract"]
    if name.endswith(".toml") and not Path(name).is_absolute():
        name = str(ROOT / name)  # so the suite passes from any working directory
    base, label = contract_data(name)
    contract = parse_contract(merge(base, case.get("contract_overrides", {})), label)
    participants = tmp_path / "participants.csv"
    spells = tmp_path / "spells.csv"
    write_csv(
        participants,
        case["participants"],
        [
            "participant_id",
            "payment_group",
            "provider_id",
            "referral_date",
            "attachment_date",
            "subcontractor_id",
        ],
    )
    write_csv(
        spells,
        case.get("spells", []),
        ["participant_id", "start_date", "end_date", "weekly_earnings"],
    )
    ledger, _ = compute_ledger(participants, spells, contract, str(case["as_of"]))
    got = sorted(row_key(r) for r in ledger.to_pylist())
    expected = sorted(
        row_key({"participant_id": "", "sequence": 1, **r}) for r in case.get("expected", [])
    )
    assert got == expected, case["name"]
