"""Reading markets: a preset name or a .toml file, validated, with one clear error."""

from __future__ import annotations

from pathlib import Path

from pbrlab import config
from pbrlab.market.model import Market

_PRESETS = "pbrlab.market.presets"


def preset_names() -> list[str]:
    """Names of the market presets shipped with pbrlab."""
    return config.preset_names(_PRESETS)


def load_market(name_or_file: str | Path) -> Market:
    """Load and validate a market; raise InputError on problems."""
    data, label = config.read_toml(name_or_file, _PRESETS, "market")
    return config.validate(Market, data, label)
