"""How small employers come to take candidates from providers (the scenario's `employers`).

Each contract year, and at the start, the employers of each area make `searches` choices among
the providers trading there that broker jobs (primes and end-to-end subcontractors; tier-2
specialists deliver specialist interventions, not placements, and keep a multiplier of 1),
through the matching rules (`pbrlab.market.matching`): informal through the providers' local
ties, routine through where they have taken candidates before, reactive and opportunistic by
the providers' size (adviser hours: who is to hand, who comes calling), calculated by the
providers' true effectiveness. A provider's share of those choices against its share of the
area's adviser hours scales the effect of its service:

    multiplier = (choice share / hours share) ** weight

so the mix of patterns decides whether employers reward the providers that serve best or those
that are big and known. Each job start during attachment is one match; its pattern is drawn
from how employers chose that provider, and counted.
"""

from __future__ import annotations

import numpy as np

from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.market.matching import Candidates, choose_many
from pbrlab.market.model import PATTERNS
from pbrlab.scenarios.model import Employers

LIMITS = (0.25, 4.0)
"""The multiplier is kept within these bounds: a provider no employer chose still places some."""


class EmployerMatches:
    def __init__(
        self, rules: Employers, area: IntArray, hours: FloatArray, brokers: BoolArray, seed: int
    ) -> None:
        self.rules = rules
        self.brokers = brokers  # [provider] those employers choose among
        self.area = area  # [provider]
        self.hours = hours  # [provider] adviser hours
        self.seed = seed
        n = area.size
        self.pattern_share = np.full((n, len(PATTERNS)), 1.0 / len(PATTERNS))
        self.factor = np.ones(n)
        self.matches = np.zeros((n, len(PATTERNS)), np.int64)  # job starts by pattern

    def review(
        self,
        w: int,
        effectiveness: FloatArray,
        ties: FloatArray,
        placed: FloatArray,
        trading: BoolArray,
    ) -> None:
        """Employers' choices for the coming year, from SeedSequence(seed, spawn_key=(6, w))."""
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(6, w)))
        candidates = Candidates(effectiveness, self.hours, ties, placed)
        n = self.area.size
        chosen = np.zeros((n, len(PATTERNS)))
        for a in np.unique(self.area):
            here = (self.area == a) & trading & self.brokers
            if not here.any():
                continue
            supplier, _, pattern = choose_many(
                self.rules.matching, candidates, here, rng, self.rules.searches.value
            )
            np.add.at(chosen, (supplier, pattern), 1)
            share = chosen[here].sum(axis=1) / self.rules.searches.value
            fair = self.hours[here] / self.hours[here].sum()
            ratio = np.clip(share / fair, *LIMITS)
            self.factor[here] = ratio**self.rules.weight.value
            # A provider no employer chose still places people, through the area's usual patterns.
            mix = chosen[here].sum(axis=0) / self.rules.searches.value
            total = chosen[here].sum(axis=1, keepdims=True)
            self.pattern_share[here] = np.where(total > 0, chosen[here] / np.maximum(total, 1), mix)

    def record(self, w: int, provider: IntArray) -> None:
        """Each job start with a provider is a match: count the pattern that produced it."""
        if not provider.size:
            return
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(7, w)))
        cumulative = np.cumsum(self.pattern_share[provider], axis=1)
        draw = rng.random(provider.size)[:, None] * cumulative[:, -1:]
        pattern = (cumulative <= draw).sum(axis=1)
        np.add.at(self.matches, (provider, np.minimum(pattern, len(PATTERNS) - 1)), 1)
