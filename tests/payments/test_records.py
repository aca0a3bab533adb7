"""Reading records: types, blanks and parties, and the engine's handling of edge cases."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pbrlab.contracts.load import contract_data, parse_contract
from pbrlab.errors import InputError
from pbrlab.payments.engine import compute_ledger

GROUP = {
    "id": "g",
    "label": "test group",
    "attachment_fee": {"value": [100.0], "assumption": "test"},
    "job_outcome": {
        "fee": {"value": [1000.0], "assumption": "test"},
        "trigger": {"kind": "weeks_in_work", "weeks": {"value": 1, "assumption": "test"}},
    },
}


def contract(**changes: Any) -> Any:
    data, _ = contract_data("work-programme-2011")
    data = copy.deepcopy(data)
    data.pop("performance")
    data.pop("incentive")
    data["groups"] = [copy.deepcopy(GROUP)]
    data.update(changes)
    return parse_contract(data, "test contract")


def write(path: Path, columns: dict[str, Any]) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def people(tmp_path: Path, **extra: Any) -> Path:
    columns = {
        "participant_id": ["a", "b"],
        "payment_group": ["g", "g"],
        "provider_id": ["prime", "prime"],
        "referral_date": ["2012-01-02", "2012-01-02"],
        "attachment_date": ["2012-01-02", "2012-01-02"],
        **extra,
    }
    return write(tmp_path / "participants.parquet", columns)


def spells(tmp_path: Path, **columns: Any) -> Path:
    return write(tmp_path / "spells.parquet", columns)


def test_blank_end_date_means_ongoing(tmp_path: Path) -> None:
    work = spells(
        tmp_path,
        participant_id=["a"],
        start_date=["2012-01-02"],
        end_date=["  "],
    )
    ledger, _ = compute_ledger(people(tmp_path), work, contract(), "2012-03-01")
    assert "job_outcome" in ledger["kind"].to_pylist()


def test_dictionary_encoded_dates_are_read(tmp_path: Path) -> None:
    work = spells(
        tmp_path,
        participant_id=["a"],
        start_date=pa.array(["2012-01-02"]).dictionary_encode(),
        end_date=[None],
    )
    ledger, _ = compute_ledger(people(tmp_path), work, contract(), "2012-03-01")
    assert ledger.num_rows == 3


def test_blank_subcontractor_means_none(tmp_path: Path) -> None:
    participants = people(tmp_path, subcontractor_id=["", " "])
    work = spells(tmp_path, participant_id=["a"], start_date=["2012-01-02"], end_date=[None])
    ledger, _ = compute_ledger(participants, work, contract(), "2012-03-01")
    assert set(ledger["payee"].to_pylist()) == {"prime"}


@pytest.mark.parametrize(
    ("extra", "where", "found"),
    [
        ({"subcontractor_id": ["prime", None]}, "row 1, column subcontractor_id", "'prime'"),
        ({"provider_id": ["DWP", "prime"]}, "row 1, column provider_id", "'DWP'"),
        (
            {"attachment_date": ["2012-01-02", "2312-01-02"]},
            "row 2, column attachment_date",
            "2312",
        ),
    ],
    ids=["subcontractor-is-the-prime", "provider-is-the-commissioner", "date-out-of-range"],
)
def test_refused_participants(
    tmp_path: Path, extra: dict[str, Any], where: str, found: str
) -> None:
    work = spells(tmp_path, participant_id=["a"], start_date=["2012-01-02"], end_date=[None])
    with pytest.raises(InputError) as caught:
        compute_ledger(people(tmp_path, **extra), work, contract(), "2012-03-01")
    assert caught.value.where == where
    assert found in caught.value.problem


def test_non_numeric_earnings_type_is_refused(tmp_path: Path) -> None:
    work = spells(
        tmp_path,
        participant_id=["a"],
        start_date=["2012-01-02"],
        end_date=[None],
        weekly_earnings=[True],
    )
    with pytest.raises(InputError, match="found type bool"):
        compute_ledger(people(tmp_path), work, contract(), "2012-03-01")


def test_earnings_outcome_does_not_depend_on_other_participants(tmp_path: Path) -> None:
    """Pay of £334.125 a week is taken as £334.13 whether or not anyone's jobs overlap."""
    earnings = contract(
        groups=[
            {
                **GROUP,
                "job_outcome": {
                    "fee": {"value": [1000.0], "assumption": "test"},
                    "trigger": {
                        "kind": "earnings",
                        "threshold": {"value": 668.25, "assumption": "test"},
                        "window_days": {"value": 365, "assumption": "test"},
                    },
                },
            }
        ]
    )
    alone = spells(
        tmp_path,
        participant_id=["a"],
        start_date=["2012-01-02"],
        end_date=[None],
        weekly_earnings=[334.125],
    )
    first, _ = compute_ledger(people(tmp_path), alone, earnings, "2012-06-01")
    overlapping = spells(
        tmp_path,
        participant_id=["a", "b", "b"],
        start_date=["2012-01-02", "2012-02-01", "2012-02-05"],
        end_date=[None, "2012-02-10", "2012-02-20"],
        weekly_earnings=[334.125, 0.0, 0.0],
    )
    second, _ = compute_ledger(people(tmp_path), overlapping, earnings, "2012-06-01")

    def outcomes(ledger: pa.Table) -> list[tuple[str, Any]]:
        rows = ledger.to_pylist()
        return [
            (r["participant_id"], r["trigger_date"]) for r in rows if r["kind"] == "job_outcome"
        ]

    assert outcomes(first) == outcomes(second) == [("a", dt.date(2012, 1, 15))]


def test_cap_is_never_exceeded_by_rounding(tmp_path: Path) -> None:
    """Half-penny tariffs are rounded before the cap applies: £1,000 means £1,000.00."""
    group = copy.deepcopy(GROUP)
    group["attachment_fee"]["value"] = [666.67]
    group["job_outcome"]["fee"]["value"] = [666.67]
    capped = contract(
        groups=[group],
        bid_discount={"value": 0.5, "assumption": "test"},
        discount_applies_to=["attachment", "job_outcome"],
        cap_per_participant={"value": 500.0, "assumption": "test"},
    )
    work = spells(tmp_path, participant_id=["a"], start_date=["2012-01-02"], end_date=[None])
    ledger, _ = compute_ledger(people(tmp_path), work, capped, "2012-03-01")
    paid = [r["amount"] for r in ledger.to_pylist() if r["participant_id"] == "a"]
    assert paid == [333.34, 166.66]


def test_rows_are_in_time_order_within_a_participant(tmp_path: Path) -> None:
    group = copy.deepcopy(GROUP)
    group["service_fee"] = {
        "fee": {"value": [10.0], "assumption": "test"},
        "every_weeks": {"value": 2, "assumption": "test"},
        "max_count": {"value": 3, "assumption": "test"},
    }
    work = spells(tmp_path, participant_id=["a"], start_date=["2012-01-02"], end_date=[None])
    ledger, _ = compute_ledger(people(tmp_path), work, contract(groups=[group]), "2012-03-01")
    rows = [r for r in ledger.to_pylist() if r["participant_id"] == "a"]
    triggers = [r["trigger_date"] for r in rows]
    assert triggers == sorted(triggers)
    assert [r["kind"] for r in rows][:3] == ["attachment", "job_outcome", "service_fee"]
