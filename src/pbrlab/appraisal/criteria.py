"""The appraisal's criteria, each computed from one run's stored outputs (summary values).

A run keeps the summary values named by `output_paths`; `criteria` turns them into the criteria
of the comparison table, at national scale (simulated counts and money divided by the scale;
organisations are not scaled). Everything is measured by the same contract-free yardstick, a
*sustained job* (`pbrlab.engine.simulate.SUSTAINED_JOB_WEEKS` weeks in work within the
attachment), so options that pay for different things are compared on the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pbrlab.appraisal.model import Fiscal

Values = Mapping[str, float | None]
MIN_GROUP_SHARE = 0.01
"""Groups with fewer referrals than this share are left out of the equity gap: too few people
for a rate at small scales."""


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    unit: Literal["people", "share", "gbp", "ratio", "count", "capability"]
    better: Literal["higher", "lower"]
    description: str


CRITERIA = (
    Criterion(
        "sustained_jobs",
        "Sustained jobs",
        "people",
        "higher",
        "participants with 26 weeks in work within their attachment (national)",
    ),
    Criterion(
        "additional_sustained_jobs",
        "Additional sustained jobs (impact)",
        "people",
        "higher",
        "sustained jobs minus those the same people would have had without "
        "the programme (national)",
    ),
    Criterion(
        "sustained_job_rate",
        "Sustained job rate",
        "share",
        "higher",
        "sustained jobs per participant referred",
    ),
    Criterion(
        "impact_rate",
        "Impact per participant",
        "share",
        "higher",
        "additional sustained jobs per participant referred",
    ),
    Criterion(
        "equity_gap",
        "Gap between easiest and hardest groups",
        "share",
        "lower",
        "sustained job rate of the group most likely to work anyway minus that of the "
        "group least likely to (groups with at least 1% of referrals)",
    ),
    Criterion(
        "parked_share",
        "Participants parked",
        "share",
        "lower",
        "share of participants whose adviser time, averaged over the weeks they could be served, "
        "stayed under the scenario's parked_below_hours a week",
    ),
    Criterion(
        "cost_gbp",
        "Commissioner's total cost",
        "gbp",
        "lower",
        "everything the commissioner pays providers, including fixed fees, grants and "
        "the in-house budget (national)",
    ),
    Criterion(
        "cost_per_additional_job_gbp",
        "Cost per additional sustained job",
        "gbp",
        "lower",
        "total cost over additional sustained jobs (none if no impact)",
    ),
    Criterion(
        "fiscal_gain_gbp",
        "Fiscal gain",
        "gbp",
        "higher",
        "benefit no longer paid plus tax and national insurance, for the additional "
        "weeks in work within attachment (national)",
    ),
    Criterion(
        "fiscal_return",
        "Fiscal return per pound",
        "ratio",
        "higher",
        "fiscal gain over the commissioner's cost",
    ),
    Criterion(
        "insolvencies",
        "Provider insolvencies",
        "count",
        "lower",
        "organisations that exited for lack of cash (not scaled)",
    ),
    Criterion(
        "below_zero_share",
        "Providers whose cash fell below zero",
        "share",
        "lower",
        "share of providers whose cash balance was ever negative",
    ),
    Criterion(
        "voluntary_share",
        "Spend reaching the voluntary sector",
        "share",
        "higher",
        "share of the money providers kept (after passing payments down) held by "
        "voluntary and community organisations",
    ),
    Criterion(
        "subcontractor_share",
        "Spend reaching subcontractors",
        "share",
        "higher",
        "share of the money providers kept that subcontractors kept",
    ),
    Criterion(
        "innovation_growth",
        "Growth of innovation capability",
        "capability",
        "higher",
        "providers' mean innovation capability at the end minus at the start "
        "(weighted by adviser hours; 0-1 scale)",
    ),
    Criterion(
        "ties_growth",
        "Growth of local ties",
        "capability",
        "higher",
        "providers' mean local ties at the end minus at the start (weighted by adviser hours; "
        "0-1 scale)",
    ),
)

GROUP_CRITERIA = (
    "sustained_jobs",
    "additional_sustained_jobs",
    "sustained_job_rate",
    "parked_share",
)
"""By group there is no cost: grants, budgets and delivery fees are paid to providers, not for
people, so a group's share of them would be an allocation rule, not a result."""
OVERALL_VALUES = (
    "referrals",
    "sustained_jobs",
    "counterfactual_sustained_jobs",
    "additional_sustained_jobs",
    "sustained_job_rate",
    "parked_share",
    "spend_gbp.total",
    "additional_weeks_in_work",
)
DELIVERY_VALUES = (
    "voluntary_share",
    "subcontractor_share",
    "insolvent",
    "below_zero_share",
    "innovation_start",
    "innovation_end",
    "ties_start",
    "ties_end",
    "spend_reaching_gbp.private",
    "spend_reaching_gbp.voluntary",
    "spend_reaching_gbp.public",
)
PROFILE_VALUES = ("sustained_jobs", "counterfactual_sustained_jobs", "provider_cash_gbp")


def output_paths(groups: list[str], years: list[int]) -> list[str]:
    """The summary values each run keeps: everything the criteria are computed from."""
    paths = [f"overall.{v}" for v in OVERALL_VALUES]
    paths += [f"groups.{g}.{v}" for g in groups for v in OVERALL_VALUES if v != "spend_gbp.total"]
    paths += [f"delivery.{v}" for v in DELIVERY_VALUES]
    paths += [f"profile.{v}.{y}" for v in PROFILE_VALUES for y in years]
    return paths


def criteria(
    values: Values, scale: float, groups: list[str], fiscal: Fiscal
) -> dict[str, float | None]:
    """Every criterion of one run, from its kept summary values."""
    return {c.id: _RULES[c.id](values, scale, groups, fiscal) for c in CRITERIA}


def group_criteria(values: Values, scale: float, group: str) -> dict[str, float | None]:
    """The by-group criteria of one run."""
    at = f"groups.{group}"
    return {
        "sustained_jobs": _national(values, f"{at}.sustained_jobs", scale),
        "additional_sustained_jobs": _national(values, f"{at}.additional_sustained_jobs", scale),
        "sustained_job_rate": values.get(f"{at}.sustained_job_rate"),
        "parked_share": values.get(f"{at}.parked_share"),
    }


def profile(values: Values, scale: float, years: list[int]) -> dict[str, dict[str, float | None]]:
    """Sustained jobs (with and without the programme) by the year they were reached, and the
    providers' cash at each year's end (national)."""
    return {
        name: {str(y): _national(values, f"profile.{name}.{y}", scale) for y in years}
        for name in PROFILE_VALUES
    }


def flows(values: Values, scale: float) -> dict[str, float | None]:
    """The money providers kept, by sector (national)."""
    return {
        s: _national(values, f"delivery.spend_reaching_gbp.{s}", scale)
        for s in ("private", "voluntary", "public")
    }


Rule = Callable[[Values, float, list[str], Fiscal], float | None]


def _national(values: Values, path: str, scale: float) -> float | None:
    value = values.get(path)
    return None if value is None else value / scale


def _divide(top: float | None, bottom: float | None) -> float | None:
    if top is None or bottom is None or bottom <= 0:
        return None
    return top / bottom


def _equity_gap(values: Values, scale: float, groups: list[str], fiscal: Fiscal) -> float | None:
    total = values.get("overall.referrals") or 0.0
    rates = []
    for g in groups:
        referrals = values.get(f"groups.{g}.referrals") or 0.0
        anyway = values.get(f"groups.{g}.counterfactual_sustained_jobs")
        rate = values.get(f"groups.{g}.sustained_job_rate")
        if referrals >= MIN_GROUP_SHARE * total and referrals > 0 and anyway is not None:
            rates.append((anyway / referrals, rate))
    if len(rates) < 2:
        return None
    easiest, hardest = max(rates)[1], min(rates)[1]
    return None if easiest is None or hardest is None else easiest - hardest


def _fiscal_gain(values: Values, scale: float, groups: list[str], fiscal: Fiscal) -> float | None:
    gain = 0.0
    for g in groups:
        weeks = values.get(f"groups.{g}.additional_weeks_in_work")
        benefit = fiscal.benefit_per_week.get(g)
        if weeks is None or benefit is None:
            return None
        gain += weeks * (benefit.value + fiscal.tax_per_week.value)
    return gain / scale


def _growth(values: Values, name: str) -> float | None:
    start, end = values.get(f"delivery.{name}_start"), values.get(f"delivery.{name}_end")
    return None if start is None or end is None else end - start


_RULES: dict[str, Rule] = {
    "sustained_jobs": lambda v, s, g, f: _national(v, "overall.sustained_jobs", s),
    "additional_sustained_jobs": lambda v, s, g, f: _national(
        v, "overall.additional_sustained_jobs", s
    ),
    "sustained_job_rate": lambda v, s, g, f: v.get("overall.sustained_job_rate"),
    "impact_rate": lambda v, s, g, f: _divide(
        v.get("overall.additional_sustained_jobs"), v.get("overall.referrals")
    ),
    "equity_gap": _equity_gap,
    "parked_share": lambda v, s, g, f: v.get("overall.parked_share"),
    "cost_gbp": lambda v, s, g, f: _national(v, "overall.spend_gbp.total", s),
    "cost_per_additional_job_gbp": lambda v, s, g, f: _divide(
        v.get("overall.spend_gbp.total"), v.get("overall.additional_sustained_jobs")
    ),
    "fiscal_gain_gbp": _fiscal_gain,
    "fiscal_return": lambda v, s, g, f: _divide(
        _fiscal_gain(v, s, g, f), _national(v, "overall.spend_gbp.total", s)
    ),
    "insolvencies": lambda v, s, g, f: v.get("delivery.insolvent"),
    "below_zero_share": lambda v, s, g, f: v.get("delivery.below_zero_share"),
    "voluntary_share": lambda v, s, g, f: v.get("delivery.voluntary_share"),
    "subcontractor_share": lambda v, s, g, f: v.get("delivery.subcontractor_share"),
    "innovation_growth": lambda v, s, g, f: _growth(v, "innovation"),
    "ties_growth": lambda v, s, g, f: _growth(v, "ties"),
}


def formatted(value: float | None, unit: str) -> str:
    """A criterion's value as people read it: whole people, percentages, pounds."""
    if value is None:
        return "n/a"
    if unit in ("people", "count"):
        return f"{value:,.0f}"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "gbp":
        size = abs(value)
        if size >= 1e9:
            return f"£{value / 1e9:,.2f}bn"
        if size >= 1e6:
            return f"£{value / 1e6:,.1f}m"
        return f"£{value:,.0f}"
    return f"{value:.2f}"


def shown(stats: Mapping[str, Any], unit: str) -> str:
    """A mean with its 90% interval: `mean [low to high]`."""
    if stats.get("mean") is None:
        return "n/a"
    low, high = formatted(stats.get("low"), unit), formatted(stats.get("high"), unit)
    return f"{formatted(stats['mean'], unit)} [{low} to {high}]"
