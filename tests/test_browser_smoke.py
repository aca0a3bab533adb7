"""The charts the project writes render in a real headless Chromium, offline, without JS errors."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

from browser import js_errors, open_file, plotly_plots
from pbrlab.experiments.analysis import Indices
from pbrlab.experiments.charts import sensitivity_chart

if TYPE_CHECKING:
    from playwright.sync_api import Page

FACTORS = ["share", "taper", "fee"]


def test_sensitivity_chart_renders_in_chromium(browser_page: Page, tmp_path: Path) -> None:
    sobol = Indices(
        output="cost",
        method="sobol",
        names=FACTORS,
        table={
            "S1": [0.5, 0.2, 0.1],
            "S1_conf": [0.05, 0.04, 0.03],
            "ST": [0.6, 0.3, 0.1],
            "ST_conf": [0.06, 0.05, 0.02],
        },
        convergence=None,
    )
    morris = Indices(
        output="outcomes",
        method="morris",
        names=FACTORS,
        table={"mu_star": [1.0, 0.4, 0.1], "sigma": [0.8, 0.1, 0.05]},
        convergence=None,
    )
    chart = tmp_path / "sensitivity.html"
    sensitivity_chart([sobol, morris], chart)
    assert "<script src=" not in chart.read_text(encoding="utf-8")  # plotly.js inlined

    assert open_file(browser_page, chart) == []
    assert plotly_plots(browser_page) == 1
    page = browser_page
    assert page.locator(".js-plotly-plot .main-svg").count() > 0
    assert page.locator(".barlayer .point").count() == 2 * len(FACTORS)  # S1 and ST bars
    assert page.locator(".scatterlayer .point").count() == len(FACTORS)  # Morris markers
    assert page.locator(".gtitle").text_content() == "Sensitivity"

    shot = tmp_path / "sensitivity.png"
    page.screenshot(path=shot, full_page=True)
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height >= 700  # both subplots, 350 px each
    assert len(png) > 10_000  # drawn: a blank page is ~5 kB, this chart ~21 kB
    assert js_errors(page) == []
