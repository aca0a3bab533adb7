"""The published UK Work Programme record as typed tables, checked when read.

Calibration and validation targets must be traceable, so every row carries its source and an
evidence tag (F published fact, S secondary source, I inference or arithmetic). The CSVs under
`record/` are the one copy of these figures; this module is the one way to read them.
"""

from __future__ import annotations

import csv
import functools
import importlib.resources
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

import pandas as pd

from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS
from pbrlab.errors import InputError

TAGS: Final = ("F", "S", "I")
"""Evidence tags, strongest first: published fact, secondary source, inference or arithmetic."""

UNITS: Final = frozenset(
    {"share", "count", "count_change", "gbp", "payments", "ratio"}
    | {"days", "weeks", "months", "years", "hours"}
)
"""Allowed units. A share is a fraction in [0, 1]; count_change may be negative."""

PAYMENT_GROUPS: Final = (*WORK_PROGRAMME_GROUPS, "all", "jsa", "esa")
"""The nine payment groups in DWP's numbering, then the aggregates."""

_COMMON: Final = {"value": "number", "unit": "unit", "tag": "tag", "source": "source"}

SCHEMAS: Final[dict[str, dict[str, str]]] = {
    "referrals": {"id": "id", "date": "date", "measure": "text", **_COMMON},
    "referrals_by_group": {
        "id": "id",
        "period_start": "date?",
        "period_end": "date?",
        "payment_group": "group",
        "measure": "text",
        **_COMMON,
    },
    "outcomes": {
        "id": "id",
        "measure": "text",
        "payment_group": "group",
        "period_start": "date?",
        "period_end": "date?",
        "as_at": "date?",
        **_COMMON,
    },
    "payments": {
        "id": "id",
        "payment_group": "group",
        "payment": "text",
        "contract_year": "int?",
        **_COMMON,
    },
    "rules": {"id": "id", "payment_group": "group", "rule": "text", **_COMMON},
    "unemployment": {"id": "id", "area": "text", "period": "period", "measure": "text", **_COMMON},
    "market": {"id": "id", "measure": "text", **_COMMON},
    "providers": {
        "id": "id",
        "prime": "text",
        "cpa": "int?",
        "area": "text?",
        "period_start": "date?",
        "period_end": "date?",
        "measure": "text",
        **_COMMON,
    },
    "spend": {
        "id": "id",
        "measure": "text",
        "period_start": "date?",
        "period_end": "date?",
        **_COMMON,
    },
    "successors": {"id": "id", "programme": "text", "measure": "text", **_COMMON},
}
"""Each table's columns and their kinds, declared once; the kinds are defined in `_PARSERS`."""

_ID = re.compile(r"[a-z0-9_]+")
_PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(/\d{4}-(0[1-9]|1[0-2]))?)?")


@dataclass(frozen=True, slots=True)
class Row:
    """One figure of the record, found by id: what it is worth, in what unit, and on whose word."""

    table: str
    id: str
    value: float
    unit: str
    tag: str
    source: str


def tables() -> list[str]:
    """Names of the tables in the record (each is `record/<name>.csv`)."""
    return list(SCHEMAS)


def load(name: str) -> pd.DataFrame:
    """One table as a typed frame (a copy, so callers cannot alter the cached one)."""
    return _read(name).copy()


def value(row_id: str) -> Row:
    """The row with this id, whichever table holds it."""
    try:
        return _index()[row_id]
    except KeyError:
        raise KeyError(f"no row with id {row_id!r} in the Work Programme record") from None


@functools.cache
def _index() -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for name in SCHEMAS:
        frame = _read(name)
        for rid, val, unit, tag, source in zip(
            frame["id"], frame["value"], frame["unit"], frame["tag"], frame["source"], strict=True
        ):
            if rid in rows:
                problem = f"id already used in table {rows[rid].table}; ids must be unique"
                raise InputError(f"record/{name}.csv", f"id {rid}", problem)
            rows[rid] = Row(name, rid, float(val), unit, str(tag), source)
    return rows


def _text(raw: str) -> str:
    if not raw.strip():
        raise ValueError("expected text, found an empty field")
    return raw.strip()


def _optional(parse: Callable[[str], object]) -> Callable[[str], object]:
    return lambda raw: parse(raw) if raw.strip() else None


def _choice(allowed: tuple[str, ...] | frozenset[str], what: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw.strip() not in allowed:
            raise ValueError(f"expected {what} ({', '.join(sorted(allowed))}), found {raw!r}")
        return raw.strip()

    return parse


def _pattern(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not pattern.fullmatch(raw.strip()):
            raise ValueError(f"expected {what}, found {raw!r}")
        return raw.strip()

    return parse


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, found {raw!r}") from None


def _number(raw: str) -> float:
    try:
        number = float(raw)
    except ValueError:
        raise ValueError(f"expected a number, found {raw!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, found {raw!r}")
    return number


def _integer(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"expected a whole number, found {raw!r}") from None


_PARSERS: Final[dict[str, Callable[[str], object]]] = {
    "id": _pattern(_ID, "an id of lower-case letters, digits and _"),
    "text": _text,
    "text?": _optional(_text),
    "source": _text,
    "date": _date,
    "date?": _optional(_date),
    "number": _number,
    "int?": _optional(_integer),
    "unit": _choice(UNITS, "a unit"),
    "tag": _choice(TAGS, "a tag"),
    "group": _choice(PAYMENT_GROUPS, "a payment group"),
    "period": _pattern(_PERIOD, "a period YYYY, YYYY-MM or YYYY-MM/YYYY-MM"),
}

_DTYPES: Final[dict[str, object]] = {
    "date": "datetime64[s]",
    "date?": "datetime64[s]",
    "number": "float64",
    "int?": "Int64",
    "tag": pd.CategoricalDtype(TAGS),
    "group": pd.CategoricalDtype(PAYMENT_GROUPS),
}
"""Frame dtype per column kind; every other kind is text ("str")."""


@functools.cache
def _read(name: str, folder: Path | None = None) -> pd.DataFrame:
    """Read and check `<name>.csv` from the packaged record, or from `folder` (for tests)."""
    if name not in SCHEMAS:
        expected = ", ".join(SCHEMAS)
        raise InputError(f"{name}.csv", "", f"unknown table {name!r}; expected one of {expected}")
    schema = SCHEMAS[name]
    path: Traversable = (
        importlib.resources.files("pbrlab.data") / "record" / f"{name}.csv"
        if folder is None
        else folder / f"{name}.csv"
    )
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(label, "", f"cannot read the file as UTF-8 text ({exc})") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if sorted(header) != sorted(schema) or len(set(header)) != len(header):
        missing = [c for c in schema if c not in header]
        extra = [c for c in header if c not in schema]
        problem = f"expected columns {', '.join(schema)}; missing {missing}, unexpected {extra}"
        raise InputError(label, "header", problem)
    columns: dict[str, list[object]] = {c: [] for c in header}
    first_line: dict[str, int] = {}
    at_id = header.index("id")
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        rid = fields[at_id].strip() if len(fields) > at_id else ""
        where = f"line {line}" + (f" (id {rid})" if rid else "")
        if len(fields) != len(header):
            problem = f"expected {len(header)} fields, found {len(fields)}"
            raise InputError(label, where, problem)
        row: dict[str, object] = {}
        for column, raw in zip(header, fields, strict=True):
            try:
                row[column] = _PARSERS[schema[column]](raw)
            except ValueError as exc:
                raise InputError(label, f"{where}, column {column}", str(exc)) from None
        if rid in first_line:
            problem = f"repeated id; first used on line {first_line[rid]}"
            raise InputError(label, where, problem)
        first_line[rid] = line
        number = row["value"]
        if row["unit"] == "share" and isinstance(number, float) and not 0.0 <= number <= 1.0:
            problem = f"expected a share in [0, 1], found {number}"
            raise InputError(label, f"{where}, column value", problem)
        for column, parsed in row.items():
            columns[column].append(parsed)
    if not first_line:
        raise InputError(label, "", "expected at least one row, found none")
    return pd.DataFrame(
        {c: pd.Series(columns[c], dtype=_DTYPES.get(schema[c], "str")) for c in schema}
    )
