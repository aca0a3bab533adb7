"""Bad input through the real command line: one clear message, a non-zero exit, no ledger.

Every case runs `python -m pbrlab ...` in a subprocess and checks what a user sees:

- the exit code is non-zero and nothing is printed on stdout;
- stderr is ONE line, `error: ...`, short enough to read (it must not echo a whole contract);
- the line names the file, then the key path (contracts) or the row (event files; and the line
  for CSV), and says what was expected and what was found (the `expect` fragments of each case);
- there is no "Traceback" anywhere in the output;
- for `pbrlab payments`, the --out ledger does not exist afterwards and no temporary file is left
  in its folder.

The cases are data: contract cases are string edits of the shipped Work Programme preset (there is
no TOML writer; each edit is checked against the `tomllib`-parsed result so it does what it says),
event-file cases are cell edits of the shipped example, written back as CSV or Parquet.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

PRESET_TEXT = (resources.files("pbrlab.contracts.presets") / "work-programme-2011.toml").read_text(
    encoding="utf-8"
)
EXAMPLE = Path(str(resources.files("pbrlab.examples") / "work-programme-small"))
MAX_MESSAGE = 600  # characters: one readable line, not a dump of the input

Fragment = str | tuple[str, ...]  # a tuple: any one of these will do


# ----------------------------------------------------------------------------- running the CLI


def run_cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "PY_COLORS"}}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pbrlab", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def assert_one_clear_message(
    result: subprocess.CompletedProcess[str], named: Fragment, expect: list[Fragment]
) -> str:
    """One line `error: <named>: <rest>`; every fragment of `expect` is in <rest>.

    `named` is the file (or option) the message must start with; a tuple allows alternatives.
    """
    output = result.stdout + result.stderr
    shown = f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode != 0, shown
    assert "Traceback" not in output, shown
    assert result.stdout.strip() == "", shown
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    message = lines[0]
    assert len(message) <= MAX_MESSAGE, f"message of {len(message)} characters:\n{shown}"
    prefixes = [f"error: {n}: " for n in ((named,) if isinstance(named, str) else named)]
    prefix = next((p for p in prefixes if message.startswith(p)), None)
    assert prefix is not None, f"expected the message to start {prefixes}:\n{message}"
    rest = message.removeprefix(prefix)  # fragments must not match the file name itself
    for fragment in expect:
        options = (fragment,) if isinstance(fragment, str) else fragment
        assert any(option in rest for option in options), (
            f"expected {' or '.join(map(repr, options))} after the file name:\n{message}"
        )
    return rest


def assert_no_ledger(out_dir: Path, out: Path) -> None:
    assert not out.exists(), f"{out} was written although the input is bad"
    if out_dir.exists():
        left = sorted(p.name for p in out_dir.iterdir())
        assert left == [], f"files left beside the ledger: {left}"


# ------------------------------------------------------------------------------ contract cases


def replace_nth(text: str, old: str, new: str, n: int = 1) -> str:
    """Replace the n-th occurrence (1-based) of `old`; fail loudly if there are fewer."""
    at = -1
    for _ in range(n):
        at = text.find(old, at + 1)
        assert at >= 0, f"{old!r} occurs fewer than {n} times in the preset"
    return text[:at] + new + text[at + len(old) :]


def drop_groups(text: str) -> str:
    """The preset without its [[groups]] tables (they sit before [incentive])."""
    start, end = text.index("[[groups]]"), text.index("[incentive]")
    return text[:start] + text[end:]


def top_level(text: str, line: str) -> str:
    """Add a top-level key (before the first table)."""
    return replace_nth(text, 'commissioner = "DWP"\n', f'commissioner = "DWP"\n{line}\n')


JSA_18_24_OUTCOME_FEE = (
    "fee = { value = [1200], source = \"WPC 2013, HC 162, Table 3 'Maximum payments to Work "
    "Programme providers by payment group' "
    '(https://publications.parliament.uk/pa/cm201314/cmselect/cmworpen/162/16208.htm)" }'
)
ATTACHMENT_WEEKS_SOURCE = (
    "source = \"'Participants are attached to Work Programme providers for two years' "
    '(WPC 2013, 16204.htm); DWP note: maximum of 2 years"\n'
)
BROKEN_HEADER = "[attachment_weeks]"


def broken_line() -> int:
    return PRESET_TEXT.splitlines().index(BROKEN_HEADER) + 1


@dataclass(frozen=True)
class ContractCase:
    id: str
    edit: Callable[[str], str]
    expect: list[Fragment]
    check: Callable[[dict[str, Any]], bool] | None = None  # what the edit did, on parsed data


def group(data: dict[str, Any], group_id: str) -> dict[str, Any]:
    return next(g for g in data["groups"] if g["id"] == group_id)


CONTRACT_CASES = [
    ContractCase(
        "unknown-key-top-level",
        lambda t: top_level(t, "bogus = 1"),
        ["bogus", "unknown key", "expected"],
        lambda d: d["bogus"] == 1,
    ),
    ContractCase(
        "unknown-key-in-group",
        lambda t: replace_nth(t, "[groups.job_outcome]\n", "[groups.job_outcome]\nbogus = 1\n"),
        ["groups[jsa_18_24].job_outcome.bogus", "unknown key"],
        lambda d: group(d, "jsa_18_24")["job_outcome"]["bogus"] == 1,
    ),
    ContractCase(
        "unknown-key-in-second-group",
        lambda t: replace_nth(t, "[groups.sustainment]\n", "[groups.sustainment]\nbogus = 1\n", 2),
        ["groups[jsa_25_plus].sustainment.bogus", "unknown key"],
        lambda d: group(d, "jsa_25_plus")["sustainment"]["bogus"] == 1,
    ),
    ContractCase(
        "unknown-key-in-trigger",
        lambda t: replace_nth(
            t, 'after_window = "continuing_run" }', 'after_window = "continuing_run", bogus = 1 }'
        ),
        ["groups[jsa_18_24].job_outcome.trigger.bogus", "unknown key"],
        lambda d: group(d, "jsa_18_24")["job_outcome"]["trigger"]["bogus"] == 1,
    ),
    ContractCase(
        "unknown-key-beside-source",
        lambda t: replace_nth(t, ATTACHMENT_WEEKS_SOURCE, "x" + ATTACHMENT_WEEKS_SOURCE),
        ["attachment_weeks.xsource", "unknown key"],
        lambda d: "xsource" in d["attachment_weeks"],
    ),
    ContractCase(
        "string-for-integer",
        lambda t: replace_nth(t, "value = 104\n", 'value = "two years"\n'),
        ["attachment_weeks.value", "integer", "'two years'"],
        lambda d: d["attachment_weeks"]["value"] == "two years",
    ),
    ContractCase(
        "numeric-string-for-integer",
        lambda t: replace_nth(t, "value = 21\n", 'value = "21"\n'),
        ["claim_lag_days.value", "integer", "'21'"],
        lambda d: d["claim_lag_days"]["value"] == "21",
    ),
    ContractCase(
        "string-in-fee-list",
        lambda t: replace_nth(t, "fee = { value = [1200]", 'fee = { value = ["a lot"]'),
        ["groups[jsa_18_24].job_outcome.fee.value[0]", "number", "'a lot'"],
        lambda d: group(d, "jsa_18_24")["job_outcome"]["fee"]["value"] == ["a lot"],
    ),
    ContractCase(
        "negative-outcome-fee",
        lambda t: replace_nth(t, "fee = { value = [1200]", "fee = { value = [-1200]"),
        ["groups[jsa_18_24].job_outcome.fee.value[0]", "greater than or equal to 0", "-1200"],
        lambda d: group(d, "jsa_18_24")["job_outcome"]["fee"]["value"] == [-1200],
    ),
    ContractCase(
        "negative-attachment-fee-year-2",
        lambda t: replace_nth(t, "value = [600, 400, 200, 0]", "value = [600, -400, 200, 0]"),
        ["groups[esa_flow].attachment_fee.value[1]", "greater than or equal to 0", "-400"],
        lambda d: group(d, "esa_flow")["attachment_fee"]["value"][1] == -400,
    ),
    ContractCase(
        "negative-management-fee",
        lambda t: replace_nth(
            t, "management_fee = { value = 0.2", "management_fee = { value = -0.2"
        ),
        ["subcontract.management_fee.value", "greater than or equal to 0", "-0.2"],
        lambda d: d["subcontract"]["management_fee"]["value"] == -0.2,
    ),
    ContractCase(
        "minimum-level-names-unknown-group",
        lambda t: replace_nth(t, 'group = "esa_flow"', 'group = "esa_nope"'),
        ["performance.minimum_levels", "'esa_nope'", "jsa_18_24"],
        lambda d: d["performance"]["minimum_levels"][2]["group"] == "esa_nope",
    ),
    ContractCase(
        "no-groups",
        drop_groups,
        ["groups", "missing"],
        lambda d: "groups" not in d,
    ),
    ContractCase(
        "empty-groups",
        lambda t: top_level(drop_groups(t), "groups = []"),
        ["groups", "at least 1"],
        lambda d: d["groups"] == [],
    ),
    ContractCase(
        "contract-year-starts-before-previous",
        lambda t: replace_nth(t, "2013-04-01, 2014-04-01", "2013-04-01, 2013-03-01"),
        ["contract_years", "overlap", "year 4", "2013-03-01", "2013-04-01"],
        lambda d: d["contract_years"]["starts"][3] == dt.date(2013, 3, 1),
    ),
    ContractCase(
        "missing-source-on-table",
        lambda t: replace_nth(t, ATTACHMENT_WEEKS_SOURCE, ""),
        ["attachment_weeks", "source", "assumption"],
        lambda d: d["attachment_weeks"] == {"value": 104},
    ),
    ContractCase(
        "missing-source-inline-in-group",
        lambda t: replace_nth(t, JSA_18_24_OUTCOME_FEE, "fee = { value = [1200] }"),
        ["groups[jsa_18_24].job_outcome.fee", "source", "assumption"],
        lambda d: group(d, "jsa_18_24")["job_outcome"]["fee"] == {"value": [1200]},
    ),
    ContractCase(
        "both-source-and-assumption",
        lambda t: replace_nth(t, "value = 21\n", 'value = 21\nassumption = "both given"\n'),
        ["claim_lag_days", "source", "assumption"],
        lambda d: {"source", "assumption"} <= set(d["claim_lag_days"]),
    ),
    ContractCase(
        "invalid-toml-syntax",
        lambda t: replace_nth(t, BROKEN_HEADER + "\n", BROKEN_HEADER[:-1] + "\n"),
        ["not valid TOML", f"line {broken_line()}"],
    ),
]


def contract_file(case: ContractCase, folder: Path) -> Path:
    text = case.edit(PRESET_TEXT)
    assert text != PRESET_TEXT
    if case.check is not None:  # the edit did what the case says, and nothing else broke
        assert case.check(tomllib.loads(text)), case.id
    path = folder / "contract.toml"
    path.write_text(text, encoding="utf-8")
    return path


def payments_args(folder: Path, contract: str | Path) -> tuple[list[str | Path], Path, Path]:
    out_dir = folder / "out"
    out_dir.mkdir()
    out = out_dir / "ledger.parquet"
    args: list[str | Path] = [
        "payments",
        "--participants",
        EXAMPLE / "participants.csv",
        "--spells",
        EXAMPLE / "spells.csv",
        "--contract",
        contract,
        "--out",
        out,
    ]
    return args, out_dir, out


COMMANDS = ["validate", "payments"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CONTRACT_CASES, ids=[c.id for c in CONTRACT_CASES])
def test_bad_contract(case: ContractCase, command: str, tmp_path: Path) -> None:
    path = contract_file(case, tmp_path)
    if command == "validate":
        result = run_cli("contract", "validate", path, cwd=tmp_path)
        assert_one_clear_message(result, str(path), case.expect)
    else:
        args, out_dir, out = payments_args(tmp_path, path)
        assert_one_clear_message(run_cli(*args, cwd=tmp_path), str(path), case.expect)
        assert_no_ledger(out_dir, out)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("missing.toml", [("does not exist", "No such file")]),
        ("no-such-contract", ["no such contract file or preset", "work-programme-2011"]),
    ],
    ids=["nonexistent-toml-file", "nonexistent-name"],
)
def test_nonexistent_contract(
    name: str, expect: list[Fragment], command: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    if command == "validate":
        result = run_cli("contract", "validate", path, cwd=tmp_path)
        assert_one_clear_message(result, str(path), expect)
    else:
        args, out_dir, out = payments_args(tmp_path, path)
        assert_one_clear_message(run_cli(*args, cwd=tmp_path), str(path), expect)
        assert_no_ledger(out_dir, out)


def test_valid_contract_copy_passes(tmp_path: Path) -> None:
    """Control: the unedited copy the cases start from is a valid contract."""
    path = tmp_path / "contract.toml"
    path.write_text(PRESET_TEXT, encoding="utf-8")
    result = run_cli("contract", "validate", path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr


# --------------------------------------------------------------------------- event-file cases

Rows = list[dict[str, str]]
DATE_COLUMNS = {"referral_date", "attachment_date", "start_date", "end_date"}


def read_rows(name: str) -> tuple[list[str], Rows]:
    with (EXAMPLE / name).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


@dataclass(frozen=True)
class Edit:
    """Set `column` of data row `row` (1-based, as messages count rows) to `value`."""

    row: int
    column: str
    value: str


@dataclass(frozen=True)
class EventCase:
    id: str
    expect: list[Fragment]
    names: str = "participants"  # the file the message must name: participants | spells | out
    participants: tuple[Edit, ...] = ()
    spells: tuple[Edit, ...] = ()
    drop: dict[str, str] = field(default_factory=dict)  # file -> column to drop
    fmt: str = "csv"
    suffix: dict[str, str] = field(default_factory=dict)  # file -> file name suffix
    args: tuple[str, ...] = ()
    out_name: str = "ledger.parquet"


def row_at(row: int, fmt: str) -> list[Fragment]:
    """How a message must locate data row `row`: 'row N', plus '(line N+1)' for CSV."""
    return [f"row {row}", f"(line {row + 1})"] if fmt == "csv" else [f"row {row},"]


def csv_and_parquet(
    id: str, row: int, column: str, found: list[Fragment], *, names: str, **edits: Any
) -> list[EventCase]:
    """The same cell edit as CSV and as Parquet."""
    return [
        EventCase(f"{id}-{fmt}", [*row_at(row, fmt), column, *found], names=names, fmt=fmt, **edits)
        for fmt in ("csv", "parquet")
    ]


EVENT_CASES = [
    EventCase(
        "missing-column-participants",
        ["provider_id", "expected columns", "found"],
        drop={"participants": "provider_id"},
    ),
    EventCase(
        "missing-column-spells",
        ["start_date", "expected columns", "found"],
        names="spells",
        drop={"spells": "start_date"},
    ),
    EventCase(
        "missing-column-participants-parquet",
        ["attachment_date", "expected columns", "found"],
        drop={"participants": "attachment_date"},
        fmt="parquet",
    ),
    *csv_and_parquet(
        "unparseable-date",
        3,
        "referral_date",
        ["YYYY-MM-DD", "'2011-07-32'"],
        names="participants",
        participants=(Edit(3, "referral_date", "2011-07-32"),),
    ),
    EventCase(
        "unparseable-date-words",
        [*row_at(6, "csv"), "end_date", "YYYY-MM-DD", "'until further notice'"],
        names="spells",
        spells=(Edit(6, "end_date", "until further notice"),),
    ),
    EventCase(
        "day-month-year-date",
        [*row_at(2, "csv"), "start_date", "YYYY-MM-DD", "'01/08/2011'"],
        names="spells",
        spells=(Edit(2, "start_date", "01/08/2011"),),
    ),
    EventCase(
        "impossible-calendar-date",
        [*row_at(2, "csv"), "start_date", "YYYY-MM-DD", "'2011-02-30'"],
        names="spells",
        spells=(Edit(2, "start_date", "2011-02-30"),),
    ),
    *csv_and_parquet(
        "end-before-start",
        4,
        "end_date",
        ["on or after start_date", "2012-01-09", "'2011-12-01'"],
        names="spells",
        spells=(Edit(4, "end_date", "2011-12-01"),),
    ),
    *csv_and_parquet(
        "unknown-payment-group",
        2,
        "payment_group",
        ["jsa_25_plus", "'jsa_26_plus'"],
        names="participants",
        participants=(Edit(2, "payment_group", "jsa_26_plus"),),
    ),
    *csv_and_parquet(
        "duplicate-participant",
        5,
        "participant_id",
        ["row 2 has it", "'P0002'"],
        names="participants",
        participants=(Edit(5, "participant_id", "P0002"),),
    ),
    *csv_and_parquet(
        "spell-for-unknown-participant",
        3,
        "participant_id",
        ["participants file", "'P9999'"],
        names="spells",
        spells=(Edit(3, "participant_id", "P9999"),),
    ),
    *csv_and_parquet(
        "negative-weekly-earnings",
        5,
        "weekly_earnings",
        ["zero or more", "-190"],
        names="spells",
        spells=(Edit(5, "weekly_earnings", "-190.00"),),
    ),
    EventCase(
        "non-numeric-weekly-earnings",
        [*row_at(5, "csv"), "weekly_earnings", "number", "'lots'"],
        names="spells",
        spells=(Edit(5, "weekly_earnings", "lots"),),
    ),
    EventCase(
        "non-numeric-weekly-earnings-in-string-parquet",
        [*row_at(2, "parquet"), "weekly_earnings", "number", "'£250'"],
        names="spells",
        spells=(Edit(2, "weekly_earnings", "£250"),),
        fmt="parquet",
    ),
    *[
        case
        for file, row, column in [
            ("participants", 4, "participant_id"),
            ("participants", 4, "payment_group"),
            ("participants", 4, "provider_id"),
            ("participants", 4, "referral_date"),
            ("participants", 4, "attachment_date"),
            ("spells", 5, "participant_id"),
            ("spells", 5, "start_date"),
        ]
        for case in csv_and_parquet(
            f"empty-{file}-{column}".replace("_", "-"),
            row,
            column,
            ["empty"],
            names=file,
            **{file: (Edit(row, column, ""),)},
        )
    ],
    EventCase(
        "blank-payment-group",
        [*row_at(4, "csv"), "payment_group", "empty"],
        participants=(Edit(4, "payment_group", "   "),),
    ),
    *csv_and_parquet(
        "attachment-before-referral",
        4,
        "attachment_date",
        ["on or after referral_date", "2011-09-20", "'2011-09-12'"],
        names="participants",
        participants=(Edit(4, "referral_date", "2011-09-20"),),
    ),
    EventCase(
        "unsupported-extension-participants",
        ["'.txt'", ".csv or .parquet"],
        suffix={"participants": ".txt"},
    ),
    EventCase(
        "unsupported-extension-spells",
        ["'.xlsx'", ".csv or .parquet"],
        names="spells",
        suffix={"spells": ".xlsx"},
    ),
    *[
        EventCase(
            f"bad-as-of-{label}",
            ["YYYY-MM-DD", f"'{value}'"],
            names="--as-of",
            args=("--as-of", value),
        )
        for label, value in [
            ("day-31-in-30-day-month", "2013-04-31"),
            ("february-30", "2013-02-30"),
            ("words", "yesterday"),
            ("no-dashes", "20130105"),
            ("month-only", "2013-06"),
        ]
    ],
    EventCase(
        "out-not-parquet",
        [".parquet"],
        names="out",
        out_name="ledger.csv",
    ),
]


def edited(name: str, edits: tuple[Edit, ...], drop: str | None) -> tuple[list[str], Rows]:
    columns, rows = read_rows(name)
    for e in edits:
        assert e.column in columns and 1 <= e.row <= len(rows), e
        assert rows[e.row - 1][e.column] != e.value, f"edit {e} changes nothing"
        rows[e.row - 1][e.column] = e.value
    if drop is not None:
        columns.remove(drop)
    return columns, rows


def write_csv(path: Path, columns: list[str], rows: Rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def typed_column(name: str, values: list[str]) -> pa.Array:
    """As a producer of Parquet would type it: dates and money typed where every cell allows."""
    cells = [v if v.strip() else None for v in values]
    if name in DATE_COLUMNS:
        try:
            return pa.array(
                [None if v is None else dt.date.fromisoformat(v) for v in cells], pa.date32()
            )
        except ValueError:
            pass  # an unparseable date stays text, as it would in a loosely typed export
    if name == "weekly_earnings":
        try:
            return pa.array([None if v is None else float(v) for v in cells], pa.float64())
        except ValueError:
            pass
    return pa.array(cells, pa.string())


def write_parquet(path: Path, columns: list[str], rows: Rows) -> None:
    table = pa.table({c: typed_column(c, [r[c] for r in rows]) for c in columns})
    pq.write_table(table, path)


def event_files(case: EventCase, folder: Path) -> dict[str, Path]:
    paths = {}
    for file, edits in (("participants", case.participants), ("spells", case.spells)):
        columns, rows = edited(f"{file}.csv", edits, case.drop.get(file))
        suffix = case.suffix.get(file, "." + case.fmt)
        path = folder / f"{file}{suffix}"
        (write_parquet if case.fmt == "parquet" else write_csv)(path, columns, rows)
        paths[file] = path
    return paths


@pytest.mark.parametrize("case", EVENT_CASES, ids=[c.id for c in EVENT_CASES])
def test_bad_event_files(case: EventCase, tmp_path: Path) -> None:
    paths = event_files(case, tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / case.out_name
    result = run_cli(
        "payments",
        "--participants",
        paths["participants"],
        "--spells",
        paths["spells"],
        "--contract",
        "work-programme-2011",
        "--out",
        out,
        *case.args,
        cwd=tmp_path,
    )
    named = {"--as-of": "--as-of", "out": str(out)}.get(case.names) or str(paths[case.names])
    rest = assert_one_clear_message(result, named, case.expect)
    if case.fmt == "parquet":
        assert "(line " not in rest, "a Parquet file has no lines"
    assert_no_ledger(out_dir, out)


def test_out_folder_is_a_file(tmp_path: Path) -> None:
    """An --out whose folder is an existing file: a message, not an OSError traceback."""
    blocker = tmp_path / "results"
    blocker.write_text("not a folder\n")
    out = blocker / "ledger.parquet"
    result = run_cli(
        "payments",
        "--participants",
        EXAMPLE / "participants.csv",
        "--spells",
        EXAMPLE / "spells.csv",
        "--contract",
        "work-programme-2011",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert_one_clear_message(result, str(out), [])
    assert blocker.read_text() == "not a folder\n"


def test_no_records_and_no_as_of(tmp_path: Path) -> None:
    """Header-only files leave no date to default --as-of to: say so, do not crash."""
    participants = tmp_path / "participants.csv"
    spells = tmp_path / "spells.csv"
    write_csv(participants, read_rows("participants.csv")[0], [])
    write_csv(spells, read_rows("spells.csv")[0], [])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "ledger.parquet"
    result = run_cli(
        "payments",
        "--participants",
        participants,
        "--spells",
        spells,
        "--contract",
        "work-programme-2011",
        "--out",
        out,
        cwd=tmp_path,
    )
    assert_one_clear_message(result, ("--as-of", str(participants)), [("--as-of", "date")])
    assert_no_ledger(out_dir, out)


# --------------------------------------------------------------------------- positive controls


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_valid_example_writes_a_ledger(fmt: str, tmp_path: Path) -> None:
    """Control: the unedited example (as written by the helpers above) runs and writes a ledger."""
    paths = event_files(EventCase("control", [], fmt=fmt), tmp_path)
    out = tmp_path / "out" / "ledger.parquet"
    result = run_cli(
        "payments",
        "--participants",
        paths["participants"],
        "--spells",
        paths["spells"],
        "--contract",
        "work-programme-2011",
        "--out",
        out,
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert out.is_file()
    assert pq.read_table(out).num_rows > 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["ledger.parquet"]
    assert re.search(r'"total": [1-9]', result.stdout)
