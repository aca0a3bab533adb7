"""A contract compiled to per-group arrays, so rules apply to whole caseloads at once.

Days are integers (days since 1970-01-01). Contract years are 0-based indices here and
1-based in files and ledgers, as in the contracts themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.contracts.model import (
    PARTICIPANT_KINDS,
    ByYear,
    Contract,
    EarningsThreshold,
    PaymentGroup,
    PaymentKind,
    WeeksInWork,
)

NO_DAY = np.int64(-(2**40))
"""Sentinel for 'no such day' (no outcome yet, no work yet)."""

BREAK_RULES = ("reset", "pause", "stop")

#: Ledger order of kinds within a day, and the integer codes used in event arrays.
KINDS: tuple[PaymentKind, ...] = tuple(PaymentKind)
KIND_CODE = {kind: np.int8(i) for i, kind in enumerate(KINDS)}


def to_pennies(pounds: FloatArray | float) -> FloatArray:
    """Round to the penny, halves up, as the decimal amount would (not its binary neighbour)."""
    pence = np.asarray(pounds, np.float64) * 100.0
    return np.floor(pence + 0.5 + 1e-6 + np.abs(pence) * 1e-12) / 100.0


def to_day(value: object) -> int:
    """A date (or ISO string) as days since 1970-01-01."""
    return int(np.datetime64(str(value), "D").astype(np.int64))


@dataclass(frozen=True)
class GroupRules:
    """One array per rule parameter, indexed by the contract's group index."""

    ids: tuple[str, ...]
    year_starts: IntArray
    attachment_days: int
    claim_lag: int
    fees: dict[PaymentKind, FloatArray]  # kind -> [group, year] amount after discount
    has_outcome: BoolArray
    by_earnings: BoolArray
    required_days: IntArray
    continue_after_window: BoolArray
    threshold: FloatArray
    earnings_window: IntArray
    has_sustainment: BoolArray
    sustain_days: IntArray
    sustain_max: IntArray
    break_rule: npt.NDArray[np.int8]  # index into BREAK_RULES
    service_days: IntArray
    service_max: IntArray
    cap: float

    @property
    def n_years(self) -> int:
        return int(self.year_starts.size)

    def year_of(self, days: IntArray) -> IntArray:
        """0-based contract year of each day (days before year 1 count as year 1)."""
        return np.maximum(np.searchsorted(self.year_starts, days, side="right") - 1, 0)


def compile_rules(contract: Contract) -> GroupRules:
    """Turn a validated contract into arrays the kernel indexes by group."""
    n_years = len(contract.contract_years.starts)
    columns: dict[str, list[object]] = {}
    fees: dict[PaymentKind, list[FloatArray]] = {kind: [] for kind in PARTICIPANT_KINDS}
    for group in contract.groups:
        for name, value in _group_parameters(group).items():
            columns.setdefault(name, []).append(value)
        for kind, by_year in _group_fees(group).items():
            amounts = np.zeros(n_years) if by_year is None else _by_year(by_year, n_years)
            if kind in contract.discount_applies_to:
                amounts = amounts * (1.0 - contract.discount)
            fees[kind].append(to_pennies(amounts))
    cap = contract.cap_per_participant
    return GroupRules(
        ids=tuple(g.id for g in contract.groups),
        year_starts=np.array([to_day(d) for d in contract.contract_years.starts], np.int64),
        attachment_days=7 * contract.attachment_weeks.value,
        claim_lag=contract.claim_lag_days.value,
        fees={kind: np.vstack(rows) for kind, rows in fees.items()},
        cap=np.inf if cap is None else float(to_pennies(cap.value)),
        **{name: np.array(values, _DTYPES[name]) for name, values in columns.items()},
    )


_DTYPES: dict[str, type] = {
    "has_outcome": np.bool_,
    "by_earnings": np.bool_,
    "required_days": np.int64,
    "continue_after_window": np.bool_,
    "threshold": np.float64,
    "earnings_window": np.int64,
    "has_sustainment": np.bool_,
    "sustain_days": np.int64,
    "sustain_max": np.int64,
    "break_rule": np.int8,
    "service_days": np.int64,
    "service_max": np.int64,
}


def _group_fees(group: PaymentGroup) -> dict[PaymentKind, ByYear | None]:
    return {
        PaymentKind.attachment: group.attachment_fee,
        PaymentKind.service_fee: group.service_fee.fee if group.service_fee else None,
        PaymentKind.job_outcome: group.job_outcome.fee if group.job_outcome else None,
        PaymentKind.sustainment: group.sustainment.fee if group.sustainment else None,
    }


def _group_parameters(group: PaymentGroup) -> dict[str, object]:
    trigger = group.job_outcome.trigger if group.job_outcome else None
    earnings = trigger if isinstance(trigger, EarningsThreshold) else None
    weeks = trigger if isinstance(trigger, WeeksInWork) else None
    sustain = group.sustainment
    service = group.service_fee
    return {
        "has_outcome": trigger is not None,
        "by_earnings": earnings is not None,
        "required_days": 7 * weeks.weeks.value if weeks else 0,
        "continue_after_window": weeks is not None and weeks.after_window == "continuing_run",
        "threshold": earnings.threshold.value if earnings else 0.0,
        "earnings_window": earnings.window_days.value if earnings else 0,
        "has_sustainment": sustain is not None,
        "sustain_days": 7 * sustain.every_weeks.value if sustain else 1,
        "sustain_max": sustain.max_count.value if sustain else 0,
        "break_rule": BREAK_RULES.index(sustain.on_break) if sustain else 0,
        "service_days": 7 * service.every_weeks.value if service else 1,
        "service_max": service.max_count.value if service else 0,
    }


def _by_year(by_year: ByYear, n_years: int) -> FloatArray:
    values = list(by_year.value)[:n_years]
    values += [values[-1]] * (n_years - len(values))
    return np.array(values, np.float64)
