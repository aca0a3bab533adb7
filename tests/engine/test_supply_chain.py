"""Supply chains: primes refer on to subcontractors in their own interest and pass payments down,
net of the management fee, after the subcontract's lag."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from pbrlab.contracts.load import load_contract
from pbrlab.engine.run import SimulationRun, run_scenario
from pbrlab.engine.simulate import Simulation, simulate
from pbrlab.engine.world import build_world
from pbrlab.payments.engine import compute_ledger
from pbrlab.payments.rules import NO_DAY
from variants import assumed, reference, with_subcontractors


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationRun, Path]:
    out = tmp_path_factory.mktemp("chain")
    scenario = reference(0.003, **with_subcontractors(specialists=True))
    return run_scenario(scenario, out, with_records=True), out


def test_the_batch_engine_pays_the_chain_as_the_simulator_did(
    chain: tuple[SimulationRun, Path],
) -> None:
    _, out = chain
    batch, _ = compute_ledger(
        out / "participants.parquet", out / "spells.parquet", "work-programme-2011", "2019-03-31"
    )
    weekly = pq.read_table(out / "ledger.parquet").replace_schema_metadata(None)
    assert weekly.to_pylist() == batch.to_pylist()
    kinds = set(batch["kind"].to_pylist())
    assert "management_fee" in kinds


def test_money_is_conserved_along_the_chain(chain: tuple[SimulationRun, Path]) -> None:
    result, out = chain
    sim = result.simulation
    rows = pq.read_table(out / "ledger.parquet").to_pylist()
    ids = [p.id for p in sim.world.scenario.providers]
    into = {i: 0.0 for i in ids}
    out_of = {i: 0.0 for i in ids}
    for row in rows:
        if row["payee"] in into:
            into[row["payee"]] += row["amount"]
        if row["payer"] in out_of:
            out_of[row["payer"]] += row["amount"]
    # Spot interventions are bought outside the commissioner's ledger: prime to specialist.
    spot = sim.cash.spot_paid.copy()
    np.add.at(spot, sim.world.payee, -sim.cash.spot_paid)
    net = sim.cash.receipts.sum(0) - sim.cash.passed_on.sum(0)
    np.testing.assert_allclose(net, [into[i] - out_of[i] for i in ids] + spot, atol=0.01)
    subs = np.array([p.prime is not None for p in sim.world.scenario.providers])
    assert sim.cash.receipts.sum(0)[subs].sum() > 0
    assert sim.cash.spot_paid.sum() > 0
    # The commissioner's outlay is what the primes receive from it.
    commissioner = sum(r["amount"] for r in rows if r["payer"] == "DWP")
    assert sim.cash.receipts.sum(0)[~subs].sum() == pytest.approx(commissioner, abs=0.01)


def test_primes_keep_the_job_ready_and_refer_on_the_hardest(
    chain: tuple[SimulationRun, Path],
) -> None:
    sim = chain[0].simulation
    on = sim.world.tier[sim.people.provider] == 1
    assert 0 < on.mean() < 0.5
    assert sim.people.frailty[on].mean() < 0.8 * sim.people.frailty[~on].mean()
    outcomes = sim.book.treated.outcome_day != NO_DAY
    assert outcomes[on].mean() < outcomes[~on].mean()
    assert sim.referred_on.sum() == on.sum()


def subcontract_terms(folder: Path, lag_weeks: int = 4, fee: float = 0.2) -> Path:
    """The 2011 contract with other subcontract terms."""
    preset = (
        Path(load_contract.__code__.co_filename).parent / "presets" / "work-programme-2011.toml"
    )
    text = re.sub(
        r"payment_lag_weeks = \{ value = \d+",
        f"payment_lag_weeks = {{ value = {lag_weeks}",
        preset.read_text(),
    )
    text = re.sub(
        r"management_fee = \{ value = [0-9.]+", f"management_fee = {{ value = {fee}", text
    )
    path = folder / f"terms-{lag_weeks}-{fee}.toml"
    path.write_text(text)
    return path


def subcontractor_failures(sim: Simulation) -> int:
    subs = np.array([p.prime is not None for p in sim.world.scenario.providers])
    return int((sim.cash.exit_week[subs] >= 0).sum())


FINANCE = {
    "insolvency_weeks": assumed(13),
    "pressure_service_share": assumed(0.5),
    "disruption_weeks": assumed(0),
}


def thin_chain(folder: Path, seed: int, lag_weeks: int = 4, fee: float = 0.2) -> Simulation:
    """Subcontractors with modest reserves and overheads, under the given terms."""
    contract = str(subcontract_terms(folder, lag_weeks, fee))
    chain = with_subcontractors(cash=500_000.0, fixed=8_000.0, contract=contract)
    return simulate(build_world(reference(0.005, seed, finance=FINANCE, **chain)))


@pytest.mark.parametrize("seed", [1, 2])
def test_longer_payment_lags_break_more_subcontractors(tmp_path: Path, seed: int) -> None:
    short, long = thin_chain(tmp_path, seed, lag_weeks=4), thin_chain(tmp_path, seed, lag_weeks=52)
    assert subcontractor_failures(long) >= subcontractor_failures(short) + 10


@pytest.mark.parametrize("seed", [1, 2])
def test_higher_management_fees_break_more_subcontractors(tmp_path: Path, seed: int) -> None:
    low, high = thin_chain(tmp_path, seed, fee=0.1), thin_chain(tmp_path, seed, fee=0.5)
    assert subcontractor_failures(high) >= subcontractor_failures(low) + 3


def test_specialists_are_paid_the_spot_price_per_intervention_and_hand_people_back(
    chain: tuple[SimulationRun, Path],
) -> None:
    sim = chain[0].simulation
    specialist = sim.world.tier == 2
    bought = int(sim.received[specialist].sum())
    assert bought > 0
    # Only spot payments, one per intervention (all fall due inside this run).
    np.testing.assert_allclose(
        sim.cash.receipts.sum(0)[specialist], 300.0 * sim.received[specialist]
    )
    assert sim.tally.sums["service_hours"][:, :, specialist].sum() > 0
    # The spot weeks end long before the run: everyone is back with a prime or tier 1.
    assert not specialist[sim.people.provider].any()
    chains = chain[0].summary["supply_chains"]
    assert chains["spot_purchases"] == bought
    assert chains["spot_spend_gbp"] == pytest.approx(300.0 * bought)


def test_referrals_to_subcontractors_are_set_against_the_bid_plans(
    chain: tuple[SimulationRun, Path],
) -> None:
    sim, summary = chain[0].simulation, chain[0].summary
    arrivals = sim.tally.counts["referrals"][:, :-1, :].sum(axis=(0, 1))
    end_to_end = sim.world.tier == 1
    planned = 0.2 * arrivals[sim.world.payee[end_to_end]].sum()
    tier_1 = summary["supply_chains"]["tier_1"]
    assert tier_1["planned_referrals"] == pytest.approx(planned, abs=0.1)
    assert tier_1["received"] == sim.referred_on.sum() == sim.received[end_to_end].sum()
    assert tier_1["received_to_planned"] == pytest.approx(tier_1["received"] / planned, rel=1e-3)
    some = next(p for p in summary["providers"].values() if p["tier"] == 1)
    assert some["received"] >= 0 and some["planned_referrals"] > 0


def spot_purchases(price: float, seed: int = 3) -> int:
    chain = with_subcontractors(specialists=True)
    chain["supply_chains"] = {"spot_price_gbp": assumed(price), "spot_weeks": assumed(13)}
    sim = simulate(build_world(reference(0.003, seed, **chain)))
    return int(sim.received[sim.world.tier == 2].sum())


def test_a_dearer_specialist_is_bought_for_fewer_participants() -> None:
    cheap, dear = spot_purchases(150.0), spot_purchases(600.0)
    assert dear < 0.5 * cheap


def two_specialists(best_hours: float) -> Simulation:
    """Every prime with two specialists: a better one (effectiveness 2) with `best_hours` and a
    lesser one (1.5) with room to spare."""
    chain = with_subcontractors(specialists=True)
    providers = chain["providers"]
    for p in [p for p in providers if p["id"].endswith("-specialist")]:
        p["adviser_hours_per_week"] = assumed(best_hours)
        lesser = p | {"id": p["id"] + "-2", "effectiveness": assumed(1.5)}
        providers.append(lesser | {"adviser_hours_per_week": assumed(100_000.0)})
    return simulate(build_world(reference(0.003, 3, **chain)))


def test_primes_buy_from_their_best_specialist_until_it_is_full() -> None:
    """Bid candy: the lesser specialist named in every chain gets nobody while the better one
    has room; once the better one can serve only one at a time, the lesser gets the overflow."""
    roomy = two_specialists(100_000.0)
    best = np.array([p.id.endswith("-specialist") for p in roomy.world.scenario.providers])
    lesser = np.array([p.id.endswith("-specialist-2") for p in roomy.world.scenario.providers])
    assert roomy.received[best].sum() > 100
    assert roomy.received[lesser].sum() == 0
    tight = two_specialists(150.0)  # 150 hours x 0.003 / 0.6 hours at full service: one place
    assert tight.received[lesser].sum() > 0.5 * tight.received[best].sum()
    assert tight.received[best | lesser].sum() > 0.8 * roomy.received[best].sum()


def ending(end_below: float | None) -> Simulation:
    chain = with_subcontractors()
    chain["supply_chains"] = {"spot_price_gbp": assumed(300.0), "spot_weeks": assumed(13)}
    if end_below is not None:
        chain["supply_chains"]["end_below"] = assumed(end_below)
        chain["supply_chains"]["end_minimum_expected"] = assumed(3.0)
    return simulate(build_world(reference(0.005, **chain)))


def test_primes_end_the_subcontracts_that_do_worse_than_they_would() -> None:
    sim = ending(1.0)
    ended = np.array([e["provider"] for e in sim.subcontracts_ended], np.int64)
    assert ended.size >= 3
    assert (sim.world.tier[ended] == 1).all() and (sim.cash.exit_week[ended] >= 0).all()
    # Their caseloads went back to their primes: only people whose attachment had ended stay.
    stayed = np.flatnonzero(np.isin(sim.people.provider, ended))
    since = sim.cash.exit_week[sim.people.provider[stayed]] - sim.people.referral_week[stayed]
    assert (since >= sim.world.attachment_weeks - 1).all()
    # A more tolerant prime ends fewer; one with no rule, none.
    assert len(ending(0.3).subcontracts_ended) < ended.size
    assert not ending(None).subcontracts_ended


def test_a_subcontract_can_carry_its_own_fee_and_lag(tmp_path: Path) -> None:
    """Half the subcontractors on a 50% top-slice paid after 26 weeks: the weekly cash follows
    each subcontract's own terms, as the exported ledger does, and money is still conserved."""
    chain = with_subcontractors()
    for p in chain["providers"]:
        if p["id"].endswith("-sub") and p["id"] < "cpa10":
            p["management_fee"] = assumed(0.5)
            p["payment_lag_weeks"] = assumed(26)
    result = run_scenario(reference(0.003, **chain), tmp_path, with_records=True)
    sim = result.simulation
    rows = pq.read_table(tmp_path / "ledger.parquet").to_pylist()
    ids = [p.id for p in sim.world.scenario.providers]
    net = dict.fromkeys(ids, 0.0)
    fees: dict[str, list[float]] = {}
    for row in rows:
        if row["payee"] in net:
            net[row["payee"]] += row["amount"]
        if row["payer"] in net:
            net[row["payer"]] -= row["amount"]
        if row["kind"] == "management_fee":
            fees.setdefault(row["payer"], []).append(row["amount"])
    cash = sim.cash.receipts.sum(0) - sim.cash.passed_on.sum(0)
    np.testing.assert_allclose(cash, [net[i] for i in ids], atol=0.01)
    dear = [i for i in ids if i.endswith("-sub") and i < "cpa10"]
    cheap = [i for i in ids if i.endswith("-sub") and i >= "cpa10"]
    assert dear and cheap
    share = {
        i: sum(fees.get(i, [])) / max(sum(r["amount"] for r in rows if r["payee"] == i), 1)
        for i in dear + cheap
    }
    assert min(share[i] for i in dear if share[i]) > 0.4 > 0.2 >= max(share[i] for i in cheap)
