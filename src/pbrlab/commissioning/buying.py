"""How the commissioner buys delivery: a tender for the groups the primes serve, and services
commissioned directly for the rest. The one place the run paths turn a scenario into what is
simulated."""

from __future__ import annotations

from pbrlab.commissioning.services import claims_every_group, commission_services
from pbrlab.market.awards import Tender, tender
from pbrlab.scenarios.model import Scenario


def buy(scenario: Scenario, label: str = "scenario") -> tuple[Tender | None, Scenario]:
    """The tender held (if any) and the scenario as simulated: awarded primes, then services."""
    if claims_every_group(scenario):
        return None, commission_services(scenario)
    bought = tender(scenario, label)
    awarded = scenario if bought is None else bought.scenario
    return bought, commission_services(awarded)
