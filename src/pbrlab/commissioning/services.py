"""Services commissioned apart from the primes: one provider per area for some payment groups.

A commissioner may buy different groups in different ways (payment by results for jobseekers,
grants for sick and disabled claimants; or everything in-house). A scenario's `services` say so
as data; this module turns each into providers, one per area, each with the area's referral
share of the service's hours, cash, overheads and contract value. The primes keep the groups no
service claims, with the share of their hours and cash those groups' referrals were. When
services claim every group there is nothing left to tender: the primes and the market plan are
dropped.
"""

from __future__ import annotations

from pbrlab.contracts.model import derived
from pbrlab.population.referrals import expected_referrals
from pbrlab.scenarios.model import Area, Provider, Scenario, Service

SHARE_NOTE = "the area's referral share of the service's national figure"


def commission_services(scenario: Scenario) -> Scenario:
    """The scenario with its services as providers (and no `services` left to expand)."""
    if not scenario.services:
        return scenario
    left = unclaimed(scenario)
    kept = kept_share(scenario, left)
    primes = [_kept(p, left, kept) for p in scenario.providers]
    direct = [_provider(s, area) for s in scenario.services for area in scenario.areas]
    update: dict[str, object] = {"providers": (primes if left else []) + direct, "services": []}
    if not left:
        update["market"] = None
    return scenario.model_copy(update=update)


def kept_share(scenario: Scenario, groups: list[str]) -> float:
    """The share of the expected referrals in `groups`."""
    expected = expected_referrals(scenario).expected.sum(axis=0)
    mine = [i for i, g in enumerate(scenario.groups) if g.id in groups]
    return float(expected[mine].sum() / expected.sum())


def _kept(provider: Provider, left: list[str], kept: float) -> Provider:
    """The primes (and their chains) keep the groups no service claims, and the share of their
    adviser hours, starting cash, overheads and credit that those groups' referrals were (their
    places were sized for every group)."""
    note = f"{kept:.4f} of the place's figure: the share of referrals in the groups it keeps"
    update: dict[str, object] = {
        "groups": provider.groups or left,
        "adviser_hours_per_week": derived(provider.adviser_hours_per_week.value * kept, note),
        "starting_cash": derived(provider.starting_cash.value * kept, note),
    }
    for name in ("fixed_cost_per_week", "credit_line"):
        value = getattr(provider, name)
        if value is not None:
            update[name] = derived(value.value * kept, note)
    return provider.model_copy(update=update)


def claims_every_group(scenario: Scenario) -> bool:
    """Whether services leave the primes nothing to serve (so no tender is held)."""
    return bool(scenario.services) and not unclaimed(scenario)


def unclaimed(scenario: Scenario) -> list[str]:
    """The payment groups no service claims: the primes'."""
    claimed = {group for service in scenario.services for group in service.groups}
    return [g.id for g in scenario.groups if g.id not in claimed]


def _provider(service: Service, area: Area) -> Provider:
    share = area.referral_share.value
    note = f"{SHARE_NOTE} ({share:.4f})"
    return Provider(
        id=f"{area.id}-{service.id}",
        name=f"{service.name}, {area.name}",
        area=area.id,
        sector=service.sector,
        contract=service.contract,
        groups=list(service.groups),
        adviser_hours_per_week=derived(service.adviser_hours_per_week.value * share, note),
        cost_per_hour=service.cost_per_hour,
        starting_cash=derived(service.starting_cash.value * share, note),
        fixed_cost_per_week=None
        if service.fixed_cost_per_week is None
        else derived(service.fixed_cost_per_week.value * share, note),
        credit_line=None
        if service.credit_line is None
        else derived(service.credit_line.value * share, note),
        effectiveness=service.effectiveness,
        innovation=service.innovation,
        professional_norm=service.professional_norm,
    )
