"""Contract designs as numbers: the taper and the fixed share, and a scenario's overrides."""

from __future__ import annotations

import pytest

from pbrlab.contracts.designs import attachment_taper, fixed_share
from pbrlab.contracts.load import contract_data, parse_contract
from pbrlab.engine.world import build_world
from pbrlab.errors import InputError
from variants import reference


def group(data: dict, gid: str = "jsa_25_plus") -> dict:  # type: ignore[type-arg]
    return next(g for g in data["groups"] if g["id"] == gid)


def maximum(g: dict) -> float:  # type: ignore[type-arg]
    return (
        g["attachment_fee"]["value"][0]
        + g["job_outcome"]["fee"]["value"][0]
        + g["sustainment"]["fee"]["value"][0] * g["sustainment"]["max_count"]["value"]
    )


@pytest.mark.parametrize(
    ("taper", "expected"),
    [(0.0, [400, 400, 400, 400]), (1 / 3, [400, 266.67, 133.33, 0]), (1.0, [400, 0, 0, 0])],
)
def test_the_taper_shapes_the_attachment_fee_over_four_years(
    taper: float, expected: list[float]
) -> None:
    data, _ = contract_data("work-programme-2011")
    changed = group(attachment_taper(data, taper))["attachment_fee"]
    assert changed["value"] == pytest.approx(expected)
    assert changed["source"] is None and "taper" in changed["assumption"]
    assert group(data)["attachment_fee"]["value"] == [400, 300, 200, 0]  # the input is untouched


@pytest.mark.parametrize("share", [0.0, 0.1, 0.5])
def test_the_fixed_share_moves_money_between_attachment_and_results(share: float) -> None:
    data, _ = contract_data("work-programme-2011")
    before = group(data)
    after = group(fixed_share(data, share))
    assert maximum(after) == pytest.approx(maximum(before), abs=0.1)
    assert after["attachment_fee"]["value"][0] == pytest.approx(share * maximum(before), abs=0.01)
    ratio = after["job_outcome"]["fee"]["value"][0] / before["job_outcome"]["fee"]["value"][0]
    sustain = after["sustainment"]["fee"]["value"][0] / before["sustainment"]["fee"]["value"][0]
    assert ratio == pytest.approx(sustain, rel=1e-3)
    parse_contract(fixed_share(data, share), "designed")  # still a valid contract


def test_a_scenario_lays_its_overrides_over_the_contract() -> None:
    data, _ = contract_data("work-programme-2011")
    changed = {"groups": attachment_taper(data, 1.0)["groups"]}
    world = build_world(reference(0.001, contract_overrides={"work-programme-2011": changed}))
    assert world.contracts[0].groups[0].attachment_fee is not None
    assert list(world.contracts[0].groups[0].attachment_fee.value) == [400, 0, 0, 0]
    with pytest.raises(InputError, match=r"contract_overrides\.no-such.*expected a contract"):
        build_world(reference(0.001, contract_overrides={"no-such": {}}))
    bad = {
        "work-programme-2011": {
            "groups": [{"id": "jsa_25_plus", "attachment_fee": {"value": [-1]}}]
        }
    }
    with pytest.raises(InputError, match=r"contract_overrides\[work-programme-2011\]"):
        build_world(reference(0.001, contract_overrides=bad))


def test_a_scenario_names_a_contract_design_as_one_number() -> None:
    design = {"contract": "work-programme-2011", "transform": "fixed_share",
              "value": {"value": 0.3, "assumption": "test"}}  # fmt: skip
    world = build_world(reference(0.001, contract_designs=[design]))
    data, _ = contract_data("work-programme-2011")
    fee = world.contracts[0].groups[1].attachment_fee
    assert fee is not None and world.contracts[0].groups[1].id == "jsa_25_plus"
    assert fee.value[0] == pytest.approx(0.3 * maximum(group(data)), abs=0.01)
    with pytest.raises(InputError, match=r"contract_designs\[0\]\.contract: expected a contract"):
        reference(0.001, contract_designs=[{**design, "contract": "no-such"}])


def test_the_results_share_scales_every_payment_per_participant() -> None:
    from pbrlab.contracts.designs import results_share

    data, _ = contract_data("work-programme-2011")
    after = group(results_share(data, 0.7))
    before = group(data)
    assert after["attachment_fee"]["value"] == pytest.approx([280, 210, 140, 0])
    for part in ("job_outcome", "sustainment"):
        assert after[part]["fee"]["value"][0] == pytest.approx(
            0.7 * before[part]["fee"]["value"][0], abs=0.01
        )
    assert maximum(after) == pytest.approx(0.7 * maximum(before), abs=1.0)
