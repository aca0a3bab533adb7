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
    PositiveInt,
    Sourced,
    Strict,
    ids_not_repeated,
    one_kind_of_evidence,
)

Sector = Literal["private", "voluntary", "public"]
SECTORS: tuple[Sector, ...] = ("private", "voluntary", "public")
Driver = Literal["internal_need", "third_party_push", "provider_pull"]
DRIVERS: tuple[Driver, ...] = ("internal_need", "third_party_push", "provider_pull")
Pattern = Literal["informal", "routine", "reactive", "opportunistic", "calculated"]
PATTERNS: tuple[Pattern, ...] = ("informal", "routine", "reactive", "opportunistic", "calculated")
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
    professional_norm: Sourced[Fraction] | None = Field(
        default=None,
        description="its mission: weight on need rather than expected payment (default: the "
        "scenario's behaviour.professional_norm)",
    )
    areas: list[Identifier] | None = Field(
        default=None,
        description="the lots (areas) it bids for: a local organisation bids only at home "
        "(default: every lot)",
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


def _adds_up_to_one(values: list[float], where: tuple[str, ...]) -> None:
    total = sum(values)
    if abs(total - 1.0) > 1e-6:
        raise FieldError(where, f"expected shares adding up to 1; found {total:.6f}")


class Matching(Strict):
    """How a buyer comes to choose a supplier (behaviour-evidence 7.1): a driver starts the
    search, and the driver leads to one of five patterns, each a selection rule (see
    `pbrlab.market.matching`)."""

    drivers: dict[Driver, Fraction] = Field(description="chance of each driver starting a search")
    patterns: dict[Driver, dict[Pattern, Fraction]] = Field(
        description="for each driver, the chance of each pattern"
    )
    calculated_breadth: PositiveInt = Field(
        description="candidates a calculated purchase compares (the other patterns look at 1-2)"
    )
    source: str | None = Field(default=None, min_length=3)
    assumption: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _shares(self) -> Matching:
        one_kind_of_evidence(self.source, self.assumption, "the matching rules")
        _adds_up_to_one(list(self.drivers.values()), ("drivers",))
        for driver in self.drivers:
            if driver not in self.patterns:
                raise FieldError(
                    ("patterns",), f"expected the patterns of driver {driver!r}; found none"
                )
        for driver, shares in self.patterns.items():
            _adds_up_to_one(list(shares.values()), ("patterns", driver))
        return self


class SubcontractorPool(Strict):
    """The organisations primes can name in their supply chains: drawn from these rules (one
    population per seed) rather than listed, as the record gives counts, not names."""

    count: Sourced[Annotated[int, Field(ge=1, le=100_000)]]
    voluntary_share: Sourced[Fraction]
    public_share: Sourced[Fraction]
    tier_2_share: Sourced[Fraction] = Field(description="share that are tier-2 specialists")
    median_turnover_gbp: Sourced[Money]
    turnover_spread: Sourced[Spread] = Field(description="sd of log turnover")
    reserves_weeks: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=520.0)]] = Field(
        description="reserves held, in weeks of turnover"
    )
    innovation_private: Sourced[Fraction] = Field(description="mean innovation capability")
    innovation_voluntary: Sourced[Fraction]
    innovation_public: Sourced[Fraction]
    innovation_spread: Sourced[Spread] = Field(description="sd of innovation around its mean")
    effectiveness_spread: Sourced[Spread] = Field(description="sd of log effectiveness around 1")
    voluntary_professional_norm: Sourced[Fraction] | None = Field(
        default=None,
        description="voluntary subcontractors' weight on need (default: the scenario's "
        "behaviour.professional_norm, as for the others)",
    )
    specialist_effect: Sourced[Multiplier] = Field(
        description="a tier-2 specialist's effectiveness with the participants it is bought for, "
        "relative to an end-to-end provider's"
    )

    @model_validator(mode="after")
    def _sectors(self) -> SubcontractorPool:
        if self.voluntary_share.value + self.public_share.value > 1.0:
            raise FieldError(
                ("public_share",),
                "expected voluntary_share + public_share no more than 1; found "
                f"{self.voluntary_share.value + self.public_share.value}",
            )
        return self


class SupplyChainRules(Strict):
    """What a bid names: its supply chain, chosen by the matching rules from the pool."""

    pool: SubcontractorPool
    tier_1_per_bid: Sourced[Annotated[int, Field(ge=0, le=100)]]
    tier_2_per_bid: Sourced[Annotated[int, Field(ge=0, le=100)]]
    tier_1_planned_share: Sourced[Fraction] = Field(
        description="share of its referrals a bid plans to send its tier-1 subcontractors"
    )
    tier_2_planned_share: Sourced[Fraction] = Field(
        description="share of its referrals a bid plans to buy a specialist intervention for"
    )
    chain_weight: Sourced[Fraction] = Field(
        description="weight of the named chain's mean innovation in a bid's quality score"
    )
    overhead_share: Sourced[Fraction] = Field(
        description="a subcontractor's weekly overheads as a share of its planned weekly "
        "delivery cost"
    )
    matching: Matching
    consortia: bool = Field(
        default=False,
        description="the pool's voluntary organisations bid as one consortium per area and are "
        "named in no one's chain (set by a scenario's market.consortia)",
    )


class Market(Strict):
    """The organisations of a market and the procurement rules of its tenders."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    organisations: list[Organisation] = Field(min_length=1)
    procurement: Procurement
    supply_chains: SupplyChainRules | None = Field(
        default=None, description="bids name supply chains from a pool of subcontractors"
    )

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
