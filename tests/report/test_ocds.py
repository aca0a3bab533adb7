"""`pbrlab export ocds`: a run as an OCDS 1.1 release package, valid against the schema offline."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from pbrlab.engine.run import SimulationRun, run_scenario
from pbrlab.report.ocds import release_package
from variants import SPOT, failing_places, reference, with_subcontractors

SCHEMAS = Path(__file__).parents[1] / "data" / "ocds" / "1__1__5"


def _unique_ids(
    validator: Any, unique: bool, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """OCDS reads uniqueItems on arrays of objects as 'unique ids' (plain draft-04 does not)."""
    objects = validator.is_type(instance, "array") and bool(instance)
    if unique and objects and all(isinstance(i, dict) and "id" in i for i in instance):
        keys = [(item.get("ocid"), item["id"]) for item in instance]
        repeated = sorted({str(k[1]) for k in keys if keys.count(k) > 1})
        if repeated:
            yield ValidationError(f"non-unique id values: {repeated}")
        return
    yield from Draft4Validator.VALIDATORS["uniqueItems"](validator, unique, instance, schema)


@pytest.fixture(scope="module")
def validator() -> Any:
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    for schema in (package, release):
        schema.pop("$schema")  # keeps our validator class behind the $ref
    registry = Registry().with_resources(
        [
            (s["id"], Resource.from_contents(s, default_specification=DRAFT4))
            for s in (release, package)
        ]
    )
    checker = extend(Draft4Validator, {"uniqueItems": _unique_ids})
    return checker(package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def problems(validator: Any, package: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(package)]


@pytest.fixture(scope="module")
def tendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimulationRun, Path]:
    out = tmp_path_factory.mktemp("tendered")
    plan = {"market": "gb-2011", "contract": "work-programme-2011"}
    return run_scenario(reference(0.002, market=plan, supply_chains=SPOT), out), out


def test_a_tendered_run_is_a_valid_release_package(
    validator: Any, tendered: tuple[SimulationRun, Path]
) -> None:
    package = release_package(tendered[1])
    assert problems(validator, package) == []
    releases = package["releases"]
    assert len(releases) == 18
    assert sum(len(r["awards"]) for r in releases) == 40
    assert all(r["tender"]["numberOfTenderers"] == 35 for r in releases)
    for release in releases:
        awards = {a["id"] for a in release["awards"]}
        assert {c["awardID"] for c in release["contracts"]} == awards
        payees = {p["id"] for p in release["parties"] if "payee" in p["roles"]}
        for contract in release["contracts"]:
            for payment in contract["implementation"]["transactions"]:
                assert payment["payee"]["id"] in payees


def test_the_payments_add_up_to_the_runs_spend(tendered: tuple[SimulationRun, Path]) -> None:
    result, out = tendered
    paid = sum(
        t["value"]["amount"]
        for r in release_package(out)["releases"]
        for c in r["contracts"]
        for t in c["implementation"]["transactions"]
    )
    assert paid == pytest.approx(result.summary["overall"]["spend_gbp"]["total"], abs=0.5)


def test_the_schema_catches_a_broken_package(
    validator: Any, tendered: tuple[SimulationRun, Path]
) -> None:
    package = release_package(tendered[1])
    contract = package["releases"][0]["contracts"][0]
    contract["implementation"]["transactions"][0]["value"]["currency"] = "gbp"
    package["releases"][0]["awards"].append(dict(package["releases"][0]["awards"][0]))
    del package["releases"][1]["initiationType"]
    found = problems(validator, package)
    assert len(found) == 3, found


def test_a_run_with_named_providers_exports_too(validator: Any, tmp_path: Path) -> None:
    run_scenario(reference(0.001), tmp_path)
    package = release_package(tmp_path)
    assert problems(validator, package) == []
    assert sum(len(r["contracts"]) for r in package["releases"]) == 40


def test_the_command_writes_the_package_and_refuses_a_folder_without_a_run(
    tendered: tuple[SimulationRun, Path], tmp_path: Path
) -> None:
    target = tmp_path / "ocds.json"
    done = subprocess.run(
        [sys.executable, "-m", "pbrlab", "export", "ocds", str(tendered[1]), "--out", str(target)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(target.read_text())["version"] == "1.1"
    refused = subprocess.run(
        [sys.executable, "-m", "pbrlab", "export", "ocds", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error:") and "summary.json" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_subcontracts_are_related_processes_of_their_primes_contracts(
    validator: Any, tmp_path: Path
) -> None:
    run_scenario(reference(0.001, **with_subcontractors()), tmp_path)
    package = release_package(tmp_path)
    assert problems(validator, package) == []
    contracts = [c for r in package["releases"] for c in r["contracts"]]
    assert len(contracts) == 40  # primes only: subcontractors hold no commissioner contract
    related = [p for c in contracts for p in c.get("relatedProcesses", [])]
    assert len(related) == 40 and all(p["relationship"] == ["subContract"] for p in related)


def test_a_re_tendered_place_is_awarded_when_it_starts(validator: Any, tmp_path: Path) -> None:
    run_scenario(failing_places(True), tmp_path)
    package = release_package(tmp_path)
    assert problems(validator, package) == []
    summary = json.loads((tmp_path / "summary.json").read_text())
    started = {
        pid: p["started"]
        for pid, p in summary["providers"].items()
        if p["replaces"] and p["started"]
    }
    assert started
    awards = {a["id"]: a for r in package["releases"] for a in r["awards"]}
    for pid, day in started.items():
        assert awards[f"{pid}-award"]["date"].startswith(day)
    never = [pid for pid, p in summary["providers"].items() if p["replaces"] and not p["started"]]
    assert never and not any(f"{pid}-award" in awards for pid in never)
