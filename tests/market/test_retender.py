"""Re-tenders: when a prime exits, the commissioner re-tenders its place among the organisations
not holding one in the area; the winner takes the caseload and serves as itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from pbrlab.engine.run import SimulationRun, run_scenario
from pbrlab.market.awards import tender
from pbrlab.market.load import load_market
from variants import failing_places


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationRun, Path]:
    out = tmp_path_factory.mktemp("retender")
    return run_scenario(failing_places(True), out), out


def test_each_place_gets_a_standby_only_with_retender() -> None:
    with_standbys = tender(failing_places(True))
    without = tender(failing_places(False))
    assert with_standbys is not None and without is not None
    standbys = [p for p in with_standbys.scenario.providers if p.replaces is not None]
    assert len(standbys) == 40
    assert not any(p.replaces for p in without.scenario.providers)
    primes = {p.id: p for p in with_standbys.scenario.providers if p.replaces is None}
    for standby in standbys:
        prime = primes[standby.replaces or ""]
        assert (standby.area, standby.contract, standby.bid_discount) == (
            prime.area,
            prime.contract,
            prime.bid_discount,
        )


def test_an_exiting_primes_place_goes_to_a_new_organisation(
    run: tuple[SimulationRun, Path],
) -> None:
    result, out = run
    sim, summary = result.simulation, result.summary
    assert summary["retenders"], "the broke cpa01 primes should fail and be re-tendered"
    market = {o.id: o for o in load_market("gb-2011").organisations}
    providers = sim.world.scenario.providers
    for event in sim.retenders:
        gone, standby = event["replaces"], event["provider"]
        assert providers[standby].replaces == providers[gone].id
        assert sim.cash.exit_week[gone] == event["week"]
        assert sim.started_week[standby] == event["week"] + 1
        # Not an organisation holding a place in the area when it was re-tendered (those exiting
        # the same week may have gone before the re-tender: left out of the check).
        rivals = [
            sim.organisation[p]
            for p in range(len(providers))
            if providers[p].area == providers[gone].area
            and p not in (gone, standby)
            and sim.started_week[p] >= 0
            and sim.started_week[p] <= event["week"]
            and not 0 <= sim.cash.exit_week[p] <= event["week"]
        ]
        assert event["organisation"] not in rivals
        # It serves as itself, only once it has started, with the caseload it took over.
        assert sim.effectiveness[standby] == market[event["organisation"]].effectiveness.value
        hours = sim.tally.sums["service_hours"].sum(axis=1)[:, standby]
        assert hours[: event["week"] + 1].sum() == 0 < hours.sum()
    kinds = [e["event"] for e in pq.read_table(out / "events.parquet").to_pylist()]
    assert kinds.count("retender") == len(sim.retenders)


def test_unused_standbys_never_trade(run: tuple[SimulationRun, Path]) -> None:
    sim = run[0].simulation
    unused = np.flatnonzero(sim.started_week < 0)
    assert unused.size >= 30
    assert sim.tally.sums["service_hours"][:, :, unused].sum() == 0
    assert sim.tally.counts["referrals"][:, :, unused].sum() == 0
    summary: dict[str, Any] = run[0].summary["providers"]
    ids = [p.id for p in sim.world.scenario.providers]
    assert all(summary[ids[p]]["started"] is None for p in unused)
