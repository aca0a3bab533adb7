"""A stored run's definition covers the base scenario's content, not only its name."""

from __future__ import annotations

from pathlib import Path

from pbrlab.experiments.model import Design, Experiment
from pbrlab.experiments.runs import experiment_hash


def test_editing_the_base_scenario_makes_a_new_definition(tmp_path: Path) -> None:
    base = tmp_path / "option.toml"
    base.write_text('extends = "work-programme-2011-core"\nid = "option"\nseed = 1\n')
    experiment = Experiment(
        id="e",
        name="replicates of the option",
        base=str(base),
        seed=1,
        design=Design(kind="full_factorial"),
        outputs=["overall.job_outcome_rate_24m"],
    )
    before = experiment_hash(experiment)
    assert experiment_hash(experiment) == before  # stable
    base.write_text('extends = "work-programme-2011-core"\nid = "option"\nseed = 1\nscale = 0.01\n')
    assert experiment_hash(experiment) != before
