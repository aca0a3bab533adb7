"""TOML configuration files (contracts, scenarios): reading, presets, and clear errors.

One place turns a pydantic validation error into one `InputError` that names the file, the key
path (list items by their `id`), what was expected and what was found.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pbrlab.contracts.model import FieldError
from pbrlab.errors import InputError

M = TypeVar("M", bound=BaseModel)


def preset_names(package: str) -> list[str]:
    """Names of the TOML presets shipped in `package`."""
    files = resources.files(package).iterdir()
    return sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml"))


def read_toml(name_or_file: str | Path, package: str, what: str) -> tuple[dict[str, Any], str]:
    """The data of a .toml file, or of a preset in `package`, and a label for error messages."""
    text, label = _read(str(name_or_file), package, what)
    try:
        return tomllib.loads(text), label
    except tomllib.TOMLDecodeError as exc:
        raise InputError(label, "", f"not valid TOML ({exc})") from None


def validate(model: type[M], data: dict[str, Any], label: str) -> M:
    """Validate parsed data against `model`; raise one InputError naming the first problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _input_error(exc, data, label) from None


def _read(name_or_file: str, package: str, what: str) -> tuple[str, str]:
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
    presets = preset_names(package)
    if name_or_file in presets:
        resource = resources.files(package) / f"{name_or_file}.toml"
        return resource.read_text(encoding="utf-8"), f"preset {name_or_file}"
    raise InputError(
        name_or_file,
        "",
        f"no such {what} file or preset; expected a .toml file or one of {presets}",
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
    msg = msg.replace("String should have", "expected text with")
    msg = msg.replace("String should match pattern", "expected text matching")
    msg = msg.replace("List should have", "expected a list with")
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
