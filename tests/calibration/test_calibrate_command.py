"""`pbrlab calibrate` end to end at a tiny scale: a fit, its refit with another seed, resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TINY = """
id = "tiny"
name = "a tiny calibration"
base = "work-programme-2011"
scale = 0.01
seed = 3
replicates = 2

[search]
points = 12
rounds = 2
draws = 20000
verify_replicates = 2

[[parameters]]
name = "entry_multiplier"
path = "labour_market.entry_multiplier.value"
range = [0.5, 1.5]
reason = "the level of job entry, as in the shipped calibration"

[[parameters]]
name = "launch_employability"
path = "referrals.launch.employability.value"
range = [0.2, 1.0]
reason = "the launch stock, as in the shipped calibration"
"""


def pbrlab(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str]:
    folder = tmp_path_factory.mktemp("calibrate")
    (folder / "tiny.toml").write_text(TINY)
    args = ("calibrate", "tiny.toml", "--store", "s.duckdb", "--out", "r.json", "--workers", "2")
    done = pbrlab(*args, "--refit-seed", "11", cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder, json.loads((folder / "r.json").read_text()), done.stdout


def test_the_fit_reports_values_uncertainty_and_identification(
    fitted: tuple[Path, dict[str, Any], str],
) -> None:
    _, result, printed = fitted
    for name, row in result["parameters"].items():
        low, high = row["prior"]
        assert low <= row["interval_90"][0] <= row["best"] <= row["interval_90"][1] <= high, name
        assert row["verdict"] in ("pinned down", "weakly", "not pinned down")
    assert set(result["targets"]) >= {"first_14_months_all", "cohort_12m_2011_06"}
    verified = result["targets"]["first_14_months_all"]
    assert verified["interval_90"][0] <= verified["mean"] <= verified["interval_90"][1]
    assert [r["experiment"] for r in result["rounds"]] == ["tiny-seed3-round1", "tiny-seed3-round2"]
    assert "best fit" in printed and "targets at the best fit" in printed


def test_a_refit_with_another_seed_lies_within_the_reported_uncertainty(
    fitted: tuple[Path, dict[str, Any], str],
) -> None:
    _, result, _ = fitted
    refit = result["refit"]
    assert refit["seed"] == 11
    assert refit["all_within"], refit


def test_a_rerun_resumes_from_the_store_and_gives_the_same_fit(
    fitted: tuple[Path, dict[str, Any], str],
) -> None:
    folder, result, _ = fitted
    again = pbrlab("calibrate", "tiny.toml", "--store", "s.duckdb", "--out", "r2.json", cwd=folder)
    assert again.returncode == 0, again.stderr
    second = json.loads((folder / "r2.json").read_text())
    assert second["parameters"] == result["parameters"]
    assert second["targets"] == result["targets"]


@pytest.mark.parametrize(
    ("line", "key"),
    [('targets = ["first_year"]', "targets"), ('facts = ["first_year_below"]', "facts")],
)
def test_a_wrong_calibration_file_is_one_clear_message(tmp_path: Path, line: str, key: str) -> None:
    (tmp_path / "bad.toml").write_text(TINY.replace("seed = 3", f"seed = 3\n{line}"))
    done = pbrlab("calibrate", "bad.toml", "--out", "r.json", cwd=tmp_path)
    assert done.returncode != 0
    found = line.split('"')[1]
    assert "bad.toml" in done.stderr and key in done.stderr and found in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "r.json").exists()
