"""`pbrlab appraise` and `pbrlab option`: commissioning options side by side, and the options
themselves. Heavy libraries load inside the commands, not at start-up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from pbrlab.cli.calibration import Executor, Workers, progress_bar
from pbrlab.cli.common import Format, friendly, out
from pbrlab.cli.experiments import ExecutorChoice
from pbrlab.errors import InputError

option_app = typer.Typer(
    help="Commissioning options as data: list, show, schema.", no_args_is_help=True
)


@friendly
def appraise_command(
    appraisal: Annotated[str, typer.Argument(help="An appraisal .toml file or preset name.")],
    scale: Annotated[
        float | None, typer.Option(help="The scale of every run (default: the file's).")
    ] = None,
    replicates: Annotated[
        int | None, typer.Option(min=2, help="Runs per option (default: the file's).")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for report.html, appraisal.json and charts/.")
    ] = Path("appraisal"),
    format: Annotated[Format, typer.Option(help="What is printed.")] = Format.table,
    store: Annotated[
        Path | None,
        typer.Option(help="The results store the runs go to (default: OUT/runs.duckdb)."),
    ] = None,
    executor: Executor = ExecutorChoice.local,
    workers: Workers = None,
) -> None:
    """Run every option of an appraisal on the same population, economy and seeds; print the
    comparison and write the report."""
    from pbrlab.appraisal.load import load_appraisal
    from pbrlab.appraisal.run import appraise, stability
    from pbrlab.calibration.run import Stage
    from pbrlab.io import json_writer, write_outputs

    if scale is not None and not 0.0 < scale <= 1.0:
        raise InputError("--scale", "", f"expected a fraction in (0, 1]; found {scale}")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(str(out_dir), "", "expected a folder for the outputs; found a file")
    resolved = load_appraisal(appraisal)
    runs = store or out_dir / "runs.duckdb"
    with progress_bar() as advance:
        result = appraise(
            resolved,
            runs,
            scale=scale,
            replicates=replicates,
            executor=executor.value,
            workers=workers,
            progress=lambda done, total: advance(Stage(resolved.appraisal.id, done, total)),
        )
    from pbrlab.report.appraisal import report_writers

    writers = report_writers(result, out_dir)
    writers[out_dir / "appraisal.json"] = json_writer(result)
    write_outputs(writers, out_dir)
    if format is Format.json:
        print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
        return
    _print_comparison(result, stability(result))
    out.print(f"report {out_dir / 'report.html'}; runs in {runs}", soft_wrap=True)


@option_app.command("list")
def option_list() -> None:
    """List the shipped option presets."""
    from pbrlab.appraisal.load import load_option, option_names

    table = Table("preset", "name")
    for name in option_names():
        table.add_row(name, load_option(name)[0].name)
    out.print(table)


@option_app.command("show")
@friendly
def option_show(
    option: Annotated[str, typer.Argument(help="An option .toml file or preset name.")],
) -> None:
    """Show what an option changes in the base scenario, as JSON."""
    from pbrlab.appraisal.load import load_option

    loaded, _ = load_option(option)
    print(loaded.model_dump_json(indent=2))


@option_app.command("schema")
def option_schema() -> None:
    """Print the JSON Schema of option files and of appraisal files."""
    from pbrlab.appraisal.model import Appraisal, OptionFile

    schemas = {"option": OptionFile.model_json_schema(), "appraisal": Appraisal.model_json_schema()}
    print(json.dumps(schemas, indent=2))


def _print_comparison(result: dict[str, Any], unstable: dict[str, list[str]]) -> None:
    from pbrlab.appraisal.criteria import shown

    definition = result["appraisal"]
    table = Table(
        title=f"{definition['name']}: mean [90% of {definition['replicates']} replicates], "
        f"national figures from scale {definition['scale']}"
    )
    table.add_column("criterion")
    options = [o["id"] for o in result["options"]]
    for option in options:
        table.add_column(option)
    for criterion in result["criteria"]:
        cells = [shown(result["results"][o][criterion["id"]], criterion["unit"]) for o in options]
        table.add_row(criterion["label"], *cells)
    out.print(table)
    for option, names in unstable.items():
        if names:
            out.print(
                f"{option}: not yet stable (raise --replicates): {', '.join(names)}",
                soft_wrap=True,
            )
