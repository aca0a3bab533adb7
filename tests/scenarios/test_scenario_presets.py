"""The shipped scenario preset and the example overlays at the repository root: they load, every
number carries evidence, and the reference scenario has the published shape of the Work Programme
(nine payment groups, 18 areas, 40 prime contracts)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pbrlab.contracts.load import load_contract
from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS
from pbrlab.scenarios.load import load_scenario, preset_names, scenario_data
from pbrlab.scenarios.model import Scenario

ROOT = Path(__file__).resolve().parents[2]
PRESET = "work-programme-2011"
OVERLAYS = ROOT / "scenarios"
REFERENCE_FILE = OVERLAYS / "work-programme-2011.toml"
STRONG_FILE = OVERLAYS / "strong-labour-market.toml"

#: Plain numbers in the schema that are run settings, not evidence-bearing values.
RUN_SETTINGS = {"seed", "scale"}

JSA = [g for g in WORK_PROGRAMME_GROUPS if g.startswith("jsa_")]
ESA_AND_IB = [g for g in WORK_PROGRAMME_GROUPS if not g.startswith("jsa_")]
ESA = ["esa_volunteers", "esa_flow", "esa_ex_ib"]


@pytest.fixture(scope="module")
def preset() -> Scenario:
    return load_scenario(PRESET)


# --- the evidence check ------------------------------------------------------------------------


def has_evidence(table: dict[str, Any] | None) -> bool:
    return table is not None and any(
        isinstance(table.get(key), str) and table[key].strip() for key in ("source", "assumption")
    )


def numbers(
    node: Any, path: str = "", table: dict[str, Any] | None = None
) -> Iterator[tuple[str, float, dict[str, Any] | None]]:
    """Every number in raw scenario data, with its key path and the table that holds it.

    A number inside a list belongs to the table holding the list, a number in a mix's `shares`
    table belongs to the mix (whose `source` or `assumption` covers all its shares), and a number
    anywhere in a `matching` table belongs to it (its evidence covers its shares and breadth).
    Dates are not numbers; the run settings `seed` and `scale` are skipped.
    """
    if isinstance(node, dict):
        covered = path.endswith(".shares") or (".matching." in f"{path}." and table is not None)
        owner = table if covered and not path.endswith(".matching") else node
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            if here in RUN_SETTINGS:
                continue
            yield from numbers(value, here, owner)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from numbers(item, f"{path}[{i}]", table)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path, node, table


def unsourced(data: dict[str, Any]) -> list[str]:
    """Key paths of numbers whose table has no non-empty `source` or `assumption`."""
    return [path for path, _, table in numbers(data) if not has_evidence(table)]


def test_evidence_check_finds_unsourced_numbers() -> None:
    data = {
        "seed": 1,
        "scale": 0.1,
        "attachment_weeks": {"value": 104, "source": " "},
        "referrals": {
            "milestones": [{"date": dt.date(2011, 6, 1), "cumulative": {"value": 0}}],
            "mix": [{"starts": dt.date(2011, 6, 1), "shares": {"a": 0.5, "b": 0.5}}],
        },
        "areas": [{"id": "x", "unemployment": {"value": [0.08, 0.07], "assumption": "why"}}],
        "stray": 3,
    }
    assert unsourced(data) == [
        "attachment_weeks.value",
        "referrals.milestones[0].cumulative.value",
        "referrals.mix[0].shares.a",
        "referrals.mix[0].shares.b",
        "stray",
    ]


def test_evidence_check_lets_a_mix_cover_its_shares() -> None:
    data = {"mix": [{"starts": dt.date(2012, 3, 1), "shares": {"a": 1.0}, "source": "DWP"}]}
    assert [path for path, _, _ in numbers(data)] == ["mix[0].shares.a"]
    assert unsourced(data) == []


def test_every_number_in_the_preset_carries_evidence() -> None:
    data, _ = scenario_data(PRESET)
    assert len(list(numbers(data))) > 300, "the walk found too few numbers"
    assert unsourced(data) == []


@pytest.mark.parametrize("path", [REFERENCE_FILE, STRONG_FILE], ids=lambda p: p.name)
def test_every_number_in_the_overlay_files_carries_evidence(path: Path) -> None:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert unsourced(data) == []


# --- the preset --------------------------------------------------------------------------------


def test_the_preset_is_shipped_and_loads(preset: Scenario) -> None:
    assert PRESET in preset_names()
    assert preset.id == PRESET
    assert preset.name.strip() and preset.description.strip()
    assert (preset.seed, preset.scale) == (2011, 0.05)


def test_calendar_and_attachment_follow_the_record(preset: Scenario) -> None:
    calendar = preset.calendar
    assert (calendar.start, calendar.referrals_end, calendar.end) == (
        dt.date(2011, 6, 1),
        dt.date(2017, 3, 31),
        dt.date(2019, 3, 31),
    )
    assert preset.attachment_weeks.value == 104


def test_referral_milestones_end_at_the_published_total(preset: Scenario) -> None:
    milestones = preset.referrals.milestones
    assert milestones[0].date == preset.calendar.start
    assert milestones[0].cumulative.value == 0
    assert milestones[-1].date == preset.calendar.referrals_end
    assert milestones[-1].cumulative.value == 1_950_000
    assert all(m.date <= preset.calendar.referrals_end for m in milestones)


def test_groups_are_the_nine_payment_groups(preset: Scenario) -> None:
    assert [g.id for g in preset.groups] == list(WORK_PROGRAMME_GROUPS)


def test_every_mix_covers_the_nine_groups_and_adds_up(preset: Scenario) -> None:
    assert len(preset.referrals.mix) >= 3
    for mix in preset.referrals.mix:
        assert set(mix.shares) == set(WORK_PROGRAMME_GROUPS), mix.starts
        assert sum(mix.shares.values()) == pytest.approx(1.0, abs=1e-9)


def test_prison_leavers_start_in_2012_and_the_esa_share_rises(preset: Scenario) -> None:
    mixes = preset.referrals.mix
    for mix in mixes:
        if mix.starts < dt.date(2012, 2, 1):
            assert mix.shares["jsa_prison_leavers"] == 0.0
    assert mixes[-1].shares["jsa_prison_leavers"] > 0.0
    esa = [sum(mix.shares[g] for g in ESA) for mix in mixes]
    assert esa == sorted(esa) and esa[0] < esa[-1]
    assert esa[0] < 0.10  # 5.5% of early referrals came from sickness benefits
    assert esa[-1] >= 0.25  # "nearly one in three by 2013"


def test_job_entry_hazards_order_jsa_above_esa(preset: Scenario) -> None:
    entry = {g.id: g.job_entry_hazard.value for g in preset.groups}
    assert entry["jsa_18_24"] >= entry["jsa_25_plus"] > entry["esa_flow"] > entry["esa_ex_ib"]
    assert min(entry[g] for g in JSA) > 2 * max(entry[g] for g in ESA_AND_IB)


def test_jobs_are_less_likely_to_end_after_13_weeks(preset: Scenario) -> None:
    for group in preset.groups:
        assert group.later_separation_hazard.value < group.separation_hazard.value, group.id


def test_eighteen_areas_with_a_full_unemployment_path(preset: Scenario) -> None:
    assert [a.id for a in preset.areas] == [f"cpa{i:02d}" for i in range(1, 19)]
    years = preset.calendar.end.year - preset.calendar.start.year + 1
    for area in preset.areas:
        assert len(area.unemployment.value) == years, area.id
        assert all(0.02 < u < 0.15 for u in area.unemployment.value), area.id
    assert sum(a.referral_share.value for a in preset.areas) == pytest.approx(1.0, abs=1e-9)


def test_two_or_three_primes_per_area_forty_contracts(preset: Scenario) -> None:
    per_area = Counter(p.area for p in preset.providers)
    assert set(per_area) == {a.id for a in preset.areas}
    assert all(2 <= n <= 3 for n in per_area.values()), per_area
    assert len(preset.providers) == 40  # "40 contracts with 18 prime contractors" (PAC 2014)
    # Corporate Watch: five contracts went to voluntary (three) or public (two) organisations.
    assert Counter(p.sector for p in preset.providers) == {
        "private": 35,
        "voluntary": 3,
        "public": 2,
    }


def test_every_provider_contract_loads(preset: Scenario) -> None:
    for contract in {p.contract for p in preset.providers}:
        assert load_contract(contract).id == contract


def test_the_cli_shows_the_preset() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pbrlab", "scenario", "show", PRESET, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["id"] == PRESET
    assert len(shown["providers"]) == 40


# --- the overlays at the repository root -------------------------------------------------------


def without(scenario: Scenario, *keys: str) -> dict[str, Any]:
    data = scenario.model_dump()
    for key in keys:
        data.pop(key)
    return data


def test_the_reference_file_is_the_preset(preset: Scenario) -> None:
    reference = load_scenario(REFERENCE_FILE)
    assert reference.extends == PRESET
    assert reference.id == PRESET
    assert without(reference, "name", "extends") == without(preset, "name", "extends")
    raw = tomllib.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    assert set(raw) == {"extends", "id", "name"}


def test_the_strong_labour_market_changes_only_the_areas_it_names(preset: Scenario) -> None:
    strong = load_scenario(STRONG_FILE)
    assert strong.extends == PRESET
    raw = tomllib.loads(STRONG_FILE.read_text(encoding="utf-8"))
    named = {area["id"] for area in raw["areas"]}
    assert named and named < {a.id for a in preset.areas}

    base = {a.id: a for a in preset.areas}
    assert [a.id for a in strong.areas] == list(base), "merge by id keeps the preset's order"
    for area in strong.areas:
        before = base[area.id]
        if area.id in named:
            assert (area.name, area.referral_share) == (before.name, before.referral_share)
            assert all(
                new < old
                for new, old in zip(area.unemployment.value, before.unemployment.value, strict=True)
            ), area.id
            assert area.unemployment.assumption is not None
        else:
            assert area == before
    keys = ("id", "name", "description", "extends", "areas")
    assert without(strong, *keys) == without(preset, *keys)
