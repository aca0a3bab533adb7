"""PRIM finds a known box; the analyses' charts are written; Morris ranks factors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pbrlab import config
from pbrlab.errors import InputError
from pbrlab.experiments.analysis import sensitivity
from pbrlab.experiments.charts import discovery_chart, sensitivity_chart
from pbrlab.experiments.discovery import discover, prim
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.store import Store
from pbrlab.experiments.sweep import load_experiment, sweep


def test_prim_peels_to_a_known_box() -> None:
    rng = np.random.default_rng(4)
    x = rng.random((4000, 3))
    hit = (x[:, 0] > 0.7) & (x[:, 1] < 0.3)
    found = prim(["a", "b", "c"], x, hit, "a > 0.7 and b < 0.3", min_coverage=0.8)
    box = found.chosen
    assert set(box.limits) == {"a", "b"}  # c is never cut
    assert box.limits["a"][0] == pytest.approx(0.7, abs=0.05)
    assert box.limits["b"][1] == pytest.approx(0.3, abs=0.05)
    assert box.coverage >= 0.8 and box.density > 0.8
    densities = [b.density for b in found.trajectory]
    assert densities[0] == pytest.approx(hit.mean()) and max(densities) > 0.9
    with pytest.raises(InputError, match="none do"):
        prim(["a"], x[:, :1], np.zeros(4000, bool))


def test_prim_peels_grids_by_whole_values() -> None:
    """A 3 x 3 grid, as the taper sweep: quantile cuts remove nothing, so PRIM peels end values."""
    grid = np.array([[a, b] for a in (0.0, 0.1, 0.3) for b in (0.0, 0.33, 1.0)] * 10)
    hit = (grid[:, 0] == 0.0) & (grid[:, 1] == 1.0)
    box = prim(["share", "taper"], grid, hit, "worst corner", min_coverage=1.0).chosen
    assert box.limits == {"share": (0.0, 0.0), "taper": (1.0, 1.0)}
    assert box.density == 1.0 and box.coverage == 1.0


@pytest.fixture(scope="module")
def ishigami(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Experiment]:
    path = tmp_path_factory.mktemp("ishigami") / "results.duckdb"
    experiment = load_experiment("ishigami")
    experiment = experiment.model_copy(
        update={"design": experiment.design.model_copy(update={"samples": 256})}
    )
    sweep(experiment, path, executor="inprocess")
    return Store(path), experiment


def test_discovery_on_stored_runs_and_its_chart(
    ishigami: tuple[Store, Experiment], tmp_path: Path
) -> None:
    store, experiment = ishigami
    found = discover(store, experiment, "y > 10", min_coverage=0.5)
    low, high = found.chosen.limits["x1"]
    assert low < np.pi / 2 < high and found.chosen.density > 3 * found.cases / found.runs
    discovery_chart(found, tmp_path / "prim.html")
    assert "plotly" in (tmp_path / "prim.html").read_text()
    with pytest.raises(InputError, match="--where"):
        discover(store, experiment, "no_such_column > 1")


def test_sensitivity_charts_are_written(ishigami: tuple[Store, Experiment], tmp_path: Path) -> None:
    store, experiment = ishigami
    sensitivity_chart([sensitivity(store, experiment, "y")], tmp_path / "sobol.html")
    text = (tmp_path / "sobol.html").read_text()
    assert "plotly" in text and '"ST"' in text


def test_morris_tells_direct_effects_from_interactions(tmp_path: Path) -> None:
    """x1 acts in one direction almost everywhere (|mu| = mu*); x3 acts only through its
    interaction with x1, whose sign flips (|mu| small against mu*, sigma above mu*)."""
    data = load_experiment("ishigami").model_dump()
    data["design"] = {"kind": "morris", "samples": 40, "levels": 4}
    experiment = config.validate(Experiment, data, "morris")
    sweep(experiment, tmp_path / "r.duckdb", executor="inprocess")
    with Store(tmp_path / "r.duckdb") as store:
        result = sensitivity(store, experiment, "y")
    mu, mu_star, sigma = (result.table[m] for m in ("mu", "mu_star", "sigma"))
    assert abs(mu[0]) > 0.9 * mu_star[0]
    assert abs(mu[2]) < 0.5 * mu_star[2] and sigma[2] > mu_star[2]
