"""The scenario commands, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def pbrlab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *args], capture_output=True, text=True, cwd=ROOT
    )


def test_list_names_the_reference_scenario() -> None:
    result = pbrlab("scenario", "list")
    assert result.returncode == 0, result.stderr
    assert "work-programme-2011" in result.stdout


def test_show_json_resolves_the_overlay() -> None:
    result = pbrlab("scenario", "show", "scenarios/strong-labour-market.toml", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["areas"]) == 18
    assert len(data["providers"]) == 40


def test_validate_accepts_the_repository_scenarios() -> None:
    appraisals = set((ROOT / "scenarios").glob("appraisal-*.toml"))  # options side by side
    for path in sorted(set((ROOT / "scenarios").glob("*.toml")) - appraisals):
        result = pbrlab("scenario", "validate", str(path))
        assert result.returncode == 0, result.stderr


def test_a_bad_scenario_gets_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "work-programme-2011"\nscale = 2.0\n')
    result = pbrlab("scenario", "validate", str(bad))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "scale" in result.stderr and "2.0" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_is_json_schema() -> None:
    schema = json.loads(pbrlab("scenario", "schema").stdout)
    assert schema["title"] == "Scenario"
