"""Employment paths by cumulative-hazard clocks: the treated path and its exact counterfactual.

Each participant carries pre-drawn Exp(1) targets, one per job entry and one per job exit. A
path accumulates hazard week by week and makes its k-th entry (or exit) when the accumulated
hazard since its last transition reaches the k-th target. The treated and the counterfactual
paths of a participant share the targets (common random numbers), so:

- with no service effect their hazards are equal every week and the two paths are identical;
- with a positive effect the treated entry hazard is never lower, job lengths (in weeks) are the
  same k-th draws in both paths, and so each treated entry comes no later than the counterfactual
  one. The entry hazard may depend on weeks on the programme (the same for both paths, so the
  ordering stays exact) but not on a path's own history; by default only the frailty mix makes
  the aggregate hazard fall with duration (behaviour-evidence.md 2.1).

Leaving the programme for other reasons (sanction, another benefit, custody) is one shared clock
per participant: from that week neither path starts a new job, so the ordering still holds.

The weekly step is one compiled loop over the active participants (Numba): it is the hot loop of
a national run, about 2 x 10^8 participant-weeks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from pbrlab.arrays import BoolArray, FloatArray, IntArray

TARGETS = 12
"""Targets drawn per participant and direction; later transitions reuse them cyclically."""

TENURE_SPLIT = 13
"""Weeks in a job after which the later (lower) separation hazard applies."""

TREATED, COUNTERFACTUAL = 0, 1


@dataclass
class Paths:
    """Both employment paths of every participant: row 0 treated, row 1 counterfactual.

    The [2, n] arrays are views of [n, 2] storage, so a person's two paths share a cache line.
    """

    in_work: BoolArray  # [2, n]
    tenure: IntArray  # [2, n] weeks in the current job, 0 out of work
    accumulated: FloatArray  # [2, n] hazard accumulated since the last transition
    target: FloatArray  # [2, n] the clock the accumulated hazard is racing (-1: not drawn yet)
    entries: IntArray  # [2, n]
    exits: IntArray  # [2, n]
    leave_accumulated: FloatArray  # [n] hazard of leaving the programme, accumulated
    left: BoolArray  # [n] has left the programme other than for work
    diverged: BoolArray  # [n] the two paths have differed in some week

    @classmethod
    def start(cls, n: int) -> Paths:
        def pair(dtype: type, fill: float = 0) -> np.ndarray:
            return np.full((n, 2), fill, dtype).T

        return cls(
            in_work=pair(np.bool_),
            tenure=pair(np.int32),
            accumulated=pair(np.float64),
            target=pair(np.float64, -1.0),
            entries=pair(np.int32),
            exits=pair(np.int32),
            leave_accumulated=np.zeros(n),
            left=np.zeros(n, np.bool_),
            diverged=np.zeros(n, np.bool_),
        )


@dataclass(frozen=True)
class Hazards:
    """Weekly hazard rates by payment group, and this week's labour-demand factor by area."""

    entry: FloatArray  # no-programme job entry at reference demand
    separation: FloatArray
    later_separation: FloatArray
    leave: FloatArray
    demand: FloatArray  # by area, this week
    duration: FloatArray  # by programme week: shared by both paths, so the ordering holds


@dataclass(frozen=True)
class Moves:
    """What happened this week to the active participants, in `active` order."""

    entered: BoolArray  # [2, m] started a job on each path
    left: BoolArray  # [2, m] left a job on each path
    working: BoolArray  # [2, m] in work this week on each path
    split: BoolArray  # [m] the paths first differ this week
    apart: BoolArray  # [m] the paths have differed by now


def rate(probability: FloatArray | float) -> FloatArray:
    """The constant hazard rate whose one-week probability of the event is `probability`."""
    return np.asarray(-np.log1p(-np.minimum(probability, 1.0 - 1e-12)), np.float64)


def step(
    paths: Paths,
    active: IntArray,
    programme_week: IntArray,
    attached: BoolArray,
    group: IntArray,
    area: IntArray,
    frailty: FloatArray,
    uplift: FloatArray,
    clocks: tuple[FloatArray, FloatArray, FloatArray],
    hazards: Hazards,
) -> Moves:
    """Advance the participants `active` one week.

    Paths first differ in an entry (exits follow the same clocks), so `split` marks a treated
    entry that the counterfactual path did not make.

    `programme_week[j]` is how many weeks active participant j has been on the programme.

    `attached[j]` says whether active participant j is within the attachment window (only then
    can they leave the programme); `uplift[j]` is the treated path's relative rise in job-entry
    hazard from this week's service (0 for none).
    """
    entry_clock, exit_clock, leave_clock = clocks
    m = active.size
    moves = Moves(
        entered=np.zeros((2, m), np.bool_),
        left=np.zeros((2, m), np.bool_),
        working=np.zeros((2, m), np.bool_),
        split=np.zeros(m, np.bool_),
        apart=np.zeros(m, np.bool_),
    )
    _step(
        active,
        programme_week,
        attached,
        group,
        area,
        frailty,
        uplift,
        entry_clock,
        exit_clock,
        leave_clock,
        hazards.entry,
        hazards.separation,
        hazards.later_separation,
        hazards.leave,
        hazards.demand,
        hazards.duration,
        paths.in_work,
        paths.tenure,
        paths.accumulated,
        paths.target,
        paths.entries,
        paths.exits,
        paths.leave_accumulated,
        paths.left,
        paths.diverged,
        moves.entered,
        moves.left,
        moves.working,
        moves.split,
        moves.apart,
    )
    return moves


@njit(cache=True, nogil=True)
def _step(  # type: ignore[no-untyped-def]
    active,
    programme_week,
    attached,
    group,
    area,
    frailty,
    uplift,
    entry_clock,
    exit_clock,
    leave_clock,
    entry_rate,
    separation_rate,
    later_rate,
    leave_rate,
    demand,
    duration,
    in_work,
    tenure,
    accumulated,
    target,
    entries,
    exits,
    leave_accumulated,
    has_left,
    diverged,
    entered,
    left,
    working,
    split,
    apart,
):
    for j in range(active.size):
        i = active[j]
        g = group[i]
        if attached[j] and not has_left[i]:
            leave_accumulated[i] += leave_rate[g]
            if leave_accumulated[i] >= leave_clock[i]:
                has_left[i] = True
        base = entry_rate[g] * frailty[i] * demand[area[i]] * duration[programme_week[j]]
        for p in range(2):
            if target[p, i] < 0.0:  # first week: race for the first entry clock
                target[p, i] = entry_clock[i, 0]
            if in_work[p, i]:
                loss = separation_rate[g] if tenure[p, i] < TENURE_SPLIT else later_rate[g]
                accumulated[p, i] += loss
                if accumulated[p, i] >= target[p, i]:
                    exits[p, i] += 1
                    accumulated[p, i] = 0.0
                    in_work[p, i] = False
                    tenure[p, i] = 0
                    target[p, i] = entry_clock[i, entries[p, i] % TARGETS]
                    left[p, j] = True
                else:
                    tenure[p, i] += 1
            elif not has_left[i]:
                hazard = base * (1.0 + uplift[j]) if p == TREATED else base
                accumulated[p, i] += hazard
                if accumulated[p, i] >= target[p, i]:
                    entries[p, i] += 1
                    accumulated[p, i] = 0.0
                    in_work[p, i] = True
                    tenure[p, i] = 1
                    target[p, i] = exit_clock[i, exits[p, i] % TARGETS]
                    entered[p, j] = True
        working[0, j], working[1, j] = in_work[0, i], in_work[1, i]
        if in_work[0, i] != in_work[1, i] and not diverged[i]:
            diverged[i] = True
            split[j] = True
        apart[j] = diverged[i]
