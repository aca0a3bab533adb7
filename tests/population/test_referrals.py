"""Referral flows follow the published cumulative totals, the group mix and the scale."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from pbrlab import config
from pbrlab.population.referrals import expected_referrals
from pbrlab.scenarios.model import Scenario
from scenario_data import minimal, sourced


def scenario(**changes: object) -> Scenario:
    data = copy.deepcopy(minimal())
    data.update(changes)
    return config.validate(Scenario, data, "test")


def test_total_is_the_last_milestone_times_the_scale() -> None:
    flows = expected_referrals(scenario())
    assert flows.total == pytest.approx(1000 * 0.5)


def test_cumulative_flows_pass_through_every_milestone() -> None:
    data = minimal()
    data["referrals"]["milestones"] = [
        {"date": "2011-10-31", "cumulative": sourced(400)},
        {"date": "2012-06-01", "cumulative": sourced(1000)},
    ]
    flows = expected_referrals(scenario(referrals=data["referrals"], scale=1.0))
    by_week = flows.expected.sum(axis=1)
    # 2011-06-01 + 22 weeks = 2011-11-02: the milestone day ends inside week 21.
    before = by_week[:21].sum()
    assert before < 400 < before + by_week[21]
    assert by_week.sum() == pytest.approx(1000)


def test_no_referrals_after_referrals_end() -> None:
    flows = expected_referrals(scenario())
    after = flows.week_start >= np.datetime64("2012-06-02").astype(np.int64)
    assert flows.expected[after].sum() == 0
    assert flows.expected[~after].sum() > 0


def test_group_mix_changes_on_its_date() -> None:
    data = minimal()
    data["groups"].append({**data["groups"][0], "id": "esa_flow"})
    data["referrals"]["mix"] = [
        {"starts": "2011-06-01", "shares": {"jsa_25_plus": 1.0}, "assumption": "test"},
        {
            "starts": "2012-01-04",
            "shares": {"jsa_25_plus": 0.75, "esa_flow": 0.25},
            "assumption": "test",
        },
    ]
    flows = expected_referrals(scenario(groups=data["groups"], referrals=data["referrals"]))
    esa = flows.groups.index("esa_flow")
    switch = int(np.flatnonzero(flows.week_start == np.datetime64("2012-01-04").astype(int))[0])
    assert flows.expected[:switch, esa].sum() == 0
    shares = flows.expected[switch:].sum(axis=0) / flows.expected[switch:].sum()
    assert shares[esa] == pytest.approx(0.25)
