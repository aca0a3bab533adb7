"""`pbrlab run` through the real command line, at a tiny scale so each simulation takes ~2 s.

The simulations are shared by module-scoped fixtures (six in all): a table run, the same run as
JSON, the same run with --records, a run with another seed, the scenario file from the repository
root, and a run whose outputs cannot all be written. The bad-input cases fail before simulating.

What a user must see on bad input: exit code 2, nothing on stdout, ONE line on stderr,
`error: <file or option>: ...` saying what was expected and what was found, no traceback, and the
--out folder exactly as it was before (no file replaced, none added, no temporary file left).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).parents[2]
SCENARIO_FILE = "scenarios/work-programme-2011.toml"  # relative to ROOT
PRESET = "work-programme-2011"
SCALE = "0.002"
SEED = "7"
OTHER_SEED = "8"
OUTPUTS = (
    "timeseries.parquet",
    "cohorts.parquet",
    "events.parquet",
    "bids.parquet",
    "chains.parquet",
    "summary.json",
)
RECORDS = ("participants.parquet", "spells.parquet", "ledger.parquet")
TABLES = ("timeseries.parquet", "cohorts.parquet")
PROVENANCE_KEYS = {
    "pbrlab_version",
    "created",
    "scenario",
    "scenario_source",
    "scenario_hash",
    "seed",
    "scale",
}
MAX_MESSAGE = 600  # characters: one readable line

Fragment = str | tuple[str, ...]  # a tuple: any one of these will do


# ----------------------------------------------------------------------------- running the CLI


def pbrlab(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "PY_COLORS"}}
    env["NO_COLOR"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def shown(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@dataclass(frozen=True)
class Run:
    result: subprocess.CompletedProcess[str]
    out: Path

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.out / "summary.json").read_text(encoding="utf-8"))
        return data

    def table(self, name: str) -> pa.Table:
        return pq.read_table(self.out / name)

    def stamp(self, name: str) -> dict[str, Any]:
        """The provenance of one output file."""
        if name.endswith(".json"):
            stamp: dict[str, Any] = self.summary()["provenance"]
            return stamp
        metadata = pq.read_schema(self.out / name).metadata or {}
        assert b"pbrlab" in metadata, f"{name} has no provenance: {sorted(metadata)}"
        return dict(json.loads(metadata[b"pbrlab"]))


def simulate(
    folder: Path, *args: str, seed: str = SEED, cwd: Path | None = None, scenario: str = PRESET
) -> Run:
    out = folder / "out"
    result = pbrlab(
        "run", scenario, "--scale", SCALE, "--seed", seed, "--out", out, *args, cwd=cwd or folder
    )
    assert result.returncode == 0, shown(result)
    assert "Traceback" not in result.stdout + result.stderr, shown(result)
    return Run(result, out)


def without_created(summary: dict[str, Any]) -> dict[str, Any]:
    return {**summary, "provenance": {**summary["provenance"], "created": None}}


def results(summary: dict[str, Any]) -> dict[str, Any]:
    """The simulated figures of a summary, without its provenance."""
    return {k: v for k, v in summary.items() if k != "provenance"}


@pytest.fixture(scope="module")
def table_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(tmp_path_factory.mktemp("table"))


@pytest.fixture(scope="module")
def json_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(tmp_path_factory.mktemp("json"), "--format", "json")


@pytest.fixture(scope="module")
def records_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(tmp_path_factory.mktemp("records"), "--records")


@pytest.fixture(scope="module")
def other_seed_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return simulate(tmp_path_factory.mktemp("other-seed"), "--format", "json", seed=OTHER_SEED)


@pytest.fixture(scope="module")
def file_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The scenario file, named relative to the repository root (the cwd)."""
    folder = tmp_path_factory.mktemp("file")
    return simulate(folder, "--format", "json", cwd=ROOT, scenario=SCENARIO_FILE)


# ------------------------------------------------------------------------------- a table run


def test_table_run_writes_the_outputs(table_run: Run) -> None:
    assert sorted(p.name for p in table_run.out.iterdir()) == sorted(OUTPUTS)
    for name in TABLES:
        assert table_run.table(name).num_rows > 0, name


def test_table_run_prints_a_row_per_group_and_all(table_run: Run) -> None:
    stdout = table_run.result.stdout
    groups = list(table_run.summary()["groups"])
    assert len(groups) == 9, groups
    for name in [*groups, "all"]:  # the first cell of a table row, after the box border
        assert re.search(rf"^\W+{re.escape(name)}\s", stdout, re.MULTILINE), (
            f"no row for {name!r}:\n{stdout}"
        )
    assert f"seed {SEED}, scale {SCALE}" in stdout, stdout
    assert str(table_run.out) in stdout.replace("\n", ""), stdout  # "Outputs written to <out>"
    assert table_run.result.stderr == "", shown(table_run.result)


@pytest.mark.parametrize("name", OUTPUTS)
def test_every_output_carries_the_provenance(table_run: Run, name: str) -> None:
    stamp = table_run.stamp(name)
    assert set(stamp) == PROVENANCE_KEYS, stamp
    assert stamp["scenario"] == PRESET
    assert stamp["scenario_source"] == PRESET
    assert re.fullmatch(r"[0-9a-f]{16}", stamp["scenario_hash"]), stamp
    assert int(stamp["seed"]) == int(SEED)
    assert float(stamp["scale"]) == float(SCALE)
    assert stamp["pbrlab_version"]
    created = dt.datetime.fromisoformat(stamp["created"])
    assert created.tzinfo is not None, stamp
    assert stamp == table_run.stamp("summary.json"), "the files of one run disagree"


def test_summary_is_at_the_given_scale(table_run: Run) -> None:
    summary = table_run.summary()
    assert summary["scale"] == float(SCALE)
    overall = summary["overall"]
    assert overall["referrals"] == sum(g["referrals"] for g in summary["groups"].values())
    assert overall["referrals"] > 0


# -------------------------------------------------------------------------------- json, records


def test_json_output_is_the_summary_file(json_run: Run) -> None:
    printed = json.loads(json_run.result.stdout)  # stdout is the JSON and nothing else
    assert printed == json_run.summary()
    assert json_run.result.stderr == "", shown(json_run.result)


def test_records_writes_the_record_files(records_run: Run, table_run: Run) -> None:
    assert sorted(p.name for p in records_run.out.iterdir()) == sorted(OUTPUTS + RECORDS)
    for name in RECORDS:
        assert records_run.table(name).num_rows > 0, name
        stamp = records_run.stamp(name)
        assert stamp == records_run.stamp("summary.json"), name
        assert int(stamp["seed"]) == int(SEED)
        assert float(stamp["scale"]) == float(SCALE)
    for name in TABLES:  # asking for the records does not change the results
        assert records_run.table(name).equals(table_run.table(name)), name


# ------------------------------------------------------------------------------ the same seed


def test_the_same_seed_gives_the_same_results(table_run: Run, json_run: Run) -> None:
    for name in TABLES:
        assert table_run.table(name).equals(json_run.table(name)), name
    assert without_created(table_run.summary()) == without_created(json_run.summary())


def test_another_seed_gives_other_results(table_run: Run, other_seed_run: Run) -> None:
    for name in TABLES:
        assert not table_run.table(name).equals(other_seed_run.table(name)), name
    assert results(table_run.summary()) != results(other_seed_run.summary())
    assert int(other_seed_run.stamp("summary.json")["seed"]) == int(OTHER_SEED)


# ---------------------------------------------------------------------------- the scenario file


def test_the_scenario_file_runs_from_the_repository_root(file_run: Run, table_run: Run) -> None:
    """The file overlays the preset and changes nothing that is simulated, so it has the
    preset's scenario_hash (the hash is of what is simulated, not of `extends`)."""
    stamp = file_run.stamp("summary.json")
    assert stamp["scenario"] == PRESET
    assert stamp["scenario_source"] == SCENARIO_FILE
    assert re.fullmatch(r"[0-9a-f]{16}", stamp["scenario_hash"]), stamp
    assert stamp["scenario_hash"] == table_run.stamp("summary.json")["scenario_hash"]
    for name in TABLES:
        assert file_run.stamp(name) == stamp, name
        assert file_run.table(name).equals(table_run.table(name)), name
    assert results(file_run.summary()) == results(table_run.summary())
    assert json.loads(file_run.result.stdout) == file_run.summary()


# ---------------------------------------------------------------------------------- bad input


def overlay(text: str) -> str:
    return f'extends = "{PRESET}"\n{text}'


@dataclass(frozen=True)
class BadCase:
    id: str
    args: tuple[str, ...]  # "{file}" is replaced by the path of a file holding `toml`
    named: str  # the message starts `error: <named>: `; "{file}" as in args
    expect: list[Fragment]
    toml: str | None = None


BAD_CASES = [
    BadCase("scale-zero", ("--scale", "0"), "--scale", ["(0, 1]", "found 0"]),
    BadCase("scale-above-one", ("--scale", "1.5"), "--scale", ["(0, 1]", "found 1.5"]),
    BadCase("scale-negative", ("--scale=-1",), "--scale", ["(0, 1]", "found -1"]),
    BadCase("seed-negative", ("--seed=-3",), "--seed", ["expected", "found -3"]),
    BadCase(
        "seed-too-large",
        ("--seed=9223372036854775808",),
        "--seed",
        ["expected", "found 9223372036854775808"],
    ),
    BadCase(
        "unknown-preset",
        ("no-such-scenario",),
        "no-such-scenario",
        ["no such scenario", PRESET],
    ),
    BadCase(
        "missing-toml-file",
        ("{missing}",),
        "{missing}",
        [("does not exist", "No such file")],
    ),
    BadCase(
        "toml-syntax-error",
        ("{file}",),
        "{file}",
        ["not valid TOML", "line 2"],
        overlay("seed =\n"),
    ),
    BadCase(
        "seed-not-a-number-in-file",
        ("{file}",),
        "{file}",
        ["seed", "integer", "'abc'"],
        overlay('seed = "abc"\n'),
    ),
    BadCase(
        "professional-norm-above-one",
        ("{file}",),
        "{file}",
        ["behaviour.professional_norm.value", "less than or equal to 1", "2.0"],
        overlay("[behaviour]\nprofessional_norm = { value = 2.0 }\n"),
    ),
    BadCase(
        "provider-contract-not-a-preset",
        ("{file}",),
        "{file}",
        ["providers[cpa02-a4e].contract", "no-such-contract", "work-programme-2011"],
        'extends = "work-programme-2011-core"\n'
        '[[providers]]\nid = "cpa02-a4e"\ncontract = "no-such-contract"\n',
    ),
    BadCase(
        "market-contract-not-a-preset",
        ("{file}",),
        "{file}",
        ["market.contract", "no-such-contract", "work-programme-2011"],
        overlay('[market]\ncontract = "no-such-contract"\n'),
    ),
]


def assert_one_clear_message(
    result: subprocess.CompletedProcess[str], named: str, expect: list[Fragment]
) -> str:
    """Exit 2 and one line `error: <named>: <rest>`; every fragment of `expect` is in <rest>."""
    assert result.returncode == 2, shown(result)
    assert "Traceback" not in result.stdout + result.stderr, shown(result)
    assert result.stdout.strip() == "", shown(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown(result)
    message = lines[0]
    assert len(message) <= MAX_MESSAGE, f"message of {len(message)} characters:\n{shown(result)}"
    prefix = f"error: {named}: "
    assert message.startswith(prefix), f"expected the message to start {prefix!r}:\n{message}"
    rest = message.removeprefix(prefix)
    for fragment in expect:
        options = (fragment,) if isinstance(fragment, str) else fragment
        assert any(option in rest for option in options), (
            f"expected {' or '.join(map(repr, options))} after {named!r}:\n{message}"
        )
    return rest


def previous_outputs(out: Path) -> dict[str, bytes]:
    """An --out folder holding the outputs of an earlier run (stand-ins: only bytes matter)."""
    out.mkdir()
    files = {name: f"earlier {name}\n".encode() for name in OUTPUTS}
    for name, content in files.items():
        (out / name).write_bytes(content)
    return files


def assert_untouched(out: Path, before: dict[str, bytes]) -> None:
    now = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert sorted(p.name for p in out.iterdir()) == sorted(before), "files added or removed"
    changed = sorted(name for name in before if now[name] != before[name])
    assert changed == [], f"a failed run replaced {changed}"


@pytest.mark.parametrize("case", BAD_CASES, ids=[c.id for c in BAD_CASES])
def test_bad_input_gets_one_line_and_exit_2(case: BadCase, tmp_path: Path) -> None:
    paths = {"file": tmp_path / "scenario.toml", "missing": tmp_path / "missing.toml"}
    if case.toml is not None:
        paths["file"].write_text(case.toml, encoding="utf-8")

    def fill(text: str) -> str:
        return text.format(**{k: str(v) for k, v in paths.items()})

    args = [fill(a) for a in case.args]
    if not any(a.startswith("--scale") for a in args):  # if it wrongly runs, let it be quick
        args += ["--scale", SCALE]
    out = tmp_path / "out"
    before = previous_outputs(out)
    result = pbrlab("run", *args, "--out", out, cwd=tmp_path)
    assert_one_clear_message(result, fill(case.named), case.expect)
    assert_untouched(out, before)


def test_bad_input_creates_no_out_folder(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    result = pbrlab("run", "no-such-scenario", "--out", out, cwd=tmp_path)
    assert_one_clear_message(result, "no-such-scenario", ["no such scenario"])
    assert not (tmp_path / "new").exists(), "a failed run created its --out folder"


def test_out_must_not_be_a_regular_file(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.write_text("not a folder\n", encoding="utf-8")
    result = pbrlab("run", "--scale", SCALE, "--out", out, cwd=tmp_path)
    assert_one_clear_message(result, str(out), ["expected a folder", "found a file"])
    assert out.read_text(encoding="utf-8") == "not a folder\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]


def test_a_failed_write_leaves_the_previous_outputs(tmp_path: Path) -> None:
    """The outputs are replaced all together or not at all, not one file at a time.

    A folder named cohorts.parquet in --out makes the second file unwritable after the
    simulation; the earlier timeseries.parquet and summary.json must survive unchanged.
    """
    out = tmp_path / "out"
    before = previous_outputs(out)
    (out / "cohorts.parquet").unlink()
    (out / "cohorts.parquet").mkdir()
    del before["cohorts.parquet"]
    result = pbrlab("run", "--scale", SCALE, "--seed", SEED, "--out", out, cwd=tmp_path)
    assert result.returncode == 2, shown(result)
    assert "Traceback" not in result.stdout + result.stderr, shown(result)
    assert result.stdout.strip() == "", shown(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown(result)
    assert lines[0].startswith(f"error: {out}"), lines[0]  # the folder, or a file in it
    now = sorted(p.name for p in out.iterdir())
    assert now == sorted([*before, "cohorts.parquet"]), f"files added or removed: {now}"
    changed = sorted(name for name in before if (out / name).read_bytes() != before[name])
    assert changed == [], f"a failed run replaced {changed} and left the rest: half-written"
