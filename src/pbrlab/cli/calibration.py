"""`pbrlab calibrate` and `pbrlab validate`: fit the model to the published record, and report
the fit. Heavy libraries load inside the commands, not at start-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from pbrlab.cli.common import bar_columns, err, friendly, out
from pbrlab.cli.experiments import ExecutorChoice
from pbrlab.errors import InputError
from pbrlab.io import json_writer, write_all_or_none

Workers = Annotated[
    int | None, typer.Option(min=1, help="Worker processes (default: the CPU count).")
]
Executor = Annotated[ExecutorChoice, typer.Option(help="Where runs execute.")]


@contextmanager
def progress_bar() -> Iterator[Callable[[Any], None]]:
    """A Rich bar per stage (experiment) of a long job, with its ETA."""
    columns = bar_columns()
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        tasks: dict[str, Any] = {}

        def advance(stage: Any) -> None:
            if stage.experiment not in tasks:
                tasks[stage.experiment] = bar.add_task(stage.experiment, total=None)
            bar.update(tasks[stage.experiment], completed=stage.done, total=stage.total)

        try:
            yield advance
        except KeyboardInterrupt:
            err.print("interrupted: finished batches are in the store; rerun to resume")
            raise typer.Exit(130) from None


@friendly
def calibrate_command(
    calibration: Annotated[str, typer.Argument(help="A calibration .toml file or preset name.")],
    store: Annotated[
        Path, typer.Option(help="The results store the runs go to (rerun to resume).")
    ] = Path("calibration.duckdb"),
    result: Annotated[
        Path | None, typer.Option("--out", help="The result JSON (default: <id>-seed<seed>.json).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, help="The root seed (default: the file's).")
    ] = None,
    refit_seed: Annotated[
        int | None,
        typer.Option(min=0, help="Refit with this seed too and record whether it agrees."),
    ] = None,
    executor: Executor = ExecutorChoice.local,
    workers: Workers = None,
) -> None:
    """Fit the free parameters to the published record; resumable, with progress."""
    from pbrlab.calibration.run import calibrate, load_calibration, refit_check

    model = load_calibration(calibration)
    chosen = model.seed if seed is None else seed
    if refit_seed is not None and refit_seed == chosen:
        raise InputError("--refit-seed", "", f"expected a seed other than {chosen}")
    with progress_bar() as advance:
        found = calibrate(model, store, executor.value, workers, chosen, advance)
        if refit_seed is not None:
            again = calibrate(model, store, executor.value, workers, refit_seed, advance)
            found["refit"] = refit_check(found, again)
    path = result or Path(f"{model.id}-seed{chosen}.json")
    write_all_or_none({path: json_writer(found)})
    _print_fit(found)
    out.print(f"result {path}; runs in {store}", soft_wrap=True)


def _print_fit(found: dict[str, Any]) -> None:
    table = Table(title=f"{found['calibration']}: best fit (seed {found['seed']})")
    for column in ("parameter", "best", "90% interval (posterior)", "identified"):
        table.add_column(column)
    refit = found.get("refit", {}).get("parameters", {})
    for name, row in found["parameters"].items():
        lo, hi = row["interval_90"]
        again = refit.get(name)
        note = "" if again is None else f" (refit {again['best']:g})"
        table.add_row(name, f"{row['best']:g}{note}", f"{lo:g} to {hi:g}", row["verdict"])
    out.print(table)
    targets = Table(title="targets at the best fit (replicated)")
    for column in ("target", "published", "model mean", "90% interval", "within"):
        targets.add_column(column)
    for name, row in found["targets"].items():
        interval = row["interval_90"] or [float("nan")] * 2
        targets.add_row(
            name,
            f"{row['published']:g}",
            f"{row['mean']:g}",
            f"{interval[0]:g} to {interval[1]:g}",
            "yes" if row["within_tolerance"] else "NO",
        )
    out.print(targets)


@friendly
def validate_command(
    scenario: Annotated[
        str, typer.Argument(help="A scenario .toml file or preset name.")
    ] = "work-programme-2011",
    replicates: Annotated[int, typer.Option(min=2, help="Replicate runs (seeds).")] = 10,
    scale: Annotated[
        float, typer.Option(help="The scale of every run (counts are reported nationally).")
    ] = 0.05,
    seed: Annotated[
        int | None, typer.Option(min=0, help="The root seed (default: the scenario's).")
    ] = None,
    store: Annotated[
        Path, typer.Option(help="The results store the runs go to (rerun to resume).")
    ] = Path("validation.duckdb"),
    report: Annotated[Path, typer.Option(help="The HTML report written.")] = Path(
        "validation.html"
    ),
    calibration: Annotated[
        Path | None,
        typer.Option(help="A calibration result JSON to include (default: the shipped one)."),
    ] = None,
    executor: Executor = ExecutorChoice.local,
    workers: Workers = None,
) -> None:
    """Set replicated runs of a scenario against the published record: a table and a report."""
    import json

    from pbrlab.report.validation import (
        calibration_result,
        experiment_for,
        validate,
        write_report,
    )
    from pbrlab.scenarios.load import load_scenario

    if not 0.0 < scale <= 1.0:
        raise InputError("--scale", "", f"expected a fraction in (0, 1]; found {scale}")
    experiment = experiment_for(scenario, scale, replicates, seed)
    fitted = None
    if calibration is not None:
        try:
            fitted = json.loads(calibration.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(
                str(calibration), "", f"expected a calibration result JSON ({exc})"
            ) from None
    else:
        fitted = calibration_result(load_scenario(scenario).id)
    with progress_bar() as advance:
        found = validate(
            experiment, store, executor.value, workers, _staged(experiment.id, advance)
        )
    write_report(found, report, fitted)
    _print_validation(found)
    out.print(f"report {report}; runs in {store}", soft_wrap=True)


def _staged(name: str, advance: Callable[[Any], None]) -> Callable[[int, int], None]:
    from pbrlab.calibration.run import Stage

    return lambda done, total: advance(Stage(name, done, total))


def _print_validation(found: Any) -> None:
    from pbrlab.report.validation import show

    table = Table(
        title=f"{found.experiment.base}: the record against "
        f"{found.experiment.replicates} replicates"
    )
    for column in ("target", "published", "model mean", "90% of replicates", "tolerance", "within"):
        table.add_column(column)
    for t in found.targets:
        row = found.rows[t.id]
        table.add_row(
            t.label,
            show(t.value, t.unit),
            show(row.mean, t.unit),
            f"{show(row.low, t.unit)} to {show(row.high, t.unit)}",
            f"±{show(t.tolerance, t.unit, points=True)}",
            "yes" if found.within(t) else "NO",
        )
    out.print(table)
    missed = found.missed()
    out.print("Not reproduced:" if missed else "Every target and fact holds.")
    for line in missed:
        out.print(f"  - {line}", soft_wrap=True)
