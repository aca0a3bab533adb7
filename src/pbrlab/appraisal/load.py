"""Reading an appraisal: its options resolved into overlays of one base scenario.

Each option composes option files in order; two files that set the same value differently are a
conflict (the user must say which wins, in the option's inline `scenario`). Every option is
checked against the base here, so a mistake is reported once, naming the appraisal file and the
option, before anything runs. Relative paths are read from the appraisal file's folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pbrlab import config
from pbrlab.appraisal.model import IN_HOUSE, Appraisal, Option, OptionFile
from pbrlab.errors import InputError
from pbrlab.scenarios.load import overlay, scenario_data
from pbrlab.scenarios.model import Scenario

OPTION_PRESETS = "pbrlab.appraisal.options"
APPRAISAL_PRESETS = "pbrlab.appraisal.presets"


@dataclass(frozen=True)
class ResolvedOption:
    id: str
    name: str
    description: str
    uses: list[str]  # the option files composed, as named
    overlay: dict[str, Any]  # laid over the base scenario's data


@dataclass(frozen=True)
class ResolvedAppraisal:
    appraisal: Appraisal
    label: str  # the file, for messages
    base: str  # the base scenario, as a path or preset name the runs can read
    options: list[ResolvedOption]  # overlays of the base with the appraisal's common scenario
    groups: list[str]  # the base scenario's payment groups
    years: list[int]  # the calendar years it simulates
    attachment_weeks: int


def option_names() -> list[str]:
    """The option presets shipped with pbrlab."""
    return config.preset_names(OPTION_PRESETS)


def load_option(name_or_file: str | Path) -> tuple[OptionFile, str]:
    data, label = config.read_toml(name_or_file, OPTION_PRESETS, "option")
    return config.validate(OptionFile, data, label), label


def load_appraisal(name_or_file: str | Path) -> ResolvedAppraisal:
    """Read, validate and resolve an appraisal file; one InputError for any problem."""
    data, label = config.read_toml(name_or_file, APPRAISAL_PRESETS, "appraisal")
    appraisal = config.validate(Appraisal, data, label)
    folder = Path(label).parent if label.endswith(".toml") else Path.cwd()
    base = _located(appraisal.base, folder)
    try:
        base_data, _ = scenario_data(base)
    except InputError as exc:
        raise InputError(label, "base", f"cannot load the base scenario: {exc}") from None
    base_data = overlay(base_data, appraisal.scenario)
    _fiscal_covers(appraisal, [g["id"] for g in base_data.get("groups", [])], label)
    options = list(appraisal.options)
    if appraisal.in_house and not any(o.id == IN_HOUSE for o in options):
        options.append(Option(id=IN_HOUSE, use=[IN_HOUSE]))
    resolved = [_resolve(option, folder, label, appraisal.scenario) for option in options]
    for option in resolved:
        _check(base_data, option, label)
    scenario = config.validate(Scenario, base_data, f"{label}, base {base}")
    years = list(range(scenario.calendar.start.year, scenario.calendar.end.year + 1))
    groups = [g.id for g in scenario.groups]
    return ResolvedAppraisal(
        appraisal, label, base, resolved, groups, years, scenario.attachment_weeks.value
    )


def _resolve(option: Option, folder: Path, label: str, common: dict[str, Any]) -> ResolvedOption:
    where = f"options[{option.id}]"
    composed: dict[str, Any] = common
    set_by: dict[str, tuple[str, Any]] = {}  # leaf path -> (option file, value)
    name, description = option.id, ""
    for u, used in enumerate(option.use):
        try:
            loaded, _ = load_option(_located(used, folder))
        except InputError as exc:
            problem = f"cannot load option {used!r}: {exc}"
            raise InputError(label, f"{where}.use[{u}]", problem) from None
        for path, value in leaves(loaded.scenario):
            if path in set_by and set_by[path][1] != value:
                earlier, was = set_by[path]
                raise InputError(
                    label,
                    f"{where}.use",
                    f"conflicting overrides: {earlier!r} sets {path} to {_short(was)} and "
                    f"{used!r} sets it to {_short(value)}; say which wins in the option's "
                    "inline [options.scenario] table, or drop one",
                )
            set_by[path] = (used, value)
        composed = overlay(composed, loaded.scenario)
        name, description = loaded.name, loaded.description
    composed = overlay(composed, option.scenario)
    return ResolvedOption(
        id=option.id,
        name=option.name or name,
        description=description or "an inline option (no option file)",
        uses=list(option.use),
        overlay=composed,
    )


def leaves(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Each value an overlay sets, by key path: tables by key, lists of tables by id, and a
    number with its evidence (a table with `value`) as one value."""
    if isinstance(data, dict) and "value" not in data:
        out: list[tuple[str, Any]] = []
        for key, value in data.items():
            out += leaves(value, f"{prefix}.{key}" if prefix else key)
        return out
    if isinstance(data, list) and data and all(isinstance(v, dict) and "id" in v for v in data):
        return [leaf for item in data for leaf in leaves(item, f"{prefix}[{item['id']}]")]
    return [(prefix, data)]


def _fiscal_covers(appraisal: Appraisal, groups: list[str], label: str) -> None:
    """A weekly benefit rate for every payment group of the base, and for no other."""
    rates = list(appraisal.fiscal.benefit_per_week)
    missing = [g for g in groups if g not in rates]
    unknown = [g for g in rates if g not in groups]
    if missing or unknown:
        found = f"none for {missing}" if missing else f"unknown groups {unknown}"
        raise InputError(
            label,
            "fiscal.benefit_per_week",
            f"expected a rate for each of the base scenario's groups {groups}; found {found}",
        )


def _check(base: dict[str, Any], option: ResolvedOption, label: str) -> None:
    """The option laid over the base must be a valid scenario."""
    config.validate(Scenario, overlay(base, option.overlay), f"{label}, option {option.id}")


def _located(name: str, folder: Path) -> str:
    path = Path(name)
    if path.suffix == ".toml" and not path.is_absolute():
        return str(folder / path)
    return name


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
