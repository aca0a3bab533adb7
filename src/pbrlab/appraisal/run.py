"""Running an appraisal: every option through the experiments machinery, then the comparison.

The options are one factor of an experiment (each option a partial scenario laid over the base),
replicated with common random numbers: replicate r of every option runs with the same seed, so
the same people are referred on the same days with the same employability and the same economy,
and differences between options come from how delivery is bought. Runs go to a results store
(resumable, and on Dask when asked); the comparison is computed from the stored values only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from pbrlab.appraisal.criteria import (
    CRITERIA,
    GROUP_CRITERIA,
    PROFILE_VALUES,
    criteria,
    flows,
    group_criteria,
    output_paths,
    profile,
)
from pbrlab.appraisal.load import ResolvedAppraisal, leaves
from pbrlab.experiments.model import Design, Experiment, Factor
from pbrlab.experiments.runs import experiment_hash
from pbrlab.experiments.sweep import Executor, Progress, current_runs, sweep_all
from pbrlab.provenance import provenance

INTERVAL = (0.05, 0.95)
"""The 90% interval over replicates."""
STABLE_WITHIN = 0.1
"""A mean counts as stable when its 90% confidence half-width is within this share of it."""


def experiment_of(resolved: ResolvedAppraisal, scale: float, replicates: int) -> Experiment:
    """The appraisal as an experiment: one factor whose options are the options' overlays."""
    appraisal = resolved.appraisal
    return Experiment(
        id=appraisal.id,
        name=appraisal.name,
        description=appraisal.description,
        base=resolved.base,
        scale=scale,
        seed=appraisal.seed,
        replicates=replicates,
        common_random_numbers=appraisal.common_random_numbers,
        factors=[
            Factor(name="option", overlay=True, options=[o.overlay for o in resolved.options])
        ],
        design=Design(kind="full_factorial"),
        outputs=output_paths(resolved.groups, resolved.years),
    )


def appraise(
    resolved: ResolvedAppraisal,
    store: str | Path,
    *,
    scale: float | None = None,
    replicates: int | None = None,
    executor: Executor = "local",
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run what the store lacks and return the comparison (the content of appraisal.json)."""
    appraisal = resolved.appraisal
    scale = appraisal.scale if scale is None else scale
    replicates = appraisal.replicates if replicates is None else replicates
    experiment = experiment_of(resolved, scale, replicates)
    sweep_all(experiment, store, executor, workers, progress)
    frame = current_runs(experiment, store)
    return compare(resolved, experiment, frame, str(store))


def compare(
    resolved: ResolvedAppraisal, experiment: Experiment, frame: Any, store: str
) -> dict[str, Any]:
    """The comparison from stored runs: per run, then mean and 90% interval per option."""
    groups, years = resolved.groups, resolved.years
    scale, fiscal = float(experiment.scale or 1.0), resolved.appraisal.fiscal
    runs = []
    for row in frame.to_dict("records"):
        values = {p: _number(row.get(p)) for p in experiment.outputs}
        runs.append(
            {
                "option": resolved.options[int(row["point"])].id,
                "replicate": int(row["replicate"]),
                "seed": int(row["seed"]),
                "run_key": row["run_key"],
                "criteria": criteria(values, scale, groups, fiscal),
                "by_group": {g: group_criteria(values, scale, g) for g in groups},
                "profile": profile(values, scale, years),
                "flows": flows(values, scale),
            }
        )
    ids = [o.id for o in resolved.options]
    mine = {o: [r for r in runs if r["option"] == o] for o in ids}
    reference = mine[ids[0]]
    return {
        "appraisal": _definition(resolved, experiment),
        "options": [
            {"id": o.id, "name": o.name, "description": o.description, "uses": o.uses}
            for o in resolved.options
        ],
        "criteria": [c.__dict__ for c in CRITERIA],
        "groups": groups,
        "years": [str(y) for y in years],
        "results": {
            o: {c.id: _spread([r["criteria"][c.id] for r in mine[o]]) for c in CRITERIA}
            for o in ids
        },
        "differences": {
            o: {c.id: _spread(_paired(mine[o], reference, c.id)) for c in CRITERIA} for o in ids
        },
        "by_group": {
            o: {
                g: {k: _spread([r["by_group"][g][k] for r in mine[o]]) for k in GROUP_CRITERIA}
                for g in groups
            }
            for o in ids
        },
        "profile": {
            o: {
                name: {
                    str(y): _spread([r["profile"][name][str(y)] for r in mine[o]]) for y in years
                }
                for name in PROFILE_VALUES
            }
            for o in ids
        },
        "flows": {
            o: {
                s: _spread([r["flows"][s] for r in mine[o]])
                for s in ("private", "voluntary", "public")
            }
            for o in ids
        },
        "assumptions": assumptions(resolved),
        "runs": runs,
        "provenance": provenance(
            appraisal=resolved.appraisal.id,
            appraisal_file=resolved.label,
            appraisal_hash=experiment_hash(experiment),
            seed=str(experiment.seed),
            scale=repr(scale),
            replicates=str(experiment.replicates),
            store=store,
        ),
    }


def assumptions(resolved: ResolvedAppraisal) -> list[dict[str, Any]]:
    """Every number the appraisal sets, with its evidence: the shared scenario's once, each
    option's own changes, and the fiscal parameters. The base scenario's own evidence is in its
    file (`pbrlab scenario show`)."""
    shared = dict(leaves(resolved.appraisal.scenario))
    rows = [_evidence("all", f"scenario.{p}", v) for p, v in shared.items() if _sourced(v)]
    for option in resolved.options:
        for path, value in leaves(option.overlay):
            if _sourced(value) and shared.get(path) != value:
                rows.append(_evidence(option.id, f"scenario.{path}", value))
    fiscal = resolved.appraisal.fiscal
    for group, benefit in fiscal.benefit_per_week.items():
        rows.append(_evidence("all", f"fiscal.benefit_per_week.{group}", benefit.model_dump()))
    rows.append(_evidence("all", "fiscal.tax_per_week", fiscal.tax_per_week.model_dump()))
    return rows


def stability(result: dict[str, Any]) -> dict[str, list[str]]:
    """For each option, the criteria whose mean is not yet stable: the 90% confidence half-width
    of the mean wider than `STABLE_WITHIN` of it (more replicates would narrow it)."""
    unstable: dict[str, list[str]] = {}
    for option, criteria_ in result["results"].items():
        unstable[option] = [
            c
            for c, s in criteria_.items()
            if s["mean"] is not None
            and s["n"] > 1
            and 1.645 * s["sd"] / np.sqrt(s["n"]) > STABLE_WITHIN * abs(s["mean"])
        ]
    return unstable


def _spread(values: list[float | None]) -> dict[str, Any]:
    known = np.array([v for v in values if v is not None], np.float64)
    if not known.size:
        return {"mean": None, "low": None, "high": None, "sd": None, "n": 0}
    low, high = np.quantile(known, INTERVAL)
    return {
        "mean": float(known.mean()),
        "low": float(low),
        "high": float(high),
        "sd": float(known.std(ddof=1)) if known.size > 1 else 0.0,
        "n": int(known.size),
    }


def _paired(
    mine: list[dict[str, Any]], reference: list[dict[str, Any]], c: str
) -> list[float | None]:
    """Differences from the reference option, replicate by replicate (the same seeds)."""
    by_replicate = {r["replicate"]: r["criteria"][c] for r in reference}
    out: list[float | None] = []
    for run in mine:
        other = by_replicate.get(run["replicate"])
        value = run["criteria"][c]
        out.append(None if value is None or other is None else value - other)
    return out


def _definition(resolved: ResolvedAppraisal, experiment: Experiment) -> dict[str, Any]:
    a = resolved.appraisal
    return {
        "id": a.id,
        "name": a.name,
        "description": a.description,
        "file": resolved.label,
        "base": resolved.base,
        "scale": experiment.scale,
        "replicates": experiment.replicates,
        "seed": a.seed,
        "common_random_numbers": a.common_random_numbers,
        "reference_option": resolved.options[0].id,
        "attachment_weeks": resolved.attachment_weeks,
    }


def _sourced(value: Any) -> bool:
    return isinstance(value, dict) and "value" in value


def _evidence(option: str, path: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "option": option,
        "path": path,
        "value": value.get("value"),
        "source": value.get("source"),
        "assumption": value.get("assumption"),
    }


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) else number
