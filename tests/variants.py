"""Scenario variants for engine tests: the reference scenario with overrides, and test contracts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pbrlab import config
from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS
from pbrlab.scenarios.load import overlay, scenario_data
from pbrlab.scenarios.model import Scenario

GROUPS = WORK_PROGRAMME_GROUPS


def assumed(value: Any) -> dict[str, Any]:
    return {"value": value, "assumption": "test value"}


def reference(scale: float, seed: int = 2011, **changes: Any) -> Scenario:
    """The work-programme-2011 preset at `scale`, with `changes` laid over it."""
    data, label = scenario_data("work-programme-2011-core")
    data = overlay(data, {"scale": scale, "seed": seed, **changes})
    return config.validate(Scenario, data, label)


def behaviour(**values: float) -> dict[str, Any]:
    return {"behaviour": {name: assumed(v) for name, v in values.items()}}


def all_providers_hold(contract: Path | str) -> dict[str, Any]:
    data, _ = scenario_data("work-programme-2011-core")
    return {"providers": [{"id": p["id"], "contract": str(contract)} for p in data["providers"]]}


def outcome_contract(folder: Path, fees: dict[str, tuple[float, float]]) -> Path:
    """A weeks-in-work contract for the nine groups: (outcome fee, sustainment fee) by group."""
    lines = [
        'id = "test-outcomes"',
        'name = "test contract"',
        'commissioner = "DWP"',
        "[contract_years]",
        "starts = [2011-06-01, 2012-04-01, 2013-04-01, 2014-04-01, 2015-04-01, 2016-04-01]",
        'assumption = "test value"',
        "[attachment_weeks]",
        "value = 104",
        'assumption = "test value"',
        "[claim_lag_days]",
        "value = 21",
        'assumption = "test value"',
    ]
    for group in GROUPS:
        outcome, sustain = fees[group]
        lines += [
            "[[groups]]",
            f'id = "{group}"',
            f'label = "{group}"',
            'attachment_fee = { value = [100], assumption = "test value" }',
            "[groups.job_outcome]",
            f'fee = {{ value = [{outcome}], assumption = "test value" }}',
            'trigger = { kind = "weeks_in_work", weeks = { value = 26, '
            'assumption = "test value" } }',
            "[groups.sustainment]",
            f'fee = {{ value = [{sustain}], assumption = "test value" }}',
            'every_weeks = { value = 4, assumption = "test value" }',
            'max_count = { value = 13, assumption = "test value" }',
            'on_break = "reset"',
        ]
    path = folder / "test-outcomes.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


SPOT = {"spot_price_gbp": assumed(300.0), "spot_weeks": assumed(13)}


def with_subcontractors(
    hours: float = 600.0,
    cash: float = 2_000_000.0,
    fixed: float = 0.0,
    contract: str | None = None,
    specialists: bool = False,
) -> dict[str, Any]:
    """Every prime of the reference scenario with one voluntary end-to-end subcontractor
    (national-scale hours, cash and weekly overheads; planned 20% of referrals) and, with
    `specialists`, one tier-2 specialist (planned 5%) bought at the SPOT terms."""
    data, _ = scenario_data("work-programme-2011-core")
    providers: list[dict[str, Any]] = []
    for p in data["providers"]:
        held = contract or p["contract"]
        providers.append({"id": p["id"], "contract": held})
        sub = {
            "id": f"{p['id']}-sub",
            "name": f"{p['name']}: end-to-end subcontractor",
            "prime": p["id"],
            "area": p["area"],
            "sector": "voluntary",
            "contract": held,
            "adviser_hours_per_week": assumed(hours),
            "cost_per_hour": assumed(30.0),
            "starting_cash": assumed(cash),
            "fixed_cost_per_week": assumed(fixed),
            "planned_share": assumed(0.2),
        }
        providers.append(sub)
        if specialists:
            providers.append(
                sub
                | {
                    "id": f"{p['id']}-specialist",
                    "name": f"{p['name']}: specialist",
                    "tier": 2,
                    "adviser_hours_per_week": assumed(hours / 4),
                    "effectiveness": assumed(2.0),
                    "planned_share": assumed(0.05),
                }
            )
    chains = {"supply_chains": SPOT} if specialists else {}
    return {"providers": providers, **chains}


def failing_places(retender: bool) -> Scenario:
    """The core scenario's places bought in the gb-2011 tender (with `retender` or not), the
    cpa01 places starting with no cash and heavy overheads, so their holders fail early."""
    data, _ = scenario_data("work-programme-2011-core")
    broke = [
        {"id": p["id"], "starting_cash": assumed(0.0), "fixed_cost_per_week": assumed(400_000.0)}
        for p in data["providers"]
        if p["area"] == "cpa01"
    ]
    plan = {"market": "gb-2011", "contract": "work-programme-2011", "retender": retender}
    finance = {
        "insolvency_weeks": assumed(8),
        "pressure_service_share": assumed(0.7),
        "disruption_weeks": assumed(2),
    }
    return reference(0.004, 3, market=plan, supply_chains=SPOT, finance=finance, providers=broke)
