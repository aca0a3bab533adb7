"""Benchmark: experiments at scale. N runs of the reference scenario at 1:100 (one design point,
N replicates, so every run is a different seed), swept with the local executor and 1 worker,
then 2 workers, each into a fresh store. Reports runs per minute, the speed-up, and the store's
size per run. Issue 5 asks for 1,000 runs and a speed-up of at least 1.7x on 2 cores.

    python bench/experiments.py                  # 1,000 runs each way (about 70 minutes)
    python bench/experiments.py --runs 40        # a quick check
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from pbrlab import config
from pbrlab.experiments.model import Experiment
from pbrlab.experiments.sweep import sweep


def experiment(runs: int, scale: float) -> Experiment:
    data = {
        "id": "bench",
        "name": "benchmark",
        "base": "work-programme-2011",
        "scale": scale,
        "seed": 1,
        "replicates": runs,
        "outputs": ["overall.job_outcome_rate_24m", "overall.spend_gbp.total"],
        "design": {"kind": "full_factorial"},
        "factors": [
            {"name": "norm", "path": "behaviour.professional_norm.value", "options": [0.25]}
        ],
    }
    return config.validate(Experiment, data, "benchmark")


def measure(runs: int, scale: float, workers: int, folder: Path) -> dict[str, float]:
    store = folder / f"workers-{workers}.duckdb"
    began = time.perf_counter()
    result = sweep(experiment(runs, scale), store, executor="local", workers=workers)
    seconds = time.perf_counter() - began
    assert result.ran == runs and result.failed == 0, result
    parts = store.with_name(store.name + ".parts")
    size = store.stat().st_size + sum(p.stat().st_size for p in parts.iterdir())
    return {
        "workers": workers,
        "runs": runs,
        "seconds": round(seconds, 1),
        "runs_per_minute": round(runs / seconds * 60, 1),
        "store_bytes_per_run": round(size / runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(args.runs, args.scale, w, Path(tmp)) for w in (1, 2)]
    for r in results:
        print(
            f"{r['workers']} worker(s): {r['runs']} runs in {r['seconds']} s, "
            f"{r['runs_per_minute']} runs/min, store {r['store_bytes_per_run']} bytes/run"
        )
    speedup = results[1]["runs_per_minute"] / results[0]["runs_per_minute"]
    print(f"speed-up with 2 workers: {speedup:.2f}x")
    if args.json:
        args.json.write_text(json.dumps({"results": results, "speedup": speedup}, indent=2))


if __name__ == "__main__":
    main()
