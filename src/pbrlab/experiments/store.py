"""The results store: a DuckDB database beside a folder of Parquet files, one per batch.

A batch's rows are written to `<store>.parts/` under a temporary name and renamed into place:
the rename registers the batch, all of it or none of it, so a run killed at any moment leaves
every run stored exactly once or not at all. The database holds each experiment's definition and
provenance and a view `runs` over the Parquet files; a rerun skips the run keys already there.
One sweep writes to a store at a time (opening it clears what a killed sweep left half-written).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pbrlab.errors import InputError
from pbrlab.io import write_parquet


class Store:
    def __init__(self, path: str | Path, read_only: bool = False) -> None:
        """Open (or, to write, create) a store; readers open it read-only and change nothing."""
        self.path = Path(path)
        self.parts = self.path.with_name(self.path.name + ".parts")
        if self.path.exists() and not self.path.is_file():
            raise InputError(str(self.path), "", "expected a store file; found a folder")
        try:
            if not read_only:
                self.parts.mkdir(parents=True, exist_ok=True)
            self.db = duckdb.connect(str(self.path), read_only=read_only)
        except (OSError, duckdb.Error) as exc:
            raise InputError(str(self.path), "", f"cannot open the store ({exc})") from None
        if read_only:
            return
        for stale in self.parts.glob(".*.tmp"):  # a batch cut off mid-write by a kill
            stale.unlink(missing_ok=True)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS experiments (experiment_id TEXT PRIMARY KEY, "
            "definition JSON, provenance JSON)"
        )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def register(
        self, experiment_id: str, definition: dict[str, Any], stamp: dict[str, str]
    ) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO experiments VALUES (?, ?, ?)",
            [experiment_id, json.dumps(definition, default=str), json.dumps(stamp)],
        )

    def definition(self, experiment_id: str | None = None) -> dict[str, Any]:
        """A stored experiment's definition (the only one, when no id is given)."""
        rows = self.db.execute("SELECT experiment_id, definition FROM experiments").fetchall()
        ids = sorted(r[0] for r in rows)
        chosen = [r for r in rows if experiment_id in (None, r[0])]
        if len(chosen) != 1:
            wanted = "an --experiment id" if experiment_id is None else repr(experiment_id)
            raise InputError(str(self.path), "experiments", f"expected {wanted} of {ids}")
        loaded: dict[str, Any] = json.loads(chosen[0][1])
        return loaded

    def add(self, experiment_id: str, rows: list[dict[str, Any]], stamp: dict[str, str]) -> None:
        """Store one batch's rows, atomically."""
        if not rows:
            return
        table = pa.Table.from_pylist([{"experiment_id": experiment_id, **r} for r in rows])
        name = f"{experiment_id}--{uuid.uuid4().hex}.parquet"
        write_parquet(table, self.parts / name, stamp)

    def _files(self) -> list[str]:
        if not self.parts.is_dir():
            return []
        return sorted(str(p) for p in self.parts.glob("*.parquet"))

    def runs(
        self, experiment_id: str | None = None, definition: str | None = None
    ) -> duckdb.DuckDBPyRelation | None:
        """The stored runs: all, one experiment's, or only those of one definition of it (its
        `experiment_hash`: runs of an earlier definition with the same id are left out)."""
        files = self._files()
        if not files:
            return None
        relation = self.db.read_parquet(files, union_by_name=True)
        if experiment_id is not None:
            relation = relation.filter(f"experiment_id = '{experiment_id.replace(chr(39), '')}'")
        if definition is not None and "experiment_hash" in relation.columns:
            relation = relation.filter(f"experiment_hash = '{definition.replace(chr(39), '')}'")
        elif definition is not None:
            relation = relation.filter("false")
        return relation

    def done(self, experiment_id: str) -> set[str]:
        """Run keys already stored for the experiment (failed runs included: a failure is a
        result, stored once; change the experiment, or remove the store, to run it again)."""
        runs = self.runs(experiment_id)
        if runs is None:
            return set()
        return {r[0] for r in runs.select("run_key").fetchall()}

    def frame(self, experiment_id: str | None = None) -> pd.DataFrame:
        """The stored runs (of one experiment, or all) as a pandas DataFrame."""
        runs = self.runs(experiment_id)
        if runs is None:
            return pd.DataFrame()
        return runs.order("experiment_id, point, replicate").df()

    def query(self, sql: str) -> duckdb.DuckDBPyRelation:
        """SQL over `runs` (every stored run) and `experiments`."""
        files = self._files()
        if files:  # a temporary view: allowed on a store opened read-only
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            self.db.execute(
                f"CREATE OR REPLACE TEMP VIEW runs AS SELECT * FROM read_parquet([{listed}], "
                "union_by_name = true)"
            )
        try:
            return self.db.sql(sql)
        except duckdb.Error as exc:
            raise InputError("query", "", str(exc).splitlines()[0]) from None


def read_results(store: str | Path, experiment_id: str | None = None) -> pd.DataFrame:
    """One row per stored run (design point, replicate, seed, factors, status, outputs)."""
    if not Path(store).is_file():
        raise InputError(str(store), "", "expected a results store; found no file")
    with Store(store, read_only=True) as opened:
        return opened.frame(experiment_id)
