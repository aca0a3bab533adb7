"""The contract commands on valid input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pbrlab.contracts.load import preset_names


def pbrlab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *args], capture_output=True, text=True, cwd=cwd
    )


def test_list_names_every_preset() -> None:
    result = pbrlab("contract", "list")
    assert result.returncode == 0
    for name in preset_names():
        assert name in result.stdout


def test_show_prints_the_groups() -> None:
    result = pbrlab("contract", "show", "work-programme-2011")
    assert result.returncode == 0
    assert "esa_ex_ib" in result.stdout


def test_show_json_is_the_validated_model() -> None:
    result = pbrlab("contract", "show", "work-programme-2011", "--format", "json")
    data = json.loads(result.stdout)
    assert data["id"] == "work-programme-2011"
    assert len(data["groups"]) == 9


def test_schema_is_json_schema() -> None:
    result = pbrlab("contract", "schema")
    schema = json.loads(result.stdout)
    assert schema["title"] == "Contract"
    assert "groups" in schema["properties"]


def test_validate_accepts_a_preset_file() -> None:
    path = Path(__file__).parents[2] / "src/pbrlab/contracts/presets/work-programme-2011.toml"
    result = pbrlab("contract", "validate", str(path))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_max_payments_rejects_a_year_outside_the_contract() -> None:
    result = pbrlab("contract", "max-payments", "work-programme-2011", "--year", "40")
    assert result.returncode != 0
    assert "between 1 and" in result.stderr
    assert "Traceback" not in result.stderr


def test_run_writes_the_example_ledger(tmp_path: Path) -> None:
    result = pbrlab(
        "payments", "--out", str(tmp_path / "out" / "ledger.parquet"), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (tmp_path / "out" / "ledger.parquet").is_file()
    assert summary["provenance"]["contract"] == "work-programme-2011"
    assert summary["total"] > 0
