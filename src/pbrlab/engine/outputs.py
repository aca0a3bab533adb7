"""A simulation's results as tables: weekly timeseries, referral cohorts, and the summary.

Definitions (also in docs/simulation-design.md):
- a *job outcome within 12 (24) months* of referral triggers within 365 (730) days of it; a
  cohort is *complete* for that window when its last referral day plus the window has passed;
- `job_outcome_rate_24m` is over participants referred at least 730 days before the end;
- `parked_share` is the share of participants ever eligible for service (attached, on the
  programme, out of work) whose average weekly hours while eligible stayed below the scenario's
  `parked_below_hours`;
- `deadweight_gbp` is what the contract would have paid for the counterfactual path's outcomes
  and sustainment (due by the end): payments for what would have happened anyway;
- `additional_outcomes` is treated minus counterfactual job outcomes by the end of the run;
- at the end everyone referred is `on_programme` (attached), `completed` (attachment over) or
  `left_early` (left the programme other than for work during attachment);
- `record` measures the run as the published record measured the programme (see
  `pbrlab.calibration.measures`), with monthly curves;
- `providers` gives each provider's receipts, costs (adviser hours given, overheads, and for a
  prime what it passed on to its subcontractors), surplus, and its cash at the end and at its
  lowest; for a subcontractor its prime, for a prime how many newcomers it referred on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.calibration.measures import record_measures
from pbrlab.contracts.model import PARTICIPANT_KINDS, PaymentKind
from pbrlab.engine.payments import Priced
from pbrlab.engine.simulate import Simulation
from pbrlab.engine.tally import COUNTS, SUMS
from pbrlab.market.model import PATTERNS
from pbrlab.payments.rules import KIND_CODE, KINDS, NO_DAY
from pbrlab.tables import coded, dates

WINDOWS = {"12m": 365, "24m": 730}
COMMISSIONER_KINDS = tuple(k for k in KINDS if k is not PaymentKind.management_fee)


def timeseries(sim: Simulation) -> pa.Table:
    """One row per week × payment group × provider; provider-level payments on null-group rows."""
    tally, world = sim.tally, sim.world
    slots = tally.shape[1]
    w, g, p = (a.ravel() for a in np.indices(tally.shape))
    columns: dict[str, Any] = {name: tally.counts[name].ravel() for name in COUNTS}
    columns.update({name: tally.sums[name].ravel() for name in SUMS if _paid_kind_kept(name)})
    level = g == slots - 1
    keep = ~level | (sum(columns[n] for n in columns if n.startswith("paid_")) != 0)
    group_ids = [grp.id for grp in world.scenario.groups]
    provider_ids = [prov.id for prov in world.scenario.providers]
    table: dict[str, pa.Array] = {
        "week_start": dates(world.week_start[w[keep]]),
        "payment_group": coded(g[keep], group_ids, missing=level[keep]),
        "provider_id": coded(p[keep], provider_ids),
        "attachments": pa.array(columns["referrals"][keep]),
    }
    for name, values in columns.items():
        table[name] = pa.array(values[keep])
    table["provider_cash"] = pa.array(sim.cash.history[w[keep], p[keep]])
    return pa.table(table)


def _paid_kind_kept(name: str) -> bool:
    return name != f"paid_{PaymentKind.management_fee.value}"


def cohorts(sim: Simulation) -> pa.Table:
    """Per referral month × payment group: referrals and outcomes within 12 and 24 months."""
    people, world = sim.people, sim.world
    month = people.referral_day.astype("datetime64[D]").astype("datetime64[M]")
    months, month_index = np.unique(month, return_inverse=True)
    n_groups = len(world.scenario.groups)
    key = month_index * n_groups + people.group
    size = months.size * n_groups

    def count(mask: BoolArray) -> IntArray:
        return np.bincount(key[mask], minlength=size)

    referrals = count(np.ones(people.size, np.bool_))
    columns: dict[str, Any] = {"referrals": referrals}
    month_end = (months + 1).astype("datetime64[D]").astype(np.int64) - 1
    for label, days in WINDOWS.items():
        columns[f"job_outcomes_{label}"] = count(_within(sim.book.treated.outcome_day, sim, days))
        columns[f"counterfactual_outcomes_{label}"] = count(
            _within(sim.book.counterfactual.outcome_day, sim, days)
        )
        columns[f"complete_{label}"] = np.repeat(month_end + days <= world.as_of, n_groups)
    m, g = np.divmod(np.arange(size), n_groups)
    keep = referrals > 0
    table: dict[str, pa.Array] = {
        "referral_month": pa.array(months.astype("datetime64[D]")[m[keep]]),
        "payment_group": coded(g[keep], [grp.id for grp in world.scenario.groups]),
    }
    table.update({name: pa.array(values[keep]) for name, values in columns.items()})
    return pa.table(table)


def _within(outcome_day: IntArray, sim: Simulation, days: int) -> BoolArray:
    achieved = (outcome_day != NO_DAY) & (outcome_day <= sim.world.as_of)
    return np.asarray(achieved & (outcome_day - sim.people.referral_day < days), np.bool_)


def summary(sim: Simulation) -> dict[str, Any]:
    """Per payment group and overall; counts are simulated, `scale` converts to national."""
    people, world = sim.people, sim.world
    complete = people.referral_day + WINDOWS["24m"] <= world.as_of
    treated_24 = _within(sim.book.treated.outcome_day, sim, WINDOWS["24m"])
    cf_24 = _within(sim.book.counterfactual.outcome_day, sim, WINDOWS["24m"])
    treated = _within(sim.book.treated.outcome_day, sim, 10**9)
    cf = _within(sim.book.counterfactual.outcome_day, sim, 10**9)
    status = _status(sim)
    served = sim.served_weeks > 0
    mean_hours = sim.service_hours / np.maximum(sim.served_weeks, 1)
    parked = served & (mean_hours < world.scenario.behaviour.parked_below_hours.value)
    paid = _payable(sim.payments, world.as_of)
    anyway = _payable(sim.deadweight, world.as_of)
    groups: dict[str, Any] = {}
    for g, group in enumerate(world.scenario.groups):
        mine = people.group == g
        spend = _spend(paid.kind, paid.amount, people.group[paid.participant] == g)
        deadweight = float(anyway.amount[people.group[anyway.participant] == g].sum())
        groups[group.id] = _figures(
            mine, complete, treated_24, cf_24, treated, cf, served, parked, spend, status
        )
        groups[group.id]["deadweight_gbp"] = round(deadweight, 2)
        groups[group.id].update(sustained_jobs(sim, mine))
    everyone = np.ones(people.size, np.bool_)
    spend = _spend(paid.kind, paid.amount, np.ones(paid.size, np.bool_))
    kind, _, _, amount = sim.cash.provider_payments
    for code, pounds in zip(kind, amount, strict=True):
        spend[KINDS[code].value] = round(spend[KINDS[code].value] + float(pounds), 2)
    overall = _figures(
        everyone, complete, treated_24, cf_24, treated, cf, served, parked, spend, status
    )
    overall["deadweight_gbp"] = round(float(anyway.amount.sum()), 2)
    overall.update(sustained_jobs(sim, everyone))
    return {
        "scale": world.scenario.scale,
        "commissioner": world.contracts[0].commissioner,
        "calendar": {
            "start": str(world.scenario.calendar.start),
            "end": str(world.scenario.calendar.end),
        },
        "groups": groups,
        "overall": overall,
        "providers": providers(sim),
        "insolvencies": _exits(sim, sim.insolvencies),
        "terminations": _exits(sim, sim.terminations),
        "retenders": [
            {
                "week_start": _date(sim, event["week"]),
                "place_of": world.scenario.providers[event["replaces"]].id,
                "provider": world.scenario.providers[event["provider"]].id,
                "organisation": event["organisation"],
                "bidders": event["bidders"],
                "promised_rate": round(event["promised_rate"], 6),
            }
            for event in sim.retenders
        ],
        "supply_chains": supply_chains(sim),
        "employer_matches": None
        if sim.employer_matches is None
        else _by_pattern(sim.employer_matches.sum(axis=0)),
        "share_shifts": [
            {
                "week_start": _date(sim, event["week"]),
                "payment_group": world.scenario.groups[event["group"]].id,
                "from": world.scenario.providers[event["from"]].id,
                "to": world.scenario.providers[event["to"]].id,
                "referrals_moved": event["moved"],
            }
            for event in sim.share_shifts
        ],
        "record": record_measures(sim),
        "profile": profile(sim),
        "delivery": delivery(sim),
    }


def sustained_jobs(sim: Simulation, mine: BoolArray) -> dict[str, Any]:
    """The contract-free yardstick (`SUSTAINED_JOB_WEEKS` in work while attached) on both paths:
    sustained jobs and weeks in work, with and without the programme."""
    treated, anyway = (int(n) for n in (sim.sustained_week[:, mine] >= 0).sum(axis=1))
    weeks, weeks_anyway = (int(n) for n in sim.work_weeks[:, mine].sum(axis=1))
    return {
        "sustained_jobs": treated,
        "counterfactual_sustained_jobs": anyway,
        "additional_sustained_jobs": treated - anyway,
        "sustained_job_rate": _ratio(treated, int(mine.sum())),
        "weeks_in_work": weeks,
        "counterfactual_weeks_in_work": weeks_anyway,
        "additional_weeks_in_work": weeks - weeks_anyway,
    }


def profile(sim: Simulation) -> dict[str, dict[str, Any]]:
    """Sustained jobs (treated and counterfactual) by the calendar year they were reached, and
    the providers' cash together at each year's last week."""
    day = sim.world.week_start.astype("datetime64[D]")
    years = day.astype("datetime64[Y]").astype(np.int64) + 1970
    first, last = int(years[0]), int(years[-1])
    out: dict[str, dict[str, Any]] = {}
    for name, path in (("sustained_jobs", 0), ("counterfactual_sustained_jobs", 1)):
        week = sim.sustained_week[path]
        counts = np.bincount(years[week[week >= 0]] - first, minlength=last - first + 1)
        out[name] = {str(first + i): int(c) for i, c in enumerate(counts)}
    balance = sim.cash.history.sum(axis=1)  # all providers' cash at each week's end
    last_week = np.searchsorted(years, np.arange(first, last + 1), side="right") - 1
    out["provider_cash_gbp"] = {
        str(first + i): round(float(balance[w]), 2) for i, w in enumerate(last_week)
    }
    return out


def delivery(sim: Simulation) -> dict[str, Any]:
    """Who the money reached and how the providers fared: spend kept by each sector (what
    primes pass down counts for their subcontractors), insolvencies, and the capabilities of
    the providers that traded, at the start and the end (an exited provider's ties are gone),
    weighted by adviser hours. A re-tender's winner counts with its place's start."""
    world, cash = sim.world, sim.cash
    kept = cash.receipts.sum(axis=0) - cash.passed_on.sum(axis=0)
    total = float(kept.sum())
    sector = np.array([p.sector for p in world.scenario.providers])
    by_sector = {
        name: float(kept[sector == name].sum()) for name in ("private", "voluntary", "public")
    }
    traded = sim.started_week >= 0  # standbys never used by a re-tender did not trade
    weight = world.policy.capacity * traded
    out: dict[str, Any] = {
        "spend_reaching_gbp": {k: round(v, 2) for k, v in by_sector.items()},
        "voluntary_share": round(by_sector["voluntary"] / total, 6) if total > 0 else None,
        "subcontractor_share": round(float(kept[world.tier > 0].sum()) / total, 6)
        if total > 0
        else None,
        "providers": int(traded.sum()),
        "insolvent": len(sim.insolvencies),
        "insolvent_share": _ratio(len(sim.insolvencies), int(traded.sum())),
        "below_zero_share": _ratio(
            int(((cash.history.min(axis=0) < 0) & traded).sum()), int(traded.sum())
        ),
    }
    capabilities = sim.capabilities
    if capabilities is not None:
        providers = world.scenario.providers
        start_innovation = np.array(
            [0.0 if p.innovation is None else p.innovation.value for p in providers]
        )
        start_ties = np.full(len(providers), capabilities.rules.initial_ties.value)
        out["innovation_start"] = _weighted(start_innovation, weight)
        out["innovation_end"] = _weighted(capabilities.innovation, weight)
        out["ties_start"] = _weighted(start_ties, weight)
        out["ties_end"] = _weighted(capabilities.ties, weight)
    return out


def _weighted(values: FloatArray, weight: FloatArray) -> float | None:
    return round(float(np.average(values, weights=weight)), 6) if weight.sum() > 0 else None


def _exits(sim: Simulation, events: list[dict[str, int]]) -> list[dict[str, Any]]:
    return [
        {
            "provider": sim.world.scenario.providers[event["provider"]].id,
            "week_start": _date(sim, event["week"]),
            "participants_moved": event["moved"],
        }
        for event in events
    ]


def _date(sim: Simulation, week: int) -> str:
    return str(np.datetime64(int(sim.world.week_start[week]), "D"))


def planned_referrals(sim: Simulation) -> FloatArray:
    """What each subcontractor's bid plan promised it: its planned share of the referrals its
    prime received (0 where no plan was given)."""
    world = sim.world
    arrivals = sim.tally.counts["referrals"][:, :-1, :].sum(axis=(0, 1))
    share = np.array(
        [
            0.0 if p.planned_share is None else p.planned_share.value
            for p in world.scenario.providers
        ]
    )
    return np.asarray(share * arrivals[world.payee], np.float64)


def supply_chains(sim: Simulation) -> dict[str, Any] | None:
    """Referrals to subcontractors against what the bids planned, by tier; spot purchases;
    subcontracts ended (None without subcontractors)."""
    world = sim.world
    tier = world.tier
    if not (tier > 0).any():
        return None
    planned = planned_referrals(sim)
    sectors = np.array([p.sector for p in world.scenario.providers])

    def figures(mine: BoolArray) -> dict[str, Any]:
        received, plan = sim.received[mine], planned[mine]
        return {
            "subcontractors": int(mine.sum()),
            "voluntary": int((sectors[mine] == "voluntary").sum()),
            "planned_referrals": round(float(plan.sum()), 1),
            "received": int(received.sum()),
            "received_to_planned": _ratio(int(received.sum()), round(float(plan.sum())))
            if plan.sum() >= 1
            else None,
            "share_with_none_in_first_year": _ratio(
                int((sim.received_first_year[mine] == 0).sum()), int(mine.sum())
            ),
            "share_below_half_of_plan": _ratio(
                int((received < 0.5 * plan).sum()), int((plan > 0).sum())
            ),
            "insolvent": sum(int(mine[e["provider"]]) for e in sim.insolvencies),
        }

    return {
        "tier_1": figures(tier == 1),
        "tier_2": figures(tier == 2),
        "spot_purchases": int(sim.received[tier == 2].sum()),
        "spot_spend_gbp": round(float(sim.cash.spot_paid.sum()), 2),
        "subcontracts_ended": _exits(sim, sim.subcontracts_ended),
    }


def _by_pattern(counts: IntArray) -> dict[str, int]:
    return {pattern: int(c) for pattern, c in zip(PATTERNS, counts, strict=True)}


def providers(sim: Simulation) -> dict[str, dict[str, Any]]:
    """Each provider's money over the run: receipts, costs, surplus, and its cash at the end and
    at its lowest (simulated amounts: divide by scale for national figures)."""
    cash, capabilities = sim.cash, sim.capabilities
    receipts, costs = cash.receipts.sum(axis=0), cash.costs.sum(axis=0)
    lowest = np.minimum(cash.history.min(axis=0), cash.opening)
    planned = planned_referrals(sim)
    return {
        p.id: {
            "name": p.name,
            "organisation": sim.organisation[i],
            "replaces": p.replaces,
            "started": None if sim.started_week[i] < 0 else _date(sim, int(sim.started_week[i])),
            "area": p.area,
            "sector": p.sector,
            "prime": p.prime,
            "tier": int(sim.world.tier[i]) or None,
            "referred_on": int(sim.referred_on[i]),
            "received": int(sim.received[i]),
            "planned_referrals": round(float(planned[i]), 1),
            "receipts_gbp": round(float(receipts[i]), 2),
            "costs_gbp": round(float(costs[i]), 2),
            "surplus_gbp": round(float(receipts[i] - costs[i]), 2),
            "cash_at_end_gbp": round(float(cash.history[-1, i]), 2),
            "lowest_cash_gbp": round(float(lowest[i]), 2),
            "exited": None if cash.exit_week[i] < 0 else _date(sim, int(cash.exit_week[i])),
            **(
                {}
                if sim.employer_matches is None
                else {"employer_matches": _by_pattern(sim.employer_matches[i])}
            ),
            **(
                {}
                if capabilities is None
                else {
                    "ties_at_end": round(float(capabilities.ties[i]), 6),
                    "innovation_at_end": round(float(capabilities.innovation[i]), 6),
                }
            ),
        }
        for i, p in enumerate(sim.world.scenario.providers)
    }


def provider_rates_24m(sim: Simulation) -> FloatArray:
    """Each provider's 24-month job outcome rate over its completed referrals (NaN for none)."""
    people, world = sim.people, sim.world
    complete = people.referral_day + WINDOWS["24m"] <= world.as_of
    hit = _within(sim.book.treated.outcome_day, sim, WINDOWS["24m"]) & complete
    n = len(world.scenario.providers)
    done = np.bincount(people.provider[complete], minlength=n).astype(np.float64)
    achieved = np.bincount(people.provider[hit], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(done > 0, achieved / done, np.nan), np.float64)


def _payable(priced: Priced, as_of: int) -> Priced:
    return priced.where((priced.due <= as_of) & (priced.amount > 0))


def _status(sim: Simulation) -> dict[str, BoolArray]:
    left = sim.paths.left
    over = sim.people.referral_day + 7 * sim.world.attachment_weeks - 1 <= sim.world.as_of
    return {"on_programme": ~left & ~over, "completed": ~left & over, "left_early": left}


def _spend(kind: np.ndarray, amount: FloatArray, mask: BoolArray) -> dict[str, float]:
    return {
        k.value: round(float(amount[mask & (kind == KIND_CODE[k])].sum()), 2)
        for k in COMMISSIONER_KINDS
        if k in PARTICIPANT_KINDS or mask.all()
    }


def _figures(
    mine: BoolArray,
    complete: BoolArray,
    treated_24: BoolArray,
    cf_24: BoolArray,
    treated: BoolArray,
    cf: BoolArray,
    served: BoolArray,
    parked: BoolArray,
    spend: dict[str, float],
    status: dict[str, BoolArray],
) -> dict[str, Any]:
    done = mine & complete
    additional = int(treated[mine].sum()) - int(cf[mine].sum())
    total = round(sum(spend.values()), 2)
    return {
        "referrals": int(mine.sum()),
        **{name: int((mine & where).sum()) for name, where in status.items()},
        "job_outcomes": int(treated[mine].sum()),
        "counterfactual_outcomes": int(cf[mine].sum()),
        "completed_24m": int(done.sum()),
        "job_outcome_rate_24m": _ratio(int(treated_24[done].sum()), int(done.sum())),
        "counterfactual_rate_24m": _ratio(int(cf_24[done].sum()), int(done.sum())),
        "additional_outcomes": additional,
        "parked_share": _ratio(int(parked[mine].sum()), int(served[mine].sum())),
        "spend_gbp": {**spend, "total": total},
        "cost_per_additional_outcome_gbp": round(total / additional, 2) if additional > 0 else None,
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None
