"""Benchmark: the Work Programme payment ledger for a synthetic national caseload.

Times the `work-programme-2011` ledger (as of 2019-03-31) two ways, side by side:

- e2e:     `engine.compute_ledger` from the Parquet files (read, check, compute, build the table);
- compute: `ledger.build_ledger` on records already read (`read_participants`, `read_spells`).

Each variant runs in its own fresh subprocess, so its peak resident memory (ru_maxrss, the peak of
the whole process, interpreter and imports included) is its own. The data are generated once by
`synthetic.py` (or reused from --data DIR if the Parquet files are already there).

Usage: python bench/ledger.py [--participants 2000000] [--repeats 3] [--seed 2011] [--data DIR]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import pbrlab
from pbrlab.contracts.load import load_contract
from pbrlab.payments.engine import compute_ledger
from pbrlab.payments.ledger import build_ledger
from pbrlab.payments.records import read_participants, read_spells
from pbrlab.payments.rules import to_day
from synthetic import PARTICIPANT_FILE, SPELL_FILE, write_dataset

CONTRACT = "work-programme-2011"
AS_OF = "2019-03-31"
VARIANTS = ("e2e", "compute")


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is in KiB on Linux)."""
    scale = 1 / 1024 / 1024 if sys.platform == "darwin" else 1 / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def measure(variant: str, data: Path, repeats: int) -> dict[str, object]:
    """Run one variant `repeats` times in this process; the result as a JSON-able dict."""
    participants_path, spells_path = data / PARTICIPANT_FILE, data / SPELL_FILE
    n = pq.read_metadata(participants_path).num_rows
    n_spells = pq.read_metadata(spells_path).num_rows
    contract = load_contract(CONTRACT)
    peak_before = peak_mb()
    times, rows = [], set()
    if variant == "e2e":
        run = lambda: compute_ledger(participants_path, spells_path, CONTRACT, AS_OF)[0]  # noqa: E731
    else:
        people = read_participants(participants_path, tuple(g.id for g in contract.groups))
        work = read_spells(spells_path, people)
        day = to_day(AS_OF)
        run = lambda: build_ledger(contract, people, work, day)  # noqa: E731
    peak_loaded = peak_mb()
    peaks, user, system = [], [], []
    for _ in range(repeats):
        gc.collect()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        began = time.perf_counter()
        ledger = run()
        times.append(time.perf_counter() - began)
        after = resource.getrusage(resource.RUSAGE_SELF)
        user.append(after.ru_utime - cpu.ru_utime)
        system.append(after.ru_stime - cpu.ru_stime)
        peaks.append(peak_mb())
        rows.add(ledger.num_rows)
        ledger_mb = ledger.nbytes / 2**20
        del ledger  # so the next repeat does not hold two ledgers at once
    if len(rows) != 1:
        raise RuntimeError(f"repeats gave different ledgers: {sorted(rows)} rows")
    return {
        "variant": variant,
        "participants": n,
        "spells": n_spells,
        "times": times,
        "median_s": statistics.median(times),
        "user_s": statistics.median(user),
        "sys_s": statistics.median(system),
        "rows": rows.pop(),
        "ledger_mb": ledger_mb,
        "peak_startup_mb": peak_before,
        "peak_loaded_mb": peak_loaded,
        "peak_first_mb": peaks[0],
        "peak_mb": peak_mb(),
    }


def ensure_data(data: Path | None, n: int, seed: int) -> Path:
    """The data folder, generating the Parquet files if they are not there."""
    if data is None:
        data = Path(tempfile.gettempdir()) / f"pbrlab-bench-{n}-{seed}"
    if (data / PARTICIPANT_FILE).is_file() and (data / SPELL_FILE).is_file():
        found = pq.read_metadata(data / PARTICIPANT_FILE).num_rows
        print(f"reusing {data} ({found:,} participants)")
        return data
    began = time.perf_counter()
    write_dataset(data, n, seed)
    print(
        f"generated {n:,} participants (seed {seed}) in {data} "
        f"in {time.perf_counter() - began:.1f} s"
    )
    return data


def run_fresh(variant: str, data: Path, repeats: int) -> dict[str, object]:
    """Measure one variant in a fresh Python process; its JSON result."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure",
        variant,
        "--data",
        str(data),
        "--repeats",
        str(repeats),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{variant} failed (exit {done.returncode})")
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _num(result: dict[str, object], key: str) -> float:
    value = result[key]
    assert isinstance(value, int | float), key
    return float(value)


def table(results: list[dict[str, object]]) -> str:
    """The results side by side, one line per variant."""
    head = (
        "variant",
        "median s",
        "runs s",
        "user+sys s",
        "participants/s",
        "ledger rows",
        "peak MB 1st run",
        "peak MB all runs",
        "loaded MB",
    )
    lines = []
    for r in results:
        times = r["times"]
        assert isinstance(times, list)
        median = _num(r, "median_s")
        lines.append(
            (
                str(r["variant"]),
                f"{median:.2f}",
                " ".join(f"{t:.2f}" for t in times),
                f"{_num(r, 'user_s'):.1f}+{_num(r, 'sys_s'):.1f}",
                f"{_num(r, 'participants') / median:,.0f}",
                f"{int(_num(r, 'rows')):,}",
                f"{_num(r, 'peak_first_mb'):,.0f}",
                f"{_num(r, 'peak_mb'):,.0f}",
                f"{_num(r, 'peak_loaded_mb'):,.0f}",
            )
        )
    widths = [max(len(row[i]) for row in (head, *lines)) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join(fmt.format(*row) for row in (head, *lines))


def _source() -> str:
    """Which pbrlab is measured: its folder and, in a git checkout, the commit (and if the
    folder has changes not committed)."""
    folder = Path(pbrlab.__file__).resolve().parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return str(folder)
    changed = " + uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
    return f"{folder} (git {commit}{changed})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--data", type=Path, help="folder with (or for) the Parquet files")
    parser.add_argument("--measure", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument(
        "--variants",
        default=",".join(VARIANTS),
        help="comma-separated subset of: " + ", ".join(VARIANTS),
    )
    args = parser.parse_args()
    if args.measure:  # child: one variant, result as one JSON line
        if args.data is None:
            raise SystemExit("--measure needs --data")
        print(json.dumps(measure(args.measure, args.data, args.repeats)))
        return

    data = ensure_data(args.data, args.participants, args.seed)
    load_before = os.getloadavg()[0]
    results = [run_fresh(v, data, args.repeats) for v in args.variants.split(",")]
    load_after = os.getloadavg()[0]
    first = results[0]
    print(
        f"\n{CONTRACT}, as of {AS_OF}: {first['participants']:,} participants, "
        f"{first['spells']:,} spells, {args.repeats} repeats (each variant in a fresh process)\n"
        f"python {platform.python_version()}, numpy {np.__version__}, pyarrow {pa.__version__}, "
        f"{os.cpu_count()} CPUs, 1-minute load average {load_before:.2f} before and "
        f"{load_after:.2f} after\npbrlab: {_source()}\n"
    )
    print(table(results))
    print(
        "\nmedian s / runs s: wall time of each repeat; user+sys s: median CPU seconds a repeat;"
        "\npeak MB: ru_maxrss of the whole process after the first repeat and after"
        "\nall of them; loaded MB: the peak before the timed runs (imports; for compute, also the"
        "\nrecords read)"
    )


if __name__ == "__main__":
    main()
