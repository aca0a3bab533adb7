"""Mechanisms, each a direction with a margin at fixed seeds: prices steer service, parking
emerges, labour demand lifts both paths, and the counterfactual is exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pbrlab.engine.simulate import Simulation, simulate
from pbrlab.engine.world import build_world
from pbrlab.payments.rules import NO_DAY
from pbrlab.population.employment import COUNTERFACTUAL, TREATED
from variants import (
    GROUPS,
    all_providers_hold,
    assumed,
    behaviour,
    outcome_contract,
    reference,
)

SCALE = 0.005
FLAT = {g: (1200.0, 200.0) for g in GROUPS}


def run(scenario_changes: dict[str, object], seed: int = 2011) -> Simulation:
    return simulate(build_world(reference(SCALE, seed, **scenario_changes)))


def hours_per_week(sim: Simulation, mask: np.ndarray) -> float:
    """Average weekly hours over the weeks these participants could be served."""
    return float(sim.service_hours[mask].sum() / sim.served_weeks[mask].sum())


@pytest.fixture(scope="module")
def flat_prices(tmp_path_factory: pytest.TempPathFactory) -> Simulation:
    contract = outcome_contract(tmp_path_factory.mktemp("flat"), FLAT)
    return run(all_providers_hold(contract))


@pytest.mark.parametrize("seed", [1, 2])
def test_raising_one_groups_tariff_raises_its_service(
    tmp_path: Path, flat_prices: Simulation, seed: int
) -> None:
    base = flat_prices if seed == 1 else run(all_providers_hold(_flat(tmp_path)), seed)
    raised = outcome_contract(tmp_path, {**FLAT, "jsa_25_plus": (2400.0, 400.0)})
    sim = run(all_providers_hold(raised), seed)
    g = GROUPS.index("jsa_25_plus")
    before = hours_per_week(base, base.people.group == g)
    after = hours_per_week(sim, sim.people.group == g)
    assert after > 1.15 * before
    # Other groups do not gain from it (the adviser hours are the same).
    other = GROUPS.index("jsa_18_24")
    assert hours_per_week(sim, sim.people.group == other) <= 1.02 * hours_per_week(
        base, base.people.group == other
    )


def _flat(folder: Path) -> Path:
    (folder / "flat").mkdir()
    return outcome_contract(folder / "flat", FLAT)


def test_with_one_price_for_all_the_hardest_to_help_get_least_service(
    flat_prices: Simulation,
) -> None:
    sim = flat_prices
    served = sim.served_weeks > 0
    frailty = sim.people.frailty
    low, high = np.quantile(frailty, [0.25, 0.75])
    hardest = hours_per_week(sim, served & (frailty < low))
    easiest = hours_per_week(sim, served & (frailty > high))
    assert hardest < 0.6 * easiest
    # By group too: ESA ex-IB (the lowest job-entry hazard) gets less than JSA 18-24.
    group = sim.people.group
    assert hours_per_week(sim, group == GROUPS.index("esa_ex_ib")) < 0.7 * hours_per_week(
        sim, group == GROUPS.index("jsa_18_24")
    )


def outcome_rates(sim: Simulation) -> tuple[float, float]:
    """Treated and counterfactual job outcomes per participant."""
    treated = sim.book.treated.outcome_day != NO_DAY
    counterfactual = sim.book.counterfactual.outcome_day != NO_DAY
    return float(treated.mean()), float(counterfactual.mean())


def test_better_labour_demand_raises_treated_and_counterfactual_outcomes() -> None:
    base = run({})
    data = reference(SCALE).areas
    lower = [
        {"id": a.id, "unemployment": assumed([round(u * 0.7, 4) for u in a.unemployment.value])}
        for a in data
    ]
    strong = run({"areas": lower})
    treated_base, counterfactual_base = outcome_rates(base)
    treated_strong, counterfactual_strong = outcome_rates(strong)
    assert treated_strong > treated_base + 0.02
    assert counterfactual_strong > counterfactual_base + 0.02


@pytest.mark.parametrize(("seed", "duration"), [(3, 0.0), (4, 0.7)])
def test_with_no_service_effect_the_paths_are_identical_person_by_person(
    seed: int, duration: float
) -> None:
    market = {"labour_market": {"duration_elasticity": assumed(duration)}}
    sim = run({**behaviour(service_effect=0.0), **market}, seed)
    paths = sim.paths
    assert np.array_equal(paths.entries[TREATED], paths.entries[COUNTERFACTUAL])
    assert np.array_equal(paths.exits[TREATED], paths.exits[COUNTERFACTUAL])
    assert np.array_equal(paths.in_work[TREATED], paths.in_work[COUNTERFACTUAL])
    assert np.array_equal(sim.book.treated.outcome_day, sim.book.counterfactual.outcome_day)
    assert np.array_equal(sim.book.treated.sustain_count, sim.book.counterfactual.sustain_count)
    assert (sim.book.treated.outcome_day != NO_DAY).sum() > 100


@pytest.mark.parametrize("effect", [0.25, 2.0])
def test_with_a_positive_effect_no_counterfactual_outcome_comes_first(effect: float) -> None:
    sim = run(behaviour(service_effect=effect))
    treated = sim.book.treated.outcome_day
    counterfactual = sim.book.counterfactual.outcome_day
    has_cf = counterfactual != NO_DAY
    assert has_cf.sum() > 100
    assert (treated[has_cf] != NO_DAY).all()
    assert (treated[has_cf] <= counterfactual[has_cf]).all()
    # ...and the programme does something: some outcomes only or earlier with it.
    assert (treated != NO_DAY).sum() > has_cf.sum()


def test_duration_dependence_lowers_outcomes_on_both_paths() -> None:
    base = run({})
    falling = run({"labour_market": {"duration_elasticity": assumed(0.7)}})
    for with_it, without in zip(outcome_rates(falling), outcome_rates(base), strict=True):
        assert with_it < without - 0.02


def test_later_job_loss_moves_only_the_later_separation_hazard() -> None:
    plain = build_world(reference(SCALE))
    lasting = {"later_job_loss_multiplier": assumed(0.25), "job_loss_multiplier": assumed(0.8)}
    world = build_world(reference(SCALE, labour_market=lasting))
    np.testing.assert_allclose(world.separation_rate, 0.8 * plain.separation_rate)
    np.testing.assert_allclose(world.later_separation_rate, 0.2 * plain.later_separation_rate)


def test_jobs_that_last_longer_earn_more_sustainment_payments() -> None:
    """Same seed: a quarter of the later job loss gives each job outcome more sustainment
    payments on average (about one more), and no fewer job outcomes."""

    def per_outcome(sim: Simulation) -> tuple[float, int]:
        state = sim.book.treated
        achieved = state.outcome_day != NO_DAY
        return float(state.sustain_count[achieved].mean()), int(achieved.sum())

    plain, plain_outcomes = per_outcome(run({}))
    lasting = {"later_job_loss_multiplier": assumed(0.25)}
    longer, outcomes = per_outcome(run({"labour_market": lasting}))
    assert longer > plain + 0.5  # about one payment more per outcome at this seed
    assert outcomes >= plain_outcomes
