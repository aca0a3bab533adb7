"""Providers' innovation and local ties, week by week (the scenario's `relationships`).

Both raise the effect of a provider's service hours:
effectiveness = its own × (1 + ties_weight × ties + innovation_weight × innovation), relative
to the same at the baseline capabilities (where a calibrated service effect was measured).
Ties grow with time alone while a provider trades; money cannot speed them. When a provider
exits its ties are gone, and the area's other providers lose `churn_loss` of theirs (local
services and employers trust the programme less). Innovation grows only while a provider invests
(its cash above its opening balance, with at least `investment_horizon_weeks` of referrals ahead
in its current contract term) and decays otherwise.
"""

from __future__ import annotations

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray
from pbrlab.scenarios.model import Relationships, Scenario


class Capabilities:
    def __init__(self, rules: Relationships, scenario: Scenario) -> None:
        n = len(scenario.providers)
        self.rules = rules
        self.ties = np.full(n, rules.initial_ties.value)
        self.innovation = np.array(
            [0.0 if p.innovation is None else p.innovation.value for p in scenario.providers]
        )
        self.area = np.array([p.area for p in scenario.providers])

    def multiplier(self) -> FloatArray:
        r = self.rules
        ties = 0.0 if r.baseline_ties is None else r.baseline_ties.value
        innovation = 0.0 if r.baseline_innovation is None else r.baseline_innovation.value
        baseline = 1.0 + r.ties_weight.value * ties + r.innovation_weight.value * innovation
        return np.asarray(
            (1.0 + r.ties_weight.value * self.ties + r.innovation_weight.value * self.innovation)
            / baseline,
            np.float64,
        )

    def week(
        self, trading: BoolArray, in_surplus: BoolArray, week: int, referral_weeks: int
    ) -> None:
        """Ties grow while trading; innovation grows while investing (in surplus, with enough of
        the referrals ahead in the current contract term), else decays."""
        r = self.rules
        weeks_ahead = referral_weeks - week
        if r.contract_weeks is not None:
            term = r.contract_weeks.value
            weeks_ahead = min(weeks_ahead, term - week % term)
        self.ties = np.where(trading, self.ties + r.tie_growth.value * (1.0 - self.ties), self.ties)
        investing = trading & in_surplus & (weeks_ahead >= r.investment_horizon_weeks.value)
        grown = self.innovation + r.innovation_growth.value * (1.0 - self.innovation)
        decayed = self.innovation * (1.0 - r.innovation_decay.value)
        self.innovation = np.where(investing, grown, decayed)

    def exit(self, provider: int) -> None:
        """The provider's ties go with it; its area's other providers lose part of theirs."""
        here = self.area == self.area[provider]
        self.ties[here] *= 1.0 - self.rules.churn_loss.value
        self.ties[provider] = 0.0
