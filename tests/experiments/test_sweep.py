"""Sweeps: the same stored results in this process, in a process pool and on a Dask
LocalCluster; reruns resume; failing runs are recorded while the others complete; the
sensitivity machinery recovers the Ishigami function's known indices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.experiments.analysis import sensitivity
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.runs import lay_over
from pbrlab.experiments.store import Store
from pbrlab.experiments.sweep import load_experiment, sweep

OUTPUTS = ["overall.job_outcome_rate_24m", "overall.spend_gbp.total"]


def small(norms: list[float] | None = None) -> Experiment:
    data = {
        "id": "small",
        "name": "small",
        "base": "work-programme-2011-core",
        "scale": 0.001,
        "seed": 7,
        "replicates": 2,
        "outputs": OUTPUTS,
        "design": {"kind": "full_factorial"},
        "factors": [
            {
                "name": "norm",
                "path": "behaviour.professional_norm.value",
                "options": norms or [0.0, 0.5],
            }
        ],
    }
    return config.validate(Experiment, data, "test experiment")


def stored(path: Path) -> list[tuple[Any, ...]]:
    columns = ", ".join(
        ["run_key", "point", "replicate", "seed", "status"] + [f'"{o}"' for o in OUTPUTS]
    )
    with Store(path) as store:
        return store.query(f"SELECT {columns} FROM runs ORDER BY run_key").fetchall()


@pytest.fixture(scope="module")
def in_process(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("inprocess") / "results.duckdb"
    result = sweep(small(), path, executor="inprocess")
    assert (result.planned, result.ran, result.failed) == (4, 4, 0)
    return path


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_every_executor_stores_the_same_results(
    in_process: Path, tmp_path: Path, executor: str
) -> None:
    path = tmp_path / "results.duckdb"
    sweep(small(), path, executor=executor, workers=2, batch_size=1)  # type: ignore[arg-type]
    assert stored(path) == stored(in_process)
    assert len({row[0] for row in stored(path)}) == 4


def test_a_rerun_skips_what_is_stored_and_runs_what_is_new(
    in_process: Path, tmp_path: Path
) -> None:
    path = tmp_path / "results.duckdb"
    path.write_bytes(in_process.read_bytes())
    parts = in_process.with_name(in_process.name + ".parts")
    copy = path.with_name(path.name + ".parts")
    copy.mkdir()
    for part in parts.iterdir():
        (copy / part.name).write_bytes(part.read_bytes())
    again = sweep(small(), path, executor="inprocess")
    assert (again.skipped, again.ran) == (4, 0)
    more = sweep(small([0.0, 0.5, 0.25]), path, executor="inprocess")
    assert (more.skipped, more.ran) == (4, 2)
    assert len(stored(path)) == 6


def test_failing_runs_are_recorded_and_the_others_complete(tmp_path: Path) -> None:
    path = tmp_path / "results.duckdb"
    result = sweep(small([0.2, 2.0]), path, executor="inprocess")
    assert (result.ran, result.failed) == (4, 2)
    with Store(path) as store:
        rows = store.query("SELECT status, error FROM runs ORDER BY point").fetchall()
    assert [r[0] for r in rows] == ["ok", "ok", "error", "error"]
    assert "professional_norm" in rows[2][1] and "less than or equal to 1" in rows[2][1]


def test_factor_paths_reach_lists_by_star_id_and_index() -> None:
    data: dict[str, Any] = {"a": {"b": 1}, "items": [{"id": "x", "v": 1}, {"id": "y", "v": 2}]}
    lay_over(data, "a.b", 5)
    lay_over(data, "items[*].v", 0)
    lay_over(data, "items[y].v", 9)
    lay_over(data, "items[0].w", 3)
    assert data == {"a": {"b": 5}, "items": [{"id": "x", "v": 0, "w": 3}, {"id": "y", "v": 9}]}
    for bad, message in [
        ("a.c.d", "expected a table with 'c'"),
        ("items[z].v", "no item with id 'z'"),
        ("a[*].b", "expected a list"),
        ("items[*]", "expected a key after"),
    ]:
        with pytest.raises(InputError, match=message):
            lay_over(data, bad, 1)


def test_the_sobol_machinery_recovers_the_ishigami_indices(tmp_path: Path) -> None:
    """Known values: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437 (Saltelli et al.
    2008), through the same design, executor and store code as the model."""
    path = tmp_path / "results.duckdb"
    experiment = load_experiment("ishigami")
    sweep(experiment, path, executor="local", workers=2)
    with Store(path) as store:
        indices = sensitivity(store, experiment, "y")
    s1, st = indices.table["S1"], indices.table["ST"]
    for got, want in zip(s1 + st, [0.3139, 0.4424, 0.0, 0.5576, 0.4424, 0.2437], strict=True):
        assert got == pytest.approx(want, abs=0.03)
    assert indices.convergence is not None
    assert max(indices.convergence["S1_change"] + indices.convergence["ST_change"]) < 0.05


def test_results_come_back_as_a_dataframe(in_process: Path) -> None:
    import pbrlab

    frame = pbrlab.read_results(in_process, "small")
    assert len(frame) == 4
    assert list(frame["point"]) == [0, 0, 1, 1] and set(frame["status"]) == {"ok"}
    assert frame[OUTPUTS[0]].between(0, 1).all()
    # What each run key is made of is queryable: the scenario's hash and the code version.
    assert frame["scenario_hash"].str.len().eq(16).all() and frame["scenario_hash"].nunique() == 2
    assert frame["pbrlab_version"].nunique() == 1
    with pytest.raises(InputError, match="expected a results store"):
        pbrlab.read_results(in_process.with_name("missing.duckdb"))


def test_a_contract_design_factor_changes_what_is_paid(tmp_path: Path) -> None:
    data = small().model_dump()
    data["factors"] = [
        {
            "name": "fixed_share",
            "transform": "fixed_share",
            "contract": "work-programme-2011",
            "options": [0.0, 0.5],
        }
    ]
    data["outputs"] = ["overall.spend_gbp.attachment", "overall.spend_gbp.job_outcome"]
    data["replicates"] = 1
    experiment = config.validate(Experiment, data, "designs")
    sweep(experiment, tmp_path / "r.duckdb", executor="inprocess")
    with Store(tmp_path / "r.duckdb") as store:
        rows = store.query(
            'SELECT "overall.spend_gbp.attachment", "overall.spend_gbp.job_outcome" FROM runs '
            "ORDER BY point"
        ).fetchall()
    (none_fixed, outcomes_only), (half_fixed, fewer_outcomes) = rows
    assert none_fixed == 0 < half_fixed and fewer_outcomes < outcomes_only


@pytest.mark.parametrize(("name", "size"), [("taper-sweep", 9), ("reference-sensitivity", 70)])
def test_the_shipped_example_experiments_are_valid(name: str, size: int) -> None:
    from pbrlab.experiments.design import points

    root = Path(__file__).parents[2] / "experiments"
    experiment = load_experiment(root / f"{name}.toml")
    assert points(experiment).size == size


def test_repeated_values_at_different_points_are_different_runs(tmp_path: Path) -> None:
    data = load_experiment("ishigami").model_dump()
    data["design"] = {"kind": "morris", "samples": 20, "levels": 4}  # points repeat grid values
    experiment = config.validate(Experiment, data, "morris")
    result = sweep(experiment, tmp_path / "r.duckdb", executor="inprocess")
    with Store(tmp_path / "r.duckdb") as store:
        keys = [r[0] for r in store.query("SELECT run_key FROM runs").fetchall()]
    assert len(keys) == len(set(keys)) == result.planned == 80


def test_analyses_read_only_the_current_definitions_runs(tmp_path: Path) -> None:
    from pbrlab.experiments.runs import experiment_hash

    data = load_experiment("ishigami").model_dump()
    data["design"]["samples"] = 8
    first = config.validate(Experiment, data, "first")
    second = config.validate(Experiment, {**data, "seed": 2}, "second")
    path = tmp_path / "r.duckdb"
    sweep(first, path, executor="inprocess")
    sweep(second, path, executor="inprocess")
    with Store(path) as store:
        everything = store.runs("ishigami")
        current = store.runs("ishigami", experiment_hash(second))
        assert everything is not None and current is not None
        assert len(everything.fetchall()) == 80 and len(current.fetchall()) == 40
        assert sensitivity(store, second, "y").names == ["x1", "x2", "x3"]


def test_a_mistake_in_the_experiment_is_one_error_not_failed_runs(tmp_path: Path) -> None:
    data = small().model_dump()
    data["factors"][0]["path"] = "behaviour.no_such_parameter.value"
    with pytest.raises(InputError, match="no_such_parameter"):
        sweep(config.validate(Experiment, data, "bad"), tmp_path / "r.duckdb", "inprocess")


def test_missing_outputs_are_null_and_reported(tmp_path: Path) -> None:
    data = small().model_dump()
    data["outputs"] = [OUTPUTS[0], "overall.no_such_value"]
    data["replicates"] = 1
    result = sweep(config.validate(Experiment, data, "o"), tmp_path / "r.duckdb", "inprocess")
    assert result.unknown_outputs == ["overall.no_such_value"]
    with Store(tmp_path / "r.duckdb") as store:
        values = store.query('SELECT "overall.no_such_value" FROM runs').fetchall()
    assert values == [(None,), (None,)]
