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
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.experiments.design import Points, points, replicate_seeds
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.runs import (
    Batch,
    RunSpec,
    experiment_hash,
    run_batch,
    run_key,
    scenario_hash,
)
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
    unknown_outputs: list[str]  # outputs no successful run gave (misspelt paths?)


def load_experiment(path: str | Path) -> Experiment:
    """An experiment file or preset; a csv design's file is read from the experiment's folder."""
    data, label = config.read_toml(path, "pbrlab.experiments.presets", "experiment")
    experiment = config.validate(Experiment, data, label)
    design = experiment.design
    if design.file is not None and Path(label).suffix == ".toml":
        located = Path(label).parent / design.file
        design = design.model_copy(update={"file": str(located)})
        experiment = experiment.model_copy(update={"design": design})
    return experiment


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
    version = provenance()["pbrlab_version"]
    specs: list[RunSpec] = []
    hashes: dict[str, str] = {}
    problems: list[InputError] = []
    for i, values in enumerate(design.values):
        try:
            model = scenario_hash(experiment, base, values)
        except InputError as exc:
            model = "invalid"  # the run will record why
            problems.append(exc)
        for r, seed in enumerate(replicate_seeds(experiment, i)):
            specs.append(RunSpec(i, r, seed, values, run_key(model, version, i, r, values, seed)))
            hashes[specs[-1].key] = model
    if problems and len(problems) == design.size:  # a mistake in the experiment, not a point
        raise problems[0]
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
    identity = experiment_hash(experiment)
    missing = set(experiment.outputs)  # outputs no successful run has given
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
                    row["experiment_hash"] = identity
                    for name in experiment.outputs:
                        if row["status"] == "ok" and row[name] is not None:
                            missing.discard(name)
                store.add(experiment.id, rows, stamp)
                ran += len(rows)
                failed += sum(r["status"] != "ok" for r in rows)
                if progress is not None:
                    progress(ran, len(todo))
    unknown = sorted(missing) if ran > failed else []
    return SweepResult(
        experiment, planned.points, len(specs), len(specs) - len(todo), ran, failed, unknown
    )


def sweep_all(
    experiment: Experiment,
    store_path: str | Path,
    executor: Executor = "local",
    workers: int | None = None,
    progress: Progress | None = None,
) -> None:
    """Run what the store lacks, for a job that needs every run: failed runs are one clear
    error naming the first."""
    result = sweep(experiment, store_path, executor, workers, progress=progress)
    if result.failed:
        frame = current_runs(experiment, store_path)
        first = frame.loc[frame["status"] != "ok", "error"]
        raise InputError(
            experiment.id,
            "",
            f"{result.failed} runs failed (stored in {store_path}); the first: "
            f"{first.iloc[0] if len(first) else 'unknown'}",
        )


def current_runs(experiment: Experiment, store_path: str | Path) -> Any:
    """The current definition's runs (of this design, over this version of the base), in point
    and replicate order, as a pandas DataFrame."""
    with Store(store_path, read_only=True) as opened:
        runs = opened.runs(experiment.id, experiment_hash(experiment))
        assert runs is not None
        return runs.order("point, replicate").df()


def _crashed(exc: BaseException) -> str:
    return (
        f"a worker process died ({type(exc).__name__}: {exc}); the batches finished before are "
        "stored: rerun to resume"
    )


RunAll = Callable[[list[Batch]], Iterator[list[dict[str, Any]]]]


@contextmanager
def _executor(kind: Executor, workers: int, scheduler: str | None) -> Iterator[RunAll]:
    if kind == "inprocess":
        yield lambda batches: (run_batch(b) for b in batches)
    elif kind == "local":
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)

        def run_local(batches: list[Batch]) -> Iterator[list[dict[str, Any]]]:
            futures = [pool.submit(run_batch, b) for b in batches]
            for future in as_completed(futures):
                try:
                    yield future.result()
                except BrokenProcessPool as exc:
                    raise InputError("--executor local", "", _crashed(exc)) from None

        try:
            yield run_local
        except BaseException:  # interrupted or failed: drop what is queued, stop the workers
            pool.shutdown(wait=False, cancel_futures=True)
            for process in list(getattr(pool, "_processes", {}).values()):
                process.terminate()
            raise
        pool.shutdown()
    elif kind == "dask":
        with _dask_client(workers, scheduler) as client:
            from distributed import KilledWorker
            from distributed import as_completed as dask_completed

            def run_dask(batches: list[Batch]) -> Iterator[list[dict[str, Any]]]:
                futures = client.map(run_batch, batches, pure=False)
                try:
                    for future in dask_completed(futures):
                        try:
                            yield future.result()
                        except KilledWorker as exc:
                            raise InputError("--executor dask", "", _crashed(exc)) from None
                finally:
                    client.cancel(futures)

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
            try:
                client.wait_for_workers(1, timeout=60)
            except TimeoutError:
                raise InputError(
                    "--scheduler", scheduler, "expected at least one worker within 60 s; found none"
                ) from None
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with cluster, Client(cluster) as client:
        yield client
