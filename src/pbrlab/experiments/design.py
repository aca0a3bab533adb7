"""The points of an experiment: each design draws values in the unit cube (one column per
factor), and each factor turns its unit values into parameter values (a range uniformly, a
distribution through its quantile function, options by position). Designs for sensitivity
analysis (Sobol', Morris) come from SALib, so SALib's analysis can read them back.

Seeds: the design's draws come from SeedSequence(seed, spawn_key=(0,)); replicate r of every
point runs with the seed SeedSequence(seed, spawn_key=(1, r)) gives (common random numbers: the
points differ only by their factors).
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats
from scipy.stats import qmc

from pbrlab.arrays import FloatArray
from pbrlab.errors import InputError
from pbrlab.experiments.model import Experiment, Factor

DESIGN_STREAM, REPLICATE_STREAM = 0, 1


@dataclass(frozen=True)
class Points:
    """The design's points: each factor's value at each point, and the unit values behind them
    (None for a csv design, whose values are given)."""

    names: list[str]
    values: list[dict[str, Any]]
    unit: FloatArray | None

    @property
    def size(self) -> int:
        return len(self.values)


def replicate_seeds(experiment: Experiment, point: int = 0) -> list[int]:
    """The seed of each replicate: the same at every point with common random numbers, else
    the point's own."""
    key = () if experiment.common_random_numbers else (point,)
    return [
        int(
            np.random.SeedSequence(
                experiment.seed, spawn_key=(REPLICATE_STREAM, r, *key)
            ).generate_state(1, np.uint64)[0]
            >> np.uint64(1)
        )
        for r in range(experiment.replicates)
    ]


def salib_problem(experiment: Experiment) -> dict[str, Any]:
    """SALib's description of the factors, in unit space."""
    names = [f.name for f in experiment.factors]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def points(experiment: Experiment, label: str = "experiment") -> Points:
    """Every point of the experiment's design."""
    design, factors = experiment.design, experiment.factors
    names = [f.name for f in factors]
    if design.kind == "csv":
        return Points(names, _read_points(Path(design.file or ""), factors), None)
    if not factors:  # replicates of the base as it is
        return Points([], [{}], np.zeros((1, 0)))
    seed = int(
        np.random.SeedSequence(experiment.seed, spawn_key=(DESIGN_STREAM,)).generate_state(1)[0]
    )
    if design.kind == "full_factorial":
        unit = _grid(factors, design.levels)
    elif design.kind == "latin_hypercube":
        unit = qmc.LatinHypercube(d=len(factors), seed=seed).random(design.samples or 1)
    elif design.kind == "sobol":
        from SALib.sample import sobol

        unit = sobol.sample(
            salib_problem(experiment), design.samples or 1, calc_second_order=False, seed=seed
        )
    else:
        from SALib.sample import morris

        unit = morris.sample(
            salib_problem(experiment), design.samples or 1, num_levels=design.levels, seed=seed
        )
    unit = np.asarray(unit, np.float64)
    placed = unit
    if (
        design.kind == "morris"
    ):  # Morris's levels include 0 and 1: unbounded laws take mid-quantiles
        placed = (unit * (design.levels - 1) + 0.5) / design.levels
    columns = [
        value_of(f, placed[:, i] if f.distribution is not None else unit[:, i])
        for i, f in enumerate(factors)
    ]
    values = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return Points(names, values, unit)


def value_of(factor: Factor, unit: FloatArray) -> list[Any]:
    """A factor's values at unit values in [0, 1]."""
    if factor.options is not None:
        index = np.minimum((unit * len(factor.options)).astype(np.int64), len(factor.options) - 1)
        return [factor.options[i] for i in index]
    if factor.range is not None:
        low, high = factor.range
        values = low + unit * (high - low)
    else:
        values = _quantiles(factor, unit)
    if factor.integer:
        return [round(float(v)) for v in values]
    return [float(v) for v in values]


def _quantiles(factor: Factor, unit: FloatArray) -> FloatArray:
    d = factor.distribution
    assert d is not None
    u = np.clip(unit, 1e-12, 1 - 1e-12)
    if d.kind == "uniform":
        return np.asarray(float(d.low or 0) + u * (float(d.high or 0) - float(d.low or 0)))
    if d.kind == "triangular":
        low, high = float(d.low or 0), float(d.high or 0)
        c = (float(d.mode if d.mode is not None else low) - low) / (high - low)
        return np.asarray(stats.triang.ppf(u, c, loc=low, scale=high - low))
    if d.kind == "normal":
        return np.asarray(stats.norm.ppf(u, loc=d.mean, scale=d.sd))
    return np.asarray(np.exp(stats.norm.ppf(u, loc=d.mean, scale=d.sd)))


def _grid(factors: list[Factor], levels: int) -> FloatArray:
    """Every combination: each option once, `levels` values along a range or distribution
    (its ends for a range, mid-quantiles for a distribution)."""
    axes = []
    for f in factors:
        if f.options is not None:
            n = len(f.options)
            axes.append((np.arange(n) + 0.5) / n)
        elif f.range is not None:
            axes.append(np.linspace(0.0, 1.0, levels))
        else:
            axes.append((np.arange(levels) + 0.5) / levels)
    return np.array(list(itertools.product(*axes)), np.float64).reshape(-1, len(factors))


def _read_points(path: Path, factors: list[Factor]) -> list[dict[str, Any]]:
    """A csv design: one row per point, one column per factor (numbers where they parse)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise InputError(str(path), "", f"cannot read the design file ({exc.strerror})") from None
    names = [f.name for f in factors]
    if not rows:
        raise InputError(str(path), "", "expected a header and at least one row; found none")
    missing = [n for n in names if n not in rows[0]]
    if missing:
        raise InputError(
            str(path), "header", f"expected a column for every factor; missing {missing}"
        )
    return [{n: _parsed(row[n]) for n in names} for row in rows]


def _parsed(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text
