"""Global sensitivity analysis of stored runs, through SALib.

Sobol' indices come from a `sobol` design (Saltelli's scheme, first and total order, with
bootstrap confidence intervals); Morris elementary effects from a `morris` design. Replicates
of a point are averaged first. The convergence check recomputes the indices on the first half of
the base samples (the design's first N/2 blocks are the same points a design of N/2 would have
drawn; N is a power of two) and reports how far they moved, and whether each factor's indices
moved less than their confidence half-width (converged: 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pbrlab.arrays import FloatArray
from pbrlab.errors import InputError
from pbrlab.experiments.design import points, salib_problem
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.runs import experiment_hash
from pbrlab.experiments.store import Store

ANALYSIS_SEED = 12345
"""Bootstrap draws of the confidence intervals (a fixed seed: the same store, the same CIs)."""


@dataclass(frozen=True)
class Indices:
    output: str
    method: str  # sobol or morris
    names: list[str]
    table: dict[str, list[float]]  # measure -> value per factor (S1, S1_conf, ST, ST_conf; mu...)
    convergence: dict[str, list[float]] | None  # sobol: |index at N - index at N/2| per factor

    def as_dict(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "method": self.method,
            "factors": self.names,
            **self.table,
            **({} if self.convergence is None else {"convergence": self.convergence}),
        }


def point_means(store: Store, experiment: Experiment, output: str) -> FloatArray:
    """Each design point's output, averaged over replicates, in design order."""
    if output not in experiment.outputs:
        raise InputError(
            experiment.id, "output", f"expected one of {experiment.outputs}; found {output!r}"
        )
    runs = store.runs(experiment.id, experiment_hash(experiment))
    if runs is None:
        raise InputError(str(store.path), experiment.id, "expected stored runs; found none")
    rows = (
        runs.filter("status = 'ok'").aggregate(f'point, avg("{output}") AS y', "point").fetchall()
    )
    n = points(experiment).size
    y = np.full(n, np.nan)
    for point, value in rows:
        if 0 <= point < n:
            y[int(point)] = np.nan if value is None else float(value)
    missing = np.flatnonzero(~np.isfinite(y))
    if missing.size:
        raise InputError(
            str(store.path),
            experiment.id,
            f"expected every design point stored and successful; {missing.size} of {n} are not "
            f"(first: point {int(missing[0])}); rerun the sweep",
        )
    return y


def sensitivity(store: Store, experiment: Experiment, output: str) -> Indices:
    """Sobol' or Morris indices of one output, by the experiment's design."""
    kind = experiment.design.kind
    names = [f.name for f in experiment.factors]
    y = point_means(store, experiment, output)
    problem = salib_problem(experiment)
    if kind == "sobol":
        table = _sobol(problem, y)
        half = _half(y, len(names))
        earlier = _sobol(problem, half)
        convergence = {
            f"{m}_change": [abs(a - b) for a, b in zip(table[m], earlier[m], strict=True)]
            for m in ("S1", "ST")
        }
        # Converged when no index moved by more than its confidence half-width.
        convergence["converged"] = [
            float(all(convergence[f"{m}_change"][i] <= table[f"{m}_conf"][i] for m in ("S1", "ST")))
            for i in range(len(names))
        ]
        return Indices(output, "sobol", names, table, convergence)
    if kind == "morris":
        from SALib.analyze import morris

        unit = points(experiment).unit
        levels = experiment.design.levels
        result = morris.analyze(problem, unit, y, num_levels=levels, seed=ANALYSIS_SEED)
        table = {
            m: [float(v) for v in result[m]] for m in ("mu", "mu_star", "sigma", "mu_star_conf")
        }
        return Indices(output, "morris", names, table, None)
    raise InputError(
        experiment.id, "design.kind", f"expected a sobol or morris design; found {kind!r}"
    )


def _sobol(problem: dict[str, Any], y: FloatArray) -> dict[str, list[float]]:
    from SALib.analyze import sobol

    result = sobol.analyze(problem, y, calc_second_order=False, seed=ANALYSIS_SEED)
    return {m: [float(v) for v in result[m]] for m in ("S1", "S1_conf", "ST", "ST_conf")}


def _half(y: FloatArray, factors: int) -> FloatArray:
    """The outputs of the first half of the base samples (blocks of factors + 2 rows)."""
    block = factors + 2
    blocks = y.size // block
    return y[: (blocks // 2) * block]
