"""Shared test settings."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))  # shared test data modules (scenario_data)

settings.register_profile("default", deadline=None, max_examples=100)
settings.load_profile("default")
