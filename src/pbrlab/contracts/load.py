"""Reading contracts from TOML files or shipped presets, with errors that point at the key."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pbrlab.contracts.model import Contract, FieldError
from pbrlab.errors import InputError

_PRESETS = "pbrlab.contracts.presets"


def preset_names() -> list[str]:
    """Names of the contract presets shipped with pbrlab."""
    files = resources.files(_PRESETS).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def load_contract(name_or_file: str | Path) -> Contract:
    """Load a preset by name, or a contract file by path; raise InputError on any problem."""
    data, label = contract_data(name_or_file)
    return parse_contract(data, label)


def contract_data(name_or_file: str | Path) -> tuple[dict[str, Any], str]:
    """The raw data of a preset or contract file, and a label naming it for error messages."""
    text, label = _read(str(name_or_file))
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise InputError(label, "", f"not valid TOML ({exc})") from None


def parse_contract(data: dict[str, Any], label: str) -> Contract:
    """Validate already-parsed contract data; `label` names its origin in error messages."""
    try:
        return Contract.model_validate(data)
    except ValidationError as exc:
        raise _input_error(exc, data, label) from None


def _read(name_or_file: str) -> tuple[str, str]:
    path = Path(name_or_file)
    if path.suffix == ".toml" or path.is_file():
        try:
            return path.read_text(encoding="utf-8-sig"), str(path)
        except OSError as exc:
            raise InputError(str(path), "", f"cannot read the file ({exc.strerror})") from None
        except UnicodeDecodeError as exc:
            raise InputError(
                str(path), "", f"expected UTF-8 text; found byte {exc.object[exc.start]:#x}"
            ) from None
    if name_or_file in preset_names():
        resource = resources.files(_PRESETS) / f"{name_or_file}.toml"
        return resource.read_text(encoding="utf-8"), f"preset {name_or_file}"
    raise InputError(
        name_or_file,
        "",
        f"no such contract file or preset; expected a .toml file or one of {preset_names()}",
    )


def _input_error(exc: ValidationError, data: dict[str, Any], label: str) -> InputError:
    errors = exc.errors()
    first = errors[0]
    loc = tuple(first["loc"])
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, FieldError):
        loc += cause.path
    where = key_path(loc, data)
    kind = first["type"]
    if kind == "extra_forbidden":
        problem = "unknown key; expected one of the documented keys (see `pbrlab contract schema`)"
    elif kind == "missing":
        problem = "required key is missing"
    elif kind == "union_tag_invalid":
        where = f"{where}.kind"
        problem = f"expected one of {first['ctx']['expected_tags']}; found {first['ctx']['tag']!r}"
    elif kind == "value_error":
        problem = str(cause) if cause is not None else first["msg"]
    else:
        problem = f"{_expectation(first['msg'])}; found {first['input']!r}"
    more = len(errors) - 1
    if more:
        problem += f" (and {more} more problem{'s' if more > 1 else ''})"
    return InputError(label, where, problem)


def _expectation(msg: str) -> str:
    for word in ("greater", "less", "at least", "at most"):
        msg = msg.replace(f"Input should be {word}", f"expected a value {word}")
    msg = msg.replace("Input should be", "expected").replace("Input should have", "expected")
    return msg if msg.startswith("expected") else f"expected: {msg}"


def key_path(loc: tuple[int | str, ...], data: Any) -> str:
    """A readable key path; list items are named by their `id`/`group` where they have one."""
    parts: list[str] = []
    node = data
    for item in loc:
        if isinstance(item, int):
            name = None
            if isinstance(node, list) and 0 <= item < len(node) and isinstance(node[item], dict):
                name = node[item].get("id") or node[item].get("group")
            parts[-1 if parts else 0 : None] = [
                (parts[-1] if parts else "") + (f"[{name}]" if name else f"[{item}]")
            ]
        elif item in {"weeks_in_work", "earnings"} and parts and parts[-1].endswith("trigger"):
            continue  # pydantic's name for the union member the discriminator chose
        else:
            parts.append(str(item))
        node = _child(node, item)
    return ".".join(parts)


def _child(node: Any, item: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(item)
    if isinstance(node, list) and isinstance(item, int) and 0 <= item < len(node):
        return node[item]
    return node if isinstance(item, str) else None
