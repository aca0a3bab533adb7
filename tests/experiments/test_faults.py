"""Faults: a sweep killed with SIGKILL mid-way resumes on rerun with every run stored exactly
once; a sweep runs unchanged on a Dask scheduler and workers started as separate processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from pbrlab.experiments.store import Store
from pbrlab.experiments.sweep import load_experiment, sweep

EXPERIMENT = """
id = "faults"
name = "a sweep to interrupt"
base = "work-programme-2011-core"
scale = 0.001
seed = 11
replicates = 3
outputs = ["overall.job_outcome_rate_24m", "overall.referrals"]

[design]
kind = "latin_hypercube"
samples = 4

[[factors]]
name = "effect"
path = "behaviour.service_effect.value"
range = [0.1, 0.4]
"""


def stored_keys(store: Path) -> list[str]:
    with Store(store) as opened:
        return [r[0] for r in opened.query("SELECT run_key FROM runs").fetchall()]


def test_a_killed_sweep_resumes_with_every_run_stored_once(tmp_path: Path) -> None:
    (tmp_path / "experiment.toml").write_text(EXPERIMENT)
    store = tmp_path / "results.duckdb"
    parts = tmp_path / "results.duckdb.parts"
    command = [sys.executable, "-m", "pbrlab", "sweep", "experiment.toml", "--executor", "local"]
    command += ["--workers", "2", "--batch-size", "1"]
    sweep_process = subprocess.Popen(command, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(sweep_process.pid, signal.SIGKILL)
    sweep_process.wait()
    before = len(list(parts.glob("*.parquet")))
    assert 2 <= before < 12, "the kill should land mid-sweep"
    rerun = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{before} already stored" in rerun.stdout
    keys = stored_keys(store)
    assert len(keys) == len(set(keys)) == 12
    assert not list(parts.glob(".*.tmp"))
    for part in parts.glob("*.parquet"):
        assert pq.read_table(part).num_rows == 1  # whole batches only


def test_a_sweep_runs_on_a_separately_started_scheduler_and_workers(tmp_path: Path) -> None:
    (tmp_path / "experiment.toml").write_text(EXPERIMENT)
    experiment = load_experiment(tmp_path / "experiment.toml")
    here = tmp_path / "inprocess.duckdb"
    sweep(experiment, here, executor="inprocess")
    dask = Path(sys.executable).parent / "dask"
    address_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [
            str(dask),
            "scheduler",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(address_file),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not address_file.exists():
            time.sleep(0.1)
        address = __import__("json").loads(address_file.read_text())["address"]
        workers = [
            subprocess.Popen(
                [str(dask), "worker", address, "--nthreads", "1", "--no-dashboard"],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        from distributed import Client

        with Client(address) as client:  # both workers up, so both can take batches
            client.wait_for_workers(2, timeout=60)
        there = tmp_path / "cluster.duckdb"
        sweep(experiment, there, executor="dask", scheduler=address, batch_size=1)
    finally:
        for process in [*workers, scheduler]:
            process.terminate()
        for process in [*workers, scheduler]:
            process.wait(timeout=30)
    query = "SELECT * EXCLUDE (seconds, worker) FROM runs ORDER BY run_key"
    with Store(here) as a, Store(there) as b:
        assert a.query(query).fetchall() == b.query(query).fetchall()
        workers_used = b.query("SELECT count(DISTINCT worker) FROM runs").fetchall()[0][0]
    assert workers_used == 2
