"""Reading contracts from TOML files or shipped presets, with errors that point at the key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pbrlab import config
from pbrlab.contracts.model import Contract

_PRESETS = "pbrlab.contracts.presets"


def preset_names() -> list[str]:
    """Names of the contract presets shipped with pbrlab."""
    return config.preset_names(_PRESETS)


def load_contract(name_or_file: str | Path) -> Contract:
    """Load a preset by name, or a contract file by path; raise InputError on any problem."""
    data, label = contract_data(name_or_file)
    return parse_contract(data, label)


def contract_data(name_or_file: str | Path) -> tuple[dict[str, Any], str]:
    """The raw data of a preset or contract file, and a label naming it for error messages."""
    return config.read_toml(name_or_file, _PRESETS, "contract")


def parse_contract(data: dict[str, Any], label: str) -> Contract:
    """Validate already-parsed contract data; `label` names its origin in error messages."""
    return config.validate(Contract, data, label)
