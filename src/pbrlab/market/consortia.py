"""Consortia: an area's voluntary organisations bidding together, as local commissioning allows.

Small voluntary organisations cannot meet a national prequalification threshold alone; together
they can ("several hundred local consortia in the UK, ranging in size from three or four members
to more than 100", Third Sector, c. 2012). Each area's consortium gathers the voluntary
organisations of the market's pool of potential subcontractors there (the same pool the bids'
supply chains come from, drawn from the same stream), pools their turnover and reserves, and
brings their mean innovation and effectiveness and the voluntary sector's mission. It bids only
for its own area's lots.
"""

from __future__ import annotations

import numpy as np

from pbrlab.arrays import FloatArray
from pbrlab.contracts.model import derived
from pbrlab.market.model import SECTORS, Market, Organisation
from pbrlab.market.supply import draw_pool, pool_generator


def with_consortia(market: Market, areas: tuple[str, ...], share: FloatArray, seed: int) -> Market:
    """The market with one consortium per area that has voluntary organisations in its pool,
    whose members then sit in no bid's supply chain (they bid together instead)."""
    rules = market.supply_chains
    if rules is None:
        return market
    pool = draw_pool(rules.pool, share, pool_generator(seed, 0))
    voluntary = pool.sector == SECTORS.index("voluntary")
    consortia = []
    for a, area in enumerate(areas):
        members = np.flatnonzero(voluntary & (pool.area == a))
        if not members.size:
            continue
        how = f"of its {members.size} members in the {market.id} pool (seed {seed})"
        consortia.append(
            Organisation(
                id=f"{area}-consortium",
                name=f"Consortium of {members.size} voluntary organisations in {area}",
                sector="voluntary",
                turnover_gbp=derived(pool.turnover[members].sum(), f"the sum {how}"),
                reserves_gbp=derived(pool.reserves[members].sum(), f"the sum {how}"),
                innovation=derived(pool.innovation[members].mean(), f"the mean {how}"),
                effectiveness=derived(pool.effectiveness[members].mean(), f"the mean {how}"),
                professional_norm=rules.pool.voluntary_professional_norm,
                areas=[area],
            )
        )
    return market.model_copy(
        update={
            "organisations": [*market.organisations, *consortia],
            "supply_chains": rules.model_copy(update={"consortia": True}),
        }
    )
