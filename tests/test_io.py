"""Atomic writes and provenance stamps."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pbrlab.io import write_atomically
from pbrlab.payments.engine import run_payments
from pbrlab.provenance import provenance

EXAMPLE = Path(__file__).parents[1] / "src/pbrlab/examples/work-programme-small"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "result.txt"
    target.write_text("old")

    def fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.txt"]


def test_a_written_file_is_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "result.txt"
    write_atomically(target, lambda tmp: tmp.write_text("new"))
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o044 == 0o044


def test_provenance_names_version_time_and_inputs() -> None:
    stamp = provenance(contract_hash="abc")
    assert {"pbrlab_version", "created", "contract_hash"} <= set(stamp)


def test_the_ledger_carries_its_provenance(tmp_path: Path) -> None:
    out = tmp_path / "ledger.parquet"
    run = run_payments(
        EXAMPLE / "participants.csv", EXAMPLE / "spells.csv", "work-programme-2011", None, out
    )
    stamp = json.loads(pq.read_schema(out).metadata[b"pbrlab"])
    assert stamp == run.provenance
    assert stamp["contract"] == "work-programme-2011"
    assert stamp["as_of"] == "2015-12-31"
    assert len(stamp["contract_hash"]) == 16
    assert pq.read_table(out).num_rows == run.rows
