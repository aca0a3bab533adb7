"""The contract language: typed, validated models of an outcome contract.

A contract file (TOML) maps one-to-one onto these models, so validation, the JSON Schema
(`pbrlab contract schema`) and the negative tests all come from this one declaration.
Every number a contract ships carries its evidence: a `source` or an `assumption`.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, model_validator

T = TypeVar("T")

#: Payment group ids of the Work Programme, used everywhere in pbrlab.
WORK_PROGRAMME_GROUPS: tuple[str, ...] = (
    "jsa_18_24",
    "jsa_25_plus",
    "jsa_early_access",
    "jsa_ex_ib",
    "esa_volunteers",
    "esa_flow",
    "esa_ex_ib",
    "ib_is",
    "jsa_prison_leavers",
)

Money = Annotated[StrictFloat, Field(ge=0.0, le=1e12, allow_inf_nan=False)]
Fraction = Annotated[StrictFloat, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
PositiveInt = Annotated[StrictInt, Field(gt=0, le=10_000)]
"""Counts of weeks, days, months or payments: bounded so that dates stay within the calendar."""
Lag = Annotated[StrictInt, Field(ge=0, le=3_650)]
Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


class FieldError(ValueError):
    """A cross-field problem that knows the key path, below the model, where it lies."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


class PaymentKind(StrEnum):
    """Kinds of payment that can appear in a ledger."""

    attachment = "attachment"
    service_fee = "service_fee"
    job_outcome = "job_outcome"
    sustainment = "sustainment"
    incentive = "incentive"
    delivery_fee = "delivery_fee"
    management_fee = "management_fee"


#: Kinds paid per participant (the rest are paid per provider).
PARTICIPANT_KINDS = (
    PaymentKind.attachment,
    PaymentKind.service_fee,
    PaymentKind.job_outcome,
    PaymentKind.sustainment,
)


def participant_kinds_only(field: str, kinds: list[PaymentKind]) -> None:
    """Refuse provider-level kinds where only per-participant payments make sense."""
    for i, kind in enumerate(kinds):
        if kind not in PARTICIPANT_KINDS:
            raise FieldError(
                (field, i),
                f"expected a participant payment kind {[k.value for k in PARTICIPANT_KINDS]}; "
                f"found {kind.value!r}",
            )


def ids_not_repeated(name: str, ids: list[str]) -> None:
    """Items of a list of tables are named by their ids, so an id may appear once."""
    for i, item in enumerate(ids):
        if item in ids[:i]:
            raise FieldError((name, i, "id"), f"expected a new id; found {item!r} again")


def one_kind_of_evidence(source: str | None, assumption: str | None, what: str) -> None:
    """Every number carries exactly one of a source or an assumption."""
    if (source is None) == (assumption is None):
        found = "both" if source is not None else "neither"
        raise ValueError(
            f"expected exactly one of 'source' or 'assumption' for {what}; found {found}"
        )


class Strict(BaseModel):
    """Base for every contract model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(Strict, Generic[T]):
    """A number (or list of numbers) with its evidence: exactly one of source or assumption."""

    value: T
    source: str | None = Field(default=None, min_length=3, description="URL or report and table")
    assumption: str | None = Field(default=None, min_length=3, description="why this value")

    @model_validator(mode="after")
    def _one_kind_of_evidence(self) -> Sourced[T]:
        one_kind_of_evidence(self.source, self.assumption, "this value")
        return self


def derived(value: float, how: str) -> Sourced[float]:
    """A number pbrlab derives from others (a share of a total, a tender's result), rounded to
    six decimals, with how as its assumption."""
    return Sourced[float](value=round(float(value), 6), assumption=how)


ByYear = Sourced[Annotated[list[Money], Field(min_length=1)]]
"""Amounts by contract year of attachment; the last amount applies to later years."""


class WeeksInWork(Strict):
    """Job outcome after cumulative weeks in work, across jobs, within the attachment window."""

    kind: Literal["weeks_in_work"]
    weeks: Sourced[PositiveInt]
    after_window: Literal["stop", "continuing_run"] = Field(
        default="continuing_run",
        description=(
            "'stop': only days inside the window count; 'continuing_run': a continuous run of "
            "work that began inside the window keeps counting after the window closes"
        ),
    )


class EarningsThreshold(Strict):
    """Job outcome when cumulative earnings within a window from attachment reach a threshold."""

    kind: Literal["earnings"]
    threshold: Sourced[Annotated[StrictFloat, Field(gt=0)]]
    window_days: Sourced[PositiveInt]


Trigger = Annotated[WeeksInWork | EarningsThreshold, Field(discriminator="kind")]


class JobOutcome(Strict):
    fee: ByYear
    trigger: Trigger


class Sustainment(Strict):
    """Payments for staying in work after the job outcome."""

    fee: ByYear
    every_weeks: Sourced[PositiveInt]
    max_count: Sourced[PositiveInt]
    on_break: Literal["reset", "pause", "stop"] = Field(
        description=(
            "a break in work: 'reset' restarts the current period on return to work, "
            "'pause' keeps the days already worked, 'stop' ends sustainment payments"
        )
    )


class ServiceFee(Strict):
    """A fee per participant for each completed period on programme (fee for service)."""

    fee: ByYear
    every_weeks: Sourced[PositiveInt]
    max_count: Sourced[PositiveInt]


class PaymentGroup(Strict):
    id: Identifier
    label: str = Field(min_length=1)
    attachment_fee: ByYear | None = None
    service_fee: ServiceFee | None = None
    job_outcome: JobOutcome | None = None
    sustainment: Sustainment | None = None

    @model_validator(mode="after")
    def _sustainment_needs_outcome(self) -> PaymentGroup:
        if self.sustainment is not None and self.job_outcome is None:
            raise ValueError("sustainment payments need a job_outcome to start from")
        return self


class DeliveryFee(Strict):
    """A fixed fee paid monthly in arrears (WHP delivery fee, grants, budgets): `share` of
    `contract_value`, per provider contract, or for a budget shared by all of them."""

    contract_value: Sourced[Money]
    share: Sourced[Fraction]
    months: Sourced[PositiveInt]
    start_date: dt.date
    per: Literal["provider", "budget"] = Field(
        default="provider",
        description="provider: every provider holding the contract is paid it in full; budget: "
        "the value is one budget for all of them, each prime paid the share its adviser hours "
        "are of theirs (in simulation only: the batch ledger has no hours)",
    )


class Incentive(Strict):
    """A payment per job outcome above a performance threshold, per provider and contract year."""

    threshold_rate: Sourced[Fraction]
    amount_per_outcome: Sourced[Money]


class MinimumLevel(Strict):
    year: PositiveInt
    value: Sourced[Fraction]


class MinimumPerformance(Strict):
    """A minimum performance level for one group (held as data for the market simulation)."""

    group: Identifier
    definition: str = Field(min_length=1)
    levels: list[MinimumLevel] = Field(min_length=1)


class MarketShareShift(Strict):
    """Referral share moved from poorer to better performers (held as data for the market)."""

    share: Sourced[Fraction]
    conditions: list[str] = Field(default_factory=list)


class Performance(Strict):
    minimum_levels: list[MinimumPerformance] = Field(default_factory=list)
    market_share_shift: MarketShareShift | None = None


class SubcontractTerms(Strict):
    """Default terms between a prime and the subcontractors serving its participants."""

    pass_through: list[PaymentKind] = Field(
        min_length=1, description="payment kinds the prime passes on to the subcontractor"
    )
    management_fee: Sourced[Fraction]
    fee_applies_to: list[PaymentKind] = Field(
        min_length=1, description="passed-through kinds the management fee is taken from"
    )
    payment_lag_weeks: Sourced[Lag]

    @model_validator(mode="after")
    def _kinds_that_can_pass(self) -> SubcontractTerms:
        participant_kinds_only("pass_through", self.pass_through)
        passed = [k.value for k in self.pass_through]
        for i, kind in enumerate(self.fee_applies_to):
            if kind not in self.pass_through:
                raise FieldError(
                    ("fee_applies_to", i),
                    f"expected one of the pass_through kinds {passed}; found {kind.value!r}",
                )
        return self


class ContractYears(Strict):
    """Contract years by their start dates; year N runs from start N to the day before N+1."""

    starts: Annotated[list[dt.date], Field(min_length=1)]
    source: str | None = Field(default=None, min_length=3)
    assumption: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _increasing(self) -> ContractYears:
        one_kind_of_evidence(self.source, self.assumption, "the contract years")
        for i, (a, b) in enumerate(zip(self.starts, self.starts[1:], strict=False), start=1):
            if b <= a:
                raise FieldError(
                    ("starts", i),
                    f"expected year {i + 1} to start after year {i} ({a}); found {b} "
                    "(contract years overlap)",
                )
        return self


class Contract(Strict):
    """An outcome contract: who is paid what, when, for which participants."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    currency: Literal["GBP"] = "GBP"
    commissioner: str = Field(default="commissioner", min_length=1, description="the payer")
    contract_years: ContractYears
    attachment_weeks: Sourced[PositiveInt] = Field(description="the attachment window in weeks")
    claim_lag_days: Sourced[Lag] = Field(
        description="days from a job outcome or sustainment trigger to its payment"
    )
    bid_discount: Sourced[Fraction] | None = Field(
        default=None, description="bidder's discount on the maximum outcome tariffs"
    )
    discount_applies_to: list[PaymentKind] = Field(
        default_factory=lambda: [PaymentKind.job_outcome, PaymentKind.sustainment]
    )
    cap_per_participant: Sourced[Money] | None = None
    groups: list[PaymentGroup] = Field(min_length=1)
    delivery_fee: DeliveryFee | None = None
    incentive: Incentive | None = None
    performance: Performance = Field(default_factory=Performance)
    subcontract: SubcontractTerms | None = None

    @model_validator(mode="after")
    def _cross_references(self) -> Contract:
        participant_kinds_only("discount_applies_to", self.discount_applies_to)
        ids = [g.id for g in self.groups]
        ids_not_repeated("groups", ids)
        n_years = len(self.contract_years.starts)
        for m, mpl in enumerate(self.performance.minimum_levels):
            path: tuple[str | int, ...] = ("performance", "minimum_levels", m)
            if mpl.group not in ids:
                raise FieldError(
                    (*path, "group"),
                    f"expected one of the contract's groups {ids}; found {mpl.group!r}",
                )
            for n, level in enumerate(mpl.levels):
                if level.year > n_years:
                    raise FieldError(
                        (*path, "levels", n, "year"),
                        f"expected a contract year from 1 to {n_years}; found {level.year}",
                    )
        return self

    def group(self, group_id: str) -> PaymentGroup:
        for g in self.groups:
            if g.id == group_id:
                return g
        raise KeyError(group_id)

    @property
    def discount(self) -> float:
        return 0.0 if self.bid_discount is None else self.bid_discount.value
