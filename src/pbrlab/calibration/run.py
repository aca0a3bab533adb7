"""A calibration run end to end, through the experiments machinery: each round is an experiment
(a Latin hypercube over the free parameters, replicated) swept into a results store, so an
interrupted calibration resumes where it stopped and its runs can be queried like any other.

Round 1 spans the prior ranges; each later round a box `shrink` times as wide around the best
fit so far. The surrogate of the last round is fitted to the runs inside its box (any round's);
the best fit is then simulated `verify_replicates` times and reported against the tolerances.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pbrlab import config
from pbrlab.arrays import FloatArray
from pbrlab.calibration import fit
from pbrlab.calibration.measures import MEASURE_OUTPUT
from pbrlab.calibration.model import Calibration
from pbrlab.calibration.targets import Target, over_replicates, targets
from pbrlab.experiments.model import Design, Experiment, Factor
from pbrlab.experiments.sweep import Executor, current_runs, sweep_all
from pbrlab.provenance import provenance


def load_calibration(path: str | Path) -> Calibration:
    data, label = config.read_toml(path, "pbrlab.calibration.presets", "calibration")
    return config.validate(Calibration, data, label)


@dataclass(frozen=True)
class Stage:
    """Where a calibration is, for progress: which experiment and how many of its runs are done."""

    experiment: str
    done: int
    total: int


def calibrate(
    calibration: Calibration,
    store: str | Path,
    executor: Executor = "local",
    workers: int | None = None,
    seed: int | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    """Fit the free parameters to the record; the result as a JSON-ready dict."""
    cal = calibration if seed is None else calibration.model_copy(update={"seed": seed})
    wanted = targets(fitted(cal))
    low = np.array([float(p.range[0]) for p in cal.parameters])
    high = np.array([float(p.range[1]) for p in cal.parameters])
    box = np.column_stack([np.zeros(low.size), np.ones(low.size)])
    x_all, y_all = np.empty((0, low.size)), np.empty((0, len(wanted)))
    best = np.full(low.size, 0.5)
    surrogate: fit.Surrogate | None = None
    rounds: list[dict[str, Any]] = []
    for number in range(1, cal.search.rounds + 1):
        if number > 1:
            box = _around(best, box, cal.search.shrink)
        experiment = _round(
            cal, number, low + box[:, 0] * (high - low), low + box[:, 1] * (high - low)
        )
        _sweep(experiment, store, executor, workers, progress)
        x, y = _observations(experiment, store, wanted, low, high)
        x_all, y_all = np.vstack([x_all, x]), np.vstack([y_all, y])
        inside = ((x_all >= box[:, 0] - 1e-9) & (x_all <= box[:, 1] + 1e-9)).all(axis=1)
        surrogate = fit.Surrogate.fit(x_all[inside], y_all[inside])
        starts = np.vstack(
            [_nearest(x_all[inside], y_all[inside], wanted, 5), (box[:, 0] + box[:, 1]) / 2]
        )
        best = fit.best_fit(surrogate, wanted, starts, box)
        rounds.append(
            {
                "experiment": experiment.id,
                "runs": int(x.shape[0]),
                "box": _values(cal, box, low, high),
            }
        )
    assert surrogate is not None
    # The uncertainty spans the prior ranges, so it takes surfaces fitted to every run.
    overall = fit.Surrogate.fit(x_all, y_all)
    rng = np.random.default_rng(np.random.SeedSequence(cal.seed, spawn_key=(7,)))
    draws, weight, widened = fit.posterior(overall, wanted, cal.search.draws, rng)
    interval = fit.weighted_quantiles(draws, weight, (0.05, 0.95))
    verify = _verify(cal, low + best * (high - low))
    _sweep(verify, store, executor, workers, progress)
    verified = _verified(verify, store, wanted)
    predicted = surrogate.predict(best)[0]
    identified = fit.identification(surrogate, wanted, best, interval)
    parameters = {}
    for j, p in enumerate(cal.parameters):
        lo, hi = interval[:, j]
        parameters[p.name] = {
            "path": p.path,
            "best": _round_sig(low[j] + best[j] * (high[j] - low[j])),
            "interval_90": [_round_sig(low[j] + v * (high[j] - low[j])) for v in (lo, hi)],
            "prior": [float(p.range[0]), float(p.range[1])],
            "best_at_box_edge": bool(
                (best[j] - box[j, 0] < 0.01 and box[j, 0] > 0)
                or (box[j, 1] - best[j] < 0.01 and box[j, 1] < 1)
            ),
            **identified[j],
        }
    return {
        "calibration": cal.id,
        "base": cal.base,
        "scale": cal.scale,
        "seed": cal.seed,
        "replicates": cal.replicates,
        "method": "simulated method of moments on quadratic surrogates, Latin hypercube rounds",
        "store": str(store),
        "rounds": rounds,
        "parameters": parameters,
        "targets": {
            t.id: {
                "published": t.value,
                "tolerance": t.tolerance,
                "surrogate": _round_sig(float(predicted[i])),
                "run_scatter_sd": _finite(_round_sig(float(surrogate.residual_sd[i]))),
                **verified[t.id],
            }
            for i, t in enumerate(wanted)
        },
        "distance_at_best": round(float(fit.distance(predicted, wanted)[0]), 4),
        "posterior": {
            "draws": cal.search.draws,
            "effective_draws": round(fit.effective_draws(weight), 1),
            "bandwidth_widened": round(widened, 3),
        },
        "conflicts": fit.conflicts(surrogate, wanted, best),
        "provenance": provenance(calibration=cal.id, seed=str(cal.seed)),
    }


def fitted(cal: Calibration) -> list[str]:
    """The measures a calibration fits: its targets, then its banded facts."""
    return [*cal.targets, *cal.facts]


def refit_check(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Is the refit (another seed) inside the first fit's 90% intervals, parameter by parameter?"""
    rows = {}
    for name, row in first["parameters"].items():
        value = second["parameters"][name]["best"]
        lo, hi = row["interval_90"]
        rows[name] = {"best": value, "within_interval": bool(lo <= value <= hi)}
    return {
        "seed": second["seed"],
        "parameters": rows,
        "all_within": all(r["within_interval"] for r in rows.values()),
    }


def _round(cal: Calibration, number: int, low: FloatArray, high: FloatArray) -> Experiment:
    factors = [
        Factor(name=p.name, path=p.path, range=[float(a), float(b)])
        for p, a, b in zip(cal.parameters, low, high, strict=True)
    ]
    return Experiment(
        id=f"{cal.id}-seed{cal.seed}-round{number}",
        name=f"{cal.name}: round {number}",
        base=cal.base,
        scale=cal.scale,
        seed=int(np.random.SeedSequence(cal.seed, spawn_key=(number,)).generate_state(1)[0]),
        replicates=cal.replicates,
        factors=factors,
        design=Design(kind="latin_hypercube", samples=cal.search.points),
        outputs=[MEASURE_OUTPUT + t for t in fitted(cal)],
    )


def _verify(cal: Calibration, values: FloatArray) -> Experiment:
    factors = [
        Factor(name=p.name, path=p.path, options=[_round_sig(float(v))])
        for p, v in zip(cal.parameters, values, strict=True)
    ]
    return Experiment(
        id=f"{cal.id}-seed{cal.seed}-verify",
        name=f"{cal.name}: the best fit, replicated",
        base=cal.base,
        scale=cal.scale,
        seed=int(np.random.SeedSequence(cal.seed, spawn_key=(0,)).generate_state(1)[0]),
        replicates=cal.search.verify_replicates,
        factors=factors,
        design=Design(kind="full_factorial"),
        outputs=[MEASURE_OUTPUT + t for t in fitted(cal)],
    )


def _sweep(
    experiment: Experiment,
    store: str | Path,
    executor: Executor,
    workers: int | None,
    progress: Any,
) -> None:
    """Run what the store lacks, reporting progress as this stage's; failed runs are one error."""

    def advance(done: int, total: int) -> None:
        if progress is not None:
            progress(Stage(experiment.id, done, total))

    sweep_all(experiment, store, executor, workers, advance)


def _observations(
    experiment: Experiment,
    store: str | Path,
    wanted: list[Target],
    low: FloatArray,
    high: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Unit parameter values (over the prior ranges) and target values, one row per run."""
    frame = current_runs(experiment, store)
    values = [json.loads(f) for f in frame["factors"]]
    names = [f.name for f in experiment.factors]
    x = (np.array([[v[n] for n in names] for v in values], np.float64) - low) / (high - low)
    y = frame[[MEASURE_OUTPUT + t.id for t in wanted]].to_numpy(np.float64)
    return x, y


def _verified(
    experiment: Experiment, store: str | Path, wanted: list[Target]
) -> dict[str, dict[str, Any]]:
    frame = current_runs(experiment, store)
    rows = {}
    for t in wanted:
        mean, low, high = over_replicates(frame[MEASURE_OUTPUT + t.id].to_numpy(np.float64))
        rows[t.id] = {
            "mean": None if mean is None else _round_sig(mean),
            "interval_90": None
            if low is None or high is None
            else [_round_sig(low), _round_sig(high)],
            "within_tolerance": mean is not None and t.within(mean),
        }
    return rows


def _around(best: FloatArray, box: FloatArray, shrink: float) -> FloatArray:
    """A box `shrink` times the widths of `box`, centred on `best` but kept inside [0, 1]."""
    width = (box[:, 1] - box[:, 0]) * shrink
    lo = np.clip(best - width / 2, 0.0, 1.0 - width)
    return np.column_stack([lo, lo + width])


def _nearest(x: FloatArray, y: FloatArray, wanted: list[Target], k: int) -> FloatArray:
    d = fit.distance(np.nan_to_num(y, nan=1e9), wanted)
    return x[np.argsort(d)[:k]]


def _values(
    cal: Calibration, box: FloatArray, low: FloatArray, high: FloatArray
) -> dict[str, list[float]]:
    return {
        p.name: [_round_sig(float(low[j] + box[j, i] * (high[j] - low[j]))) for i in (0, 1)]
        for j, p in enumerate(cal.parameters)
    }


def _finite(x: float) -> float | None:
    return x if np.isfinite(x) else None


def _round_sig(x: float, digits: int = 4) -> float:
    """Rounded to `digits` significant figures: what a frozen value or a report shows."""
    if not np.isfinite(x) or x == 0:
        return float(x)
    return float(f"{x:.{digits}g}")
