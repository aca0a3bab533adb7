"""The market language: organisations that could bid, and the rules of a procurement round.

Like contracts and scenarios, a market file (TOML) maps onto typed models: unknown keys are
errors and every number carries a `source` or an `assumption`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictFloat, model_validator

from pbrlab.contracts.model import (
    FieldError,
    Fraction,
    Identifier,
    Money,
    Sourced,
    Strict,
    ids_not_repeated,
)

Sector = Literal["private", "voluntary", "public"]
Multiplier = Annotated[StrictFloat, Field(gt=0.0, le=10.0, allow_inf_nan=False)]
LogRatio = Annotated[StrictFloat, Field(ge=-5.0, le=5.0, allow_inf_nan=False)]
Spread = Annotated[StrictFloat, Field(ge=0.0, le=5.0, allow_inf_nan=False)]


class Organisation(Strict):
    """An organisation that could hold or deliver a contract."""

    id: Identifier
    name: str = Field(min_length=1)
    sector: Sector
    turnover_gbp: Sourced[Money] = Field(description="annual turnover, pounds")
    reserves_gbp: Sourced[Money] = Field(description="free reserves or net current assets, pounds")
    innovation: Sourced[Fraction] = Field(
        description="service-innovation capability, 0 (none) to 1 (the best in the market)"
    )
    effectiveness: Sourced[Multiplier] = Field(
        description="its true job-outcome rate relative to the market's expected rate (1 = average)"
    )


class Weights(Strict):
    """How bids are scored: weights on the four criteria, adding up to 1."""

    price: Sourced[Fraction]
    performance: Sourced[Fraction]
    financial_standing: Sourced[Fraction]
    quality: Sourced[Fraction] = Field(description="service innovation and quality of the model")

    @model_validator(mode="after")
    def _adds_up(self) -> Weights:
        total = sum(
            w.value for w in (self.price, self.performance, self.financial_standing, self.quality)
        )
        if abs(total - 1.0) > 1e-6:
            raise FieldError((), f"expected weights adding up to 1; found {total:.6f}")
        return self


class Procurement(Strict):
    """A tender: who may bid, how bidders form their promises and prices, how bids are scored."""

    minimum_turnover_gbp: Sourced[Money] = Field(description="prequalification threshold")
    full_standing_turnover_gbp: Sourced[Money] = Field(
        description="turnover at and above which a bidder scores full marks on financial standing"
    )
    expected_outcome_rate: Sourced[Fraction] = Field(
        description="the job-outcome rate an average provider truly achieves in an average area"
    )
    optimism: Sourced[LogRatio] = Field(
        description="mean of the log ratio of a bidder's belief to its true rate (0: unbiased)"
    )
    belief_noise: Sourced[Spread] = Field(
        description="sd of the log ratio of a bidder's belief to its true rate"
    )
    discount_mean: Sourced[Fraction] = Field(description="mean price discount offered")
    underbidding: Sourced[Spread] = Field(
        description="extra discount per unit of log(belief / the area's expected rate): bidders "
        "who expect more outcomes accept a lower price for each"
    )
    discount_sd: Sourced[Spread] = Field(description="sd of the price discount offered")
    maximum_discount: Sourced[Fraction]
    weights: Weights


class Market(Strict):
    """The organisations of a market and the procurement rules of its tenders."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    organisations: list[Organisation] = Field(min_length=1)
    procurement: Procurement

    @model_validator(mode="after")
    def _unique_ids(self) -> Market:
        ids_not_repeated("organisations", [o.id for o in self.organisations])
        rules = self.procurement
        if rules.full_standing_turnover_gbp.value <= rules.minimum_turnover_gbp.value:
            raise FieldError(
                ("procurement", "full_standing_turnover_gbp"),
                "expected more than minimum_turnover_gbp; found "
                f"{rules.full_standing_turnover_gbp.value:,.0f}",
            )
        if self.procurement.discount_mean.value > self.procurement.maximum_discount.value:
            raise FieldError(
                ("procurement", "discount_mean"),
                "expected a mean discount no larger than maximum_discount; found "
                f"{self.procurement.discount_mean.value}",
            )
        return self
