"""A scenario compiled once into the arrays the weekly loop reads: calendar, hazards, contracts.

The scenario stays a pure parameter object (hashable, picklable); everything derived from it
for a run lives here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.contracts.designs import TRANSFORMS
from pbrlab.contracts.load import contract_data, load_contract, parse_contract
from pbrlab.contracts.model import (
    Contract,
    EarningsThreshold,
    PaymentKind,
    Sourced,
    SubcontractTerms,
)
from pbrlab.errors import InputError
from pbrlab.payments.rules import GroupRules, compile_rules, to_day
from pbrlab.population.cohorts import serves
from pbrlab.population.employment import TENURE_SPLIT, rate
from pbrlab.population.referrals import simulated_weeks
from pbrlab.providers.allocation import Policy, Stakes
from pbrlab.scenarios.load import overlay
from pbrlab.scenarios.model import Provider, Scenario, holds_a_place


@dataclass(frozen=True)
class World:
    scenario: Scenario
    label: str  # the scenario's file or preset name, for messages
    week_start: IntArray  # day number of each simulated week
    as_of: int  # the last simulated day
    attachment_weeks: int
    entry_rate: FloatArray  # by group, weekly hazard rates
    separation_rate: FloatArray
    later_separation_rate: FloatArray
    leave_rate: FloatArray
    demand: FloatArray  # [week, area] labour-demand factor on job entry
    duration: FloatArray  # [programme week] duration factor on job entry (both paths)
    contracts: list[Contract]
    contract_names: list[str]  # as the providers name them (preset or file)
    contract_base: IntArray  # [contract] the first contract with the same rules but for prices
    rules: list[GroupRules]
    provider_contract: IntArray  # [provider] index into contracts
    contract_group: IntArray  # [contract, scenario group] index into the contract's groups
    stakes: Stakes
    policy: Policy
    daily_earnings: float
    fixed_cost: FloatArray  # [provider] pounds a week, scaled
    credit_line: FloatArray  # [provider] pounds, scaled
    payee: IntArray  # [provider] who the commissioner pays: its prime for a subcontractor
    tier: IntArray  # [provider] 0 a prime, 1 an end-to-end subcontractor, 2 a spot specialist
    standby: IntArray  # [provider] the standby that would take its place at a re-tender, or -1
    serves: BoolArray  # [provider, group] whether it takes the group's referrals
    value_share: FloatArray  # [provider] its share of its contract's delivery-fee value

    @property
    def weeks(self) -> int:
        return int(self.week_start.size)

    def contract_year(self, contract: IntArray, day: IntArray) -> IntArray:
        """0-based contract year of each day, under each participant's contract."""
        year = np.zeros(day.size, np.int64)
        for c, rules in enumerate(self.rules):
            mine = contract == c
            year[mine] = rules.year_of(day[mine])
        return year


def build_world(scenario: Scenario, label: str = "scenario") -> World:
    weeks = simulated_weeks(scenario)
    groups = scenario.groups
    contracts, names, provider_contract, base = _contracts(scenario, label)
    rules = [compile_rules(c) for c in contracts]
    contract_group = _contract_groups(scenario, contracts, provider_contract, label)
    market = scenario.labour_market
    entry = _multiplier(market.entry_multiplier)
    job_loss = _multiplier(market.job_loss_multiplier)
    separation = job_loss * rate(np.array([g.separation_hazard.value for g in groups]))
    later_loss = job_loss * _multiplier(market.later_job_loss_multiplier)
    later = later_loss * rate(np.array([g.later_separation_hazard.value for g in groups]))
    weekly_earnings = scenario.labour_market.weekly_earnings.value
    stakes = _stakes(contracts, rules, contract_group, separation, later, weekly_earnings)
    return World(
        scenario=scenario,
        label=label,
        week_start=weeks,
        as_of=to_day(scenario.calendar.end),
        attachment_weeks=scenario.attachment_weeks.value,
        entry_rate=entry * rate(np.array([g.job_entry_hazard.value for g in groups])),
        separation_rate=separation,
        later_separation_rate=later,
        leave_rate=rate(np.array([g.other_exit_hazard.value for g in groups])),
        demand=_demand(scenario, weeks),
        duration=(1.0 + np.arange(weeks.size) / 52.0)
        ** -scenario.labour_market.duration_elasticity.value,
        contracts=contracts,
        contract_names=names,
        contract_base=base,
        rules=rules,
        provider_contract=provider_contract,
        contract_group=contract_group,
        stakes=stakes,
        policy=_policy(scenario, _paid_on_results(stakes, provider_contract, len(groups))),
        daily_earnings=weekly_earnings / 7.0,
        payee=_payees(scenario, contracts, provider_contract, label),
        standby=_standbys(scenario),
        tier=np.array(
            [0 if p.prime is None else (p.tier or 1) for p in scenario.providers], np.int64
        ),
        fixed_cost=_per_provider(scenario, "fixed_cost_per_week") * scenario.scale,
        credit_line=_per_provider(scenario, "credit_line") * scenario.scale,
        serves=serves(scenario),
        value_share=_value_shares(scenario, contracts, provider_contract, base),
    )


def _payees(
    scenario: Scenario, contracts: list[Contract], provider_contract: IntArray, label: str
) -> IntArray:
    """Each provider's payee: itself, or for a subcontractor its prime (whose contract must say
    how payments pass down)."""
    ids = [p.id for p in scenario.providers]
    payee = np.arange(len(ids))
    for p, provider in enumerate(scenario.providers):
        if provider.prime is None:
            continue
        payee[p] = ids.index(provider.prime)
        if contracts[int(provider_contract[p])].subcontract is None:
            raise InputError(
                label,
                f"providers[{provider.id}].prime",
                f"expected a contract with subcontract terms for a subcontractor; "
                f"{provider.contract!r} has none",
            )
    return payee


def _multiplier(factor: Sourced[float] | None) -> float:
    return 1.0 if factor is None else factor.value


def _standbys(scenario: Scenario) -> IntArray:
    ids = [p.id for p in scenario.providers]
    standby = np.full(len(ids), -1, np.int64)
    for s, provider in enumerate(scenario.providers):
        if provider.replaces is not None:
            standby[ids.index(provider.replaces)] = s
    return standby


def _per_provider(scenario: Scenario, name: str) -> FloatArray:
    """A provider's optional money value (0 when not given)."""
    values = [getattr(p, name) for p in scenario.providers]
    return np.array([0.0 if v is None else float(v.value) for v in values])


def _demand(scenario: Scenario, weeks: IntArray) -> FloatArray:
    """(reference unemployment / area unemployment in the week's calendar year) ** elasticity."""
    market = scenario.labour_market
    first_year = scenario.calendar.start.year
    years = weeks.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    columns = []
    for area in scenario.areas:
        path = np.array(area.unemployment.value)
        index = np.clip(years - first_year, 0, path.size - 1)
        columns.append(path[index])
    unemployment = np.column_stack(columns)
    ratio = market.reference_unemployment.value / np.maximum(unemployment, 1e-6)
    return np.asarray(ratio**market.demand_elasticity.value, np.float64)


def _contracts(
    scenario: Scenario, label: str
) -> tuple[list[Contract], list[str], IntArray, IntArray]:
    """One contract per distinct (contract, bid discount, subcontract terms) the providers hold.

    Contracts that differ only in their bid discount or a subcontractor's own terms share a base:
    the same triggers, so the kernel advances them together and only prices them apart.
    """
    loaded: dict[str, Contract] = {}
    keys: list[tuple[str, float | None, tuple[float, int] | None]] = []
    names: list[str] = []
    contracts: list[Contract] = []
    base: list[int] = []
    first: dict[str, int] = {}
    index = []
    for provider in scenario.providers:
        if provider.contract not in loaded:
            try:
                loaded[provider.contract] = scaled(
                    _with_overrides(scenario, provider.contract), scenario.scale
                )
            except InputError as exc:
                where = f"providers[{provider.id}].contract"
                raise InputError(
                    label, where, f"cannot load {provider.contract!r}: {exc}"
                ) from None
        contract, name = loaded[provider.contract], provider.contract
        discount = None if provider.bid_discount is None else provider.bid_discount.value
        if provider.bid_discount is not None:
            contract = contract.model_copy(update={"bid_discount": provider.bid_discount})
            name = f"{name} (bid discount {discount})"
        terms = _own_terms(contract, provider)
        if terms is not None:
            contract = contract.model_copy(update={"subcontract": terms})
            name = f"{name} (fee {terms.management_fee.value}, lag {terms.payment_lag_weeks.value})"
        own = None if terms is None else (terms.management_fee.value, terms.payment_lag_weeks.value)
        key = (provider.contract, discount, own)
        if key not in keys:
            first.setdefault(provider.contract, len(keys))
            base.append(first[provider.contract])
            keys.append(key)
            names.append(name)
            contracts.append(contract)
        index.append(keys.index(key))
    return contracts, names, np.array(index, np.int64), np.array(base, np.int64)


def _with_overrides(scenario: Scenario, name: str) -> Contract:
    """The contract a provider names, with the scenario's overrides for it laid over."""
    changes = scenario.contract_overrides.get(name)
    designs = [d for d in scenario.contract_designs if d.contract == name]
    if changes is None and not designs:
        return load_contract(name)
    data, label = contract_data(name)
    data = overlay(data, changes or {})
    for design in designs:
        data = TRANSFORMS[design.transform](data, design.value.value)
    changed = f"contract_overrides[{name}]" if changes else ""
    changed += (" and " if changes and designs else "") + ("contract_designs" if designs else "")
    return parse_contract(data, f"{label} with {changed}")


def _own_terms(contract: Contract, provider: Provider) -> SubcontractTerms | None:
    """A subcontractor's own management fee and payment lag laid over its contract's terms."""
    terms = contract.subcontract
    if terms is None or (provider.management_fee is None and provider.payment_lag_weeks is None):
        return None
    update: dict[str, object] = {}
    if provider.management_fee is not None:
        update["management_fee"] = provider.management_fee
    if provider.payment_lag_weeks is not None:
        update["payment_lag_weeks"] = provider.payment_lag_weeks
    return terms.model_copy(update=update)


def scaled(contract: Contract, scale: float) -> Contract:
    """A contract's fixed sums times `scale` (payments per participant scale by themselves): a
    delivery fee's contract value, at the simulated scale or for one provider's share."""
    fee = contract.delivery_fee
    if fee is None or scale == 1.0:
        return contract
    value = fee.contract_value.model_copy(update={"value": fee.contract_value.value * scale})
    return contract.model_copy(
        update={"delivery_fee": fee.model_copy(update={"contract_value": value})}
    )


def _contract_groups(
    scenario: Scenario, contracts: list[Contract], provider_contract: IntArray, label: str
) -> IntArray:
    """Each contract's index of each scenario group; a used contract must price every group."""
    table = np.full((len(contracts), len(scenario.groups)), -1, np.int64)
    for c, contract in enumerate(contracts):
        ids = [g.id for g in contract.groups]
        for g, group in enumerate(scenario.groups):
            if group.id in ids:
                table[c, g] = ids.index(group.id)
                continue
            provider = scenario.providers[int(np.flatnonzero(provider_contract == c)[0])]
            raise InputError(
                label,
                f"providers[{provider.id}].contract",
                f"expected a contract with a payment group for every scenario group; "
                f"{provider.contract!r} has no {group.id!r} (it has {ids})",
            )
    return table


def _stakes(
    contracts: list[Contract],
    rules: list[GroupRules],
    contract_group: IntArray,
    separation: FloatArray,
    later: FloatArray,
    weekly_earnings: float,
) -> Stakes:
    """Rows are contract × scenario group (row = contract * groups + group)."""
    n_groups = contract_group.shape[1]
    years = max(r.n_years for r in rules)
    rows = len(contracts) * n_groups
    outcome = np.zeros((rows, years))
    sustain = np.zeros((rows, years))
    sustain_max = np.zeros(rows, np.int64)
    retention = np.ones(rows)
    cap = np.zeros(rows)
    for c, (contract, rule) in enumerate(zip(contracts, rules, strict=True)):
        for g in range(n_groups):
            row, cg = c * n_groups + g, contract_group[c, g]
            outcome[row] = _pad(rule.fees[PaymentKind.job_outcome][cg], years)
            sustain[row] = _pad(rule.fees[PaymentKind.sustainment][cg], years)
            sustain_max[row] = rule.sustain_max[cg]
            cap[row] = rule.cap
            weeks = _weeks_to_outcome(contract, cg, weekly_earnings)
            early = min(weeks, TENURE_SPLIT)
            retention[row] = np.exp(-(separation[g] * early + later[g] * (weeks - early)))
    return Stakes(outcome, sustain, sustain_max, retention, cap)


def _weeks_to_outcome(contract: Contract, group: int, weekly_earnings: float) -> float:
    outcome = contract.groups[group].job_outcome
    if outcome is None:
        return 0.0
    trigger = outcome.trigger
    if isinstance(trigger, EarningsThreshold):
        return float(np.ceil(trigger.threshold.value / max(weekly_earnings, 1e-9)))
    return float(trigger.weeks.value)


def _pad(values: FloatArray, size: int) -> FloatArray:
    return np.asarray(np.r_[values, np.full(size - values.size, values[-1])], np.float64)


def _value_shares(
    scenario: Scenario, contracts: list[Contract], provider_contract: IntArray, base: IntArray
) -> FloatArray:
    """[provider] the share of its contract's delivery-fee value it is paid: all of it for a
    fee per provider; for a budget, the share its adviser hours are of the hours of all the
    primes holding the contract from the start (subcontractors and standbys get none)."""
    shares = np.ones(len(scenario.providers))
    hours = np.array([p.adviser_hours_per_week.value for p in scenario.providers])
    holds = base[provider_contract]
    for c, contract in enumerate(contracts):
        fee = contract.delivery_fee
        if fee is None or fee.per != "budget" or base[c] != c:
            continue
        mine = holds == c
        primes = mine & np.array([holds_a_place(p) for p in scenario.providers])
        shares[mine] = 0.0
        shares[primes] = hours[primes] / hours[primes].sum()
    return shares


def _paid_on_results(stakes: Stakes, provider_contract: IntArray, n_groups: int) -> BoolArray:
    """[provider] whether its contract pays anything for outcomes (a grant or a budget does
    not: nothing rides on whom its advisers see)."""
    pays = np.asarray(
        (stakes.outcome_fee > 0).any(axis=1)
        | ((stakes.sustainment_fee > 0).any(axis=1) & (stakes.sustainment_max > 0)),
        np.bool_,
    )
    by_contract: BoolArray = np.asarray(pays.reshape(-1, n_groups).any(axis=1), np.bool_)
    return np.asarray(by_contract[provider_contract], np.bool_)


def _policy(scenario: Scenario, paid_on_results: BoolArray) -> Policy:
    b = scenario.behaviour
    return Policy(
        paid_on_results=paid_on_results,
        judgement_noise=b.judgement_noise.value,
        professional_norm=np.array(
            [(p.professional_norm or b.professional_norm).value for p in scenario.providers]
        ),
        service_effect=b.service_effect.value,
        full_service_hours=b.full_service_hours.value,
        minimum_contact_hours=b.minimum_contact_hours.value,
        capacity=np.array([p.adviser_hours_per_week.value for p in scenario.providers])
        * scenario.scale,
        effectiveness=np.array(
            [1.0 if p.effectiveness is None else p.effectiveness.value for p in scenario.providers]
        ),
        cost_per_hour=np.array([p.cost_per_hour.value for p in scenario.providers]),
    )
