"""Running an experiment: every point × replicate not yet in the store, in batches, through one
of three executors, each batch stored as it completes.

- `inprocess`: one after another in this process (for debugging and small experiments);
- `local` (default): a pool of worker processes on this machine;
- `dask`: a Dask distributed cluster: a `LocalCluster` started here, or an existing one at
  `scheduler` (a dask-jobqueue/SLURM or Kubernetes cluster's scheduler address).

The rows do not depend on the executor: each run's values come from its spec alone.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.experiments.design import Points, points, replicate_seeds
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.runs import Batch, RunSpec, run_batch, run_key, scenario_hash
from pbrlab.experiments.store import Store
from pbrlab.provenance import provenance

Executor = Literal["inprocess", "local", "dask"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class SweepResult:
    experiment: Experiment
    points: Points
    planned: int  # runs in the design
    skipped: int  # already in the store
    ran: int
    failed: int


def load_experiment(path: str | Path) -> Experiment:
    data, label = config.read_toml(path, "pbrlab.experiments.presets", "experiment")
    return config.validate(Experiment, data, label)


@dataclass(frozen=True)
class Plan:
    points: Points
    runs: list[RunSpec]  # one per point and replicate
    base: dict[str, Any]  # the base scenario's resolved data
    scenario_hash: dict[str, str]  # run key -> the hash of the scenario it simulates
    version: str  # pbrlab's, part of every run key


def plan(experiment: Experiment) -> Plan:
    """The design's points, one run spec per point and replicate, and the base scenario data."""
    base: dict[str, Any] = {}
    if experiment.model == "pbrlab":
        from pbrlab.scenarios.load import scenario_data

        base, _ = scenario_data(experiment.base or "")
    design = points(experiment)
    seeds = replicate_seeds(experiment)
    version = provenance()["pbrlab_version"]
    specs: list[RunSpec] = []
    hashes: dict[str, str] = {}
    for i, values in enumerate(design.values):
        try:
            model = scenario_hash(experiment, base, values)
        except InputError:
            model = "invalid"  # the run will record why
        for r, seed in enumerate(seeds):
            specs.append(RunSpec(i, r, seed, values, run_key(model, version, values, seed)))
            hashes[specs[-1].key] = model
    return Plan(design, specs, base, hashes, version)


def sweep(
    experiment: Experiment,
    store_path: str | Path,
    executor: Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run what the store lacks; each finished batch is stored before the next is awaited."""
    planned = plan(experiment)
    specs = planned.runs
    stamp = provenance(experiment=experiment.id, seed=str(experiment.seed))
    with Store(store_path) as store:
        store.register(experiment.id, experiment.model_dump(mode="json"), stamp)
        done = store.done(experiment.id)
        todo = [s for s in specs if s.key not in done]
        n_workers = workers or max(1, multiprocessing.cpu_count())
        size = batch_size or max(1, min(25, math.ceil(len(todo) / (4 * n_workers))))
        batches = [
            Batch(experiment, planned.base, todo[i : i + size]) for i in range(0, len(todo), size)
        ]
        ran = failed = 0
        if progress is not None:
            progress(0, len(todo))
        with _executor(executor, n_workers, scheduler) as run_all:
            for rows in run_all(batches):
                for row in rows:  # what the key is made of, as columns to query
                    row["scenario_hash"] = planned.scenario_hash[row["run_key"]]
                    row["pbrlab_version"] = planned.version
                store.add(experiment.id, rows, stamp)
                ran += len(rows)
                failed += sum(r["status"] != "ok" for r in rows)
                if progress is not None:
                    progress(ran, len(todo))
    return SweepResult(experiment, planned.points, len(specs), len(specs) - len(todo), ran, failed)


RunAll = Callable[[list[Batch]], Iterator[list[dict[str, Any]]]]


@contextmanager
def _executor(kind: Executor, workers: int, scheduler: str | None) -> Iterator[RunAll]:
    if kind == "inprocess":
        yield lambda batches: (run_batch(b) for b in batches)
    elif kind == "local":
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

            def run_local(batches: list[Batch]) -> Iterator[list[dict[str, Any]]]:
                futures = [pool.submit(run_batch, b) for b in batches]
                for future in as_completed(futures):
                    yield future.result()

            yield run_local
    elif kind == "dask":
        with _dask_client(workers, scheduler) as client:
            from distributed import as_completed as dask_completed

            def run_dask(batches: list[Batch]) -> Iterator[list[dict[str, Any]]]:
                futures = client.map(run_batch, batches, pure=False)
                for future in dask_completed(futures):
                    yield future.result()

            yield run_dask
    else:
        raise InputError("--executor", "", f"expected inprocess, local or dask; found {kind!r}")


@contextmanager
def _dask_client(workers: int, scheduler: str | None) -> Iterator[Any]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "--executor", "dask", "expected dask distributed installed (pip install pbrlab[dask])"
        ) from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise InputError("--scheduler", scheduler, f"cannot reach it ({exc})") from None
        with client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        yield client
