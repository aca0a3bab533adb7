"""`pbrlab sweep`, `pbrlab sensitivity` and `pbrlab results`, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

EXPERIMENT = """
id = "cli-test"
name = "a small sweep"
base = "work-programme-2011-core"
scale = 0.001
seed = 5
outputs = ["overall.job_outcome_rate_24m"]

[design]
kind = "full_factorial"
levels = 2

[[factors]]
name = "effect"
path = "behaviour.service_effect.value"
range = [0.1, 0.4]
"""


def pbrlab(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *args], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    (folder / "experiment.toml").write_text(EXPERIMENT)
    result = pbrlab("sweep", "experiment.toml", "--executor", "inprocess", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "2 runs in the design" in result.stdout and "2 run, 0 failed" in result.stdout
    return folder


def test_a_rerun_resumes_and_runs_nothing_twice(swept: Path) -> None:
    result = pbrlab("sweep", "experiment.toml", "--executor", "inprocess", cwd=swept)
    assert "2 already stored, 0 run" in result.stdout


def test_results_list_show_query_and_export(swept: Path) -> None:
    assert "cli-test" in pbrlab("results", "list", cwd=swept).stdout
    shown = json.loads(pbrlab("results", "show", "cli-test", "--format", "json", cwd=swept).stdout)
    assert [r["point"] for r in shown] == [0, 1]
    assert all(r["status"] == "ok" for r in shown)
    query = 'SELECT count(*) AS n FROM runs WHERE "overall.job_outcome_rate_24m" > 0'
    assert json.loads(pbrlab("results", "query", query, "--format", "json", cwd=swept).stdout) == [
        {"n": 2}
    ]
    result = pbrlab("results", "export", "--out", "runs.parquet", cwd=swept)
    assert result.returncode == 0, result.stderr
    table = pq.read_table(swept / "runs.parquet")
    assert table.num_rows == 2 and "seed" in table.column_names
    assert json.loads(table.schema.metadata[b"pbrlab"])["pbrlab_version"]


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (("sweep", "missing.toml"), "missing.toml: cannot read the file"),
        (("results", "list", "--store", "none.duckdb"), "none.duckdb: expected a results store"),
        (("results", "query", "SELECT nothing FROM nowhere"), "query: Catalog Error"),
        (("results", "show", "no-such"), "expected an experiment in the store"),
        (("sweep", "experiment.toml", "--scheduler", "tcp://x:1"), "expected --executor dask"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(swept: Path, args: tuple[str, ...], expect: str) -> None:
    result = pbrlab(*args, cwd=swept)
    assert result.returncode == 2, result.stdout + result.stderr
    assert expect in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_sensitivity_and_discovery_of_the_ishigami_sweep(tmp_path: Path) -> None:
    assert pbrlab("sweep", "ishigami", "--executor", "inprocess", cwd=tmp_path).returncode == 0
    result = pbrlab(
        "sensitivity", "ishigami", "--format", "json", "--chart", "s.html", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    (indices,) = json.loads(result.stdout)
    assert indices["method"] == "sobol" and indices["factors"] == ["x1", "x2", "x3"]
    assert indices["ST"][0] == pytest.approx(0.5576, abs=0.03)
    assert (tmp_path / "s.html").stat().st_size > 100_000
    found = pbrlab("discover", "ishigami", "--where", "y > 10", "--format", "json", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert "x1" in json.loads(found.stdout)["chosen"]["limits"]
    from_store = pbrlab("sensitivity", "results.duckdb", "--format", "json", cwd=tmp_path)
    assert json.loads(from_store.stdout) == json.loads(result.stdout)  # the stored definition
    wrong = pbrlab("sensitivity", "results.duckdb", "--experiment", "other", cwd=tmp_path)
    assert wrong.returncode == 2 and "expected 'other' of ['ishigami']" in wrong.stderr
    bad = pbrlab("discover", "ishigami", "--where", "nonsense +", cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
