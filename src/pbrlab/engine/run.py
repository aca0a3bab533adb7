"""A scenario in, result files out: the simulator as one call, used by the CLI and by scripts.

Every table is computed before any file is written, and the files replace the previous ones all
together or not at all, so a failed run leaves the previous results as they were. Every file
carries the provenance: package version, scenario hash, seed, scale and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pbrlab.commissioning.buying import buy
from pbrlab.engine import outputs, records
from pbrlab.engine.events import event_table
from pbrlab.engine.simulate import Progress, Simulation, simulate
from pbrlab.engine.world import build_world
from pbrlab.errors import InputError
from pbrlab.io import json_writer, parquet_writer, write_outputs
from pbrlab.provenance import model_hash, provenance
from pbrlab.scenarios.load import load_scenario
from pbrlab.scenarios.model import Scenario


@dataclass(frozen=True)
class SimulationRun:
    simulation: Simulation
    summary: dict[str, Any]  # with its provenance
    files: list[Path]


def prepare(
    scenario: Scenario | str | Path, scale: float | None = None, seed: int | None = None
) -> tuple[Scenario, str]:
    """The scenario with any --scale / --seed override, checked, and a label for messages."""
    label = scenario.id if isinstance(scenario, Scenario) else str(scenario)
    model = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if scale is not None and not 0.0 < scale <= 1.0:
        raise InputError(
            "--scale", "", f"expected a fraction of national volumes in (0, 1]; found {scale}"
        )
    if seed is not None and not 0 <= seed < 2**63:
        raise InputError("--seed", "", f"expected a whole number from 0 to 2**63 - 1; found {seed}")
    update: dict[str, Any] = {}
    if scale is not None:
        update["scale"] = float(scale)
    if seed is not None:
        update["seed"] = int(seed)
    return model.model_copy(update=update), label


def run_scenario(
    scenario: Scenario | str | Path,
    out: str | Path = "out",
    *,
    scale: float | None = None,
    seed: int | None = None,
    with_records: bool = False,
    progress: Progress | None = None,
    source: str | None = None,
) -> SimulationRun:
    """Simulate, then write timeseries, cohorts and summary (and the records if asked) to `out`."""
    model, label = prepare(scenario, scale, seed)
    label = source or label
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(str(folder), "", "expected a folder for the outputs; found a file")
    bought, simulated = buy(model, label)
    sim = simulate(build_world(simulated, label), progress)
    stamp = provenance(
        scenario=model.id,
        scenario_source=label,
        # The hash is of what is simulated, not of how the file was written (`extends`).
        scenario_hash=model_hash(model.model_copy(update={"extends": None})),
        seed=str(model.seed),
        scale=repr(model.scale),
    )
    summary = {**outputs.summary(sim), "provenance": stamp}
    tables = {
        "timeseries.parquet": outputs.timeseries(sim),
        "cohorts.parquet": outputs.cohorts(sim),
    }
    tables["events.parquet"] = event_table(sim, bought)
    if bought is not None:
        summary["procurement"] = bought.summary(outputs.provider_rates_24m(sim))
        tables["bids.parquet"] = bought.round.table()
        if bought.signed is not None:
            tables["chains.parquet"] = bought.round.chain_table(bought.signed)
    if with_records:
        tables["participants.parquet"] = records.participant_table(sim)
        tables["spells.parquet"] = records.spell_table(sim)
        tables["ledger.parquet"] = records.ledger(sim)
    writers = {folder / name: parquet_writer(table, stamp) for name, table in tables.items()}
    writers[folder / "summary.json"] = json_writer(summary)
    write_outputs(writers, folder)
    files = list(writers)
    return SimulationRun(sim, summary, files)
