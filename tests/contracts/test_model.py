"""The contract language: what it accepts, what it refuses, and how it says so."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pbrlab.contracts.load import contract_data, parse_contract
from pbrlab.contracts.model import Contract
from pbrlab.errors import InputError

BASE, _ = contract_data("work-programme-2011")


def mutated(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    change(data)
    return data


def first_group(data: dict[str, Any]) -> dict[str, Any]:
    group: dict[str, Any] = data["groups"][0]
    return group


REFUSED = [
    (
        "discount on a provider-level kind",
        lambda d: d.update(discount_applies_to=["job_outcome", "delivery_fee"]),
        "discount_applies_to[1]",
        "'delivery_fee'",
    ),
    (
        "pass-through of a provider-level kind",
        lambda d: d["subcontract"].update(pass_through=["job_outcome", "incentive"]),
        "subcontract.pass_through[1]",
        "'incentive'",
    ),
    (
        "management fee on a kind that is not passed through",
        lambda d: d["subcontract"].update(
            pass_through=["job_outcome"], fee_applies_to=["job_outcome", "sustainment"]
        ),
        "subcontract.fee_applies_to[1]",
        "'sustainment'",
    ),
    (
        "infinite money",
        lambda d: first_group(d)["job_outcome"]["fee"].update(value=[float("inf")]),
        "groups[jsa_18_24].job_outcome.fee.value[0]",
        "inf",
    ),
    (
        "absurd count",
        lambda d: first_group(d)["sustainment"]["max_count"].update(value=10**12),
        "groups[jsa_18_24].sustainment.max_count.value",
        "1000000000000",
    ),
    (
        "number written as text",
        lambda d: d["claim_lag_days"].update(value="21"),
        "claim_lag_days.value",
        "'21'",
    ),
    (
        "unknown top-level key",
        lambda d: d.update(colour="blue"),
        "colour",
        "unknown key",
    ),
    (
        "unknown key inside a group",
        lambda d: first_group(d)["job_outcome"].update(bogus=1),
        "groups[jsa_18_24].job_outcome.bogus",
        "unknown key",
    ),
    (
        "wrong type",
        lambda d: first_group(d)["sustainment"]["every_weeks"].update(value="four"),
        "groups[jsa_18_24].sustainment.every_weeks.value",
        "'four'",
    ),
    (
        "negative fee",
        lambda d: first_group(d)["attachment_fee"].update(value=[-400]),
        "groups[jsa_18_24].attachment_fee.value[0]",
        "-400",
    ),
    (
        "no evidence",
        lambda d: first_group(d)["attachment_fee"].pop("source"),
        "groups[jsa_18_24].attachment_fee",
        "source",
    ),
    (
        "two kinds of evidence",
        lambda d: first_group(d)["attachment_fee"].update(assumption="a guess"),
        "groups[jsa_18_24].attachment_fee",
        "exactly one",
    ),
    (
        "missing groups",
        lambda d: d.pop("groups"),
        "groups",
        "missing",
    ),
    (
        "minimum level for a group the contract lacks",
        lambda d: d["performance"]["minimum_levels"][0].update(group="jsa_50_plus"),
        "performance.minimum_levels[jsa_50_plus].group",
        "jsa_50_plus",
    ),
    (
        "overlapping contract years",
        lambda d: d["contract_years"]["starts"].insert(2, d["contract_years"]["starts"][0]),
        "contract_years.starts[2]",
        "overlap",
    ),
    (
        "repeated group id",
        lambda d: d["groups"].append(copy.deepcopy(d["groups"][0])),
        "groups[jsa_18_24].id",
        "expected a new id",
    ),
    (
        "unknown trigger kind",
        lambda d: first_group(d)["job_outcome"]["trigger"].update(kind="vibes"),
        "groups[jsa_18_24].job_outcome.trigger.kind",
        "vibes",
    ),
    (
        "discount above one",
        lambda d: d.update(bid_discount={"value": 1.5, "source": "a report"}),
        "bid_discount.value",
        "1.5",
    ),
]


@pytest.mark.parametrize(
    ("change", "where", "found"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_refused_with_a_message_naming_the_place(change: Any, where: str, found: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_contract(mutated(change), "contract.toml")
    error = caught.value
    assert error.file == "contract.toml"
    assert error.where == where
    assert found in str(error)


def test_the_preset_round_trips_through_its_own_dump() -> None:
    contract = parse_contract(copy.deepcopy(BASE), "preset")
    again = Contract.model_validate(contract.model_dump())
    assert again == contract


def test_schema_describes_every_top_level_key() -> None:
    schema = Contract.model_json_schema()
    assert set(BASE) <= set(schema["properties"])
    assert {"id", "name", "groups", "contract_years", "attachment_weeks"} <= set(schema["required"])
    assert schema["additionalProperties"] is False
