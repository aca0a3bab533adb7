"""Employers choose providers' candidates through the five patterns: calculating employers reward
the providers that serve best, the others reward size and habit; every match is counted."""

from __future__ import annotations

from typing import Any

import numpy as np

from pbrlab.engine.simulate import Simulation, simulate
from pbrlab.engine.world import build_world
from pbrlab.market.model import PATTERNS
from pbrlab.scenarios.load import scenario_data
from variants import assumed, reference

STRONG = 1.4


def employers(pattern: str, weight: float = 1.0) -> dict[str, Any]:
    return {
        "matching": {
            "drivers": {"internal_need": 1.0},
            "patterns": {"internal_need": {pattern: 1.0}},
            "calculated_breadth": 3,
            "assumption": "test value",
        },
        "searches": assumed(400),
        "weight": assumed(weight),
    }


def run(pattern: str | None, seed: int = 5) -> Simulation:
    """The core scenario with every area's first provider more effective than the others."""
    data, _ = scenario_data("work-programme-2011-core")
    first = {}
    for p in data["providers"]:
        first.setdefault(p["area"], p["id"])
    providers = [{"id": pid, "effectiveness": assumed(STRONG)} for pid in first.values()]
    changes: dict[str, Any] = {"providers": providers}
    if pattern is not None:
        changes["employers"] = employers(pattern)
    return simulate(build_world(reference(0.004, seed, **changes)))


def strong_share(sim: Simulation) -> float:
    """The more effective providers' share of job starts during attachment."""
    starts = sim.tally.counts["job_starts"].sum(axis=(0, 1))
    strong = sim.world.policy.effectiveness == STRONG
    return float(starts[strong].sum() / starts.sum())


def test_calculating_employers_send_more_jobs_to_the_better_providers() -> None:
    for seed in (5, 6):
        calculated = strong_share(run("calculated", seed))
        by_size = strong_share(run("reactive", seed))
        assert calculated > by_size + 0.02  # 0.032 and 0.034 when written


def test_every_job_start_is_one_match_with_its_pattern() -> None:
    sim = run("routine")
    assert sim.employer_matches is not None
    job_starts = int(sim.tally.counts["job_starts"].sum())
    assert int(sim.employer_matches.sum()) == job_starts > 0
    routine = PATTERNS.index("routine")
    assert sim.employer_matches[:, routine].sum() == job_starts
    assert run(None).employer_matches is None


def test_with_no_weight_employers_change_nothing() -> None:
    data, _ = scenario_data("work-programme-2011-core")
    plain = simulate(build_world(reference(0.002, 7)))
    matched = simulate(build_world(reference(0.002, 7, employers=employers("calculated", 0.0))))
    np.testing.assert_array_equal(
        plain.tally.counts["job_starts"], matched.tally.counts["job_starts"]
    )
    assert data  # the core scenario has named providers
