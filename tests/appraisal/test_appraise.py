"""Running appraisals: identical options agree, common random numbers sharpen differences, and
every criterion comes from the same stored outputs as a run's own summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from appraisal_files import appraisal, option
from pbrlab import config
from pbrlab.appraisal.criteria import criteria, group_criteria, profile
from pbrlab.appraisal.load import load_appraisal
from pbrlab.appraisal.run import appraise, experiment_of
from pbrlab.engine.run import run_scenario
from pbrlab.scenarios.load import overlay, scenario_data
from pbrlab.scenarios.model import Scenario

GROUPS = (
    '"jsa_18_24", "jsa_25_plus", "jsa_early_access", "jsa_ex_ib", "esa_volunteers", '
    '"esa_flow", "esa_ex_ib", "ib_is", "jsa_prison_leavers"'
)
HALF_HOURS = f"""
[[scenario.services]]
id = "jobcentre"
name = "A Jobcentre with half the advisers"
groups = [{GROUPS}]
sector = "public"
contract = "in-house"
adviser_hours_per_week = {{ value = 60010.0, assumption = "half the in-house capacity" }}
cost_per_hour = {{ value = 30.27, assumption = "as in-house" }}
starting_cash = {{ value = 31_590_000.0, assumption = "as in-house" }}
credit_line = {{ value = 1_485_000_000.0, assumption = "as in-house" }}
professional_norm = {{ value = 1.0, assumption = "as in-house" }}
"""


def _run(folder: Path, options: str, replicates: int = 2, extra: str = "") -> dict[str, Any]:
    file = appraisal(folder, options, extra=f"in_house = false\n{extra}")
    resolved = load_appraisal(file)
    return appraise(resolved, folder / "runs.duckdb", replicates=replicates, executor="inprocess")


def _by_replicate(result: dict[str, Any], option_id: str, criterion: str) -> list[float]:
    runs = sorted(
        (r for r in result["runs"] if r["option"] == option_id), key=lambda r: r["replicate"]
    )
    return [r["criteria"][criterion] for r in runs]


def test_two_identical_options_give_identical_results(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        '[[options]]\nid = "a"\nuse = ["in-house"]\n[[options]]\nid = "b"\nuse = ["in-house"]',
    )
    a = [r for r in result["runs"] if r["option"] == "a"]
    b = [r for r in result["runs"] if r["option"] == "b"]
    assert len(a) == len(b) == 2
    for x, y in zip(a, b, strict=True):
        assert x["criteria"] == y["criteria"] and x["by_group"] == y["by_group"]
    assert all(d["mean"] == 0.0 for d in result["differences"]["b"].values() if d["n"])


def test_common_random_numbers_sharpen_differences_between_options(tmp_path: Path) -> None:
    """The same option with half the hours, written as an option file: the difference in
    sustained jobs varies far less across replicates with common seeds than with independent
    ones (same people, same economy: only the service differs)."""
    option(tmp_path, "half", HALF_HOURS)
    options = (
        '[[options]]\nid = "full"\nuse = ["in-house"]\n'
        '[[options]]\nid = "half"\nuse = ["half.toml"]'
    )
    spread = {}
    for common in (True, False):
        folder = tmp_path / str(common)
        folder.mkdir()
        (folder / "half.toml").write_text((tmp_path / "half.toml").read_text())
        result = _run(
            folder, options, replicates=6, extra=f"common_random_numbers = {str(common).lower()}"
        )
        full = np.array(_by_replicate(result, "full", "sustained_jobs"))
        half = np.array(_by_replicate(result, "half", "sustained_jobs"))
        spread[common] = float(np.var(full - half, ddof=1))
        assert full.mean() > half.mean()  # more adviser time, more sustained jobs
    assert spread[True] * 5 < spread[False], spread


def test_every_criterion_comes_from_the_stored_outputs_of_a_run(tmp_path: Path) -> None:
    """The stored run equals a run of the same scenario and seed through `pbrlab run`, and the
    criteria computed from that run's summary.json equal the appraisal's."""
    file = appraisal(
        tmp_path, '[[options]]\nid = "grants"\nuse = ["esa-grants"]', extra="in_house = false"
    )
    resolved = load_appraisal(file)
    result = appraise(resolved, tmp_path / "runs.duckdb", executor="inprocess")
    experiment = experiment_of(resolved, 0.002, 2)
    stored = result["runs"][1]
    base, _ = scenario_data(resolved.base)
    scenario = config.validate(Scenario, overlay(base, resolved.options[0].overlay), "test")
    summary = run_scenario(scenario, tmp_path / "out", scale=0.002, seed=stored["seed"]).summary
    values = {path: _dig(summary, path) for path in experiment.outputs}
    groups, fiscal = result["groups"], resolved.appraisal.fiscal
    assert criteria(values, 0.002, groups, fiscal) == pytest.approx(stored["criteria"])
    assert {g: group_criteria(values, 0.002, g) for g in groups} == stored["by_group"]
    years = [int(y) for y in result["years"]]
    assert profile(values, 0.002, years) == stored["profile"]
    assert stored["criteria"]["cost_gbp"] == pytest.approx(
        summary["overall"]["spend_gbp"]["total"] / 0.002
    )


def _dig(summary: dict[str, Any], path: str) -> float | None:
    node: Any = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return None if node is None else float(node)


def test_an_appraisal_on_a_dask_cluster_gives_the_same_results(tmp_path: Path) -> None:
    """A real LocalCluster with two workers: the same runs, the same criteria, in any order."""
    options = '[[options]]\nid = "grants"\nuse = ["esa-grants"]'
    here = _run(tmp_path, options)
    there = appraise(
        load_appraisal(tmp_path / "appraisal.toml"),
        tmp_path / "dask.duckdb",
        executor="dask",
        workers=2,
    )

    def key(r: dict[str, Any]) -> tuple[str, int]:
        return (r["option"], r["replicate"])

    assert [r["criteria"] for r in sorted(here["runs"], key=key)] == [
        r["criteria"] for r in sorted(there["runs"], key=key)
    ]
    assert here["results"] == there["results"]
