"""The scenario language: typed, validated models of a simulated commissioning system.

A scenario file (TOML) maps onto these models the way a contract file maps onto
`pbrlab.contracts.model`: unknown keys are errors, and every default number carries a `source`
or an `assumption`. Hazards are weekly probabilities; money is in pounds.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

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
from pbrlab.market.model import Matching

PositiveFloat = Annotated[StrictFloat, Field(gt=0.0, le=1e6, allow_inf_nan=False)]
Count = Annotated[StrictInt, Field(ge=0, le=100_000_000)]
Scale = Annotated[StrictFloat, Field(gt=0.0, le=1.0, allow_inf_nan=False)]
Rate = Annotated[StrictFloat, Field(gt=0.0, le=10.0, allow_inf_nan=False)]


class Calendar(Strict):
    """The simulated span: referrals from `start` to `referrals_end`, follow-up to `end`."""

    start: dt.date
    referrals_end: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Calendar:
        if not self.start < self.referrals_end <= self.end:
            raise FieldError(
                ("referrals_end",),
                f"expected start < referrals_end <= end; found {self.start}, "
                f"{self.referrals_end}, {self.end}",
            )
        return self


class Milestone(Strict):
    """Cumulative national referrals by a date (the published totals)."""

    date: dt.date
    cumulative: Sourced[Count]


class GroupMix(Strict):
    """Shares of referrals by payment group from a date until the next mix starts."""

    starts: dt.date
    shares: dict[Identifier, Fraction]
    source: str | None = Field(default=None, min_length=3)
    assumption: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _evidence_and_total(self) -> GroupMix:
        one_kind_of_evidence(self.source, self.assumption, "the mix")
        total = sum(self.shares.values())
        if abs(total - 1.0) > 1e-6:
            raise FieldError(("shares",), f"expected shares adding up to 1; found {total:.6f}")
        return self


class LaunchStock(Strict):
    """Who is referred at launch: the stock of long-term claimants, harder to help than the later
    flow. The mean employability (frailty) of people referred in week w is `employability` rising
    linearly to 1 at `weeks`, and 1 after. Both paths share it; providers' judgements of whom to
    serve see it too, so it can change service, and so impact, as well as outcomes."""

    employability: Sourced[Annotated[StrictFloat, Field(gt=0.0, le=1.0, allow_inf_nan=False)]]
    weeks: Sourced[PositiveInt] = Field(description="weeks until referrals are the usual flow")


class Referrals(Strict):
    milestones: list[Milestone] = Field(min_length=1)
    mix: list[GroupMix] = Field(min_length=1)
    launch: LaunchStock | None = Field(
        default=None, description="a harder stock referred at launch (none: every week alike)"
    )

    @model_validator(mode="after")
    def _increasing(self) -> Referrals:
        for i in range(1, len(self.milestones)):
            before, now = self.milestones[i - 1], self.milestones[i]
            if now.date <= before.date or now.cumulative.value < before.cumulative.value:
                raise FieldError(
                    ("milestones", i),
                    f"expected a later date and a cumulative count no smaller than "
                    f"{before.cumulative.value:,} on {before.date}; found "
                    f"{now.cumulative.value:,} on {now.date}",
                )
        for i in range(1, len(self.mix)):
            if self.mix[i].starts <= self.mix[i - 1].starts:
                raise FieldError(
                    ("mix", i, "starts"),
                    f"expected a date after {self.mix[i - 1].starts}; found {self.mix[i].starts}",
                )
        return self


class GroupBehaviour(Strict):
    """How participants of one payment group move in and out of work."""

    id: Identifier
    job_entry_hazard: Sourced[Fraction] = Field(
        description="weekly job-entry probability with no programme, at average labour demand"
    )
    frailty_shape: Sourced[PositiveFloat] = Field(
        description="gamma shape of individual employability (mean 1); smaller = more spread"
    )
    separation_hazard: Sourced[Fraction] = Field(
        description="weekly job-loss probability in the first 13 weeks of a job"
    )
    later_separation_hazard: Sourced[Fraction] = Field(
        description="weekly job-loss probability after 13 weeks in a job"
    )
    other_exit_hazard: Sourced[Fraction] = Field(
        description="weekly probability of leaving for reasons other than work"
    )


class Area(Strict):
    """A contract package area and its labour market."""

    id: Identifier
    name: str = Field(min_length=1)
    referral_share: Sourced[Fraction]
    unemployment: Sourced[Annotated[list[Fraction], Field(min_length=1)]] = Field(
        description="unemployment rate by calendar year from the calendar's start year"
    )


class Provider(Strict):
    """An organisation holding a contract in an area."""

    id: Identifier
    name: str = Field(min_length=1)
    organisation: Identifier | None = Field(
        default=None, description="the organisation holding this contract (default: the id)"
    )
    prime: Identifier | None = Field(
        default=None,
        description="for a subcontractor: the prime it delivers for (it gets no referrals of its "
        "own; its prime refers participants to it and passes payments on under the contract's "
        "subcontract terms)",
    )
    replaces: Identifier | None = Field(
        default=None,
        description="for a standby place holder: the prime whose place it takes if that prime "
        "exits and the commissioner re-tenders it (see market.retender); until then it trades "
        "with no one",
    )
    tier: Literal[1, 2] | None = Field(
        default=None,
        description="for a subcontractor: 1, end-to-end (serves the participants its prime refers "
        "on for the whole attachment; payments pass down), or 2, a specialist its prime buys on "
        "the spot per participant (see supply_chains); default 1",
    )
    management_fee: Sourced[Fraction] | None = Field(
        default=None,
        description="for a subcontractor: its prime's top-slice on what it passes down, in place "
        "of the contract's subcontract terms",
    )
    payment_lag_weeks: Sourced[Annotated[StrictInt, Field(ge=0, le=520)]] | None = Field(
        default=None,
        description="for a subcontractor: weeks its prime takes to pass payments down, in place "
        "of the contract's subcontract terms",
    )
    planned_share: Sourced[Fraction] | None = Field(
        default=None,
        description="for a subcontractor: the share of its prime's referrals the bid planned to "
        "send it (set against what it receives)",
    )
    area: Identifier
    sector: Literal["private", "voluntary", "public"]
    contract: str = Field(min_length=1, description="a contract preset name or .toml file")
    referral_share: Sourced[Fraction] | None = Field(
        default=None, description="share of the area's referrals (default: equal shares)"
    )
    adviser_hours_per_week: Sourced[PositiveFloat] = Field(
        description="this provider's adviser hours at national scale (the simulator scales it)"
    )
    cost_per_hour: Sourced[Money]
    starting_cash: Sourced[Money] = Field(
        description="cash at the start, at national scale (the simulator scales it)"
    )
    bid_discount: Sourced[Fraction] | None = Field(
        default=None, description="this provider's bid discount, in place of the contract's"
    )
    effectiveness: Sourced[Annotated[StrictFloat, Field(gt=0.0, le=10.0)]] | None = Field(
        default=None, description="multiplier on the service effect of its hours (default 1)"
    )
    fixed_cost_per_week: Sourced[Money] | None = Field(
        default=None,
        description="overheads paid every week whatever the caseload, national scale (default 0)",
    )
    credit_line: Sourced[Money] | None = Field(
        default=None, description="how far cash may fall below zero, at national scale (default 0)"
    )
    innovation: Sourced[Fraction] | None = Field(
        default=None, description="service-innovation capability at the start, 0-1 (default 0)"
    )
    professional_norm: Sourced[Fraction] | None = Field(
        default=None,
        description="its mission: weight on need rather than expected payment (default: the "
        "scenario's behaviour.professional_norm)",
    )
    groups: list[Identifier] | None = Field(
        default=None,
        description="the payment groups it takes referrals for (default: every group no service "
        "claims)",
    )


def holds_a_place(provider: Provider) -> bool:
    """A prime from the start: neither a subcontractor nor a standby for a re-tender."""
    return provider.prime is None and provider.replaces is None


class MarketPlan(Strict):
    """Buy the providers in a procurement round instead of naming them.

    Each area's places (as many as the scenario names providers there) go to the best bids of
    the market's organisations; an awarded organisation takes over a place's adviser hours, cost
    and starting cash, and holds `contract` at its bid discount.
    """

    market: str = Field(min_length=1, description="a market preset name or .toml file")
    contract: str = Field(min_length=1, description="the contract preset or file awarded")
    retender: bool = Field(
        default=False,
        description="when a prime exits, re-tender its place (on its contract's terms) among "
        "the organisations not holding a place in the area, instead of moving its caseload to "
        "the area's other primes",
    )
    places_per_area: Sourced[PositiveInt] | None = Field(
        default=None,
        description="smaller lots: tender this many places in every area, sharing the area's "
        "adviser hours and starting cash equally (default: the places the scenario names)",
    )
    consortia: bool = Field(
        default=False,
        description="let each area's voluntary organisations (from the market's pool of "
        "potential subcontractors) bid together, in their own area only, as one consortium",
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="changes laid over the market file (tables merge by key, organisations "
        "by id): e.g. a lower turnover threshold or other scoring weights",
    )


class ContractDesign(Strict):
    """A contract's design changed by one number (see `pbrlab.contracts.designs`), after any
    contract_overrides: e.g. `fixed_share` 0.3 pays 30% of each group's maximum up front, and
    `results_share` 0.7 keeps 70% of every payment per participant (beside a delivery fee)."""

    contract: str = Field(min_length=1, description="the contract preset or file changed")
    transform: Literal["attachment_taper", "fixed_share", "results_share"]
    value: Sourced[Fraction]


class Service(Strict):
    """A service commissioned apart from the primes for some payment groups: one provider per
    area, under one contract (a grant, an in-house budget, ...), sharing the service's national
    hours, cash and contract value by the areas' referral shares. The primes (and any market
    tender) serve the groups no service claims; if a service claims every group there are no
    primes and no tender (see `pbrlab.commissioning.services`)."""

    id: Identifier
    name: str = Field(min_length=1)
    groups: list[Identifier] = Field(min_length=1, description="the payment groups it serves")
    sector: Literal["private", "voluntary", "public"]
    contract: str = Field(min_length=1, description="a contract preset name or .toml file")
    adviser_hours_per_week: Sourced[PositiveFloat] = Field(
        description="the service's adviser hours across all areas, at national scale"
    )
    cost_per_hour: Sourced[Money]
    starting_cash: Sourced[Money] = Field(description="across all areas, at national scale")
    effectiveness: Sourced[Annotated[StrictFloat, Field(gt=0.0, le=10.0)]] | None = None
    innovation: Sourced[Fraction] | None = None
    professional_norm: Sourced[Fraction] | None = None
    fixed_cost_per_week: Sourced[Money] | None = Field(
        default=None, description="overheads across all areas, national scale (default 0)"
    )
    credit_line: Sourced[Money] | None = Field(
        default=None, description="across all areas, national scale (default 0)"
    )


class LabourMarket(Strict):
    reference_unemployment: Sourced[Fraction] = Field(
        description="the unemployment rate at which job-entry hazards take their stated values"
    )
    demand_elasticity: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=10.0)]] = Field(
        description="job-entry hazard scales as (reference / unemployment) ** elasticity"
    )
    duration_elasticity: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=10.0)]] = Field(
        description="job-entry hazard scales as (1 + weeks on the programme / 52) ** -elasticity"
    )
    weekly_earnings: Sourced[Money] = Field(
        description="pounds earned a week in work (used by earnings-threshold outcome triggers)"
    )
    entry_multiplier: Sourced[Rate] | None = Field(
        default=None,
        description="multiplies every group's job-entry hazard rate (none: 1): the level left "
        "free for calibration against the record",
    )
    job_loss_multiplier: Sourced[Rate] | None = Field(
        default=None,
        description="multiplies every group's separation hazard rates (none: 1): job retention "
        "left free for calibration against the record",
    )
    later_job_loss_multiplier: Sourced[Rate] | None = Field(
        default=None,
        description="further multiplies the later separation hazard rates, after 13 weeks in a "
        "job (none: 1): retention once a job has lasted, which the sustainment payments record "
        "and nothing else measures, left free for calibration",
    )


class Finance(Strict):
    """When providers fail: insolvency, exit, and what it costs their participants."""

    insolvency_weeks: Sourced[PositiveInt] = Field(
        description="weeks in a row with cash below minus the credit line before a provider exits"
    )
    pressure_service_share: Sourced[Fraction] = Field(
        description="share of its adviser hours a provider still gives while its cash is below zero"
    )
    disruption_weeks: Sourced[Annotated[StrictInt, Field(ge=0, le=104)]] = Field(
        description="weeks without service for participants moved from an exiting provider"
    )


class Relationships(Strict):
    """Innovation and local ties: capabilities that raise a provider's effectiveness over time.

    effectiveness = its own × (1 + ties_weight × ties + innovation_weight × innovation), divided
    by the same at the baseline ties and innovation (0 unless given).
    Ties with local organisations grow with time alone (money cannot speed them) and are lost
    when a provider exits, which also costs the area's other providers part of theirs (churn
    breaks local trust). Innovation grows only while a provider invests: in surplus and with at
    least `investment_horizon_weeks` of referrals ahead; otherwise it decays.
    """

    initial_ties: Sourced[Fraction]
    tie_growth: Sourced[Fraction] = Field(description="weekly share of the gap to full ties closed")
    churn_loss: Sourced[Fraction] = Field(
        description="share of their ties the area's other providers lose when one exits"
    )
    ties_weight: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=10.0)]]
    innovation_growth: Sourced[Fraction] = Field(
        description="weekly share of the gap to full capability closed while investing"
    )
    innovation_decay: Sourced[Fraction] = Field(description="weekly share lost while not investing")
    investment_horizon_weeks: Sourced[PositiveInt]
    innovation_weight: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=10.0)]]
    contract_weeks: Sourced[PositiveInt] | None = Field(
        default=None,
        description="the length of each contract term from the calendar's start: providers "
        "count referrals ahead only to the end of the current term (renewal is not assured), "
        "so short terms leave less time worth investing in (default: the whole referral "
        "period is one term, as the Work Programme's five-year contracts)",
    )
    baseline_ties: Sourced[Fraction] | None = Field(
        default=None,
        description="ties at which a provider's effectiveness is its own (the multiplier is "
        "divided by its value there): where a calibrated service effect was measured (default 0)",
    )
    baseline_innovation: Sourced[Fraction] | None = Field(
        default=None, description="innovation at which effectiveness is its own (default 0)"
    )


class SupplyChains(Strict):
    """How primes deal with their subcontractors after the award."""

    spot_price_gbp: Sourced[Money] = Field(
        description="what a prime pays a tier-2 specialist for each participant it buys a "
        "specialist intervention for (paid after the subcontract's payment lag)"
    )
    spot_weeks: Sourced[PositiveInt] = Field(
        description="weeks a specialist serves a participant bought on the spot before they go "
        "back to the prime"
    )
    end_below: Sourced[Fraction] | None = Field(
        default=None,
        description="at a contract year's end, a prime ends a tier-1 subcontract whose job "
        "outcomes so far are below this share of what its own in-house rates would have given "
        "the same referrals (default: never)",
    )
    end_minimum_expected: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=1e6)]] | None = Field(
        default=None,
        description="the outcomes its in-house rates would have given a subcontractor's "
        "referrals before the prime judges it (simulated counts; default 1)",
    )


class Employers(Strict):
    """How small employers come to take candidates from providers (see
    `pbrlab.engine.employers`)."""

    matching: Matching
    searches: Sourced[Annotated[StrictInt, Field(ge=1, le=100_000)]] = Field(
        description="employer choices drawn per area at each yearly review (the precision of "
        "the providers' shares; not a behavioural parameter)"
    )
    weight: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=5.0)]] = Field(
        description="how strongly a provider's share of employers' choices, against its share "
        "of the area's adviser hours, scales the effect of its service (0: not at all)"
    )


class Management(Strict):
    """How the commissioner manages providers at each contract year's end (see
    `pbrlab.commissioning.management`)."""

    share_shift_from_year: Sourced[PositiveInt] | None = Field(
        default=None,
        description="first contract year after whose end the contract's market-share shift applies",
    )
    terminate_after_years: Sourced[PositiveInt] | None = Field(
        default=None,
        description="year-ends in a row below every minimum performance level before termination",
    )


class Behaviour(Strict):
    """Provider decision parameters (the allocation rule of docs/simulation-design.md)."""

    judgement_noise: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=10.0)]] = Field(
        description="sd of the provider's error on the logit of each participant's outcome chance"
    )
    professional_norm: Sourced[Fraction] = Field(
        description="weight on need rather than expected payment (0 = pure profit, 1 = equal)"
    )
    service_effect: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=10.0)]] = Field(
        description="relative rise in the job-entry hazard at full service intensity"
    )
    full_service_hours: Sourced[PositiveFloat] = Field(
        description="adviser hours per week that count as full service intensity"
    )
    minimum_contact_hours: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=40.0)]]
    parked_below_hours: Sourced[Annotated[StrictFloat, Field(ge=0.0, le=40.0)]] = Field(
        description="average weekly hours below which a participant counts as parked"
    )


class Scenario(Strict):
    """A simulated commissioning system: who is referred, where, to whom, under which contract."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    extends: str | None = Field(
        default=None, description="a scenario preset or file whose values this one overrides"
    )
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
    scale: Scale = Field(description="fraction of national volumes simulated")
    calendar: Calendar
    attachment_weeks: Sourced[PositiveInt]
    referrals: Referrals
    groups: list[GroupBehaviour] = Field(min_length=1)
    areas: list[Area] = Field(min_length=1)
    providers: list[Provider] = Field(min_length=1)
    labour_market: LabourMarket
    behaviour: Behaviour
    market: MarketPlan | None = None
    contract_overrides: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="changes laid over the contracts the providers hold, by contract name "
        "(tables merge by key, groups by id): how an experiment varies a contract's design",
    )
    finance: Finance | None = Field(
        default=None, description="insolvency rules; without them providers never fail"
    )
    management: Management | None = Field(
        default=None, description="performance management; without it none"
    )
    relationships: Relationships | None = Field(
        default=None, description="innovation and local ties; without them effectiveness is fixed"
    )
    employers: Employers | None = Field(
        default=None,
        description="how employers choose providers' candidates; without it, they do not choose",
    )
    supply_chains: SupplyChains | None = Field(
        default=None,
        description="spot purchase and ending of subcontracts; needed when a provider is tier 2",
    )
    contract_designs: list[ContractDesign] = Field(
        default_factory=list,
        description="contract designs laid over the contracts the providers hold, in order",
    )
    services: list[Service] = Field(
        default_factory=list,
        description="services commissioned apart from the primes for some payment groups",
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        groups = [g.id for g in self.groups]
        areas = [a.id for a in self.areas]
        providers = [p.id for p in self.providers]
        for name, ids in (("groups", groups), ("areas", areas), ("providers", providers)):
            ids_not_repeated(name, ids)
        for m, mix in enumerate(self.referrals.mix):
            for group in mix.shares:
                _known(group, groups, ("referrals", "mix", m, "shares", group))
        total = sum(a.referral_share.value for a in self.areas)
        if abs(total - 1.0) > 1e-6:
            raise FieldError(
                ("areas",), f"expected area referral shares adding up to 1; found {total:.6f}"
            )
        claimed = _services_consistent(self.services, groups)
        primes = {p.id: p for p in self.providers if holds_a_place(p)}
        for p, provider in enumerate(self.providers):
            for group in provider.groups or []:
                _known(group, groups, ("providers", p, "groups"))
                if group in claimed:
                    raise FieldError(
                        ("providers", p, "groups"),
                        f"expected groups no service claims; found {group!r}, which service "
                        f"{claimed[group]!r} serves",
                    )
            if provider.area not in areas:
                raise FieldError(
                    ("providers", p, "area"),
                    f"expected one of the scenario's areas; found {provider.area!r}",
                )
            own_terms = ("tier", "planned_share", "management_fee", "payment_lag_weeks")
            given = [name for name in own_terms if getattr(provider, name) is not None]
            if provider.prime is None and given:
                raise FieldError(
                    ("providers", p, given[0]),
                    "expected a subcontractor (a provider with a prime); found a prime",
                )
            if provider.tier == 2 and self.supply_chains is None:
                raise FieldError(
                    ("providers", p, "tier"),
                    "expected a [supply_chains] section (spot price and weeks) for a tier-2 "
                    "specialist; found none",
                )
            replaced = primes.get(provider.replaces or "")
            if provider.replaces is not None and (
                provider.prime is not None
                or replaced is None
                or (replaced.area, replaced.contract) != (provider.area, provider.contract)
            ):
                raise FieldError(
                    ("providers", p, "replaces"),
                    "expected a prime from the start in the same area with the same contract "
                    f"(and no prime of its own); found {provider.replaces!r}",
                )
            prime = primes.get(provider.prime or "")
            if provider.prime is not None and (
                prime is None or (prime.area, prime.contract) != (provider.area, provider.contract)
            ):
                raise FieldError(
                    ("providers", p, "prime"),
                    "expected a prime (a provider with no prime of its own) in the same area "
                    f"with the same contract; found {provider.prime!r}",
                )
        held = {p.contract for p in self.providers} | (
            {self.market.contract} if self.market else set()
        )
        held |= {s.contract for s in self.services}
        for name in self.contract_overrides:
            if name not in held:
                raise FieldError(
                    ("contract_overrides", name),
                    f"expected a contract the providers hold {sorted(held)}; found {name!r}",
                )
        for d, design in enumerate(self.contract_designs):
            if design.contract not in held:
                raise FieldError(
                    ("contract_designs", d, "contract"),
                    f"expected a contract the providers hold {sorted(held)}; found "
                    f"{design.contract!r}",
                )
        unclaimed = [g for g in groups if g not in claimed]
        if not unclaimed:
            return self  # the services serve every group: the primes are not needed
        for a, area in enumerate(self.areas):
            taken = {
                group
                for p in self.providers
                if p.area == area.id and holds_a_place(p)
                for group in (p.groups or unclaimed)
            }
            if not taken:
                raise FieldError(
                    ("areas", a, "id"), f"expected at least one prime provider in area {area.id!r}"
                )
            missing = [g for g in unclaimed if g not in taken]
            if missing:
                raise FieldError(
                    ("areas", a, "id"),
                    f"expected a prime taking every payment group in area {area.id!r}; found "
                    f"none for {missing}",
                )
        return self


def _known(group: str, groups: list[str], where: tuple[str | int, ...]) -> None:
    if group not in groups:
        raise FieldError(where, f"expected one of the scenario's groups {groups}; found {group!r}")


def _services_consistent(services: list[Service], groups: list[str]) -> dict[str, str]:
    """Known groups, each claimed by one service at most; the service claiming each group."""
    ids_not_repeated("services", [s.id for s in services])
    claimed: dict[str, str] = {}
    for s, service in enumerate(services):
        for group in service.groups:
            _known(group, groups, ("services", s, "groups"))
            if group in claimed:
                raise FieldError(
                    ("services", s, "groups"),
                    f"expected each group in one service at most; found {group!r} already in "
                    f"service {claimed[group]!r}",
                )
            claimed[group] = service.id
    return claimed
