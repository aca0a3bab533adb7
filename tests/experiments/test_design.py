"""Designs: the points each design gives, how factors turn unit values into values, and seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.experiments.design import points, replicate_seeds
from pbrlab.experiments.model import Experiment


def experiment(design: dict[str, Any], factors: list[dict[str, Any]], **more: Any) -> Experiment:
    data = {
        "id": "t",
        "name": "t",
        "base": "work-programme-2011-core",  # not read: designs need only the factors
        "seed": 3,
        "outputs": ["y"],
        "design": design,
        "factors": factors,
        **more,
    }
    return config.validate(Experiment, data, "test experiment")


RANGE = {"name": "a", "path": "a", "range": [0.0, 10.0]}
OPTIONS = {"name": "b", "path": "b", "options": ["x", "y", "z"]}


def test_a_full_factorial_crosses_every_level_with_every_option() -> None:
    design = points(experiment({"kind": "full_factorial", "levels": 3}, [RANGE, OPTIONS]))
    assert design.size == 9
    assert {(p["a"], p["b"]) for p in design.values} == {
        (a, b) for a in (0.0, 5.0, 10.0) for b in ("x", "y", "z")
    }


def test_a_latin_hypercube_puts_one_point_in_each_stratum() -> None:
    design = points(experiment({"kind": "latin_hypercube", "samples": 20}, [RANGE]))
    strata = sorted(int(p["a"] // 0.5) for p in design.values)
    assert strata == list(range(20))


@pytest.mark.parametrize(("kind", "size"), [("sobol", 16 * (2 + 2)), ("morris", 5 * (2 + 1))])
def test_sensitivity_designs_have_salibs_sizes(kind: str, size: int) -> None:
    samples = 16 if kind == "sobol" else 5
    factors = [RANGE, {"name": "c", "path": "c", "range": [1.0, 2.0]}]
    design = points(experiment({"kind": kind, "samples": samples, "levels": 4}, factors))
    # (Morris's levels are 0, 1/3, 2/3 and 1 of each range.)
    assert design.size == size and design.unit is not None
    values = np.array([[p["a"], p["c"]] for p in design.values])
    np.testing.assert_allclose(values, [0, 1] + design.unit * [10, 1])


def test_distributions_map_unit_values_through_their_quantiles() -> None:
    factors = [
        {"name": "n", "path": "n", "distribution": {"kind": "normal", "mean": 5, "sd": 2}},
        {"name": "k", "path": "k", "range": [1, 4], "integer": True},
    ]
    design = points(experiment({"kind": "latin_hypercube", "samples": 400}, factors))
    n = np.array([p["n"] for p in design.values])
    assert abs(n.mean() - 5) < 0.1 and abs(n.std() - 2) < 0.1
    assert {p["k"] for p in design.values} == {1, 2, 3, 4}


def test_the_same_seed_gives_the_same_points_and_replicate_seeds() -> None:
    a = experiment({"kind": "latin_hypercube", "samples": 5}, [RANGE], replicates=3)
    assert points(a).values == points(a).values
    seeds = replicate_seeds(a)
    assert len(set(seeds)) == 3 and seeds == replicate_seeds(a)
    assert all(0 <= s < 2**63 for s in seeds)
    b = a.model_copy(update={"seed": 4})
    assert points(b).values != points(a).values and replicate_seeds(b) != seeds


def test_a_csv_design_gives_its_rows(tmp_path: Path) -> None:
    file = tmp_path / "points.csv"
    file.write_text("a,b\n1,x\n2.5,z\n")
    design = points(experiment({"kind": "csv", "file": str(file)}, [RANGE, OPTIONS]))
    assert design.values == [{"a": 1, "b": "x"}, {"a": 2.5, "b": "z"}]
    file.write_text("a\n1\n")
    with pytest.raises(InputError, match=r"missing \['b'\]"):
        points(experiment({"kind": "csv", "file": str(file)}, [RANGE, OPTIONS]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"factors": [{"name": "a", "path": "a"}]}, "exactly one of range"),
        ({"factors": [{"name": "a", "path": "a", "range": [2.0, 1.0]}]}, "low < high"),
        ({"design": {"kind": "sobol"}}, "expected samples"),
        ({"design": {"kind": "sobol", "samples": 8}, "factors": [OPTIONS]}, "no order"),
        ({"base": None}, "expected a base scenario"),
        ({"model": "ishigami"}, "expected factors x1, x2, x3"),
        ({"design": {"kind": "sobol", "samples": 12}}, "expected a power of two"),
        ({"factors": [RANGE, RANGE]}, "expected a new id"),
    ],
)
def test_bad_experiments_name_the_problem(change: dict[str, Any], message: str) -> None:
    data: dict[str, Any] = {"design": {"kind": "full_factorial"}, "factors": [RANGE], **change}
    with pytest.raises(InputError, match=message):
        experiment(data.pop("design"), data.pop("factors"), **data)
