"""Scenario discovery with PRIM (Friedman and Fisher 1999): the box of factor values in which a
condition on the runs ("subcontractor insolvencies above 20") mostly holds.

From the box holding every run, PRIM peels: it tries cutting off a share `alpha` of the runs at
the low or high end of each factor and keeps the cut that leaves the highest density (the
share of runs in the box meeting the condition), until fewer than `min_support` of the runs are
left. Each step's box is on the trajectory, with its coverage (the share of all runs meeting
the condition that lie in the box) and density; the chosen box is the last whose coverage is at
least `min_coverage`. Runs are cases: each replicate counts. Only numeric factors are peeled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray
from pbrlab.errors import InputError
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.runs import experiment_hash
from pbrlab.experiments.store import Store


@dataclass(frozen=True)
class Box:
    limits: dict[str, tuple[float, float]]  # factor -> (low, high), restricted factors only
    coverage: float
    density: float
    support: float  # share of all runs in the box


@dataclass(frozen=True)
class Discovery:
    condition: str
    runs: int
    cases: int  # runs meeting the condition
    trajectory: list[Box]
    chosen: Box

    def as_dict(self) -> dict[str, Any]:
        def box(b: Box) -> dict[str, Any]:
            return {
                "limits": {k: list(v) for k, v in b.limits.items()},
                "coverage": b.coverage,
                "density": b.density,
                "support": b.support,
            }

        return {
            "condition": self.condition,
            "runs": self.runs,
            "cases": self.cases,
            "chosen": box(self.chosen),
            "trajectory": [box(b) for b in self.trajectory],
        }


def cases(
    store: Store, experiment: Experiment, condition: str
) -> tuple[list[str], FloatArray, BoolArray]:
    """The numeric factors, their values per successful run, and whether the condition (a SQL
    expression over the runs' columns) holds for each."""
    runs = store.runs(experiment.id, experiment_hash(experiment))
    if runs is None:
        raise InputError(str(store.path), experiment.id, "expected stored runs; found none")
    try:
        rows = (
            runs.filter("status = 'ok'")
            .select(f"factors, coalesce(({condition}), false)")
            .fetchall()
        )
    except Exception as exc:  # noqa: BLE001 - DuckDB reports a bad expression many ways
        raise InputError("--where", condition, str(exc).splitlines()[0]) from None
    values = [json.loads(r[0]) for r in rows]
    names = [
        f.name
        for f in experiment.factors
        if all(
            isinstance(v[f.name], int | float) and not isinstance(v[f.name], bool) for v in values
        )
    ]
    if not names or not rows:
        raise InputError(experiment.id, "factors", "expected numeric factors and stored runs")
    x = np.array([[float(v[n]) for n in names] for v in values])
    return names, x, np.array([bool(r[1]) for r in rows])


def prim(
    names: list[str],
    x: FloatArray,
    hit: BoolArray,
    condition: str = "",
    alpha: float = 0.05,
    min_support: float = 0.05,
    min_coverage: float = 0.8,
) -> Discovery:
    """Peel boxes toward the runs meeting the condition."""
    n, total = hit.size, int(hit.sum())
    if total == 0:
        raise InputError("--where", condition, "expected some runs meeting the condition; none do")
    full = (x.min(axis=0), x.max(axis=0))
    low, high = full
    inside = np.ones(n, np.bool_)
    trajectory = [_box(names, low, high, inside, hit, total, full)]
    while inside.mean() > min_support:
        best: tuple[float, int, bool, float] | None = None
        for j in range(len(names)):
            column = x[inside, j]
            for upper in (False, True):
                edge = np.quantile(column, 1 - alpha if upper else alpha)
                keep = inside & ((x[:, j] <= edge) if upper else (x[:, j] >= edge))
                if keep.sum() == inside.sum():  # a grid: peel the whole end value instead
                    end = column.max() if upper else column.min()
                    keep = inside & ((x[:, j] < end) if upper else (x[:, j] > end))
                    if not keep.any():
                        continue
                    edge = x[keep, j].max() if upper else x[keep, j].min()
                if keep.sum() == inside.sum() or keep.sum() == 0:
                    continue
                density = hit[keep].mean()
                if best is None or density > best[0]:
                    best = (float(density), j, upper, float(edge))
        if best is None:
            break
        _, j, upper, edge = best
        inside &= (x[:, j] <= edge) if upper else (x[:, j] >= edge)
        if upper:
            high = high.copy()
            high[j] = edge
        else:
            low = low.copy()
            low[j] = edge
        trajectory.append(_box(names, low, high, inside, hit, total, full))
    covered = [b for b in trajectory if b.coverage >= min_coverage]
    chosen = covered[-1] if covered else trajectory[0]
    return Discovery(condition, n, total, trajectory, chosen)


def _box(
    names: list[str],
    low: FloatArray,
    high: FloatArray,
    inside: BoolArray,
    hit: BoolArray,
    total: int,
    full: tuple[FloatArray, FloatArray],
) -> Box:
    """The box's statistics; its limits name only the factors it cuts."""
    limits = {
        name: (float(low[j]), float(high[j]))
        for j, name in enumerate(names)
        if low[j] > full[0][j] or high[j] < full[1][j]
    }
    in_box = int(inside.sum())
    return Box(
        limits,
        coverage=float(hit[inside].sum() / total),
        density=float(hit[inside].mean()) if in_box else 0.0,
        support=float(in_box / inside.size),
    )


def discover(
    store: Store, experiment: Experiment, condition: str, min_coverage: float = 0.8
) -> Discovery:
    names, x, hit = cases(store, experiment, condition)
    return prim(names, x, hit, condition, min_coverage=min_coverage)
