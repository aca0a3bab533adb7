"""Services commissioned by payment group: who gets which referrals, what the primes keep, and
how a provider with nothing riding on whom it serves shares its hours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pbrlab.appraisal.load import load_option
from pbrlab.commissioning.buying import buy
from pbrlab.commissioning.services import commission_services, kept_share
from pbrlab.engine import outputs
from pbrlab.engine.simulate import SUSTAINED_JOB_WEEKS, simulate
from pbrlab.engine.world import build_world
from pbrlab.errors import InputError
from pbrlab.payments.engine import compute_ledger
from variants import assumed, reference

ESA = ["esa_volunteers", "esa_flow", "esa_ex_ib", "ib_is"]


def with_option(name: str, scale: float = 0.002, **changes: Any) -> Any:
    scenario = load_option(name)[0].scenario
    return reference(scale, **scenario, **changes)


def test_a_service_takes_its_groups_and_the_primes_the_rest() -> None:
    scenario = with_option("esa-grants")
    _, simulated = buy(scenario)
    sim = simulate(build_world(simulated))
    providers = simulated.providers
    service = np.array([p.id.endswith("-esa-specialists") for p in providers])
    groups = [g.id for g in simulated.groups]
    is_esa = np.isin(np.array(groups)[sim.people.group], ESA)
    assert is_esa.any() and (~is_esa).any()
    assert service[sim.people.provider[is_esa]].all()
    assert not service[sim.people.provider[~is_esa]].any()
    # one specialist per area, in the area of the people it serves
    assert service.sum() == len(simulated.areas)
    areas = np.array([[a.id for a in simulated.areas].index(p.area) for p in providers])
    assert (areas[sim.people.provider] == sim.people.area).all()


def test_primes_keep_the_share_of_hours_their_groups_referrals_were() -> None:
    scenario = with_option("esa-grants")
    kept = kept_share(scenario, [g.id for g in scenario.groups if g.id not in ESA])
    assert kept == pytest.approx(1 - 0.1945, abs=0.001)  # ESA groups: 19.45% of referrals
    expanded = commission_services(scenario)
    before = sum(p.adviser_hours_per_week.value for p in scenario.providers)
    primes = [p for p in expanded.providers if p.contract != "grant"]
    assert sum(p.adviser_hours_per_week.value for p in primes) == pytest.approx(before * kept)
    specialists = [p for p in expanded.providers if p.contract == "grant"]
    assert sum(p.adviser_hours_per_week.value for p in specialists) == pytest.approx(36060.0)
    world = build_world(expanded)
    grant = np.array([p.contract == "grant" for p in expanded.providers])
    assert world.value_share[grant].sum() == pytest.approx(1.0)  # one budget, shared by hours
    area = [a.referral_share.value for a in expanded.areas]
    assert world.value_share[grant] == pytest.approx(area, rel=1e-6)


def test_a_service_for_every_group_replaces_the_primes_and_the_grant_is_paid_in_full() -> None:
    scenario = with_option("in-house")
    bought, simulated = buy(scenario)
    assert bought is None and simulated.market is None
    assert {p.contract for p in simulated.providers} == {"in-house"}
    summary = outputs.summary(simulate(build_world(simulated)))
    # the budget is paid monthly in arrears over 93 months from June 2011, the last due on
    # 1 March 2019, within the run: all of it, shared by the areas' Jobcentres
    assert summary["overall"]["spend_gbp"]["delivery_fee"] == pytest.approx(
        1_485_000_000 * 0.002, rel=1e-6
    )
    assert summary["overall"]["parked_share"] == 0.0  # no one parked: nothing rides on whom
    assert summary["delivery"]["insolvent"] == 0


def test_without_a_mission_a_grant_buys_only_the_minimum_contact() -> None:
    """Nothing rides on whom a grant-funded provider serves: with any mission it shares its
    hours alike; with none (norm 0) it gives the minimum and keeps the money."""
    hours = {}
    for norm in (0.0, 0.5):
        scenario = with_option("in-house")
        services = [
            s.model_copy(update={"professional_norm": assumed_model(norm)})
            for s in scenario.services
        ]
        sim = simulate(build_world(commission_services(
            scenario.model_copy(update={"services": services})
        )))  # fmt: skip
        hours[norm] = sim.service_hours.sum() / sim.served_weeks.sum()
    minimum = 0.05  # behaviour.minimum_contact_hours of the core scenario
    assert hours[0.0] == pytest.approx(minimum)
    assert hours[0.5] > 3 * minimum


def test_every_group_needs_a_prime_or_a_service() -> None:
    only_young = [{"id": p, "groups": ["jsa_18_24"]} for p in _area_primes("cpa01")]
    with pytest.raises(InputError, match="expected a prime taking every payment group"):
        reference(0.002, providers=only_young)


def test_two_services_may_not_claim_one_group() -> None:
    option = load_option("esa-grants")[0].scenario
    twice = [option["services"][0], {**option["services"][0], "id": "again"}]
    with pytest.raises(InputError, match="expected each group in one service at most"):
        reference(0.002, **{**option, "services": twice})


def test_the_yardstick_counts_26_weeks_in_work_within_attachment() -> None:
    sim = simulate(build_world(reference(0.002)))
    reached = sim.sustained_week >= 0
    assert ((sim.work_weeks >= SUSTAINED_JOB_WEEKS) == reached).all()
    assert (sim.work_weeks <= 104).all()
    summary = outputs.summary(sim)
    total = summary["overall"]
    assert total["sustained_jobs"] == int(reached[0].sum())
    assert sum(summary["profile"]["sustained_jobs"].values()) == total["sustained_jobs"]
    assert sum(g["sustained_jobs"] for g in summary["groups"].values()) == total["sustained_jobs"]


def assumed_model(value: float) -> Any:
    from pbrlab.contracts.model import Sourced

    return Sourced[float](**assumed(value))


def _area_primes(area: str) -> list[str]:
    from pbrlab.scenarios.load import scenario_data

    data, _ = scenario_data("work-programme-2011-core")
    return [p["id"] for p in data["providers"] if p["area"] == area]


def test_a_prime_may_not_take_a_group_a_service_claims() -> None:
    option = load_option("esa-grants")[0].scenario
    prime = _area_primes("cpa01")[0]
    with pytest.raises(InputError, match="expected groups no service claims; found 'esa_flow'"):
        reference(0.002, **option, providers=[{"id": prime, "groups": ["esa_flow"]}])


def test_with_services_every_unclaimed_group_still_needs_a_prime_in_every_area() -> None:
    option = load_option("esa-grants")[0].scenario
    only_young = [{"id": p, "groups": ["jsa_18_24"]} for p in _area_primes("cpa01")]
    with pytest.raises(InputError, match=r"areas\[cpa01\].id: expected a prime taking every"):
        reference(0.002, **option, providers=only_young)


def test_a_delivery_fee_budget_is_shared_by_the_primes_hours() -> None:
    """The hybrid option: 30% of GBP2.6bn paid over 70 months to the primes in proportion to
    their adviser hours (none to subcontractors), every per-participant payment at 70%."""
    _, simulated = buy(with_option("hybrid-delivery-fee"))
    world = build_world(simulated)
    primes = np.array([p.prime is None and p.replaces is None for p in simulated.providers])
    hours = np.array([p.adviser_hours_per_week.value for p in simulated.providers])
    assert world.value_share[primes] == pytest.approx(hours[primes] / hours[primes].sum())
    assert (world.value_share[~primes] == 0).all()
    summary = outputs.summary(simulate(build_world(simulated)))
    fee = summary["overall"]["spend_gbp"]["delivery_fee"]
    assert fee == pytest.approx(0.3 * 2_600_000_000 * 0.002, rel=1e-6)  # all 70 due by 2019


def test_the_ledger_of_records_refuses_a_budget_it_cannot_share() -> None:
    example = Path(__file__).parents[2] / "src" / "pbrlab" / "examples" / "work-programme-small"
    with pytest.raises(InputError, match=r"delivery_fee\.per: expected 'provider'"):
        compute_ledger(
            example / "participants.csv", example / "spells.csv", "in-house", "2014-03-31"
        )
