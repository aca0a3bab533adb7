"""Benchmark: the market's cost. The simulation core (work-programme-2011-core: named providers,
share shifts) and the reference scenario (work-programme-2011: the 2011 tender, supply chains,
spot purchases, insolvency, employers' choices), at national scale, side by side.

Each run is a fresh process: an untimed warm-up at a small scale (loads the Numba cache), then one
timed tender + world + weekly simulation. Runs alternate between the two scenarios so that drift
on a shared machine hits both alike. Issue 4 asks the market run to stay within 2x the core run.

    python bench/market.py                 # 3 runs of each at scale 1.0 (about 5 minutes)
    python bench/market.py --scale 0.1 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

SCENARIOS = {
    "core": "work-programme-2011-core",
    "reference": "work-programme-2011",
}

CHILD = """
import json, sys, time
from pbrlab.engine.run import prepare
from pbrlab.engine.simulate import simulate
from pbrlab.engine.world import build_world
from pbrlab.market.awards import tender

def run(name, scale):
    began = time.perf_counter()
    scenario, label = prepare(name, scale)
    bought = tender(scenario, label)
    sim = simulate(build_world(scenario if bought is None else bought.scenario, label))
    return time.perf_counter() - began, sim.participant_weeks

run(sys.argv[1], 0.01)
seconds, weeks = run(sys.argv[1], float(sys.argv[2]))
print(json.dumps({"seconds": seconds, "participant_weeks": weeks}))
"""


def child(name: str, scale: float) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, name, str(scale)], capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict[str, float]]] = {key: [] for key in SCENARIOS}
    for _ in range(args.repeats):
        for key, name in SCENARIOS.items():
            runs[key].append(child(name, args.scale))
    median = {key: statistics.median(r["seconds"] for r in rs) for key, rs in runs.items()}
    for key, rs in runs.items():
        times = ", ".join(f"{r['seconds']:.1f}" for r in rs)
        ns = median[key] / rs[0]["participant_weeks"] * 1e9
        print(f"{key:10s} median {median[key]:6.1f} s ({times}); {ns:.0f} ns per participant-week")
    print(f"reference / core: {median['reference'] / median['core']:.2f}x")


if __name__ == "__main__":
    main()
