"""Writing results atomically: a reader sees the old file or the whole new one, never half."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_atomically(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary file beside `path`, then rename it into place."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        tmp.chmod(0o644)  # mkstemp makes 0600; results are meant to be shared
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(table: pa.Table, path: str | Path, provenance: dict[str, str]) -> None:
    """Write a table as Parquet, atomically, with provenance in the file's metadata."""
    stamped = table.replace_schema_metadata({"pbrlab": json.dumps(provenance)})
    write_atomically(path, lambda tmp: pq.write_table(stamped, tmp))
