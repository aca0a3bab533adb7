"""`pbrlab sweep` and `pbrlab results`: run experiments into a store, and read the store.

Heavy libraries (Numba, DuckDB, SciPy, SALib, Dask) load inside the commands, not at start-up.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from pbrlab.cli.common import Format, bar_columns, err, friendly, out
from pbrlab.errors import InputError

results_app = typer.Typer(
    help="Read a results store: list experiments, show runs, query with SQL, export.",
    no_args_is_help=True,
)

StoreOption = Annotated[
    Path, typer.Option("--store", help="The results store (a DuckDB file; Parquet beside it).")
]


class ExecutorChoice(StrEnum):
    inprocess = "inprocess"
    local = "local"
    dask = "dask"


@friendly
def sweep_command(
    experiment: Annotated[str, typer.Argument(help="An experiment .toml file or preset name.")],
    executor: Annotated[
        ExecutorChoice, typer.Option(help="Where runs execute.")
    ] = ExecutorChoice.local,
    workers: Annotated[
        int | None, typer.Option(min=1, help="Worker processes (default: the CPU count).")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="An existing Dask scheduler's address (with --executor dask)."),
    ] = None,
    store: StoreOption = Path("results.duckdb"),
    scale: Annotated[
        float | None, typer.Option(help="The scale of every run (default: the experiment's).")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="Runs per task (default: about 4 tasks a worker).")
    ] = None,
) -> None:
    """Run an experiment's design into the store; a rerun resumes, skipping stored runs."""
    from pbrlab.experiments.sweep import load_experiment, sweep

    model = load_experiment(experiment)
    if scale is not None:
        if not 0.0 < scale <= 1.0:
            raise InputError("--scale", "", f"expected a fraction in (0, 1]; found {scale}")
        model = model.model_copy(update={"scale": scale})
    if scheduler is not None and executor is not ExecutorChoice.dask:
        raise InputError("--scheduler", "", "expected --executor dask with a scheduler address")
    columns = bar_columns()
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(f"{model.id} (runs)", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        try:
            result = sweep(
                model, store, executor.value, workers, scheduler, batch_size, progress=advance
            )
        except KeyboardInterrupt:
            err.print(f"interrupted: finished batches are in {store}; rerun to resume")
            raise typer.Exit(130) from None
    out.print(
        f"{model.id}: {result.planned} runs in the design ({result.points.size} points x "
        f"{model.replicates} replicates); {result.skipped} already stored, {result.ran} run, "
        f"{result.failed} failed; store {store}",
        soft_wrap=True,
    )
    if result.unknown_outputs:
        err.print(
            f"warning: no successful run gave {result.unknown_outputs}: check these output "
            "paths against summary.json",
            soft_wrap=True,
        )


TargetArg = Annotated[
    str,
    typer.Argument(
        help="The experiment .toml file or preset swept (its runs read from --store), or a store "
        "(.duckdb) holding the experiment."
    ),
]
ExperimentOption = Annotated[
    str | None, typer.Option("--experiment", help="Which experiment, for a store holding several.")
]


@friendly
def sensitivity_command(
    target: TargetArg,
    store: StoreOption = Path("results.duckdb"),
    experiment_id: ExperimentOption = None,
    output: Annotated[
        str | None, typer.Option(help="The output analysed (default: every output).")
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Also write a chart (HTML).")] = None,
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """Sobol' (sobol design) or Morris (morris design) indices of stored runs, with confidence
    intervals and, for Sobol', how far the indices moved from N/2 to N base samples."""
    from pbrlab.experiments.analysis import sensitivity

    model, opened = _resolve(target, store, experiment_id)
    results = [sensitivity(opened, model, o) for o in ([output] if output else model.outputs)]
    if chart is not None:
        from pbrlab.experiments.charts import sensitivity_chart

        sensitivity_chart(results, chart)
    if format is Format.json:
        print(json.dumps([r.as_dict() for r in results], indent=2))
        return
    for result in results:
        measures = {**result.table, **(result.convergence or {})}
        table = Table("factor", *measures, title=f"{result.output} ({result.method})")
        for i, name in enumerate(result.names):
            table.add_row(name, *(f"{values[i]:.4f}" for values in measures.values()))
        out.print(table)


@friendly
def discover_command(
    target: TargetArg,
    where: Annotated[
        str,
        typer.Option(
            help="The condition, SQL over the runs' columns: '\"supply_chains.tier_2.insolvent\" "
            "> 10'."
        ),
    ],
    store: StoreOption = Path("results.duckdb"),
    experiment_id: ExperimentOption = None,
    min_coverage: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="The chosen box keeps this share of cases.")
    ] = 0.8,
    chart: Annotated[Path | None, typer.Option(help="Also write a chart (HTML).")] = None,
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """PRIM scenario discovery: the factor ranges in which the condition mostly holds."""
    from pbrlab.experiments.discovery import discover

    model, opened = _resolve(target, store, experiment_id)
    found = discover(opened, model, where, min_coverage)
    if chart is not None:
        from pbrlab.experiments.charts import discovery_chart

        discovery_chart(found, chart)
    if format is Format.json:
        print(json.dumps(found.as_dict(), indent=2))
        return
    box = found.chosen
    out.print(
        f"{found.cases} of {found.runs} runs meet {where}; the chosen box holds "
        f"{box.coverage:.0%} of them (coverage) and {box.density:.0%} of its runs meet it "
        f"(density), {box.support:.0%} of all runs",
        soft_wrap=True,
    )
    table = Table("factor", "low", "high")
    for name, (low, high) in box.limits.items():
        table.add_row(name, f"{low:.4g}", f"{high:.4g}")
    out.print(table)


@results_app.command("list")
@friendly
def results_list(store: StoreOption = Path("results.duckdb")) -> None:
    """The experiments in a store, with their runs and failures."""
    relation = _open(store).query(
        "SELECT experiment_id, count(*) AS runs, count(*) FILTER (status <> 'ok') AS failed "
        "FROM runs GROUP BY experiment_id ORDER BY experiment_id"
    )
    _print(relation.columns, relation.fetchall(), Format.table)


@results_app.command("show")
@friendly
def results_show(
    experiment: Annotated[str, typer.Argument(help="An experiment id in the store.")],
    store: StoreOption = Path("results.duckdb"),
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 20,
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """An experiment's runs: design point, replicate, seed, status and outputs."""
    opened = _open(store)
    runs = opened.runs(experiment)
    if runs is None or not runs.aggregate("count(*)").fetchall()[0][0]:
        raise InputError(str(store), experiment, "expected an experiment in the store; found none")
    fixed = {"experiment_id", "run_key", "error", "seconds", "worker"}
    fixed |= {"scenario_hash", "pbrlab_version"}  # in the run key already
    relation = runs.order("point, replicate").limit(limit)
    relation = relation.select(*(f'"{c}"' for c in relation.columns if c not in fixed))
    _print(relation.columns, relation.fetchall(), format)


@results_app.command("query")
@friendly
def results_query(
    sql: Annotated[str, typer.Argument(help="SQL over the tables runs and experiments.")],
    store: StoreOption = Path("results.duckdb"),
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """Any SQL over the store (DuckDB)."""
    relation = _open(store).query(sql)
    _print(relation.columns, relation.fetchall(), format)


@results_app.command("export")
@friendly
def results_export(
    out_file: Annotated[Path, typer.Option("--out", help="The Parquet file to write.")],
    store: StoreOption = Path("results.duckdb"),
    experiment: Annotated[str | None, typer.Option(help="Only this experiment.")] = None,
) -> None:
    """One row per run (design point, seed, factors, outputs) as one Parquet file."""
    from pbrlab.io import write_parquet
    from pbrlab.provenance import provenance

    runs = _open(store).runs(experiment)
    if runs is None:
        raise InputError(str(store), "", "expected stored runs; found none")
    table = runs.order("experiment_id, point, replicate").arrow()
    if hasattr(table, "read_all"):
        table = table.read_all()
    try:
        write_parquet(table, out_file, provenance(store=str(store)))
    except OSError as exc:
        raise InputError(str(out_file), "", f"cannot write it ({exc.strerror or exc})") from None
    out.print(f"{table.num_rows} runs written to {out_file}")


def _open(store: Path):  # type: ignore[no-untyped-def]
    from pbrlab.experiments.store import Store

    if not store.is_file():
        raise InputError(str(store), "", "expected a results store; found no file")
    return Store(store, read_only=True)


def _resolve(target: str, store: Path, experiment_id: str | None):  # type: ignore[no-untyped-def]
    """The experiment and the store its runs are in: from an experiment file and --store, or
    from a store alone (the experiment's definition is stored with its runs)."""
    from pbrlab import config
    from pbrlab.experiments.model import Experiment
    from pbrlab.experiments.sweep import load_experiment

    if target.endswith(".duckdb"):
        opened = _open(Path(target))
        data = opened.definition(experiment_id)
        return config.validate(Experiment, data, f"{target} ({data.get('id')})"), opened
    return load_experiment(target), _open(store)


def _print(columns: list[str], rows: list[tuple[object, ...]], format: Format) -> None:
    if format is Format.json:
        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str))
        return
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)
