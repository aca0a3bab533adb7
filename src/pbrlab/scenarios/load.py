"""Reading scenarios: a file or preset, resolved through the scenarios it `extends`.

An overlay names a base scenario and overrides any of its values: tables merge key by key, and
lists of tables with `id`s merge item by item (so an option can change one payment group, area
or provider without repeating the rest). A relative `extends` path is read from the folder of the
file that names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.scenarios.model import Scenario

_PRESETS = "pbrlab.scenarios.presets"


def preset_names() -> list[str]:
    """Names of the scenario presets shipped with pbrlab."""
    return config.preset_names(_PRESETS)


def load_scenario(name_or_file: str | Path) -> Scenario:
    """Load and validate a scenario with everything it extends; raise InputError on problems."""
    data, label = scenario_data(name_or_file)
    return config.validate(Scenario, data, label)


def scenario_data(name_or_file: str | Path) -> tuple[dict[str, Any], str]:
    """The resolved data of a scenario (its bases merged in) and a label for error messages."""
    return _resolve(str(name_or_file), Path.cwd(), ())


def _resolve(name: str, folder: Path, chain: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    path = folder / name
    target = str(path) if (path.suffix == ".toml" or path.is_file()) else name
    data, label = config.read_toml(target, _PRESETS, "scenario")
    if label in chain:
        raise InputError(label, "extends", f"expected no cycle; found {' -> '.join(chain)}")
    base = data.get("extends")
    if base is None:
        return data, label
    if not isinstance(base, str):
        raise InputError(label, "extends", f"expected a scenario name or file; found {base!r}")
    base_folder = Path(target).parent if target.endswith(".toml") else Path.cwd()
    base_data, _ = _resolve(base, base_folder, (*chain, label))
    return overlay(base_data, data), label


def overlay(base: Any, override: Any) -> Any:
    """`override` laid over `base`: tables merged by key, lists of tables with ids by id; a
    number with its evidence (a table with a `value`) is replaced whole, so a new value never
    keeps the old value's source."""
    if isinstance(base, dict) and isinstance(override, dict) and "value" not in override:
        merged = dict(base)
        for key, value in override.items():
            merged[key] = overlay(base[key], value) if key in base else value
        return merged
    if _by_id(base) and _by_id(override):
        merged_items = {item["id"]: item for item in base}
        for item in override:
            old = merged_items.get(item["id"])
            merged_items[item["id"]] = item if old is None else overlay(old, item)
        return list(merged_items.values())
    return override


def _by_id(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) and "id" in v for v in value)
    )
