"""The appraisal report: it renders offline in headless Chromium, every chart is drawn, its
numbers are the result's, and the chart images are valid files."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from browser import js_errors, open_file
from pbrlab.appraisal.load import load_appraisal
from pbrlab.appraisal.run import appraise
from pbrlab.io import write_all_or_none
from pbrlab.report.appraisal import CHARTS, report_writers

if TYPE_CHECKING:
    from playwright.sync_api import Page

SEED = Path(__file__).resolve().parents[2] / "scenarios" / "appraisal-seed.toml"
PNG = b"\x89PNG\r\n\x1a\n"
DRAWN = """names => names.every(name => document.querySelector(
    `div[data-chart="${name}"] svg g.role-mark path`))"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """A real appraisal at a tiny scale, two replicates, and its report."""
    folder = tmp_path_factory.mktemp("appraisal")
    result = appraise(
        load_appraisal(SEED),
        folder / "runs.duckdb",
        scale=0.002,
        replicates=2,
        executor="inprocess",
    )
    write_all_or_none(report_writers(result, folder / "report"))
    return result, folder / "report"


class Cells(HTMLParser):
    """The table cells that carry a mean: (table, group, option, criterion) -> data-mean."""

    def __init__(self) -> None:
        super().__init__()
        self.means: dict[tuple[str, ...], str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "td" and "data-mean" in found:
            names = ("data-table", "data-group", "data-option", "data-criterion")
            key = tuple(str(found.get(name, "")) for name in names)
            assert key not in self.means, f"two cells for {key}"
            self.means[key] = str(found["data-mean"])


def _cells(folder: Path) -> dict[tuple[str, ...], str]:
    parser = Cells()
    parser.feed((folder / "report.html").read_text(encoding="utf-8"))
    return parser.means


def test_the_report_renders_every_chart_offline(
    report: tuple[dict[str, Any], Path], browser_page: Page
) -> None:
    result, folder = report
    assert open_file(browser_page, folder / "report.html") == []
    browser_page.wait_for_function(DRAWN, arg=list(CHARTS))
    for name in CHARTS:
        chart = browser_page.locator(f"div.chart[data-chart='{name}']")
        assert chart.count() == 1
        assert chart.locator("svg g.role-mark path").count() > 0, name
    points = "div[data-chart='cost_against_impact'] svg g.mark-symbol.role-mark path"
    assert browser_page.locator(points).count() == len(result["options"])
    assert js_errors(browser_page) == []


@pytest.mark.parametrize("table", ["results", "differences"])
def test_the_tables_show_the_result(report: tuple[dict[str, Any], Path], table: str) -> None:
    result, folder = report
    options = [o["id"] for o in result["options"]]
    if table == "differences":
        options.remove(result["appraisal"]["reference_option"])
    means = {(o, c): v for (t, _, o, c), v in _cells(folder).items() if t == table}
    assert set(means) == {(o, c["id"]) for o in options for c in result["criteria"]}
    for (option, criterion), shown in means.items():
        assert _number(shown) == result[table][option][criterion]["mean"], (option, criterion)


def test_the_group_table_shows_the_result(report: tuple[dict[str, Any], Path]) -> None:
    result, folder = report
    means = {k[1:]: v for k, v in _cells(folder).items() if k[0] == "by_group"}
    expected = {
        (g, o, c): stats["mean"]
        for o, groups in result["by_group"].items()
        for g, criteria in groups.items()
        for c, stats in criteria.items()
    }
    assert {k: _number(v) for k, v in means.items()} == expected


def _number(shown: str) -> float | None:
    return None if shown == "" else float(shown)


def test_every_chart_is_written_as_svg_and_png(report: tuple[dict[str, Any], Path]) -> None:
    _, folder = report
    for name in CHARTS:
        svg = (folder / "charts" / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>"), name
        assert "role-mark" in svg, name
        assert (folder / "charts" / f"{name}.png").read_bytes().startswith(PNG), name


def test_the_page_loads_no_script_files(report: tuple[dict[str, Any], Path]) -> None:
    _, folder = report
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<script[^>]*\bsrc\s*=", page, re.IGNORECASE) is None
    assert "vegaEmbed(" in page  # the charts are embedded by the inlined libraries
