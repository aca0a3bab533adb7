"""The shipped contract presets: they load, every number carries evidence, and the prices match
the published record (WPC 2013 Table 3 for the Work Programme) through the real CLI."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pbrlab.contracts.load import contract_data, load_contract, preset_names
from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS, EarningsThreshold

PRESETS = preset_names()
EXPECTED_PRESETS = {
    "work-programme-2011",
    "work-and-health-2017",
    "restart-2021",
    "grant",
    "fee-for-service",
    "in-house",
}
MAX_COLUMNS = ["group", "attachment_fee", "job_outcome_fee", "sustainment_total", "total"]

# WPC 2013, HC 162, Table 3: attachment / job outcome / sustainment total / total, year 1.
TABLE_3 = {
    "jsa_18_24": (400, 1200, 2210, 3810),
    "jsa_25_plus": (400, 1200, 2795, 4395),
    "jsa_early_access": (400, 1200, 5000, 6600),
    "jsa_ex_ib": (400, 1200, 5000, 6600),
    "esa_volunteers": (400, 1000, 2300, 3700),
}
ATTACHMENT_TAPER = {2: 300, 3: 200, 4: 0}

# Job outcome by earnings: 16 hours a week for 26 weeks at the National Living Wage.
EARNINGS_TRIGGERS = {
    "work-and-health-2017": (16 * 26 * 7.50, 456 + 182),  # GBP3,120 within 638 days
    "restart-2021": (16 * 26 * 8.91, 365 + 182),  # GBP3,706.56 within 547 days
}


def pbrlab(*args: str) -> str:
    """Run the real command line and return its standard output."""
    result = subprocess.run(
        [sys.executable, "-m", "pbrlab", *args], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@functools.cache
def max_payments(preset: str, year: int) -> dict[str, dict[str, Any]]:
    """`pbrlab contract max-payments PRESET --year N --format json`, rows by group (cached)."""
    rows = json.loads(
        pbrlab("contract", "max-payments", preset, "--year", str(year), "--format", "json")
    )
    return {row["group"]: row for row in rows}


# --- the evidence check ------------------------------------------------------------------------


def has_evidence(table: dict[str, Any]) -> bool:
    return any(
        isinstance(table.get(key), str) and table[key].strip() for key in ("source", "assumption")
    )


def numbers(
    node: Any, path: str = "", table: dict[str, Any] | None = None
) -> Iterator[tuple[str, float, dict[str, Any] | None]]:
    """Every number in raw contract data, with its key path and the table that holds it.

    A number inside a list belongs to the table holding the list. Dates are not numbers, and
    neither is the `year` key of a minimum performance level (it names a contract year).
    """
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "year" and re.search(r"levels\[\d+\]$", path):
                continue
            yield from numbers(value, f"{path}.{key}" if path else key, node)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from numbers(item, f"{path}[{i}]", table)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path, node, table


def unsourced(data: dict[str, Any]) -> list[str]:
    """Key paths of numbers whose table has no non-empty `source` or `assumption`."""
    return [path for path, _, table in numbers(data) if table is None or not has_evidence(table)]


def test_evidence_check_finds_an_unsourced_number() -> None:
    data = {
        "attachment_weeks": {"value": 104, "source": "WPC 2013"},
        "claim_lag_days": {"value": 21, "assumption": "  "},
        "groups": [{"attachment_fee": {"value": [400, 300], "source": ""}}],
        "performance": {"minimum_levels": [{"levels": [{"year": 1, "value": {"value": 0.1}}]}]},
        "top_level": 3,
    }
    assert unsourced(data) == [
        "claim_lag_days.value",
        "groups[0].attachment_fee.value[0]",
        "groups[0].attachment_fee.value[1]",
        "performance.minimum_levels[0].levels[0].value.value",
        "top_level",
    ]


def test_evidence_check_passes_sourced_numbers_and_skips_dates_and_years() -> None:
    data = {
        "contract_years": {"starts": [dt.date(2011, 6, 1)], "source": "DWP"},
        "delivery_fee": {
            "start_date": dt.date(2017, 11, 1),
            "share": {"value": 0.3, "source": "x"},
        },
        "levels": [{"year": 3, "value": {"value": 0.44, "assumption": "because"}}],
    }
    assert unsourced(data) == []
    assert [path for path, _, _ in numbers(data)] == [
        "delivery_fee.share.value",
        "levels[0].value.value",
    ]


# --- every preset ------------------------------------------------------------------------------


def test_the_shipped_presets_are_exactly_the_expected_set() -> None:
    assert set(PRESETS) == EXPECTED_PRESETS


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_loads_with_a_name(preset: str) -> None:
    contract = load_contract(preset)
    assert contract.name.strip()
    assert contract.id == preset


@pytest.mark.parametrize("preset", PRESETS)
def test_every_number_in_the_preset_carries_evidence(preset: str) -> None:
    data, _ = contract_data(preset)
    assert list(numbers(data)), "the walk found no numbers at all"
    assert unsourced(data) == []


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_uses_the_work_programme_group_ids(preset: str) -> None:
    ids = [g.id for g in load_contract(preset).groups]
    assert ids == list(WORK_PROGRAMME_GROUPS)


@pytest.mark.parametrize("preset", PRESETS)
def test_max_payments_csv_has_the_five_columns(preset: str) -> None:
    text = pbrlab("contract", "max-payments", preset, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == MAX_COLUMNS
    assert [row[0] for row in rows[1:]] == list(WORK_PROGRAMME_GROUPS)


# --- the Work Programme against WPC 2013 Table 3 -----------------------------------------------


def test_work_programme_has_the_nine_groups_in_order() -> None:
    ids = [g.id for g in load_contract("work-programme-2011").groups]
    assert ids == list(WORK_PROGRAMME_GROUPS)
    assert len(ids) == 9


def test_max_payments_json_rows_have_exactly_the_five_keys() -> None:
    for row in max_payments("work-programme-2011", 1).values():
        assert list(row) == MAX_COLUMNS


@pytest.mark.parametrize("group", list(TABLE_3))
def test_year_one_maximum_reproduces_wpc_table_3(group: str) -> None:
    row = max_payments("work-programme-2011", 1)[group]
    attachment, outcome, sustainment, total = TABLE_3[group]
    assert row == {
        "group": group,
        "attachment_fee": attachment,
        "job_outcome_fee": outcome,
        "sustainment_total": sustainment,
        "total": total,
    }


@pytest.mark.parametrize("year", list(ATTACHMENT_TAPER))
def test_attachment_fee_tapers_to_nil_by_year_four(year: int) -> None:
    rows = max_payments("work-programme-2011", year)
    for group in TABLE_3:
        assert rows[group]["attachment_fee"] == ATTACHMENT_TAPER[year]


def test_esa_ex_ib_year_one_total_is_the_published_maximum() -> None:
    assert max_payments("work-programme-2011", 1)["esa_ex_ib"]["total"] == 13720


# --- the other designs -------------------------------------------------------------------------


def test_grant_pays_no_participant_fee_only_a_fixed_grant() -> None:
    contract = load_contract("grant")
    for g in contract.groups:
        assert (g.attachment_fee, g.service_fee, g.job_outcome, g.sustainment) == (None,) * 4
    assert contract.incentive is None
    assert contract.delivery_fee is not None
    assert contract.delivery_fee.share.value == 1.0
    assert all(row["total"] == 0 for row in max_payments("grant", 1).values())


def test_fee_for_service_pays_per_start_and_per_period_not_for_outcomes() -> None:
    contract = load_contract("fee-for-service")
    assert contract.incentive is None and contract.delivery_fee is None
    window = contract.attachment_weeks.value
    for g in contract.groups:
        assert g.job_outcome is None and g.sustainment is None
        assert g.attachment_fee is not None and g.service_fee is not None
        assert g.service_fee.every_weeks.value * g.service_fee.max_count.value == window
    for row in max_payments("fee-for-service", 1).values():
        assert row["job_outcome_fee"] == 0 and row["sustainment_total"] == 0
        assert row["total"] > row["attachment_fee"] > 0  # the service fees are in the total


@pytest.mark.parametrize("preset", list(EARNINGS_TRIGGERS))
def test_successor_programmes_pay_one_outcome_on_earnings(preset: str) -> None:
    threshold, window_days = EARNINGS_TRIGGERS[preset]
    contract = load_contract(preset)
    fees = set()
    for g in contract.groups:
        assert g.attachment_fee is None and g.sustainment is None
        assert g.job_outcome is not None
        trigger = g.job_outcome.trigger
        assert isinstance(trigger, EarningsThreshold)
        assert trigger.threshold.value == pytest.approx(threshold, abs=0.005)
        assert trigger.window_days.value == window_days
        fees.add(tuple(g.job_outcome.fee.value))
    assert len(fees) == 1, "one outcome price for every group"
    assert contract.delivery_fee is not None


def test_work_and_health_delivery_fee_is_thirty_percent_over_sixty_months() -> None:
    fee = load_contract("work-and-health-2017").delivery_fee
    assert fee is not None
    assert (fee.share.value, fee.months.value) == (0.3, 60)


def test_restart_supports_for_twelve_months() -> None:
    assert load_contract("restart-2021").attachment_weeks.value == 52
