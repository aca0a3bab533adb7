"""A small, valid scenario written by hand, independent of the shipped presets."""

from __future__ import annotations

from typing import Any

A = {"assumption": "test value"}


def sourced(value: Any) -> dict[str, Any]:
    return {"value": value, **A}


def minimal() -> dict[str, Any]:
    """A valid two-area, one-group scenario (written by hand, independent of the presets)."""
    return {
        "id": "tiny",
        "name": "Tiny",
        "seed": 1,
        "scale": 0.5,
        "calendar": {"start": "2011-06-01", "referrals_end": "2012-06-01", "end": "2013-06-01"},
        "attachment_weeks": sourced(104),
        "referrals": {
            "milestones": [{"date": "2012-06-01", "cumulative": sourced(1000)}],
            "mix": [{"starts": "2011-06-01", "shares": {"jsa_25_plus": 1.0}, **A}],
        },
        "groups": [
            {
                "id": "jsa_25_plus",
                "job_entry_hazard": sourced(0.01),
                "frailty_shape": sourced(2.0),
                "separation_hazard": sourced(0.02),
                "later_separation_hazard": sourced(0.01),
                "other_exit_hazard": sourced(0.005),
            }
        ],
        "areas": [
            {
                "id": "north",
                "name": "North",
                "referral_share": sourced(0.4),
                "unemployment": sourced([0.08, 0.08, 0.07]),
            },
            {
                "id": "south",
                "name": "South",
                "referral_share": sourced(0.6),
                "unemployment": sourced([0.06, 0.06, 0.05]),
            },
        ],
        "providers": [
            {
                "id": f"{area}-prime",
                "name": f"{area} prime",
                "area": area,
                "sector": "private",
                "contract": "work-programme-2011",
                "adviser_hours_per_week": sourced(400.0),
                "cost_per_hour": sourced(30.0),
                "starting_cash": sourced(1e6),
            }
            for area in ("north", "south")
        ],
        "labour_market": {
            "reference_unemployment": sourced(0.055),
            "demand_elasticity": sourced(1.0),
            "duration_elasticity": sourced(0.0),
            "weekly_earnings": sourced(200.0),
        },
        "behaviour": {
            "judgement_noise": sourced(0.5),
            "professional_norm": sourced(0.2),
            "service_effect": sourced(0.3),
            "full_service_hours": sourced(2.0),
            "minimum_contact_hours": sourced(0.25),
            "parked_below_hours": sourced(0.5),
        },
    }
