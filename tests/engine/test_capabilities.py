"""Innovation and local ties: ties grow with time alone, innovation only from surplus with a
horizon, and an exit that breaks local trust costs the area outcomes afterwards."""

from __future__ import annotations

import numpy as np
import pytest

from pbrlab.engine.simulate import Simulation, simulate
from pbrlab.engine.world import build_world
from pbrlab.payments.rules import NO_DAY
from pbrlab.scenarios.load import scenario_data
from variants import assumed, reference

FINANCE = {
    "insolvency_weeks": assumed(13),
    "pressure_service_share": assumed(0.5),
    "disruption_weeks": assumed(0),
}


def relationships(**values: float) -> dict[str, object]:
    defaults = {
        "initial_ties": 0.2,
        "tie_growth": 0.02,
        "churn_loss": 0.0,
        "ties_weight": 3.0,
        "innovation_growth": 0.0,
        "innovation_decay": 0.0,
        "investment_horizon_weeks": 52,
        "innovation_weight": 0.0,
    }
    return {"relationships": {k: assumed(v) for k, v in {**defaults, **values}.items()}}


def test_ties_grow_with_time_alone_whatever_the_money() -> None:
    rich = simulate(build_world(reference(0.002, **relationships())))
    data, _ = scenario_data("work-programme-2011-core")
    poor_cash = [{"id": p["id"], "starting_cash": assumed(1.0)} for p in data["providers"]]
    poor = simulate(build_world(reference(0.002, providers=poor_cash, **relationships())))
    assert rich.capabilities is not None and poor.capabilities is not None
    np.testing.assert_array_equal(rich.capabilities.ties, poor.capabilities.ties)
    weeks = rich.world.weeks
    np.testing.assert_allclose(rich.capabilities.ties, 1 - 0.8 * 0.98**weeks)


def test_innovation_grows_only_with_a_surplus_and_a_long_enough_horizon() -> None:
    start = {"innovation_growth": 0.01, "innovation_decay": 0.01}
    data, _ = scenario_data("work-programme-2011-core")
    seeded = [{"id": p["id"], "innovation": assumed(0.5)} for p in data["providers"]]
    short = simulate(build_world(reference(0.002, providers=seeded, **relationships(**start))))
    never = simulate(
        build_world(
            reference(
                0.002,
                providers=seeded,
                **relationships(**start, investment_horizon_weeks=1000),
            )
        )
    )
    assert short.capabilities is not None and never.capabilities is not None
    in_surplus = short.cash.history[-1] > short.cash.opening
    assert in_surplus.any()
    # Investing while referrals had a year or more to run left them far ahead of the never-
    # investing, even after the decay of the final years.
    ahead = short.capabilities.innovation[in_surplus] / never.capabilities.innovation[in_surplus]
    assert (ahead > 10).all()
    # With no horizon long enough, nobody invests: everyone's capability decays every week.
    np.testing.assert_allclose(never.capabilities.innovation, 0.5 * 0.99**never.world.weeks)


def affected_outcomes(sim: Simulation, reference_run: Simulation) -> int:
    """Job outcomes of people referred, after an area's first exit, to that area."""
    providers = reference_run.world.scenario.providers
    areas = [a.id for a in reference_run.world.scenario.areas]
    first_exit: dict[int, int] = {}
    for event in reference_run.insolvencies:
        area = areas.index(providers[event["provider"]].area)
        first_exit[area] = min(first_exit.get(area, 10**9), event["week"])
    assert first_exit
    mask = np.zeros(sim.size, bool)
    for area, week in first_exit.items():
        mask |= (sim.people.area == area) & (sim.people.referral_week > week)
    return int((sim.book.treated.outcome_day[mask] != NO_DAY).sum())


@pytest.mark.parametrize("seed", [1, 2])
def test_ties_lost_at_an_exit_cost_the_area_outcomes_afterwards(seed: int) -> None:
    data, _ = scenario_data("work-programme-2011-core")
    providers = [
        {
            "id": p["id"],
            "fixed_cost_per_week": assumed(150_000.0),
            "starting_cash": assumed(1e6 if i % 2 == 0 else 4e7),
        }
        for i, p in enumerate(data["providers"])
    ]

    def run(churn: float) -> Simulation:
        scenario = reference(
            0.01, seed, providers=providers, finance=FINANCE, **relationships(churn_loss=churn)
        )
        return simulate(build_world(scenario))

    kept, broken = run(0.0), run(0.9)
    assert [e["provider"] for e in kept.insolvencies] == [
        e["provider"] for e in broken.insolvencies
    ]
    assert affected_outcomes(broken, kept) <= affected_outcomes(kept, kept) - 10


def test_short_contract_terms_leave_less_time_worth_investing_in() -> None:
    """Providers invest only with a year of the current term ahead (renewal is not assured):
    with one-year terms only in each term's first week, with three-year terms in the first two
    years of each, with one term for the whole referral period until its last year."""
    start = {"innovation_growth": 0.01, "innovation_decay": 0.01}
    data, _ = scenario_data("work-programme-2011-core")
    seeded = [{"id": p["id"], "innovation": assumed(0.5)} for p in data["providers"]]

    def innovation(weeks: int | None) -> float:
        term = {} if weeks is None else {"contract_weeks": weeks}
        run = simulate(
            build_world(reference(0.002, providers=seeded, **relationships(**start, **term)))
        )
        assert run.capabilities is not None
        return float(run.capabilities.innovation.mean())

    whole, three_years, one_year = innovation(None), innovation(156), innovation(52)
    assert whole > three_years > one_year
    assert one_year < 0.25  # decayed from 0.5: almost never investing
