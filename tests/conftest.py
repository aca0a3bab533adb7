"""Shared test settings."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))  # shared test data modules (scenario_data)

settings.register_profile("default", deadline=None, max_examples=100)
settings.load_profile("default")

# headless Chromium for tests that render HTML reports (browser_page; see tests/browser.py)
from browser import browser_page, chromium_browser  # noqa: E402, F401
