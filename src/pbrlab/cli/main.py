"""The `pbrlab` command line."""

from __future__ import annotations

import csv
import io
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.exceptions import TyperException

from pbrlab.cli.appraisal import appraise_command, option_app
from pbrlab.cli.calibration import calibrate_command, validate_command
from pbrlab.cli.common import Format, MaxFormat, err, friendly, out
from pbrlab.cli.experiments import (
    discover_command,
    results_app,
    sensitivity_command,
    sweep_command,
)
from pbrlab.contracts.load import load_contract, preset_names
from pbrlab.contracts.maximum import maximum_payments
from pbrlab.contracts.model import Contract
from pbrlab.errors import InputError
from pbrlab.io import json_writer, write_atomically, write_parquet
from pbrlab.market.awards import tender_round
from pbrlab.market.load import load_market
from pbrlab.market.load import preset_names as market_presets
from pbrlab.market.model import Market
from pbrlab.payments.engine import PaymentRun, run_payments
from pbrlab.provenance import model_hash, provenance
from pbrlab.report.ocds import release_package
from pbrlab.scenarios.load import load_scenario
from pbrlab.scenarios.load import preset_names as scenario_presets
from pbrlab.scenarios.model import Scenario

app = typer.Typer(
    help="pbrlab: design, run and stress-test payment-by-results commissioning.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
contract_app = typer.Typer(
    help="Contracts as data: list, show, validate, price.", no_args_is_help=True
)
app.add_typer(contract_app, name="contract")
scenario_app = typer.Typer(help="Scenarios as data: list, show, validate.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")
market_app = typer.Typer(
    help="Markets as data: list, validate, and run a procurement round.", no_args_is_help=True
)
app.add_typer(market_app, name="market")
export_app = typer.Typer(help="Export a run's outputs in open formats.", no_args_is_help=True)
app.add_typer(export_app, name="export")
app.add_typer(results_app, name="results")
app.command("appraise")(appraise_command)
app.add_typer(option_app, name="option")
app.command("sweep")(sweep_command)
app.command("sensitivity")(sensitivity_command)
app.command("discover")(discover_command)
app.command("calibrate")(calibrate_command)
app.command("validate")(validate_command)

ContractArg = Annotated[str, typer.Argument(help="A preset name or a contract .toml file.")]


@contract_app.command("list")
@friendly
def contract_list() -> None:
    """List the shipped contract presets."""
    table = Table("preset", "name", "groups")
    for name in preset_names():
        contract = load_contract(name)
        table.add_row(name, contract.name, str(len(contract.groups)))
    out.print(table)


@contract_app.command("show")
@friendly
def contract_show(
    contract: ContractArg, format: Annotated[Format, typer.Option()] = Format.table
) -> None:
    """Show a contract: its groups, fees, triggers and the evidence behind them."""
    model = load_contract(contract)
    if format is Format.json:
        print(model.model_dump_json(indent=2, exclude_none=True))
        return
    out.print(Text.assemble((model.name, "bold"), f" ({model.id})"))
    if model.description:
        out.print(model.description)
    years = ", ".join(str(d) for d in model.contract_years.starts)
    out.print(f"Contract years start: {years}")
    out.print(
        f"Attachment window: {model.attachment_weeks.value} weeks; payer: {model.commissioner}"
    )
    if model.delivery_fee is not None:
        fee = model.delivery_fee
        out.print(
            f"Delivery fee: {fee.share.value:.0%} of £{fee.contract_value.value:,.2f} per "
            f"provider, in {fee.months.value} monthly instalments from {fee.start_date}"
        )
    table = Table(
        "group", "attachment fee by year", "service fee", "job outcome", "trigger", "sustainment"
    )
    for g in model.groups:
        trigger = g.job_outcome.trigger if g.job_outcome else None
        trigger_text = "-"
        if trigger is not None and trigger.kind == "weeks_in_work":
            trigger_text = f"{trigger.weeks.value} weeks in work"
        elif trigger is not None:
            trigger_text = (
                f"£{trigger.threshold.value:,.2f} earned in {trigger.window_days.value} days"
            )
        sustain = g.sustainment
        table.add_row(
            g.id,
            _money_list(g.attachment_fee.value if g.attachment_fee else []),
            (
                f"{g.service_fee.max_count.value} × {_money_list(g.service_fee.fee.value)} "
                f"every {g.service_fee.every_weeks.value} weeks"
                if g.service_fee
                else "-"
            ),
            _money_list(g.job_outcome.fee.value if g.job_outcome else []),
            trigger_text,
            (
                f"{sustain.max_count.value} × {_money_list(sustain.fee.value)} "
                f"every {sustain.every_weeks.value} weeks ({sustain.on_break} on break)"
                if sustain
                else "-"
            ),
        )
    out.print(table)


@contract_app.command("validate")
@friendly
def contract_validate(file: Annotated[Path, typer.Argument(help="A contract .toml file.")]) -> None:
    """Check a contract file; exit non-zero with one message naming the problem."""
    model = load_contract(file)
    out.print(
        Text.assemble(
            ("ok", "green"), f" {file}: contract {model.id!r} with {len(model.groups)} groups"
        )
    )


@contract_app.command("schema")
def contract_schema() -> None:
    """Print the JSON Schema of contract files (for editor completion and checking)."""
    print(json.dumps(Contract.model_json_schema(), indent=2))


@contract_app.command("max-payments")
@friendly
def contract_max_payments(
    contract: ContractArg,
    year: Annotated[int, typer.Option(help="Contract year of attachment.")] = 1,
    format: Annotated[MaxFormat, typer.Option()] = MaxFormat.table,
) -> None:
    """The most the contract pays for one participant attached in contract year N, per group."""
    model = load_contract(contract)
    try:
        rows = maximum_payments(model, year)
    except ValueError as exc:
        raise InputError("--year", "", str(exc)) from None
    records = [r.as_dict() for r in rows]
    if format is MaxFormat.json:
        print(json.dumps(records, indent=2))
    elif format is MaxFormat.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        sys.stdout.write(buffer.getvalue())
    else:
        show_service = any(r.service_fees for r in rows)
        table = Table(title=f"{model.name}: maximum per participant, year {year}")
        for column in [
            "group",
            "attachment",
            *(["service fees"] * show_service),
            "job outcome",
            "sustainment",
            "total",
        ]:
            table.add_column(column, justify="left" if column == "group" else "right")
        for r in rows:
            cells = [
                r.attachment_fee,
                *([r.service_fees] * show_service),
                r.job_outcome_fee,
                r.sustainment_total,
                r.total,
            ]
            table.add_row(r.group, *(f"£{c:,.2f}" for c in cells))
        out.print(table)


ScenarioArg = Annotated[str, typer.Argument(help="A preset name or a scenario .toml file.")]


@scenario_app.command("list")
@friendly
def scenario_list() -> None:
    """List the shipped scenario presets."""
    table = Table("preset", "name", "areas", "providers")
    for name in scenario_presets():
        scenario = load_scenario(name)
        table.add_row(name, scenario.name, str(len(scenario.areas)), str(len(scenario.providers)))
    out.print(table)


@scenario_app.command("show")
@friendly
def scenario_show(
    scenario: ScenarioArg, format: Annotated[Format, typer.Option()] = Format.table
) -> None:
    """Show a scenario with everything it extends resolved."""
    model = load_scenario(scenario)
    if format is Format.json:
        print(model.model_dump_json(indent=2, exclude_none=True))
        return
    out.print(Text.assemble((model.name, "bold"), f" ({model.id})"))
    calendar = model.calendar
    out.print(
        f"Referrals {calendar.start} to {calendar.referrals_end}, follow-up to {calendar.end}; "
        f"scale {model.scale}, seed {model.seed}"
    )
    table = Table("area", "referral share", "providers (contract)")
    for area in model.areas:
        providers = [f"{p.id} ({p.contract})" for p in model.providers if p.area == area.id]
        table.add_row(area.id, f"{area.referral_share.value:.1%}", ", ".join(providers))
    out.print(table)


@scenario_app.command("validate")
@friendly
def scenario_validate(file: Annotated[Path, typer.Argument(help="A scenario .toml file.")]) -> None:
    """Check a scenario file and the scenarios it extends."""
    model = load_scenario(file)
    out.print(Text.assemble(("ok", "green"), f" {file}: scenario {model.id!r}"))


@scenario_app.command("schema")
def scenario_schema() -> None:
    """Print the JSON Schema of scenario files."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))


MarketArg = Annotated[str, typer.Argument(help="A market preset name or a market .toml file.")]


@market_app.command("list")
@friendly
def market_list() -> None:
    """List the shipped market presets."""
    table = Table("preset", "name", "organisations")
    for name in market_presets():
        market = load_market(name)
        table.add_row(name, market.name, str(len(market.organisations)))
    out.print(table)


@market_app.command("validate")
@friendly
def market_validate(file: Annotated[Path, typer.Argument(help="A market .toml file.")]) -> None:
    """Check a market file."""
    model = load_market(file)
    out.print(Text.assemble(("ok", "green"), f" {file}: market {model.id!r}"))


@market_app.command("schema")
def market_schema() -> None:
    """Print the JSON Schema of market files."""
    print(json.dumps(Market.model_json_schema(), indent=2))


@market_app.command("procure")
@friendly
def market_procure(
    market: MarketArg = "gb-2011",
    scenario: Annotated[
        str, typer.Option(help="The scenario whose areas and provider places are tendered.")
    ] = "work-programme-2011",
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
    bids: Annotated[
        Path | None, typer.Option(help="Also write every bid to this .parquet file.")
    ] = None,
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """Run a procurement round: who bids, who wins, and how far promises outrun performance
    (with the scenario's smaller lots, consortia and market overrides, if its plan has them)."""
    tendered = load_scenario(scenario)
    plan = tendered.market
    model = load_market(market, None if plan is None else plan.overrides)
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError("--seed", "", f"expected a whole number from 0 to 2**63 - 1; found {seed}")
    chosen = tendered.seed if seed is None else seed
    _, lots, result = tender_round(tendered, model, chosen, scenario)
    stamp = provenance(
        market=model.id, market_hash=model_hash(model), scenario=scenario, seed=str(chosen)
    )
    if bids is not None:
        if bids.suffix.lower() != ".parquet":
            raise InputError(str(bids), "", "expected an output path ending in .parquet")
        write_parquet(result.table(), bids, stamp)
    summary = {**result.summary(), "provenance": stamp}
    if format is Format.json:
        print(json.dumps(summary, indent=2))
        return
    table = Table(title=f"{model.name}: contracts awarded (seed {chosen})")
    for name in ("area", "winner", "sector", "promised", "true", "discount"):
        table.add_column(name, justify="left" if name in {"area", "winner", "sector"} else "right")
    won = result.awards
    for i in range(won.size):
        org = result.market.organisations[int(won.bidder[i])]
        table.add_row(
            lots.areas[int(won.area[i])],
            org.id,
            org.sector,
            f"{won.promised_rate[i]:.1%}",
            f"{won.true_rate[i]:.1%}",
            f"{won.discount[i]:.1%}",
        )
    out.print(table)
    out.print(
        f"{summary['contracts']} contracts to {summary['primes']} primes from "
        f"{summary['bidders']} bidders ({summary['excluded_by_turnover']} below the turnover "
        f"threshold); by sector {summary['contracts_by_sector']}. Winners promised "
        f"{summary['promised_to_true_winners']:.2f}x their true rate, bidders on average "
        f"{summary['promised_to_true_all_bids']:.2f}x (the winner's curse)."
    )


@export_app.command("ocds")
@friendly
def export_ocds(
    run_dir: Annotated[Path, typer.Argument(help="The output folder of `pbrlab run`.")],
    out_path: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: RUN_DIR/ocds.json).")
    ] = None,
) -> None:
    """Write the run's tenders, awards, contracts and payments as an OCDS 1.1 release package."""
    package = release_package(run_dir)
    target = run_dir / "ocds.json" if out_path is None else out_path
    try:
        write_atomically(target, json_writer(package))
    except OSError as exc:
        raise InputError(str(target), "", f"cannot write there ({exc.strerror or exc})") from None
    releases = package["releases"]
    contracts = sum(len(r["contracts"]) for r in releases)
    out.print(f"{len(releases)} releases, {contracts} contracts written to {target}")


@app.command("payments")
@friendly
def payments(
    participants: Annotated[
        Path | None,
        typer.Option(help="Participants table (.csv or .parquet); default: the shipped example."),
    ] = None,
    spells: Annotated[
        Path | None, typer.Option(help="Employment spells table (.csv or .parquet).")
    ] = None,
    contract: Annotated[
        str, typer.Option(help="A preset name or a contract .toml file.")
    ] = "work-programme-2011",
    out_path: Annotated[Path, typer.Option("--out", help="Ledger to write (.parquet).")] = Path(
        "out/ledger.parquet"
    ),
    as_of: Annotated[
        str | None, typer.Option(help="Pay what is due by this date (default: latest in data).")
    ] = None,
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """Compute the payment ledger for participant records under a contract.

    With neither --participants nor --spells, it runs on the shipped example caseload.
    """
    if (participants is None) != (spells is None):
        given = "--participants" if spells is None else "--spells"
        missing = "--spells" if spells is None else "--participants"
        raise InputError(missing, "", f"expected it with {given}; found it missing")
    if participants is None or spells is None:
        example = resources.files("pbrlab.examples") / "work-programme-small"
        with resources.as_file(example) as folder:
            result = run_payments(
                folder / "participants.csv", folder / "spells.csv", contract, as_of, out_path
            )
    else:
        result = run_payments(participants, spells, contract, as_of, out_path)
    _report(result, format)


@app.command("run")
@friendly
def run(
    scenario: Annotated[
        str, typer.Argument(help="A scenario preset name or a scenario .toml file.")
    ] = "work-programme-2011",
    scale: Annotated[
        float | None, typer.Option(help="Fraction of national volumes (default: the scenario's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the outputs.")] = Path("out"),
    records: Annotated[
        bool, typer.Option(help="Also write participants, spells and the payment ledger.")
    ] = False,
    format: Annotated[Format, typer.Option()] = Format.table,
) -> None:
    """Simulate a scenario week by week and write timeseries, cohorts and a summary."""
    from pbrlab.engine.run import prepare, run_scenario  # Numba loads only when simulating

    model, label = prepare(scenario, scale, seed)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    quiet = format is Format.json or not err.is_terminal
    with Progress(*columns, console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task(f"Simulating {model.id} (weeks)", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = run_scenario(model, out_dir, with_records=records, progress=advance, source=label)
    if format is Format.json:
        print(json.dumps(result.summary, indent=2))
        return
    _print_simulation(result.summary)
    out.print(f"Outputs written to {out_dir}: " + ", ".join(f.name for f in result.files))


def _print_simulation(summary: dict[str, Any]) -> None:
    stamp = summary["provenance"]
    table = Table(
        title=f"{stamp['scenario']}: seed {stamp['seed']}, scale {stamp['scale']} "
        "(simulated counts; divide by scale for national figures)"
    )
    table.add_column("group", no_wrap=True)
    for name in (
        "referred",
        "outcomes",
        "24m rate",
        "24m without",
        "additional",
        "parked",
        "spend",
        "£ per additional",
    ):
        table.add_column(name, justify="right", no_wrap=True)
    rows = [*summary["groups"].items(), ("all", summary["overall"])]
    for i, (group, figures) in enumerate(rows):
        if i == len(rows) - 1:
            table.add_section()
        per = figures["cost_per_additional_outcome_gbp"]
        table.add_row(
            group,
            f"{figures['referrals']:,}",
            f"{figures['job_outcomes']:,}",
            _percent(figures["job_outcome_rate_24m"]),
            _percent(figures["counterfactual_rate_24m"]),
            f"{figures['additional_outcomes']:,}",
            _percent(figures["parked_share"]),
            f"£{figures['spend_gbp']['total'] / 1e6:,.1f}m",
            "-" if per is None else f"£{per:,.0f}",
        )
    Console(markup=False, highlight=False, width=max(out.width, 130)).print(table)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _report(result: PaymentRun, format: Format) -> None:
    summary: dict[str, Any] = {**result.summary, "provenance": result.provenance}
    if format is Format.json:
        print(json.dumps(summary, indent=2))
        return
    table = Table(
        title=f"Payments due by {result.provenance['as_of']} ({result.rows:,} ledger rows)"
    )
    table.add_column("payee")
    table.add_column("kind")
    table.add_column("amount", justify="right")
    for payee, kinds in result.summary["totals"].items():
        for kind, amount in kinds.items():
            table.add_row(payee, kind, f"£{amount:,.2f}")
    table.add_section()
    for payer, amount in result.summary["paid_by"].items():
        table.add_row(f"paid by {payer}", "", f"£{amount:,.2f}")
    out.print(table)
    out.print(f"Ledger written to {result.provenance['ledger']}")


def _money_list(values: list[float]) -> str:
    def money(v: float) -> str:
        return f"£{v:,.0f}" if float(v).is_integer() else f"£{v:,.2f}"

    return " / ".join(money(v) for v in values) if values else "-"


def main() -> None:
    """The entry point: a mistyped option or value is one line and exit code 2, too."""
    try:
        code = app(standalone_mode=False)
    except TyperException as exc:  # Typer's (vendored Click's) usage errors
        if exc.format_message():  # (none when the help was shown for want of arguments)
            text = f" {exc.format_message()} (see --help)"
            err.print(Text.assemble(("error:", "bold red"), text), soft_wrap=True)
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except typer.Abort:
        raise SystemExit(1) from None
    raise SystemExit(code if isinstance(code, int) else 0)
