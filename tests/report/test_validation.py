"""`pbrlab validate`: the report renders in headless Chromium; its numbers are the stored ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from browser import js_errors, open_file, plotly_plots
from pbrlab.calibration.targets import TARGETS
from pbrlab.data.record import value
from pbrlab.experiments.store import read_results


def validate(folder: Path, report: str) -> subprocess.CompletedProcess[str]:
    """`pbrlab validate` of the reference at a tiny scale, three replicates, into v.duckdb."""
    args = ["validate", "work-programme-2011", "--replicates", "3", "--scale", "0.004"]
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *args, "--store", "v.duckdb", "--report", report],
        capture_output=True,
        text=True,
        cwd=folder,
    )


@pytest.fixture(scope="module")
def validated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("validate")
    done = validate(folder, "v.html")
    assert done.returncode == 0, done.stderr
    return folder, done.stdout


def test_the_report_renders_in_chromium(validated: tuple[Path, str], browser_page: Any) -> None:
    folder, _ = validated
    assert open_file(browser_page, folder / "v.html") == []
    assert plotly_plots(browser_page) == 3  # cumulative outcomes, cohorts, sustainment medians
    assert browser_page.locator("#targets tr[data-target]").count() == len(TARGETS)
    assert browser_page.locator("#parameters tr[data-parameter]").count() >= 1  # the shipped fit
    assert js_errors(browser_page) == []


def test_the_report_numbers_equal_the_stored_results(
    validated: tuple[Path, str], browser_page: Any
) -> None:
    folder, _ = validated
    open_file(browser_page, folder / "v.html")
    stored = read_results(folder / "v.duckdb", "validate-work-programme-2011")
    assert len(stored) == 3 and (stored["status"] == "ok").all()
    rows = browser_page.locator("#targets tr[data-target]")
    misses = 0
    for i in range(rows.count()):
        row = rows.nth(i)
        name = row.get_attribute("data-target")
        values = stored[f"record.measures.{name}"].dropna().to_numpy(np.float64)
        assert float(row.get_attribute("data-mean")) == pytest.approx(values.mean(), rel=1e-12)
        low, high = np.quantile(values, [0.05, 0.95])
        assert float(row.get_attribute("data-low")) == pytest.approx(low, rel=1e-12)
        assert float(row.get_attribute("data-high")) == pytest.approx(high, rel=1e-12)
        published = float(row.get_attribute("data-published"))
        assert published == value(str(name)).value
        misses += row.get_attribute("data-within") == "false"
    facts = browser_page.locator("#facts tr[data-fact][data-holds='false']").count()
    assert browser_page.locator("#missed li").count() == misses + facts


def test_the_table_is_printed_with_what_is_not_reproduced(validated: tuple[Path, str]) -> None:
    _, printed = validated
    assert "JSA 25+" in printed and "published" in printed
    assert "Not reproduced:" in printed or "Every target and fact holds." in printed


def test_a_rerun_reuses_the_stored_runs(validated: tuple[Path, str]) -> None:
    folder, _ = validated
    before = read_results(folder / "v.duckdb")
    done = validate(folder, "again.html")
    assert done.returncode == 0, done.stderr
    assert len(read_results(folder / "v.duckdb")) == len(before)
