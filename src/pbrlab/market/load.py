"""Reading markets: a preset name or a .toml file, validated, with one clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pbrlab import config
from pbrlab.market.model import Market

_PRESETS = "pbrlab.market.presets"


def preset_names() -> list[str]:
    """Names of the market presets shipped with pbrlab."""
    return config.preset_names(_PRESETS)


def load_market(name_or_file: str | Path, overrides: dict[str, Any] | None = None) -> Market:
    """Load and validate a market, with a scenario's `market.overrides` laid over it; raise
    InputError on problems."""
    from pbrlab.scenarios.load import overlay

    data, label = config.read_toml(name_or_file, _PRESETS, "market")
    if overrides:
        data, label = overlay(data, overrides), f"{label} with the scenario's market.overrides"
    return config.validate(Market, data, label)
