"""Every default number pbrlab ships carries its evidence.

The project rule: every default number in a contract preset, scenario or behaviour rule carries
its source (URL, or report and table) or is marked as an assumption with a reason. Checked here
over every shipped preset and example file and over the numeric defaults of the contract,
scenario and market models, so that a number added without its evidence fails CI.

In a file, a number (or list of numbers) is evidenced when it is the `value` of a table with a
non-empty `source` or `assumption` (`{ value = 0.25, assumption = "..." }`), or when a table
enclosing it, up to the file's top, has a non-empty `source`, `assumption` or `evidence` (one note
covering several numbers, as in `[[referrals.mix]]`). TOML dates, booleans and strings are not
numbers. Comments cannot be read, so evidence held only in a comment does not count: numbers that
are not claims about the modelled world (run settings, keys) are in NOT_EVIDENCE, with why.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple, get_args

from pydantic import BaseModel, Field
from pydantic_core import PydanticUndefined

from pbrlab.appraisal import model as appraisals
from pbrlab.contracts import model as contracts
from pbrlab.market import model as market
from pbrlab.scenarios import model as scenarios

ROOT = Path(__file__).resolve().parents[1]

CONTRACTS = ("src/pbrlab/contracts/presets/*.toml",)
MARKETS = ("src/pbrlab/market/presets/*.toml",)
SCENARIOS = ("src/pbrlab/scenarios/presets/*.toml", "scenarios/*.toml")
EXPERIMENTS = ("src/pbrlab/experiments/presets/*.toml", "experiments/*.toml")
CALIBRATIONS = ("src/pbrlab/calibration/presets/*.toml",)
APPRAISALS = (
    "src/pbrlab/appraisal/options/*.toml",
    "src/pbrlab/appraisal/presets/*.toml",
    "scenarios/appraisal-*.toml",
)
SHIPPED = CONTRACTS + MARKETS + SCENARIOS + EXPERIMENTS + CALIBRATIONS + APPRAISALS

#: A calibration's free parameter gives its `reason` (why free, why that prior range).
EVIDENCE_KEYS = ("source", "assumption", "evidence", "reason")
#: A source names where a number comes from: a URL or a report identifier.
#: A calibrated value's source is the command and result file that reproduce it.
SOURCE_MARKERS = (
    "http",
    "HC ",
    "NAO",
    "PAC",
    "WPC",
    "DWP",
    "Table",
    "Hansard",
    "pbrlab calibrate",
)
#: An assumption gives a reason, not a word.
MIN_ASSUMPTION_CHARS = 20


class NotEvidence(NamedTuple):
    """Numbers at `key` (dotted, list items unnamed; fnmatch wildcards) in `files` need no note."""

    files: tuple[str, ...]
    key: str
    why: str


NOT_EVIDENCE = (
    NotEvidence(
        SCENARIOS,
        "seed",
        "the random seed: any fixed value makes runs reproducible; it claims nothing about the "
        "modelled world",
    ),
    NotEvidence(
        SCENARIOS,
        "scale",
        "the share of national volumes simulated: a run setting trading precision for speed "
        "(`--scale` overrides it; results are reported at national scale), not a parameter of "
        "the modelled world; the schema gives it no evidence keys",
    ),
    NotEvidence(
        CONTRACTS,
        "performance.minimum_levels.levels.year",
        "the contract year a minimum performance level belongs to: a key naming the level, not "
        "a quantity; the level's own sourced `value` states the year it is for",
    ),
    NotEvidence(
        EXPERIMENTS,
        "seed",
        "an experiment's random seed: any fixed value makes the design and runs reproducible",
    ),
    NotEvidence(
        EXPERIMENTS,
        "scale",
        "the share of national volumes an experiment simulates: a run setting trading precision "
        "for speed, not a parameter of the modelled world",
    ),
    NotEvidence(
        EXPERIMENTS,
        "replicates",
        "runs per design point: an experiment setting (precision against cost)",
    ),
    NotEvidence(
        EXPERIMENTS,
        "design.samples",
        "points or trajectories of the design: an experiment setting (precision against cost)",
    ),
    NotEvidence(
        EXPERIMENTS,
        "design.levels",
        "grid levels of a Morris or factorial design: an experiment setting",
    ),
    NotEvidence(
        EXPERIMENTS,
        "factors.range",
        "the values an experiment explores: a question put to the model, not a default of the "
        "modelled world (the Factor schema has no evidence keys; each file's comments give the "
        "reasoning); the preset values it varies carry their own evidence",
    ),
    NotEvidence(
        EXPERIMENTS,
        "factors.options",
        "the options an experiment explores: a question put to the model, not a default of the "
        "modelled world",
    ),
    NotEvidence(
        CALIBRATIONS,
        "seed",
        "a calibration's root seed: any fixed value makes the search reproducible (a refit with "
        "another seed checks the fit does not depend on it)",
    ),
    NotEvidence(
        CALIBRATIONS,
        "scale",
        "the share of national volumes each calibration run simulates: precision against cost",
    ),
    NotEvidence(
        CALIBRATIONS,
        "replicates",
        "runs per point of the search: precision against cost",
    ),
    NotEvidence(
        CALIBRATIONS,
        "search.*",
        "the search's budget (points, rounds, shrink, draws, verify_replicates): precision "
        "against cost, not a parameter of the modelled world",
    ),
    NotEvidence(
        APPRAISALS,
        "seed",
        "an appraisal's root seed: any fixed value makes the runs reproducible; every option "
        "runs with the same replicate seeds",
    ),
    NotEvidence(
        APPRAISALS,
        "scale",
        "the share of national volumes each appraisal run simulates: precision against cost "
        "(`--scale` overrides it; results are reported at national scale)",
    ),
    NotEvidence(
        APPRAISALS,
        "replicates",
        "runs per option: precision against cost (`--replicates` overrides it; the report "
        "flags criteria whose means are not yet stable)",
    ),
    NotEvidence(
        EXPERIMENTS,
        "factors.distribution.*",
        "the law an experiment samples a factor from: a question put to the model, not a "
        "default of the modelled world",
    ),
)


#: Fields of the models whose numeric default needs no evidence note: "Class.field" -> why. The
#: others are required, default to None (nothing is then assumed) or to a Sourced value.
MODEL_DEFAULTS_NOT_EVIDENCE: dict[str, str] = {
    "Appraisal.replicates": "runs per option: a run setting, precision against cost, not a "
    "parameter of the modelled world (the report flags criteria whose means are not stable)",
}

MODEL_ROOTS: tuple[type[BaseModel], ...] = (
    scenarios.Scenario,
    contracts.Contract,
    market.Market,
    appraisals.Appraisal,
    appraisals.OptionFile,
)
MODEL_MODULES: tuple[ModuleType, ...] = (scenarios, contracts, market, appraisals)
#: A field description that states its evidence names a source or an assumption.
DESCRIBED_EVIDENCE = re.compile(r"assum|source|https?://", re.IGNORECASE)


# --- the checks -----------------------------------------------------------------------------


def is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def has_evidence(table: dict[str, Any]) -> bool:
    return any(isinstance(table.get(k), str) and table[k].strip() for k in EVIDENCE_KEYS)


def item_name(item: object, index: int) -> str:
    """A list item by its id (stable when items move), else by its position."""
    if isinstance(item, dict):
        for key in ("id", "name", "group"):
            name = item.get(key)
            if isinstance(name, str):
                return name
    return str(index)


def unevidenced_numbers(
    node: object, path: str = "", key: str = "", covered: bool = False
) -> Iterator[tuple[str, str, object]]:
    """(display path, key path with list items unnamed, value) of every number without evidence.

    The display path names list items, e.g. `providers[cpa14-ncg].cost_per_hour`; the key path
    leaves them out, `providers.cost_per_hour`, for matching NOT_EVIDENCE.
    """
    if isinstance(node, dict):
        covered = covered or has_evidence(node)  # `{ value = ..., source = ... }` included
        for k, child in node.items():
            if k not in EVIDENCE_KEYS:
                yield from unevidenced_numbers(
                    child, f"{path}.{k}" if path else k, f"{key}.{k}" if key else k, covered
                )
    elif isinstance(node, list):
        if node and all(is_number(x) for x in node):
            if not covered:
                yield path, key, node
            return
        for i, child in enumerate(node):
            yield from unevidenced_numbers(child, f"{path}[{item_name(child, i)}]", key, covered)
    elif is_number(node) and not covered:
        yield path, key, node


def evidence_notes(node: object, path: str = "") -> Iterator[tuple[str, str, object]]:
    """(path, which key, note) of every source, assumption or evidence note in a document."""
    if isinstance(node, dict):
        for k, child in node.items():
            where = f"{path}.{k}" if path else k
            if k in EVIDENCE_KEYS:
                yield where, k, child
            else:
                yield from evidence_notes(child, where)
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from evidence_notes(child, f"{path}[{item_name(child, i)}]")


def note_problem(kind: str, note: object) -> str | None:
    if not isinstance(note, str):
        return "expected text"
    if kind == "source" and not any(marker in note for marker in SOURCE_MARKERS):
        return f"expected a URL or a report identifier ({', '.join(SOURCE_MARKERS)})"
    if kind != "source" and len(note.strip()) < MIN_ASSUMPTION_CHARS:
        return f"expected a reason of at least {MIN_ASSUMPTION_CHARS} characters"
    return None


def shipped_files() -> list[Path]:
    return sorted({file for pattern in SHIPPED for file in ROOT.glob(pattern)})


def relative(file: Path) -> str:
    return file.relative_to(ROOT).as_posix()


def not_evidence(file: str, key: str) -> bool:
    return any(
        fnmatch.fnmatchcase(key, rule.key)
        and any(fnmatch.fnmatchcase(file, pattern) for pattern in rule.files)
        for rule in NOT_EVIDENCE
    )


def file_offenders() -> list[str]:
    """`file:key.path = value` for every shipped number without evidence."""
    found = []
    for file in shipped_files():
        name = relative(file)
        document = tomllib.loads(file.read_text(encoding="utf-8"))
        for path, key, value in unevidenced_numbers(document):
            if not not_evidence(name, key):
                found.append(f"{name}:{path} = {value!r}")
    return found


def note_offenders() -> list[str]:
    found = []
    for file in shipped_files():
        name = relative(file)
        document = tomllib.loads(file.read_text(encoding="utf-8"))
        for path, kind, note in evidence_notes(document):
            problem = note_problem(kind, note)
            if problem is not None:
                found.append(f"{name}:{path} = {note!r}: {problem}")
    return found


def models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The models an annotation refers to, through Optional, unions, lists, dicts, Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in get_args(annotation):
        yield from models_in(arg)


def all_models(
    roots: tuple[type[BaseModel], ...], modules: tuple[ModuleType, ...] = ()
) -> list[type[BaseModel]]:
    """The roots, every model their fields refer to, and every model the modules define."""
    defined = [
        obj
        for module in modules
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == module.__name__
    ]
    seen: dict[type[BaseModel], None] = {}
    todo = [*roots, *defined]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen[model] = None
        for field in model.model_fields.values():
            todo.extend(models_in(field.annotation))
    return list(seen)


def plain(value: object) -> object:
    """A default as data: a model becomes its fields, so a Sourced default shows its evidence."""
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_none=True)
    return value


def model_default_offenders(models: list[type[BaseModel]]) -> list[str]:
    """`Class.field = default` for every numeric default with no evidence in its description."""
    found = []
    for model in models:
        for name, field in model.model_fields.items():
            if field.default is PydanticUndefined and field.default_factory is None:
                continue  # required: every file states it (and its evidence)
            default = field.get_default(call_default_factory=True, validated_data={})
            numbers = list(unevidenced_numbers({name: plain(default)}))
            where = f"{model.__name__}.{name}"
            if (
                numbers
                and where not in MODEL_DEFAULTS_NOT_EVIDENCE
                and not DESCRIBED_EVIDENCE.search(field.description or "")
            ):
                found.append(f"{where} = {default!r} (description: {field.description!r})")
    return found


# --- the tests ------------------------------------------------------------------------------


def test_every_shipped_number_has_evidence() -> None:
    assert shipped_files(), "expected shipped preset files under " + ", ".join(SHIPPED)
    offenders = file_offenders()
    assert not offenders, (
        "expected every shipped number to carry a `source` or an `assumption` (as "
        "`{ value = ..., source = ... }`, or a note on an enclosing table); found none for:\n"
        + "\n".join(offenders)
    )


def test_every_numeric_model_default_has_evidence() -> None:
    models = all_models(MODEL_ROOTS, MODEL_MODULES)
    names = {m.__name__ for m in models}
    assert {"Scenario", "Behaviour", "Contract", "Sustainment", "Market", "Matching"} <= names
    offenders = model_default_offenders(models)
    assert not offenders, (
        "expected every numeric model default to state its evidence (a source or an "
        "assumption) in its Field description, or a reason in MODEL_DEFAULTS_NOT_EVIDENCE; "
        "found:\n" + "\n".join(offenders)
    )


def test_every_note_is_a_source_or_a_reason() -> None:
    offenders = note_offenders()
    assert not offenders, "expected sources and assumptions that say something; found:\n" + (
        "\n".join(offenders)
    )


def test_the_file_check_tells_evidenced_numbers_from_bare_ones() -> None:
    document = tomllib.loads(
        """
        bare = 3
        when = 2011-06-01
        flag = true
        sourced = { value = 0.5, source = "https://example.org" }
        empty = { value = 0.5, source = "" }
        covered_below = { value = 1, extra = 2, assumption = "a reason for both numbers" }
        [shared]
        assumption = "one reason covering every number in this table"
        shares = [0.2, 0.8]
        [[items]]
        id = "a"
        weights = [1, 2]
        """
    )
    found = [(path, value) for path, _, value in unevidenced_numbers(document)]
    assert found == [("bare", 3), ("empty.value", 0.5), ("items[a].weights", [1, 2])]
    assert [key for _, key, _ in unevidenced_numbers(document)][-1] == "items.weights"


def test_the_note_check_wants_a_source_or_a_reason() -> None:
    assert note_problem("source", "WPC 2013 Table 3") is None
    assert note_problem("source", "https://example.org") is None
    assert note_problem("source", "the record") is not None
    assert note_problem("assumption", "a guess") is not None
    assert note_problem("assumption", "half-way between none and in proportion") is None


def test_the_model_check_finds_bare_numeric_defaults() -> None:
    class Example(contracts.Strict):
        required: int
        bare: int = 3
        bare_list: list[float] = Field(default_factory=lambda: [0.5])
        noted: float = Field(default=0.5, description="assumption: half, lacking any measure")
        absent: int | None = None
        flag: bool = False
        sourced: contracts.Sourced[int] = contracts.Sourced[int](value=1, source="DWP Table 1")

    assert model_default_offenders([Example]) == [
        "Example.bare = 3 (description: None)",
        "Example.bare_list = [0.5] (description: None)",
    ]
