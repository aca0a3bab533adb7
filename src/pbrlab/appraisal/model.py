"""The appraisal language: options as data, and the file that puts them side by side.

An *option* (a TOML file or a shipped preset, `pbrlab option list`) is a partial
scenario laid over the appraisal's base: it can change the market plan, the contracts, the
relationships, and buy some payment groups as separate `services` (a grant for sick and disabled
claimants, an in-house Jobcentre service for everyone). An *appraisal* names the base scenario,
the options (each composed from one or more option files, plus an inline `scenario` table), the
replicates and the fiscal parameters. Like every other file, unknown keys are errors and every
number carries a source or an assumption.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictFloat, StrictInt, model_validator

from pbrlab.contracts.model import (
    FieldError,
    Identifier,
    Money,
    Sourced,
    Strict,
    ids_not_repeated,
)

IN_HOUSE = "in-house"
"""The option preset every appraisal includes as a comparator unless told not to."""


class OptionFile(Strict):
    """A commissioning option: what it changes in the base scenario, and why."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = Field(min_length=1, description="its mechanisms, in a sentence or two")
    scenario: dict[str, Any] = Field(
        default_factory=dict,
        description="a partial scenario laid over the base (tables merge by key, lists of tables "
        "by id); empty: the base as it is",
    )


class Option(Strict):
    """One option of an appraisal: option files composed in order, then an inline overlay."""

    id: Identifier
    name: str | None = Field(default=None, description="default: the last option file's name")
    use: list[str] = Field(
        default_factory=list,
        description="option presets or .toml files laid over the base in order; two that set "
        "the same value differently are an error",
    )
    scenario: dict[str, Any] = Field(
        default_factory=dict, description="a partial scenario laid over the options it uses"
    )

    @model_validator(mode="after")
    def _something(self) -> Option:
        if not self.use and not self.scenario:
            raise FieldError(
                (), "expected option files to `use`, an inline `scenario` table, or both"
            )
        return self


class Fiscal(Strict):
    """What a week in work instead of on benefit is worth to the Exchequer."""

    benefit_per_week: dict[Identifier, Sourced[Money]] = Field(
        description="benefit no longer paid for a week in work, by payment group"
    )
    tax_per_week: Sourced[Money] = Field(
        description="income tax and national insurance (employee and employer) on a week's pay"
    )


class Appraisal(Strict):
    """Options side by side: the same base, population, economy and seeds for every option."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    base: str = Field(min_length=1, description="the scenario preset or file every option changes")
    scenario: dict[str, Any] = Field(
        default_factory=dict,
        description="a partial scenario laid over the base for every option: assumptions all "
        "options share (e.g. how relationships grow), before each option's own changes",
    )
    options: list[Option] = Field(min_length=1)
    in_house: bool = Field(
        default=True,
        description=f"add the {IN_HOUSE!r} option as a comparator (appraisals of outsourcing are "
        "often criticised for never comparing an in-house alternative); false to leave it out",
    )
    scale: Annotated[StrictFloat, Field(gt=0.0, le=1.0)] = Field(
        description="the scale of every run (counts are reported at national scale)"
    )
    replicates: Annotated[int, Field(ge=2, le=10_000)] = Field(
        default=8,
        description="runs per option, the same seeds for every option (default 8: in the seed "
        "appraisal at scale 0.01 six already put the means of sustained jobs, impact and cost "
        "within 10% at 90% confidence; the report lists any criterion whose mean is not)",
    )
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)]
    common_random_numbers: bool = Field(
        default=True,
        description="every option runs with the same seeds (false: independent seeds per option)",
    )
    fiscal: Fiscal

    @model_validator(mode="after")
    def _ids(self) -> Appraisal:
        ids_not_repeated("options", [o.id for o in self.options])
        return self
