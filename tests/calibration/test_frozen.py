"""The calibrated values frozen into the reference scenario are the shipped calibration's."""

from __future__ import annotations

from typing import Any

import pytest

from pbrlab.experiments.runs import _select
from pbrlab.report.validation import calibration_result
from pbrlab.scenarios.load import scenario_data


def at(data: Any, path: str) -> Any:
    """The value at a dotted factor path (`groups[esa_flow].job_entry_hazard.value`)."""
    node = data
    for part in path.split("."):
        key, _, selector = part.partition("[")
        node = node[key]
        if selector:
            (node,) = _select(node, selector.rstrip("]"), path, "test")
    return node


@pytest.fixture(scope="module")
def shipped() -> dict[str, Any]:
    result = calibration_result("work-programme-2011")
    assert result is not None, "expected src/pbrlab/data/calibration/work-programme-2011.json"
    return result


def test_the_reference_holds_the_calibrated_values_with_their_provenance(
    shipped: dict[str, Any],
) -> None:
    data, _ = scenario_data("work-programme-2011")
    for name, row in shipped["parameters"].items():
        evidence = at(data, row["path"].removesuffix(".value"))
        assert evidence["value"] == row["best"], name
        assert "pbrlab calibrate" in evidence["source"], name
        assert "work-programme-2011.json" in evidence["source"], name


def test_the_shipped_calibration_records_its_refit_and_uncertainty(
    shipped: dict[str, Any],
) -> None:
    refit = shipped["refit"]
    assert refit["seed"] != shipped["seed"]
    for name, row in shipped["parameters"].items():
        low, high = row["interval_90"]
        assert low <= high and row["prior"][0] <= low and high <= row["prior"][1], name
        assert refit["parameters"][name]["within_interval"] == (
            low <= refit["parameters"][name]["best"] <= high
        )
