"""Employment paths by cumulative-hazard clocks: the treated path and its exact counterfactual.

Each participant carries pre-drawn Exp(1) targets, one per job entry and one per job exit. A
path accumulates hazard week by week and makes its k-th entry (or exit) when the accumulated
hazard since its last transition reaches the k-th target. The treated and the counterfactual
paths of a participant share the targets (common random numbers), so:

- with no service effect their hazards are equal every week and the two paths are identical;
- with a positive effect the treated entry hazard is never lower, job lengths (in weeks) are the
  same k-th draws in both paths, and so each treated entry comes no later than the counterfactual
  one. There is no duration dependence in the entry hazard, which keeps this ordering exact; the
  frailty mix alone makes the aggregate hazard fall with duration (behaviour-evidence.md 2.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray

TARGETS = 12
"""Targets drawn per participant and direction; later transitions reuse them cyclically."""

TENURE_SPLIT = 13
"""Weeks in a job after which the later (lower) separation hazard applies."""


@dataclass
class Path:
    """One employment path for every participant (struct of arrays)."""

    in_work: BoolArray
    tenure: IntArray  # weeks in the current job (0 when out of work)
    accumulated: FloatArray  # hazard accumulated since the last transition
    entries: IntArray
    exits: IntArray

    @classmethod
    def start(cls, n: int) -> Path:
        return cls(
            in_work=np.zeros(n, bool),
            tenure=np.zeros(n, np.int64),
            accumulated=np.zeros(n),
            entries=np.zeros(n, np.int64),
            exits=np.zeros(n, np.int64),
        )


@dataclass(frozen=True)
class Clocks:
    """Each participant's Exp(1) targets: [participant, k] for entries and for exits."""

    entry: FloatArray
    exit: FloatArray

    @classmethod
    def draw(cls, n: int, rng: np.random.Generator) -> Clocks:
        return cls(rng.exponential(size=(n, TARGETS)), rng.exponential(size=(n, TARGETS)))


def rate(probability: FloatArray) -> FloatArray:
    """The constant hazard rate whose one-week probability of the event is `probability`."""
    return -np.log1p(-np.minimum(probability, 1.0 - 1e-12))


def step(
    path: Path,
    clocks: Clocks,
    entry_probability: FloatArray,
    separation: FloatArray,
    later_separation: FloatArray,
) -> tuple[BoolArray, BoolArray]:
    """Advance every participant one week; return who entered and who left work this week.

    `entry_probability` is this week's job-entry probability of each participant on this path
    (service, demand and frailty already applied); the separation probabilities are by person.
    """
    rows = np.arange(path.in_work.size)
    out = ~path.in_work
    job_loss = np.where(path.tenure < TENURE_SPLIT, separation, later_separation)
    path.accumulated += np.where(out, rate(entry_probability), rate(job_loss))
    entry_target = clocks.entry[rows, path.entries % TARGETS]
    exit_target = clocks.exit[rows, path.exits % TARGETS]
    entered = out & (path.accumulated >= entry_target)
    left = path.in_work & (path.accumulated >= exit_target)
    path.entries += entered
    path.exits += left
    path.accumulated[entered | left] = 0.0
    path.in_work = (path.in_work & ~left) | entered
    path.tenure = np.where(path.in_work, path.tenure + 1, 0)
    return entered, left
