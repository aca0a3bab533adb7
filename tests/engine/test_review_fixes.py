"""Fixed sums at the simulated scale, exits that end delivery fees, contracts told apart by the
exact discount, and output folders replaced all together or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pbrlab.engine.cash import Cash
from pbrlab.engine.outputs import summary
from pbrlab.engine.simulate import simulate
from pbrlab.engine.world import build_world
from pbrlab.io import write_all_or_none
from pbrlab.population.cohorts import Allocation, draw_all
from pbrlab.population.referrals import expected_referrals
from pbrlab.scenarios.load import scenario_data
from variants import all_providers_hold, assumed, reference


def test_delivery_fees_scale_with_the_run() -> None:
    fees = []
    for scale in (0.002, 0.004):
        sim = simulate(build_world(reference(scale, **all_providers_hold("grant"))))
        fees.append(summary(sim)["overall"]["spend_gbp"]["delivery_fee"])
    assert fees[0] > 0
    assert fees[1] == pytest.approx(2 * fees[0], rel=1e-6)
    # 40 grants of GBP1.36m at national scale.
    assert fees[0] == pytest.approx(40 * 1_360_000 * 0.002, rel=1e-3)


def test_an_exit_ends_delivery_fees_but_not_what_was_earned() -> None:
    world = build_world(reference(0.002, **all_providers_hold("grant")))
    scenario = world.scenario
    people = draw_all(expected_referrals(scenario), Allocation.of(scenario), scenario.seed)
    cash = Cash.open(world, world.provider_contract[people.provider], people, people.provider)
    before = cash.receipts.copy()
    cash.exit(3, 20)
    assert cash.receipts[21:, 3].sum() == 0 < before[21:, 3].sum()
    np.testing.assert_array_equal(cash.receipts[:21, 3], before[:21, 3])
    np.testing.assert_array_equal(np.delete(cash.receipts, 3, axis=1), np.delete(before, 3, axis=1))
    assert not cash.trading[3] and cash.trading.sum() == 39


def test_discounts_that_look_alike_are_still_two_contracts() -> None:
    data, _ = scenario_data("work-programme-2011-core")
    first, second = data["providers"][:2]
    providers = [
        {"id": first["id"], "bid_discount": assumed(0.0999871)},
        {"id": second["id"], "bid_discount": assumed(0.0999889)},
    ]
    world = build_world(reference(0.001, providers=providers))
    discounts = sorted(c.discount for c in world.contracts)
    assert discounts == [0.0, 0.0999871, 0.0999889]
    assert set(world.contract_base.tolist()) == {0}  # one base: priced apart, advanced together


def test_a_failure_while_setting_old_files_aside_keeps_them_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(f"old {name}")
    real = Path.replace

    def fail_on_b(self: Path, target: Path) -> Path:
        if Path(target).name == ".b.txt.previous":
            raise PermissionError(13, "Permission denied", str(target))
        return real(self, target)

    monkeypatch.setattr(Path, "replace", fail_on_b)
    writers = {
        tmp_path / n: (lambda tmp, n=n: tmp.write_text(f"new {n}")) for n in ("a.txt", "b.txt")
    }
    with pytest.raises(PermissionError):
        write_all_or_none(writers)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt")] == ["old a.txt", "old b.txt"]
