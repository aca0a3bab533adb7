"""One run of an experiment: a design point and a seed, laid over the base model and simulated,
reduced to the outputs kept. Runs are grouped in batches so a worker's start-up is paid once.

Everything a worker needs travels with the batch (the experiment, the base scenario's resolved
data), so the same batch gives the same rows in this process, in a process pool, or on a Dask
worker on another machine.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import socket
import time
from dataclasses import dataclass
from typing import Any

from pbrlab import config
from pbrlab.contracts.designs import TRANSFORMS
from pbrlab.contracts.load import contract_data
from pbrlab.errors import InputError
from pbrlab.experiments.model import Experiment
from pbrlab.provenance import model_hash
from pbrlab.scenarios.load import overlay

ISHIGAMI_A, ISHIGAMI_B = 7.0, 0.1
"""The Ishigami function's usual constants (Ishigami and Homma 1990)."""

_SEGMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?$")


@dataclass(frozen=True)
class RunSpec:
    point: int
    replicate: int
    seed: int
    values: dict[str, Any]  # factor name -> value
    key: str  # identity in the store: model hash, code version, point values, seed


@dataclass(frozen=True)
class Batch:
    experiment: Experiment
    base: dict[str, Any]  # the base scenario's resolved data (empty for the test functions)
    runs: list[RunSpec]


def run_key(
    model: str, version: str, point: int, replicate: int, values: dict[str, Any], seed: int
) -> str:
    """A run's identity: what is simulated (the varied model's hash), by which code, where in the
    design (point and replicate: designs may repeat values) and with which seed."""
    text = json.dumps([model, version, point, replicate, values, seed], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def experiment_hash(experiment: Experiment) -> str:
    """Which definition a stored run belongs to: the experiment and, for a pbrlab model, its base
    scenario's resolved data, so that editing the base makes a new definition. Analyses read
    only the current definition's runs."""
    text = experiment.model_dump_json(exclude_defaults=True)  # a new defaulted field: same hash
    if experiment.model == "pbrlab" and experiment.base:
        from pbrlab.scenarios.load import scenario_data

        base, _ = scenario_data(experiment.base)
        text += json.dumps(base, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def lay_over(data: dict[str, Any], path: str, value: Any, label: str = "experiment") -> None:
    """Set `value` at a dotted `path` in scenario data; `name[*]` is every item of a list,
    `name[id]` the item with that id, `name[3]` the fourth."""
    parts = [_SEGMENT.match(part) for part in path.split(".")]
    for part, match in zip(path.split("."), parts, strict=True):
        if match is None:
            raise InputError(label, f"factor path {path!r}", f"cannot read the part {part!r}")
    steps = [(m.group(1), m.group(2)) for m in parts if m is not None]
    if steps[-1][1] is not None:
        raise InputError(label, f"factor path {path!r}", "expected a key after the last [...]")
    nodes: list[Any] = [data]
    for depth, (key, selector) in enumerate(steps):
        last = depth == len(steps) - 1
        following: list[Any] = []
        for node in nodes:
            if not isinstance(node, dict) or (key not in node and not last):
                raise InputError(
                    label, f"factor path {path!r}", f"expected a table with {key!r} there"
                )
            if last:
                node[key] = value
            else:
                following.extend(_select(node[key], selector, path, label))
        nodes = following


def _select(node: Any, selector: str | None, path: str, label: str) -> list[Any]:
    if selector is None:
        return [node]
    if not isinstance(node, list):
        raise InputError(label, f"factor path {path!r}", f"expected a list at [{selector}]")
    if selector == "*":
        return list(node)
    if selector.isdigit() and int(selector) < len(node):
        return [node[int(selector)]]
    found = [item for item in node if isinstance(item, dict) and item.get("id") == selector]
    if not found:
        raise InputError(label, f"factor path {path!r}", f"no item with id {selector!r}")
    return found


def run_batch(batch: Batch) -> list[dict[str, Any]]:
    """Every run of the batch, as rows; a run that fails is a row with its error."""
    return [_run(batch.experiment, batch.base, spec) for spec in batch.runs]


def _run(experiment: Experiment, base: dict[str, Any], spec: RunSpec) -> dict[str, Any]:
    began = time.perf_counter()
    row: dict[str, Any] = {
        "run_key": spec.key,
        "point": spec.point,
        "replicate": spec.replicate,
        "seed": spec.seed,
        "factors": json.dumps(spec.values, sort_keys=True, default=str),
    }
    try:
        outputs = _evaluate(experiment, base, spec)
        row.update(status="ok", error=None)
    except Exception as exc:  # noqa: BLE001 - a failing run is recorded, the others go on
        outputs = {}
        row.update(status="error", error=f"{type(exc).__name__}: {exc}")
    for name in experiment.outputs:
        value = outputs.get(name)
        row[name] = float(value) if isinstance(value, int | float) else None
    row["seconds"] = time.perf_counter() - began
    row["worker"] = f"{socket.gethostname()}:{os.getpid()}"
    return row


def _evaluate(experiment: Experiment, base: dict[str, Any], spec: RunSpec) -> dict[str, Any]:
    if experiment.model == "ishigami":
        x = [float(spec.values[name]) for name in ("x1", "x2", "x3")]
        y = (
            math.sin(x[0])
            + ISHIGAMI_A * math.sin(x[1]) ** 2
            + ISHIGAMI_B * x[2] ** 4 * math.sin(x[0])
        )
        return {"y": y}
    summary = simulate_point(experiment, base, spec.values, spec.seed)
    return {name: _dig(summary, name) for name in experiment.outputs}


def varied(experiment: Experiment, base: dict[str, Any], values: dict[str, Any], seed: int) -> Any:
    """The base scenario with a point's values laid over it, at the experiment's scale."""
    from pbrlab.scenarios.model import Scenario

    data = json.loads(json.dumps(base, default=str))
    designed: dict[str, dict[str, Any]] = {}  # contract -> its data, transformed
    for factor in experiment.factors:
        if factor.overlay:
            data = overlay(data, values[factor.name])
            continue
        if factor.path is not None:
            lay_over(data, factor.path, values[factor.name], experiment.id)
            continue
        contract = factor.contract or ""
        if contract not in designed:  # the contract as the base already changes it
            earlier = data.get("contract_overrides", {}).get(contract, {})
            designed[contract] = overlay(contract_data(contract)[0], earlier)
        transform = TRANSFORMS[factor.transform or ""]
        designed[contract] = transform(designed[contract], float(values[factor.name]))
    overrides = data.setdefault("contract_overrides", {})
    for contract, changed in designed.items():
        overrides[contract] = overlay(overrides.get(contract, {}), {"groups": changed["groups"]})
    data["seed"] = seed
    if experiment.scale is not None:
        data["scale"] = experiment.scale
    return config.validate(Scenario, data, f"{experiment.id} point {values}")


def simulate_point(
    experiment: Experiment, base: dict[str, Any], values: dict[str, Any], seed: int
) -> dict[str, Any]:
    """One simulation's summary (nothing written)."""
    from pbrlab.commissioning.buying import buy
    from pbrlab.engine import outputs
    from pbrlab.engine.simulate import simulate
    from pbrlab.engine.world import build_world

    scenario = varied(experiment, base, values, seed)
    bought, simulated = buy(scenario, experiment.id)
    sim = simulate(build_world(simulated, experiment.id))
    summary = outputs.summary(sim)
    if bought is not None:
        summary["procurement"] = bought.summary(outputs.provider_rates_24m(sim))
    return summary


def scenario_hash(experiment: Experiment, base: dict[str, Any], values: dict[str, Any]) -> str:
    """The hash of what a point simulates (seed aside): the run key's model part."""
    if experiment.model != "pbrlab":
        return experiment.model
    scenario = varied(experiment, base, values, 0)
    return model_hash(scenario.model_copy(update={"extends": None}))


def _dig(summary: dict[str, Any], path: str) -> Any:
    node: Any = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
