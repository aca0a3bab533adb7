"""The calibration language: the free parameters with their prior ranges and reasons, the record
targets, and the search's budget. A calibration file (TOML) maps onto these models like
experiments do: unknown keys are errors and messages name the key path."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictFloat, StrictInt, model_validator

from pbrlab.calibration.targets import TARGETS, banded_facts
from pbrlab.contracts.model import FieldError, Identifier, Strict, ids_not_repeated

Bound = Annotated[StrictFloat | StrictInt, Field(allow_inf_nan=False)]


class Parameter(Strict):
    """A parameter without direct evidence, left free: where it goes and its prior range."""

    name: Identifier
    path: str = Field(min_length=1, description="where the value goes in the base scenario")
    range: Annotated[list[Bound], Field(min_length=2, max_length=2)]
    reason: str = Field(min_length=20, description="why it is free, and why this range")

    @model_validator(mode="after")
    def _ordered(self) -> Parameter:
        if not self.range[0] < self.range[1]:
            raise FieldError(
                ("range",), f"expected [low, high] with low < high; found {self.range}"
            )
        return self


class Search(Strict):
    """Simulated method of moments on a quadratic surrogate, refined in rounds."""

    points: Annotated[StrictInt, Field(ge=8, le=100_000)] = Field(
        default=48, description="Latin hypercube points per round"
    )
    rounds: Annotated[StrictInt, Field(ge=1, le=5)] = Field(
        default=2,
        description="round 1 spans the prior ranges; each later one a box around the "
        "best fit so far",
    )
    shrink: Annotated[StrictFloat, Field(gt=0.0, lt=1.0)] = Field(
        default=0.4, description="a later round's box, as a share of the previous round's widths"
    )
    draws: Annotated[StrictInt, Field(ge=1000, le=10_000_000)] = Field(
        default=50_000, description="surrogate draws for the set of fits within tolerance"
    )
    verify_replicates: Annotated[StrictInt, Field(ge=2, le=1000)] = Field(
        default=8, description="replicates simulated at the best fit to check it"
    )


class Calibration(Strict):
    id: Annotated[Identifier, Field(max_length=32)]
    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(min_length=1, description="the scenario preset or file calibrated")
    scale: Annotated[StrictFloat, Field(gt=0.0, le=1.0)] = Field(
        description="the scale of every run"
    )
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] = Field(
        description="the root seed: designs and every replicate's seed come from it"
    )
    replicates: Annotated[StrictInt, Field(ge=1, le=1000)] = 2
    parameters: list[Parameter] = Field(min_length=1)
    targets: list[str] = Field(
        default_factory=lambda: list(TARGETS),
        min_length=1,
        description="record ids (default: every target)",
    )
    facts: list[str] = Field(
        default_factory=list,
        description="facts with a band fitted too, by measure: the band's centre is the target "
        "and its half-width the tolerance",
    )
    search: Search = Field(default_factory=Search)

    @model_validator(mode="after")
    def _consistent(self) -> Calibration:
        ids_not_repeated("parameters", [p.name for p in self.parameters])
        ids_not_repeated("targets", self.targets)
        d = len(self.parameters)
        needed = 1 + 2 * d + d * (d - 1) // 2  # a quadratic surface's coefficients
        runs = self.search.points * self.replicates
        if runs < 2 * needed:
            raise FieldError(
                ("search", "points"),
                f"expected at least {2 * needed} runs a round (points x replicates) to fit "
                f"quadratic surfaces in {d} parameters ({needed} coefficients); found {runs}",
            )
        for i, name in enumerate(self.targets):
            if name not in TARGETS:
                raise FieldError(
                    ("targets", i),
                    f"expected one of the record targets {list(TARGETS)}; found {name!r}",
                )
        ids_not_repeated("facts", self.facts)
        banded = banded_facts()
        for i, name in enumerate(self.facts):
            if name not in banded:
                raise FieldError(
                    ("facts", i), f"expected one of the facts {list(banded)}; found {name!r}"
                )
        return self
