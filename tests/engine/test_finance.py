"""Providers' finance: fixed costs, credit, insolvency and exit, and where their caseload goes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pbrlab.contracts.load import load_contract
from pbrlab.engine.simulate import Simulation, simulate
from pbrlab.engine.world import build_world
from pbrlab.scenarios.load import scenario_data
from variants import assumed, reference

SCALE = 0.005
FINANCE = {
    "insolvency_weeks": assumed(13),
    "pressure_service_share": assumed(0.5),
    "disruption_weeks": assumed(13),
}
LOW, HIGH = 1e6, 4e7  # starting cash at national scale


def outcome_only_contract(folder: Path) -> Path:
    """The 2011 contract without its attachment fee: paid by results only."""
    preset = (
        Path(load_contract.__code__.co_filename).parent / "presets" / "work-programme-2011.toml"
    )
    text = re.sub(
        r"attachment_fee = \{ value = \[[0-9, ]+\]",
        "attachment_fee = { value = [0]",
        preset.read_text(),
    )
    path = folder / "outcome-only.toml"
    path.write_text(text)
    return path


def run(contract: str, seed: int = 1, finance: dict[str, Any] | None = None) -> Simulation:
    """Every provider with the same overheads; every other one with thin reserves."""
    data, _ = scenario_data("work-programme-2011-core")
    providers = [
        {
            "id": p["id"],
            "contract": contract,
            "fixed_cost_per_week": assumed(150_000.0),
            "starting_cash": assumed(LOW if i % 2 == 0 else HIGH),
        }
        for i, p in enumerate(data["providers"])
    ]
    scenario = reference(SCALE, seed, providers=providers, finance=finance or FINANCE)
    return simulate(build_world(scenario))


def failed(sim: Simulation) -> np.ndarray:
    return np.asarray(sim.cash.exit_week >= 0)


@pytest.mark.parametrize("seed", [1, 2])
def test_outcome_only_payment_breaks_more_providers_with_thin_reserves(
    tmp_path: Path, seed: int
) -> None:
    thin = np.arange(40) % 2 == 0
    with_fee = failed(run("work-programme-2011", seed))
    outcome_only = failed(run(str(outcome_only_contract(tmp_path)), seed))
    assert (outcome_only & thin).sum() >= (with_fee & thin).sum() + 5
    # Thin reserves fail first: more of them than of the well-funded.
    assert (outcome_only & thin).sum() > (outcome_only & ~thin).sum()


@pytest.fixture(scope="module")
def failing() -> Simulation:
    sim = run("work-programme-2011")
    assert 0 < failed(sim).sum() < 40
    return sim


def test_cash_still_balances_with_overheads_and_exits(failing: Simulation) -> None:
    cash = failing.cash
    change = cash.history[-1] - cash.opening
    np.testing.assert_allclose(change, cash.receipts.sum(0) - cash.costs.sum(0), atol=1e-6)
    fixed = failing.world.fixed_cost
    for p in np.flatnonzero(failed(failing)):
        # Overheads stop when a provider exits; they were paid every week before.
        hours_cost = failing.tally.sums["service_cost"][:, :, p].sum(axis=1)
        overheads = cash.costs[:, p] - hours_cost
        exit_week = cash.exit_week[p]
        np.testing.assert_allclose(overheads[: exit_week + 1], fixed[p])
        np.testing.assert_allclose(overheads[exit_week + 1 :], 0.0, atol=1e-9)


def test_no_one_is_served_or_referred_by_a_provider_after_it_exits(failing: Simulation) -> None:
    tally, people = failing.tally, failing.people
    for p in np.flatnonzero(failed(failing)):
        exit_week = failing.cash.exit_week[p]
        assert tally.sums["service_hours"][exit_week + 1 :, :, p].sum() == 0
        assert tally.counts["job_starts"][exit_week + 1 :, :, p].sum() == 0
        assert not ((people.provider == p) & (people.referral_week > exit_week)).any()
    moved = sum(event["moved"] for event in failing.insolvencies)
    assert moved > 0 and len(failing.insolvencies) == failed(failing).sum()


def test_the_caseload_moves_within_its_area_unless_no_provider_is_left_there(
    failing: Simulation,
) -> None:
    scenario, people = failing.world.scenario, failing.people
    area_of = np.array(
        [
            scenario.areas.index(next(a for a in scenario.areas if a.id == p.area))
            for p in scenario.providers
        ]
    )
    away = np.flatnonzero(area_of[people.provider] != people.area)
    for area in np.unique(people.area[away]):
        assert failed(failing)[area_of == area].all()  # every provider there had gone
    assert (area_of[people.provider] == people.area).mean() > 0.9
