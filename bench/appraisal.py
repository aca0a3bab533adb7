"""Benchmark: the main job, `pbrlab appraise scenarios/appraisal-seed.toml`, end to end.

Each repeat runs the command in a fresh process into a fresh output folder (so every run is
simulated, none resumed). The first repeat is "cold": Numba's cache points at an empty folder, so
the weekly loop is compiled as on a fresh install; the others are "warm" (compiled code cached).
Reports the wall time of each, the medians, and from the runs' store the median seconds of one
run per option.

    python bench/appraisal.py                # 1 cold + 3 warm repeats
    python bench/appraisal.py --warm 1       # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "scenarios" / "appraisal-seed.toml"


def run_once(folder: Path, cache: Path) -> float:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    command = [sys.executable, "-m", "pbrlab", "appraise", str(SEED), "--out", str(folder)]
    began = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    return time.perf_counter() - began


def per_option(folder: Path) -> dict[str, float]:
    """Median seconds of one run, by option, from the runs' store."""
    parts = folder / "runs.duckdb.parts" / "*.parquet"
    rows = duckdb.sql(
        f"select point, median(seconds) from read_parquet('{parts}') group by point order by point"
    ).fetchall()
    options = json.loads((folder / "appraisal.json").read_text())["options"]
    return {options[int(point)]["id"]: float(seconds) for point, seconds in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=3, help="warm repeats after the cold one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        cold_cache = base / "numba-cold"
        warm_cache = base / "numba-warm"
        cold = run_once(base / "cold", cold_cache)
        run_once(base / "prime", warm_cache)  # fills the warm cache; not reported
        warm = [run_once(base / f"warm{i}", warm_cache) for i in range(args.warm)]
        options = per_option(base / "cold")
    print(f"pbrlab appraise {SEED.relative_to(ROOT)}  ({os.cpu_count()} CPUs)")
    print(f"cold (compiling): {cold:.1f} s")
    print(f"warm: median {statistics.median(warm):.1f} s; runs {[round(w, 1) for w in warm]}")
    print(f"cold / warm: {cold / statistics.median(warm):.2f}")
    for option, seconds in options.items():
        print(f"  median seconds of one run of {option}: {seconds:.1f}")


if __name__ == "__main__":
    main()
