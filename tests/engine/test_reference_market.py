"""The reference scenario runs its market: the 2011 tender, the winners' supply chains, cash and
insolvency, performance management; its summary reports them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from pbrlab.engine.run import SimulationRun, run_scenario


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationRun, Path]:
    out = tmp_path_factory.mktemp("reference")
    return run_scenario("work-programme-2011", out, scale=0.01), out


def test_the_reference_buys_its_primes_and_their_chains(run: tuple[SimulationRun, Path]) -> None:
    result, out = run
    summary = result.summary
    assert summary["procurement"]["contracts"] == 40
    providers = summary["providers"]
    primes = [p for p in providers.values() if p["prime"] is None]
    subs = [p for p in providers.values() if p["prime"] is not None]
    assert len(primes) == 40 and len(subs) > 100
    assert {p["tier"] for p in subs} == {1, 2}
    for p in providers.values():  # profit and loss for every organisation
        assert p["surplus_gbp"] == pytest.approx(p["receipts_gbp"] - p["costs_gbp"], abs=0.02)
    chains = pq.read_table(out / "chains.parquet")
    assert sum(chains["signed"].to_pylist()) == len(subs)
    for key in ("insolvencies", "terminations", "share_shifts"):
        assert isinstance(summary[key], list)
    assert summary["share_shifts"]


def test_primes_send_their_chains_fewer_referrals_than_their_bids_planned(
    run: tuple[SimulationRun, Path],
) -> None:
    chains = run[0].summary["supply_chains"]
    for tier in ("tier_1", "tier_2"):
        assert chains[tier]["planned_referrals"] > 1000
        assert chains[tier]["received_to_planned"] < 0.9


def test_no_one_is_served_by_an_organisation_after_it_exits(
    run: tuple[SimulationRun, Path],
) -> None:
    sim = run[0].simulation
    hours = sim.tally.sums["service_hours"].sum(axis=1)  # [week, provider]
    gone = np.flatnonzero(sim.cash.exit_week >= 0)
    assert gone.size > 0
    for p in gone:
        assert hours[sim.cash.exit_week[p] + 1 :, p].sum() == 0
