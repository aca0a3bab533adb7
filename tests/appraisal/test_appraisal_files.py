"""Reading appraisal files: options composed from files, the in-house comparator, and one clear
message for each kind of bad file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from appraisal_files import appraisal, option
from pbrlab.appraisal.load import leaves, load_appraisal
from pbrlab.appraisal.model import IN_HOUSE
from pbrlab.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
HOURS = '[[options.scenario.services]]\nid = "s"\nname = "S"\ngroups = ["esa_flow"]\nsector = "voluntary"\ncontract = "grant"\ncost_per_hour = { value = 35.0, assumption = "t" }\nstarting_cash = { value = 1.0e6, assumption = "t" }\n'  # noqa: E501


def test_the_seed_resolves_with_the_in_house_comparator_last() -> None:
    resolved = load_appraisal(ROOT / "scenarios" / "appraisal-seed.toml")
    ids = [o.id for o in resolved.options]
    assert ids == ["national-pbr-2011", "local-commissioning", "esa-grants", IN_HOUSE]
    # the shared relationships reach every option, and each option's own changes win
    ties = {o.id: o.overlay["relationships"]["initial_ties"]["value"] for o in resolved.options}
    assert ties == {"national-pbr-2011": 0.2, "local-commissioning": 0.4, "esa-grants": 0.2,
                    IN_HOUSE: 0.2}  # fmt: skip


def test_in_house_can_be_left_out(tmp_path: Path) -> None:
    file = appraisal(tmp_path, '[[options]]\nid = "a"\nuse = ["national-pbr-2011"]',
                     extra="in_house = false")  # fmt: skip
    assert [o.id for o in load_appraisal(file).options] == ["a"]


def test_an_option_written_as_a_file_composes_with_a_preset(tmp_path: Path) -> None:
    option(
        tmp_path,
        "mine",
        '[scenario.behaviour]\nprofessional_norm = { value = 0.9, assumption = "mine" }',
    )
    file = appraisal(tmp_path, '[[options]]\nid = "mixed"\nuse = ["esa-grants", "mine.toml"]')
    mixed = load_appraisal(file).options[0]
    assert mixed.overlay["behaviour"]["professional_norm"]["value"] == 0.9
    assert mixed.overlay["services"][0]["id"] == "esa-specialists"
    assert mixed.name == "Option mine"


@pytest.mark.parametrize(
    ("options", "where", "says"),
    [
        ('[[options]]\nid = "a"\nuse = ["no-such-option"]', "options[a].use[0]",
         "no such option file or preset"),
        ('[[options]]\nid = "a"\nuse = ["one.toml", "two.toml"]', "options[a].use",
         "conflicting overrides: 'one.toml' sets behaviour.professional_norm"),
        ('[[options]]\nid = "a"\nuse = ["national-pbr-2011"]\n[[options]]\nid = "a"\n'
         'use = ["in-house"]', "options[a].id", "expected a new id"),
        ('[[options]]\nid = "a"\n' + HOURS, "option a",
         "services[s].adviser_hours_per_week: required key is missing"),
        ('[[options]]\nid = "a"\nuse = ["national-pbr-2011"]\ncolour = "red"',
         "options[a].colour", "unknown key"),
    ],
)  # fmt: skip
def test_bad_appraisal_files_get_one_clear_message(
    tmp_path: Path, options: str, where: str, says: str
) -> None:
    option(
        tmp_path,
        "one",
        '[scenario.behaviour]\nprofessional_norm = { value = 0.5, assumption = "one" }',
    )
    option(
        tmp_path,
        "two",
        '[scenario.behaviour]\nprofessional_norm = { value = 0.7, assumption = "two" }',
    )
    file = appraisal(tmp_path, options)
    with pytest.raises(InputError) as caught:
        load_appraisal(file)
    message = str(caught.value)
    assert str(file) in message and where in message and says in message, message


def test_a_missing_base_scenario_is_named(tmp_path: Path) -> None:
    file = appraisal(tmp_path, '[[options]]\nid = "a"\nuse = ["in-house"]', base="nowhere.toml")
    with pytest.raises(InputError, match=r"base: cannot load the base scenario: .*nowhere.toml"):
        load_appraisal(file)


def test_the_command_reports_a_bad_file_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    file = appraisal(tmp_path, '[[options]]\nid = "a"\nuse = ["no-such-option"]')
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "pbrlab", "appraise", str(file), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "options[a].use[0]" in done.stderr
    assert not out.exists()


def test_leaves_name_every_value_an_overlay_sets() -> None:
    data = {
        "market": {"consortia": True, "places_per_area": {"value": 5, "assumption": "x"}},
        "services": [{"id": "s", "groups": ["a"]}],
    }
    assert dict(leaves(data)) == {
        "market.consortia": True,
        "market.places_per_area": {"value": 5, "assumption": "x"},
        "services[s].id": "s",
        "services[s].groups": ["a"],
    }


def test_every_group_needs_a_fiscal_rate(tmp_path: Path) -> None:
    file = appraisal(tmp_path, '[[options]]\nid = "a"\nuse = ["in-house"]')
    file.write_text(file.read_text().replace("ib_is = ", "ib_is_typo = "))
    with pytest.raises(InputError, match=r"fiscal.benefit_per_week: .*found none for \['ib_is'\]"):
        load_appraisal(file)
