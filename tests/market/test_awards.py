"""A tender feeds the simulator: awarded bids become providers, at their discounts, and their
promises can be set against what they achieve."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pbrlab.contracts.load import load_contract
from pbrlab.engine.run import SimulationRun, run_scenario
from pbrlab.market.awards import tender
from pbrlab.market.load import load_market
from pbrlab.payments.engine import compute_ledger
from pbrlab.scenarios.model import Scenario
from variants import SPOT, reference

PRESET = Path(load_market.__code__.co_filename).parent / "presets" / "gb-2011.toml"
PLAN = {"market": "gb-2011", "contract": "work-programme-2011"}


def tendered(scale: float, market: str = "gb-2011", seed: int = 2011) -> Scenario:
    return reference(scale, seed, market={**PLAN, "market": market}, supply_chains=SPOT)


def test_without_a_market_plan_there_is_no_tender() -> None:
    assert tender(reference(0.001)) is None


def test_each_area_keeps_its_places_and_gives_them_to_its_winning_bids() -> None:
    scenario = tendered(0.001)
    bought = tender(scenario)
    assert bought is not None
    before = [p.area for p in scenario.providers]
    after = [p.area for p in bought.scenario.providers if p.prime is None]
    assert sorted(before) == sorted(after)
    bids = bought.round.bids
    market = load_market("gb-2011")
    primes = [p for p in bought.scenario.providers if p.prime is None]
    for provider, row in zip(primes, bought.bid_of_provider, strict=True):
        organisation = market.organisations[int(bids.bidder[row])]
        assert bids.won[row]
        assert bought.round.lots.areas[int(bids.area[row])] == provider.area
        assert provider.id == f"{provider.area}-{organisation.id}"
        assert provider.sector == organisation.sector
        assert provider.bid_discount is not None
        assert provider.bid_discount.value == pytest.approx(bids.discount[row], abs=1e-6)
        assert provider.effectiveness == organisation.effectiveness


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationRun, Path]:
    out = tmp_path_factory.mktemp("tendered")
    return run_scenario(tendered(0.003), out, with_records=True), out


def test_the_summary_sets_promises_against_achievements(run: tuple[SimulationRun, Path]) -> None:
    result, out = run
    procurement = result.summary["procurement"]
    assert procurement["contracts"] == 40
    assert 0 < procurement["realised_to_promised"] < 1  # bidders are optimistic
    assert pq.read_table(out / "bids.parquet").num_rows == 35 * 18


def test_the_batch_engine_pays_each_discounted_contract_as_the_simulator_did(
    run: tuple[SimulationRun, Path], tmp_path: Path
) -> None:
    result, out = run
    people = pq.read_table(out / "participants.parquet")
    spells = pq.read_table(out / "spells.parquet")
    weekly = pq.read_table(out / "ledger.parquet").replace_schema_metadata(None)
    base = load_contract("work-programme-2011")
    parts = []
    providers = {p.id: p for p in result.simulation.world.scenario.providers}
    contract_of = people["contract"].cast(pa.string())
    contracts = sorted(set(contract_of.to_pylist()))
    assert len(contracts) > 10  # one per distinct winning discount
    for name in contracts:
        mine = people.filter(pc.equal(contract_of, name))
        provider = providers[mine["provider_id"][0].as_py()]
        contract = base.model_copy(update={"bid_discount": provider.bid_discount})
        theirs = spells.filter(pc.is_in(spells["participant_id"], mine["participant_id"]))
        pq.write_table(mine, tmp_path / "people.parquet")
        pq.write_table(theirs, tmp_path / "spells.parquet")
        ledger, _ = compute_ledger(
            tmp_path / "people.parquet", tmp_path / "spells.parquet", contract, "2019-03-31"
        )
        parts.append(ledger)
    batch = pa.concat_tables(parts, promote_options="permissive")
    key = ["participant_id", "kind", "sequence", "payee"]

    def rows(table: pa.Table) -> list[tuple[object, ...]]:
        return sorted(tuple(r[k] for k in [*key, "amount", "due_date"]) for r in table.to_pylist())

    assert weekly.num_rows > 1000
    assert rows(weekly) == rows(batch)


def test_more_optimistic_bidders_deliver_less_of_what_they_promised_and_earn_less(
    tmp_path: Path,
) -> None:
    def outcome(optimism: float) -> tuple[float, float]:
        text = PRESET.read_text()
        start = text.index("optimism = { value = ")
        end = text.index(",", start)
        market = tmp_path / f"optimism-{optimism}.toml"
        text = text[:start] + f"optimism = {{ value = {optimism}" + text[end:]
        # Room to underbid: the preset's 10% cap binds for most winners.
        start = text.index("maximum_discount = { value = ")
        end = text.index(",", start)
        market.write_text(text[:start] + "maximum_discount = { value = 0.3" + text[end:])
        result = run_scenario(tendered(0.002, str(market)), tmp_path / f"out-{optimism}")
        surplus = sum(p["surplus_gbp"] for p in result.summary["providers"].values())
        return float(result.summary["procurement"]["realised_to_promised"]), surplus

    realised_optimistic, surplus_optimistic = outcome(0.5)
    realised_sober, surplus_sober = outcome(0.0)
    assert realised_optimistic < realised_sober - 0.2
    assert surplus_optimistic < 0.98 * surplus_sober  # they underbid, so earn less


def test_the_event_trail_has_every_bid_award_and_share_shift(
    run: tuple[SimulationRun, Path],
) -> None:
    result, out = run
    events = pq.read_table(out / "events.parquet").to_pylist()
    kinds = [e["event"] for e in events]
    assert kinds.count("procurement") == 18
    assert kinds.count("bid") == 35 * 18
    assert kinds.count("award") == 40
    assert kinds.count("share_shift") == len(result.summary["share_shifts"]) > 0
    dates = [e["date"] for e in events]
    assert dates == sorted(dates)
    awarded = {(e["organisation_id"], e["area_id"]) for e in events if e["event"] == "award"}
    providers = result.simulation.world.scenario.providers
    primes = [p for p in providers if p.prime is None]
    assert awarded == {(p.id.removeprefix(f"{p.area}-"), p.area) for p in primes}
    subcontracts = [e for e in events if e["event"] == "subcontract"]
    subs = {p.id: p for p in providers if p.prime is not None}
    assert len(subcontracts) == len(subs) > 40
    for event in subcontracts:
        assert subs[event["organisation_id"]].prime == event["counterparty_id"]
        assert re.search(
            r"(informal|routine|reactive|opportunistic|calculated) pattern", event["detail"]
        )
