"""Participant and employment-spell records: read from CSV or Parquet, checked, as arrays.

The same tables come from real programme data and from the simulator. Every check names the
file, the row (and CSV line), what was expected and what was found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pbrlab.arrays import FloatArray, IntArray
from pbrlab.errors import InputError
from pbrlab.payments.rules import NO_DAY, to_pennies

PARTICIPANT_COLUMNS = (
    "participant_id",
    "payment_group",
    "provider_id",
    "referral_date",
    "attachment_date",
)
PARTICIPANT_OPTIONAL = ("subcontractor_id",)
SPELL_COLUMNS = ("participant_id", "start_date", "end_date")
SPELL_OPTIONAL = ("weekly_earnings",)

_FIRST_DAY = int(np.datetime64("1900-01-01", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64("2199-12-31", "D").astype(np.int64))
_STRINGS = ("participant_id", "payment_group", "provider_id", "subcontractor_id")
_DATES = ("referral_date", "attachment_date", "start_date", "end_date")


@dataclass
class Participants:
    """One row per participant, sorted by participant id."""

    ids: pa.Array
    group: IntArray  # index into the contract's groups
    provider: IntArray  # index into organisations
    subcontractor: IntArray  # index into organisations, -1 if none
    referral_day: IntArray
    attach_day: IntArray
    organisations: list[str]

    @property
    def size(self) -> int:
        return len(self.ids)


@dataclass
class Spells:
    """Employment spells; `end_day` is NO_DAY while a spell is ongoing."""

    participant: IntArray  # index into Participants
    start_day: IntArray
    end_day: IntArray
    weekly_earnings: FloatArray


def read_participants(
    path: str | Path, group_ids: tuple[str, ...], commissioner: str = ""
) -> Participants:
    """Read and check a participants table against the contract's groups and payer."""
    table = _read(Path(path), PARTICIPANT_COLUMNS, PARTICIPANT_OPTIONAL)
    where = _Locator(Path(path))
    for name in ("participant_id", "payment_group", "provider_id"):
        _no_nulls(table, name, where, "a value")
    referral = _days(table, "referral_date", where, required=True)
    attach = _days(table, "attachment_date", where, required=True)
    where.refuse(
        attach < referral,
        "attachment_date",
        lambda r: f"a date on or after referral_date ({_iso(referral[r])})",
        lambda r: _iso(attach[r]),
    )

    order = pc.sort_indices(table["participant_id"]).to_numpy()
    ids = table["participant_id"].take(pa.array(order)).combine_chunks()
    dup = np.flatnonzero(pc.equal(ids[1:], ids[:-1]).to_numpy(zero_copy_only=False))
    if dup.size:
        first, second = sorted(order[dup[0] : dup[0] + 2])
        raise where.error(
            int(second),
            "participant_id",
            f"a participant id not already used (row {first + 1} has it)",
            str(ids[dup[0]]),
        )

    _distinct_parties(table, where, commissioner)
    group = _codes(table["payment_group"], list(group_ids), where, "payment_group")
    providers = pc.unique(table["provider_id"]).to_pylist()
    subs_column = table["subcontractor_id"] if "subcontractor_id" in table.column_names else None
    subs = [] if subs_column is None else pc.unique(subs_column.drop_null()).to_pylist()
    organisations = sorted(set(providers) | set(subs))
    provider = _codes(table["provider_id"], organisations, where, "provider_id")
    subcontractor = (
        np.full(table.num_rows, -1, np.int64)
        if subs_column is None
        else _codes(subs_column, organisations, where, "subcontractor_id", allow_null=True)
    )
    return Participants(
        ids=ids,
        group=group[order],
        provider=provider[order],
        subcontractor=subcontractor[order],
        referral_day=referral[order],
        attach_day=attach[order],
        organisations=organisations,
    )


def _distinct_parties(table: pa.Table, where: _Locator, commissioner: str) -> None:
    """A provider is not the commissioner, and a subcontractor is not its own prime."""
    for name in ("provider_id", "subcontractor_id"):
        if name in table.column_names:
            where.refuse(
                pc.equal(table[name], commissioner),
                name,
                "an organisation other than the commissioner",
                lambda _: commissioner,
            )
    if "subcontractor_id" in table.column_names:
        subs = table["subcontractor_id"]
        where.refuse(
            pc.equal(subs, table["provider_id"]),
            "subcontractor_id",
            "a subcontractor other than the prime itself",
            lambda r: subs[r],
        )


def read_spells(path: str | Path, participants: Participants) -> Spells:
    """Read and check an employment-spells table against the participants."""
    table = _read(Path(path), SPELL_COLUMNS, SPELL_OPTIONAL)
    where = _Locator(Path(path))
    _no_nulls(table, "participant_id", where, "a participant id")
    start = _days(table, "start_date", where, required=True)
    end = _days(table, "end_date", where, required=False)
    where.refuse(
        (end != NO_DAY) & (end < start),
        "end_date",
        lambda r: f"a date on or after start_date ({_iso(start[r])}), or empty while ongoing",
        lambda r: _iso(end[r]),
    )
    index = pc.index_in(table["participant_id"], value_set=participants.ids).to_numpy(
        zero_copy_only=False
    )
    where.refuse(
        np.isnan(index.astype(np.float64)),
        "participant_id",
        "a participant_id listed in the participants file",
        lambda r: table["participant_id"][r],
    )
    earnings = _earnings(table, where)
    return Spells(index.astype(np.int64), start, end, earnings)


def max_day(participants: Participants, spells: Spells) -> int:
    """The latest date in the records: the default as-of date."""
    days = [participants.attach_day, spells.start_day, spells.end_day[spells.end_day != NO_DAY]]
    return int(max(int(d.max()) for d in days if d.size))


class _Locator:
    """Turns a 0-based row index into the words a user needs to find it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.csv = path.suffix.lower() == ".csv"

    def refuse(
        self,
        mask: Any,
        column: str,
        expected: str | Callable[[int], str],
        found: Callable[[int], object],
    ) -> None:
        """Raise for the first row where `mask` (NumPy or Arrow, nulls false) holds."""
        if isinstance(mask, pa.ChunkedArray | pa.Array):
            mask = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
        bad = np.flatnonzero(mask)
        if bad.size:
            row = int(bad[0])
            wanted = expected if isinstance(expected, str) else expected(row)
            raise self.error(row, column, wanted, str(found(row)))

    def error(self, row: int, column: str, expected: str, found: str) -> InputError:
        line = f" (line {row + 2})" if self.csv else ""
        return InputError(
            str(self.path),
            f"row {row + 1}{line}, column {column}",
            f"expected {expected}; found {found!r}",
        )


def _read(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> pa.Table:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise InputError(str(path), "", f"expected a .csv or .parquet file; found {suffix!r}")
    if not path.is_file():
        raise InputError(str(path), "", "the file does not exist")
    try:
        if suffix == ".csv":
            table = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in (*required, *optional)},
                    strings_can_be_null=True,
                ),
            )
        else:
            table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(str(path), "", f"cannot be read as {suffix[1:]} ({exc})") from None
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise InputError(
            str(path),
            f"column {missing[0]}",
            f"expected columns {list(required)}; found {table.column_names}",
        )
    repeated = sorted({c for c in table.column_names if table.column_names.count(c) > 1})
    if repeated:
        raise InputError(
            str(path), f"column {repeated[0]}", "expected each column once; found it twice"
        )
    columns = [c for c in (*required, *optional) if c in table.column_names]
    table = table.select(columns)
    for name in columns:
        table = table.set_column(
            table.column_names.index(name), name, _normalised(path, name, table[name])
        )
    return table.combine_chunks()


def _normalised(path: Path, name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Plain types for every column: dictionaries decoded, ids as strings, blank text as null."""
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, col.type.value_type)
    if pa.types.is_large_string(col.type):
        col = pc.cast(col, pa.string())
    if not _allowed_type(name, col.type):
        raise InputError(
            str(path), f"column {name}", f"expected text, numbers or dates; found type {col.type}"
        )
    if name in _STRINGS and not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string())
    if pa.types.is_string(col.type):
        col = pc.if_else(pc.equal(pc.utf8_trim_whitespace(col), ""), None, col)
    return col


def _allowed_type(name: str, typ: pa.DataType) -> bool:
    if pa.types.is_null(typ) or pa.types.is_string(typ):
        return True
    if name == "weekly_earnings":
        return bool(
            pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ)
        )
    if name.endswith("_date"):
        return bool(pa.types.is_date(typ) or pa.types.is_timestamp(typ))
    return bool(pa.types.is_integer(typ))


def _no_nulls(table: pa.Table, column: str, where: _Locator, expected: str) -> None:
    col = table[column]
    # an empty CSV cell is null; `or_` would propagate the null and miss it
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(col), ""), True)
    where.refuse(empty, column, expected, lambda _: "an empty value")


def _days(table: pa.Table, column: str, where: _Locator, *, required: bool) -> IntArray:
    col = table[column]
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        parsed = pc.strptime(col, format="%Y-%m-%d", unit="s", error_is_null=True)
        # strptime rolls 2011-02-30 over to 2011-03-02: the date must print back as written
        printed = pc.strftime(parsed, format="%Y-%m-%d")
        changed = pc.fill_null(pc.not_equal(printed, pc.utf8_trim_whitespace(col)), False)
        unparsed = pc.or_(pc.and_(pc.is_null(parsed), pc.is_valid(col)), changed).to_numpy(
            zero_copy_only=False
        )
        original = col
        where.refuse(unparsed, column, "a date as YYYY-MM-DD", lambda r: original[r])
        col = parsed
    if pa.types.is_null(col.type):
        col = pc.cast(col, pa.date32())
    try:
        dates = pc.cast(col, pa.date32())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise InputError(
            str(where.path), f"column {column}", f"expected dates; found type {col.type}"
        ) from None
    nulls = pc.is_null(dates).to_numpy(zero_copy_only=False)
    if required:
        where.refuse(nulls, column, "a date", lambda _: "an empty value")
    days: IntArray = pc.fill_null(pc.cast(dates, pa.int32()), 0).to_numpy().astype(np.int64)
    out_of_range = ~nulls & ((days < _FIRST_DAY) | (days > _LAST_DAY))
    where.refuse(out_of_range, column, "a date from 1900 to 2199", lambda r: _iso(days[r]))
    days[nulls] = NO_DAY
    return days


def _codes(
    column: pa.Array,
    names: list[str],
    where: _Locator,
    label: str,
    *,
    allow_null: bool = False,
) -> IntArray:
    index = pc.index_in(column, value_set=pa.array(names, pa.string()))
    codes = index.to_numpy(zero_copy_only=False)
    missing = np.isnan(codes.astype(np.float64))
    if allow_null:
        missing &= column.is_valid().to_numpy(zero_copy_only=False)
    where.refuse(missing, label, f"one of {names}", lambda r: column[r])
    return np.where(np.isnan(codes.astype(np.float64)), -1, codes).astype(np.int64)


def _earnings(table: pa.Table, where: _Locator) -> FloatArray:
    if "weekly_earnings" not in table.column_names:
        return np.zeros(table.num_rows)
    col = table["weekly_earnings"]
    if pa.types.is_string(col.type):
        numeric = pc.match_substring_regex(col, r"^\s*-?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$")
        where.refuse(
            pc.invert(pc.fill_null(numeric, True)),
            "weekly_earnings",
            "a number of pounds per week",
            lambda r: col[r],
        )
    values: FloatArray = pc.fill_null(pc.cast(col, pa.float64()), 0.0).to_numpy(
        zero_copy_only=False
    )
    where.refuse(
        (values < 0) | ~np.isfinite(values),
        "weekly_earnings",
        "zero or more pounds per week",
        lambda r: values[r],
    )
    return to_pennies(values)


def _iso(day: int | np.integer) -> str:
    return str(np.datetime64(int(day), "D"))
