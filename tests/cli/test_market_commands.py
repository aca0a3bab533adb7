"""`pbrlab market`: list, validate, schema and a procurement round, through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from pbrlab.market.load import load_market


def pbrlab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", "market", *args], capture_output=True, text=True
    )


def test_list_names_the_shipped_market() -> None:
    result = pbrlab("list")
    assert result.returncode == 0, result.stderr
    assert "gb-2011" in result.stdout


def test_procure_prints_awards_and_the_winners_curse(tmp_path: Path) -> None:
    bids = tmp_path / "bids.parquet"
    result = pbrlab("procure", "--seed", "3", "--bids", str(bids))
    assert result.returncode == 0, result.stderr
    assert "40 contracts" in result.stdout and "winner's curse" in result.stdout
    table = pq.read_table(bids)
    assert table.num_rows == 35 * 18
    assert sum(table["won"].to_pylist()) == 40
    stamp = json.loads(table.schema.metadata[b"pbrlab"])
    assert stamp["market"] == "gb-2011" and stamp["seed"] == "3"


def test_procure_json_is_reproducible_by_seed() -> None:
    first = json.loads(pbrlab("procure", "--seed", "5", "--format", "json").stdout)
    again = json.loads(pbrlab("procure", "--seed", "5", "--format", "json").stdout)
    other = json.loads(pbrlab("procure", "--seed", "6", "--format", "json").stdout)
    for summary in (first, again):
        del summary["provenance"]["created"]
    assert first == again
    assert first["contracts"] == 40 and first["promised_to_true_winners"] > 1
    assert other["mean_promised_rate_winners"] != first["mean_promised_rate_winners"]


def test_schema_is_json() -> None:
    schema = json.loads(pbrlab("schema").stdout)
    assert "organisations" in schema["properties"]


def one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_an_unknown_market_is_one_line() -> None:
    one_line_error(pbrlab("procure", "no-such-market"), "no-such-market")


def test_bids_must_go_to_a_parquet_file(tmp_path: Path) -> None:
    one_line_error(pbrlab("procure", "--bids", str(tmp_path / "bids.csv")), "bids.csv", ".parquet")


def test_weights_that_do_not_add_up_are_named(tmp_path: Path) -> None:
    preset = Path(load_market.__code__.co_filename).parent / "presets" / "gb-2011.toml"
    text = preset.read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("price = { value = 0.35", "price = { value = 0.45", 1))
    one_line_error(
        pbrlab("validate", str(bad)), "bad.toml", "procurement.weights", "adding up to 1"
    )


def test_procure_holds_the_scenarios_smaller_lots_and_consortia(tmp_path: Path) -> None:
    local = tmp_path / "local.toml"
    local.write_text(
        'extends = "work-programme-2011"\nid = "local"\nname = "local"\n[market]\n'
        'places_per_area = { value = 5, assumption = "five lots an area" }\nconsortia = true\n'
    )
    result = pbrlab("procure", "--scenario", str(local), "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["contracts"] == 5 * 18
    assert summary["bidders"] == 35 + 18  # the framework and one consortium per area
