"""Contract designs as a few numbers: transforms of a contract's data that experiments vary.

- `attachment_taper` t: each group's attachment fee in contract year y is its first-year fee
  × max(0, 1 - t (y - 1)), over four years (t = 0: flat; t = 1/3: about the 2011 contract's
  £400, £300, £200, nil; t = 1: one year only).
- `fixed_share` s: each group's first-year maximum per participant (attachment fee + job outcome
  fee + every sustainment payment) stays the same, and a share s of it becomes the first-year
  attachment fee; outcome and sustainment fees are scaled together to pay the rest (s = 0:
  outcomes only, as the critique's strongest form of payment by results).
- `results_share` r: every payment per participant (attachment, job outcome, sustainment) × r,
  for a hybrid whose delivery fee (a contract override) pays the rest up front whatever the
  volumes (the Work and Health Programme's 30% delivery fee: r = 0.7).

Both keep each group's other terms. Applied in the experiment's factor order: fix the share
first, then the taper shapes the later years.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

TAPER_YEARS = 4


def attachment_taper(data: dict[str, Any], taper: float) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    for group in changed["groups"]:
        fee = group.get("attachment_fee")
        if fee is None:
            continue
        first = float(fee["value"][0])
        fee["value"] = [
            round(first * max(0.0, 1.0 - taper * year), 2) for year in range(TAPER_YEARS)
        ]
        _note(fee, f"attachment taper {taper:g} a year from the first-year fee")
    return changed


def fixed_share(data: dict[str, Any], share: float) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    for group in changed["groups"]:
        attachment = group.get("attachment_fee")
        outcome = group.get("job_outcome")
        sustainment = group.get("sustainment")
        first = float(attachment["value"][0]) if attachment else 0.0
        paid_on_results = _first(outcome, "fee") + _first(sustainment, "fee") * float(
            sustainment["max_count"]["value"] if sustainment else 0
        )
        maximum = first + paid_on_results
        if maximum <= 0:
            continue
        if attachment is None:
            attachment = group["attachment_fee"] = {"value": [first]}
        target = share * maximum
        ratio = target / first if first > 0 else 0.0
        attachment["value"] = [
            round(target if first == 0 else float(v) * ratio, 2) for v in attachment["value"]
        ]
        _note(attachment, f"fixed share {share:g} of the group's first-year maximum")
        scale = (1.0 - share) * maximum / paid_on_results if paid_on_results > 0 else 0.0
        for part in (outcome, sustainment):
            if part is not None:
                part["fee"]["value"] = [round(float(v) * scale, 2) for v in part["fee"]["value"]]
                _note(part["fee"], f"scaled by {scale:.4f} for a fixed share of {share:g}")
    return changed


def results_share(data: dict[str, Any], share: float) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    for group in changed["groups"]:
        paid = [(group.get(part) or {}).get("fee") for part in ("job_outcome", "sustainment")]
        for fee in [group.get("attachment_fee"), *paid]:
            if fee is not None:
                fee["value"] = [round(float(v) * share, 2) for v in fee["value"]]
                _note(fee, f"results share {share:g} of the per-participant fee")
    return changed


TRANSFORMS: dict[str, Callable[[dict[str, Any], float], dict[str, Any]]] = {
    "attachment_taper": attachment_taper,
    "fixed_share": fixed_share,
    "results_share": results_share,
}


def _first(part: dict[str, Any] | None, key: str) -> float:
    return float(part[key]["value"][0]) if part else 0.0


def _note(value: dict[str, Any], how: str) -> None:
    """The changed value's evidence becomes an assumption saying how it was derived (its source,
    if any, is cleared: null, so that laid over the original it replaces it)."""
    was = value.get("source") or value.get("assumption") or "no evidence"
    value["source"] = None
    value["assumption"] = f"experiment design: {how} (was: {str(was)[:80]})"
