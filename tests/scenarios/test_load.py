"""The scenario language: overlays, the extends chain, and refusals that name the key."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.scenarios.load import load_scenario, overlay
from pbrlab.scenarios.model import Scenario
from scenario_data import minimal, sourced


def write_toml(path: Path, data: dict[str, Any]) -> Path:
    """A small TOML writer for test data: tables, arrays of tables, strings, numbers, dates."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-":
            return v
        return json.dumps(v)

    for key, v in data.items():
        lines.append(f"{key} = {value(v)}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_minimal_scenario_is_valid(tmp_path: Path) -> None:
    scenario = load_scenario(write_toml(tmp_path / "tiny.toml", minimal()))
    assert isinstance(scenario, Scenario)
    assert [p.area for p in scenario.providers] == ["north", "south"]


def test_overlay_merges_tables_by_key_and_lists_by_id() -> None:
    base = {"a": {"x": 1, "y": 2}, "items": [{"id": "p", "v": 1}, {"id": "q", "v": 2}], "s": 1}
    top = {"a": {"y": 3}, "items": [{"id": "q", "v": 5}, {"id": "r", "v": 6}], "s": 9}
    assert overlay(base, top) == {
        "a": {"x": 1, "y": 3},
        "items": [{"id": "p", "v": 1}, {"id": "q", "v": 5}, {"id": "r", "v": 6}],
        "s": 9,
    }
    assert overlay(base, {"items": []})["items"] == []


def test_a_new_value_replaces_its_evidence_whole() -> None:
    """A calibrated (sourced) value over an assumed one must not keep the assumption."""
    base = {"rate": {"value": 0.5, "assumption": "a guess with a reason"}}
    top = {"rate": {"value": 0.7, "source": "pbrlab calibrate x"}}
    assert overlay(base, top) == top


def test_extends_reads_the_base_beside_the_overlay(tmp_path: Path) -> None:
    write_toml(tmp_path / "base.toml", minimal())
    option = {
        "extends": "base.toml",
        "id": "option",
        "areas": [{"id": "north", "unemployment": sourced([0.05, 0.05, 0.05])}],
    }
    elsewhere = tmp_path / "options"
    elsewhere.mkdir()
    write_toml(elsewhere / "option.toml", {**option, "extends": "../base.toml"})
    scenario = load_scenario(elsewhere / "option.toml")
    assert scenario.id == "option"
    assert scenario.areas[0].unemployment.value == [0.05, 0.05, 0.05]
    assert scenario.areas[1].unemployment.value == [0.06, 0.06, 0.05]


def test_a_cycle_of_extends_is_refused(tmp_path: Path) -> None:
    write_toml(tmp_path / "a.toml", {**minimal(), "extends": "b.toml"})
    write_toml(tmp_path / "b.toml", {"extends": "a.toml", "id": "b"})
    with pytest.raises(InputError, match="cycle"):
        load_scenario(tmp_path / "a.toml")


def first_mix(d: dict[str, Any]) -> dict[str, Any]:
    mix: dict[str, Any] = d["referrals"]["mix"][0]
    return mix


REFUSED = [
    ("unknown key", lambda d: d.update(colour="red"), "colour", "unknown key"),
    (
        "mix not adding up",
        lambda d: first_mix(d)["shares"].update(jsa_25_plus=0.9),
        "referrals.mix[0].shares",
        "0.900000",
    ),
    (
        "mix naming an unknown group",
        lambda d: first_mix(d)["shares"].update(jsa_25_plus=0.5, esa_flow=0.5),
        "referrals.mix[0].shares.esa_flow",
        "'esa_flow'",
    ),
    (
        "provider in an unknown area",
        lambda d: d["providers"][0].update(area="east"),
        "providers[north-prime].area",
        "'east'",
    ),
    (
        "area without a provider",
        lambda d: d["providers"].pop(),
        "areas[south].id",
        "'south'",
    ),
    (
        "area shares not adding up",
        lambda d: d["areas"][0].update(referral_share=sourced(0.5)),
        "areas",
        "1.100000",
    ),
    (
        "calendar out of order",
        lambda d: d["calendar"].update(end="2012-01-01"),
        "calendar.referrals_end",
        "2012-01-01",
    ),
    (
        "milestones going backwards",
        lambda d: d["referrals"]["milestones"].append(
            {"date": "2012-07-01", "cumulative": sourced(900)}
        ),
        "referrals.milestones[1]",
        "900",
    ),
    (
        "hazard above one",
        lambda d: d["groups"][0].update(job_entry_hazard=sourced(1.5)),
        "groups[jsa_25_plus].job_entry_hazard.value",
        "1.5",
    ),
    (
        "repeated provider id",
        lambda d: d["providers"][1].update(id="north-prime"),
        "providers[north-prime].id",
        "again",
    ),
]


@pytest.mark.parametrize(
    ("change", "where", "found"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_refused_with_the_key_path(change: Any, where: str, found: str) -> None:
    data = copy.deepcopy(minimal())
    change(data)
    with pytest.raises(InputError) as caught:
        config.validate(Scenario, data, "scenario.toml")
    assert caught.value.where == where
    assert found in str(caught.value)
