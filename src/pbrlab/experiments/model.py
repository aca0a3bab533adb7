"""The experiment language: a base model, factors, a design, replicates and the outputs to keep.

An experiment file (TOML) maps onto these models like contracts and scenarios do: unknown keys
are errors and messages name the key path. A factor names a parameter path in the base
scenario's data (`behaviour.professional_norm.value`; `providers[*].contract` for every provider,
`providers[cpa01-a4e].contract` for one by id) and either a range, a distribution or a list of
options (any values: numbers, contract presets, whole tables).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictFloat, StrictInt, model_validator

from pbrlab.contracts.model import FieldError, Identifier, Strict, ids_not_repeated

Number = Annotated[StrictFloat | StrictInt, Field(allow_inf_nan=False)]


class Distribution(Strict):
    """A continuous factor drawn through its quantile function from the design's unit values."""

    kind: Literal["uniform", "normal", "lognormal", "triangular"]
    low: Number | None = None
    high: Number | None = None
    mode: Number | None = None
    mean: Number | None = None
    sd: Annotated[StrictFloat | StrictInt, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Distribution:
        needed = {
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd"),
            "lognormal": ("mean", "sd"),
        }[self.kind]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise FieldError((missing[0],), f"expected {missing[0]} for a {self.kind} distribution")
        if self.kind in ("uniform", "triangular"):
            low, high = float(self.low or 0), float(self.high or 0)
            mode = float(self.mode if self.mode is not None else low)
            if not low <= mode <= high or low == high:
                raise FieldError(
                    ("high",), f"expected low <= mode <= high and low < high; found {low}, {high}"
                )
        return self


class Factor(Strict):
    """One parameter varied by the design."""

    name: Identifier
    path: str | None = Field(
        default=None, min_length=1, description="where the value goes in the base scenario"
    )
    transform: Literal["attachment_taper", "fixed_share", "results_share"] | None = Field(
        default=None,
        description="instead of a path: a contract design the value sets (see "
        "pbrlab.contracts.designs), laid over `contract` as the scenario's contract_overrides",
    )
    contract: str | None = Field(default=None, description="the contract a transform changes")
    overlay: bool = Field(
        default=False,
        description="instead of a path: each option is a partial scenario laid over the whole "
        "base (tables merge by key, lists of tables by id), as commissioning options are",
    )
    range: Annotated[list[Number], Field(min_length=2, max_length=2)] | None = None
    distribution: Distribution | None = None
    options: Annotated[list[Any], Field(min_length=1)] | None = None
    integer: bool = Field(default=False, description="round a range's values to whole numbers")

    @model_validator(mode="after")
    def _one_kind(self) -> Factor:
        given = [k for k in ("range", "distribution", "options") if getattr(self, k) is not None]
        if len(given) != 1:
            raise FieldError(
                (),
                f"expected exactly one of range, distribution or options; found {given or 'none'}",
            )
        kinds = [k for k in ("path", "transform") if getattr(self, k) is not None]
        kinds += ["overlay"] if self.overlay else []
        if len(kinds) != 1:
            raise FieldError(
                (), f"expected exactly one of path, transform or overlay; found {kinds or 'none'}"
            )
        if self.overlay and (
            self.options is None or not all(isinstance(o, dict) for o in self.options)
        ):
            raise FieldError(("options",), "expected options that are tables for an overlay")
        if self.transform is not None and self.contract is None:
            raise FieldError(("contract",), f"expected the contract that {self.transform} changes")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise FieldError(
                ("range",), f"expected [low, high] with low < high; found {self.range}"
            )
        return self


class Design(Strict):
    """How the factors' values are chosen: the points of the experiment."""

    kind: Literal["full_factorial", "latin_hypercube", "sobol", "morris", "csv"]
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        default=None,
        description="latin_hypercube: points; sobol: N (points = N x (factors + 2)); "
        "morris: trajectories (points = trajectories x (factors + 1))",
    )
    levels: Annotated[int, Field(ge=2, le=1000)] = Field(
        default=3, description="full_factorial and morris: values per continuous factor"
    )
    file: str | None = Field(default=None, description="csv: one column per factor name")

    @model_validator(mode="after")
    def _needs(self) -> Design:
        if self.kind in ("latin_hypercube", "sobol", "morris") and self.samples is None:
            raise FieldError(("samples",), f"expected samples for a {self.kind} design")
        n = self.samples or 0
        if self.kind == "sobol" and (n < 4 or n & (n - 1)):
            raise FieldError(
                ("samples",),
                f"expected a power of two, at least 4, for a sobol design (Saltelli's scheme and "
                f"the N/2 convergence check need it); found {n}",
            )
        if self.kind == "csv" and self.file is None:
            raise FieldError(("file",), "expected a file for a csv design")
        return self


class Experiment(Strict):
    """Many runs of one model: a design over factors, replicated with recorded seeds."""

    id: Identifier
    name: str = Field(min_length=1)
    description: str = ""
    model: Literal["pbrlab", "ishigami"] = Field(
        default="pbrlab",
        description="pbrlab: simulate `base` with the factors laid over it; ishigami: the "
        "Ishigami test function of factors x1, x2, x3 (for checking the analysis machinery)",
    )
    base: str | None = Field(default=None, description="the scenario preset or file varied")
    scale: Annotated[StrictFloat, Field(gt=0.0, le=1.0)] | None = Field(
        default=None, description="the scale of every run (default: the base scenario's)"
    )
    seed: Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] = Field(
        description="the root seed: design sampling and every replicate's seed come from it"
    )
    replicates: Annotated[int, Field(ge=1, le=10_000)] = 1
    common_random_numbers: bool = Field(
        default=True,
        description="replicate r of every point runs with the same seed, so differences between "
        "points are not blurred by chance (false: every point draws its own seeds)",
    )
    factors: list[Factor] = Field(
        default_factory=list,
        description="none: a full_factorial design's one point is the base scenario as it is",
    )
    design: Design
    outputs: list[str] = Field(
        min_length=1, description="summary values kept per run, as dotted paths into summary.json"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        ids_not_repeated("factors", [f.name for f in self.factors])
        if not self.factors and self.design.kind != "full_factorial":
            raise FieldError(
                ("factors",), f"expected at least one factor for a {self.design.kind} design"
            )
        if self.model == "pbrlab" and self.base is None:
            raise FieldError(("base",), "expected a base scenario for a pbrlab experiment")
        names = sorted(f.name for f in self.factors)
        if self.model == "ishigami" and names != ["x1", "x2", "x3"]:
            raise FieldError(
                ("factors",), f"expected factors x1, x2, x3 for ishigami; found {names}"
            )
        if self.design.kind in ("sobol", "morris"):
            for i, factor in enumerate(self.factors):
                if factor.options is not None:
                    raise FieldError(
                        ("factors", i, "options"),
                        f"expected a range or distribution for a {self.design.kind} design "
                        "(options have no order to vary along)",
                    )
        return self
