"""Writing results atomically: a reader sees the old file or the whole new one, never half."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pbrlab.errors import InputError


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary file beside `path`, then rename it into place."""
    target = Path(path)
    tmp = _stage(target, write)
    try:
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: str | Path, provenance: dict[str, str]) -> None:
    """Write a table as Parquet, atomically, with provenance in the file's metadata."""
    write_atomically(path, parquet_writer(table, provenance))


def parquet_writer(table: pa.Table, provenance: dict[str, str]) -> Callable[[Path], None]:
    stamped = table.replace_schema_metadata({"pbrlab": json.dumps(provenance)})
    return lambda tmp: pq.write_table(stamped, tmp)


def json_writer(data: Any) -> Callable[[Path], None]:
    """A writer of `data` as indented JSON, for `write_atomically` and `write_all_or_none`."""

    def write(tmp: Path) -> None:
        tmp.write_text(json.dumps(data, indent=2) + "\n")

    return write


def write_all_or_none(writers: dict[Path, Callable[[Path], None]]) -> None:
    """Write several files so that either all are replaced or none is.

    Every file is written to a temporary name first; only when all are written are the old files
    moved aside and the new ones moved in, and any failure (or interruption) then puts the old
    ones back.
    """
    staged: dict[Path, Path] = {}
    moved: dict[Path, Path] = {}  # target -> its previous version, set aside
    try:
        for target, write in writers.items():
            if target.is_dir():
                raise IsADirectoryError(21, "Is a directory", str(target))
            staged[target] = _stage(target, write)
        done: list[Path] = []
        try:
            for target in staged:
                if target.exists():
                    previous = target.with_name(f".{target.name}.previous")
                    target.replace(previous)
                    moved[target] = previous
            for target, tmp in staged.items():
                tmp.replace(target)
                done.append(target)
        except BaseException:
            for target in done:
                target.unlink(missing_ok=True)
            for target, previous in moved.items():
                previous.replace(target)
            moved.clear()
            raise
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)
        for previous in moved.values():
            previous.unlink(missing_ok=True)


def _stage(target: Path, write: Callable[[Path], None]) -> Path:
    """`write` a temporary file beside `target`; its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes 0600; results are meant to be shared
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_outputs(writers: dict[Path, Callable[[Path], None]], folder: Path) -> None:
    """`write_all_or_none` for a command's outputs: a failure is one InputError naming the file,
    and nothing is replaced."""
    try:
        write_all_or_none(writers)
    except OSError as exc:
        where = exc.filename or folder
        problem = f"cannot write the outputs there ({exc.strerror or exc}); nothing was replaced"
        raise InputError(str(where), "", problem) from None
