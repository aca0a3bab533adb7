"""Benchmark: the weekly simulator on the Work Programme simulation core, and Mesa 3 beside it.

Three measurements in one run:

- engine: `build_world` + `simulate` of the `work-programme-2011-core` preset (the reference
  scenario's core: named primes, no market) at --scale (default 1.0, the national run), each
  repeat in a fresh subprocess so its peak memory is its own. Each child first does an untimed
  warm-up at --warmup-scale, so Numba compilation (or loading its cache) is not timed; a
  separate child with an empty Numba cache times the compilation itself.
- rules vs Mesa: the participant rules alone (providers' allocation + both employment paths, no
  payments) at --mesa-scale (default 0.01, 1:100), once through pbrlab's two compiled kernels
  (`allocate`, `step`) and once written the ordinary Mesa 3 way (`mesa_model.py`: one Agent per
  participant and per provider). Both step each participant through its attachment window.
- a cross-check at --check-scale: the two rule implementations must give the same hours and the
  same employment states, participant-week by participant-week.

The unit is the participant-week (one participant stepped through one week); figures are
nanoseconds per participant-week, so runs of different sizes compare.

Usage: python bench/simulation.py [--scale 1.0] [--repeats 3] [--mesa-scale 0.01] [--skip-mesa]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import json
import os
import platform
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numba
import numpy as np

import pbrlab
from pbrlab.arrays import BoolArray, FloatArray, IntArray
from pbrlab.engine.simulate import simulate
from pbrlab.engine.world import World, build_world
from pbrlab.payments.rules import NO_DAY
from pbrlab.population.cohorts import Allocation, Cohort, draw_all
from pbrlab.population.employment import COUNTERFACTUAL, TREATED, Hazards, Paths, step
from pbrlab.population.referrals import expected_referrals
from pbrlab.providers.allocation import Caseloads, ServiceRecord, allocate
from pbrlab.scenarios.load import load_scenario

SCENARIO = "work-programme-2011-core"


def peak_gb() -> float:
    """Peak resident memory of this process so far, in GiB (VmHWM; ru_maxrss where absent)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20  # kB
    scale = 1 / 2**30 if sys.platform == "darwin" else 1 / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def world_at(scale: float) -> World:
    return build_world(load_scenario(SCENARIO).model_copy(update={"scale": scale}), SCENARIO)


# --- the engine, end to end ------------------------------------------------------------------


def engine_run(scale: float) -> dict[str, Any]:
    """One reference run; wall time split into world, drawing + set-up, weekly loop, finish.

    The split comes from the progress callback (called after every week): "draw" is the time to
    the end of week 0 (drawing everyone, setting up, and week 0, which is small).
    """
    began = time.perf_counter()
    world = world_at(scale)
    built = time.perf_counter()
    marks: list[float] = []
    sim = simulate(world, lambda done, total: marks.append(time.perf_counter()))
    ended = time.perf_counter()
    weeks = np.diff(np.array([marks[0], *marks]))
    return {
        "scale": scale,
        "participants": sim.size,
        "participant_weeks": sim.participant_weeks,
        "weeks": world.weeks,
        "run_s": ended - began,
        "world_s": built - began,
        "draw_s": marks[0] - built,
        "loop_s": marks[-1] - marks[0],
        "finish_s": ended - marks[-1],
        "slowest_week_s": float(weeks.max()),
    }


def measure_engine(scale: float, warmup_scale: float) -> dict[str, Any]:
    """Child process: an untimed warm-up (Numba cache load), then one timed run."""
    startup_gb = peak_gb()
    began = time.perf_counter()
    engine_run(warmup_scale)
    warmup_s = time.perf_counter() - began
    gc.collect()
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    result = engine_run(scale)
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.update(
        warmup_s=warmup_s,
        user_s=after.ru_utime - cpu.ru_utime,
        sys_s=after.ru_stime - cpu.ru_stime,
        startup_gb=startup_gb,
        peak_gb=peak_gb(),
    )
    return result


def measure_compile(warmup_scale: float) -> dict[str, Any]:
    """Child process with an empty Numba cache: the first small run compiles every kernel."""
    began = time.perf_counter()
    engine_run(warmup_scale)
    first = time.perf_counter() - began
    began = time.perf_counter()
    engine_run(warmup_scale)
    second = time.perf_counter() - began
    return {"first_s": first, "second_s": second, "compile_s": first - second}


def child(measure: str, args: argparse.Namespace, env: dict[str, str] | None = None) -> Any:
    """Run `--measure` in a fresh Python process; its JSON result (last line of stdout)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", measure]
    command += ["--scale", str(args.scale), "--warmup-scale", str(args.warmup_scale)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{measure} failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compile_time(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="pbrlab-numba-") as cache:
        return child("compile", args, env={**os.environ, "NUMBA_CACHE_DIR": cache})  # type: ignore[no-any-return]


# --- the participant rules alone: pbrlab's kernels --------------------------------------------


@dataclass
class Drawn:
    """Everyone referred in a scenario run, and the rule row and contract year of each."""

    world: World
    people: Cohort
    row: IntArray
    year: IntArray

    @classmethod
    def at(cls, scale: float) -> Drawn:
        world = world_at(scale)
        scenario = world.scenario
        people = draw_all(expected_referrals(scenario), Allocation.of(scenario), scenario.seed)
        contract = world.provider_contract[people.provider]
        row = contract * world.contract_group.shape[1] + people.group
        year = np.zeros(people.size, np.int64)
        for c, rules in enumerate(world.rules):
            mine = contract == c
            year[mine] = rules.year_of(people.referral_day[mine])
        return cls(world, people, row, year)


@dataclass
class RulesRun:
    participant_weeks: int
    seconds: float
    totals: dict[str, int]
    history: list[tuple[IntArray, FloatArray, BoolArray, BoolArray]]


def rules_run(drawn: Drawn, weeks: int, record: bool = False) -> RulesRun:
    """The participant rules through pbrlab's compiled kernels, as `simulate` calls them.

    Everyone is followed through their attachment window (`attachment_weeks` weeks from their
    referral week), so all active participants are attached; nothing is paid, so the payment
    state the allocation reads stays at zero.
    """
    world, people = drawn.world, drawn.people
    n, span = people.size, world.attachment_weeks
    no_outcome = np.full(n, NO_DAY, np.int64)
    no_sustainment, nothing_paid = np.zeros(n, np.int64), np.zeros(n)
    clocks = (people.entry_clock, people.exit_clock, people.leave_clock)
    history = []
    odds_factor = np.exp(world.policy.judgement_noise * people.judgement)
    service = ServiceRecord.empty(n, len(world.entry_rate), world.policy.capacity.size)
    began = time.perf_counter()
    paths = Paths.start(n)
    first = np.searchsorted(people.referral_week, np.arange(world.weeks + 1))
    participant_weeks = 0
    for w in range(weeks):
        active = np.arange(first[max(w - span + 1, 0)], first[w + 1])  # referral order
        participant_weeks += active.size
        k = w - people.referral_week[active]  # weeks on the programme
        attached = np.ones(active.size, bool)
        caseloads = Caseloads(
            active=active,
            attached=attached,
            left=paths.left,
            in_work=paths.in_work[TREATED],
            provider=people.provider,
            row=drawn.row,
            year=drawn.year,
            odds_factor=odds_factor,
            group=people.group,
            area=people.area,
            frailty=people.frailty,
            entry_rate=world.entry_rate,
            demand=world.demand[w],
            programme_week=k,
            duration=world.duration,
            outcome_day=no_outcome,
            sustain_count=no_sustainment,
            paid=nothing_paid,
        )
        hours = allocate(caseloads, world.stakes, world.policy, service)
        policy = world.policy
        uplift = policy.service_effect * np.minimum(hours / policy.full_service_hours, 1.0)
        hazards = Hazards(
            world.entry_rate,
            world.separation_rate,
            world.later_separation_rate,
            world.leave_rate,
            world.demand[w],
            world.duration,
        )
        step(
            paths,
            active,
            k,
            attached,
            people.group,
            people.area,
            people.frailty,
            uplift,
            clocks,
            hazards,
        )
        if record:
            in_work = paths.in_work[:, active]
            history.append((active, hours, in_work[TREATED], in_work[COUNTERFACTUAL]))
    seconds = time.perf_counter() - began
    totals = {
        "treated_entries": int(paths.entries[TREATED].sum()),
        "counterfactual_entries": int(paths.entries[COUNTERFACTUAL].sum()),
        "treated_exits": int(paths.exits[TREATED].sum()),
        "counterfactual_exits": int(paths.exits[COUNTERFACTUAL].sum()),
    }
    return RulesRun(participant_weeks, seconds, totals, history)


# --- the same rules the ordinary Mesa 3 way ----------------------------------------------------


def mesa_run(drawn: Drawn, weeks: int, record: bool = False) -> tuple[Any, float]:
    """Build and run the Mesa model; the model and the seconds taken (model set-up included,
    the conversion of pbrlab's drawn arrays to Python values not)."""
    from mesa_model import ParticipantRules, Person

    people = drawn.people
    persons = [
        Person(*values)
        for values in zip(
            range(people.size),
            people.referral_week.tolist(),
            people.provider.tolist(),
            people.group.tolist(),
            people.area.tolist(),
            drawn.row.tolist(),
            drawn.year.tolist(),
            people.frailty.tolist(),
            np.exp(drawn.world.policy.judgement_noise * people.judgement).tolist(),
            people.leave_clock.tolist(),
            people.entry_clock.tolist(),
            people.exit_clock.tolist(),
            strict=True,
        )
    ]
    gc.collect()
    began = time.perf_counter()
    model = ParticipantRules(drawn.world, persons, weeks, record)
    model.run()
    return model, time.perf_counter() - began


def cross_check(scale: float) -> dict[str, Any]:
    """Mesa agents against pbrlab's kernels, participant-week by participant-week."""
    drawn = Drawn.at(scale)
    weeks = drawn.world.weeks
    ours = rules_run(drawn, weeks, record=True)
    model, _ = mesa_run(drawn, weeks, record=True)
    state_differ = hours_differ = count_differ = 0
    for (active, hours, treated, counterfactual), theirs in zip(
        ours.history, model.history, strict=True
    ):
        theirs.sort()
        index = np.array([t[0] for t in theirs], np.int64)
        if not np.array_equal(index, active):
            raise RuntimeError("the two implementations step different participants")
        m_hours = np.array([t[1] for t in theirs])
        m_treated = np.array([t[2] for t in theirs], bool)
        m_counterfactual = np.array([t[3] for t in theirs], bool)
        state_differ += int(((m_treated != treated) | (m_counterfactual != counterfactual)).sum())
        hours_differ += int((m_hours != hours).sum())
        count_differ += int(
            m_treated.sum() != treated.sum() or m_counterfactual.sum() != counterfactual.sum()
        )
    return {
        "scale": scale,
        "participants": drawn.people.size,
        "participant_weeks": ours.participant_weeks,
        "weeks_with_different_in_work_counts": count_differ,
        "participant_weeks_with_different_state": state_differ,
        "participant_weeks_with_different_hours": hours_differ,
        "totals_pbrlab": ours.totals,
        "totals_mesa": model.totals(),
        "agree": state_differ == 0 and hours_differ == 0 and ours.totals == model.totals(),
    }


def compare(scale: float, weeks: int | None, repeats: int, mesa_repeats: int) -> dict[str, Any]:
    """Time the participant rules both ways at `scale` over the same weeks (medians)."""
    drawn = Drawn.at(scale)
    weeks = drawn.world.weeks if weeks is None else weeks
    rules_run(drawn, weeks)  # warm-up: the kernels are loaded or compiled
    runs = []
    for _ in range(repeats):
        gc.collect()
        runs.append(rules_run(drawn, weeks))
    mesa_runs = []
    for _ in range(mesa_repeats):
        model, seconds = mesa_run(drawn, weeks)
        mesa_runs.append(seconds)
    pw = runs[0].participant_weeks
    if model.participant_weeks != pw:
        raise RuntimeError(f"Mesa stepped {model.participant_weeks} participant-weeks, not {pw}")
    rules_s = statistics.median(r.seconds for r in runs)
    mesa_s = statistics.median(mesa_runs)
    return {
        "scale": scale,
        "weeks": weeks,
        "participants": drawn.people.size,
        "participant_weeks": pw,
        "rules_s": rules_s,
        "rules_runs_s": [r.seconds for r in runs],
        "rules_ns": rules_s / pw * 1e9,
        "mesa_s": mesa_s,
        "mesa_runs_s": mesa_runs,
        "mesa_ns": mesa_s / pw * 1e9,
        "ratio": mesa_s / rules_s,
        "totals_agree": runs[0].totals == model.totals(),
        "totals": runs[0].totals,
    }


# --- report ------------------------------------------------------------------------------------


def profile(scale: float, warmup_scale: float, top: int) -> None:
    """cProfile of one engine run after a warm-up; the top entries by cumulative time."""
    engine_run(warmup_scale)
    world = world_at(scale)
    profiler = cProfile.Profile()
    profiler.enable()
    simulate(world)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def source() -> str:
    """Which pbrlab was measured: git commit (and whether src/ differs from it), and a hash of
    the package's .py files, since the engine may be uncommitted work."""
    folder = Path(pbrlab.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "no git"
    changed = " + uncommitted changes" if git("status", "--porcelain", "--", ".") else ""
    return f"{folder} (git {commit}{changed}; sources sha256 {digest.hexdigest()[:12]})"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [
            ln.split(":", 1)[1].strip()
            for ln in info.read_text().splitlines()
            if ln.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    try:
        import mesa

        mesa_version = mesa.__version__
    except ImportError:
        mesa_version = "not installed"
    return (
        f"{os.cpu_count()} CPUs ({cpu}); python {platform.python_version()}, numpy "
        f"{np.__version__}, numba {numba.__version__}, mesa {mesa_version}"
    )


def engine_table(runs: list[dict[str, Any]], compiled: dict[str, Any], warmup_scale: float) -> str:
    def med(key: str) -> float:
        return statistics.median(float(r[key]) for r in runs)

    first = runs[0]
    pw = int(first["participant_weeks"])
    run_s = med("run_s")
    times = " ".join(f"{r['run_s']:.2f}" for r in runs)
    lines = [
        f"engine, scale {first['scale']}: {int(first['participants']):,} participants, "
        f"{pw:,} participant-weeks, {first['weeks']} weeks, {len(runs)} runs (fresh processes)",
        f"  run s (median; runs)       {run_s:8.2f}   ({times})",
        f"  ns per participant-week    {run_s / pw * 1e9:8.1f}",
        f"  phases s: world            {med('world_s'):8.2f}",
        f"            draw + set-up    {med('draw_s'):8.2f}",
        f"            weekly loop      {med('loop_s'):8.2f}   ({med('loop_s') / pw * 1e9:.1f} ns "
        f"per participant-week; slowest week {med('slowest_week_s'):.3f} s)",
        f"            finish           {med('finish_s'):8.2f}",
        f"  user + sys CPU s           {med('user_s'):8.1f} + {med('sys_s'):.1f}",
        f"  peak memory GiB (max)      {max(float(r['peak_gb']) for r in runs):8.2f}   "
        f"(startup {med('startup_gb'):.2f})",
        f"  warm-up s, cached kernels  {med('warmup_s'):8.2f}   (scale {warmup_scale})",
        f"  warm-up s, empty cache     {compiled['first_s']:8.2f}   (compile ≈ "
        f"{compiled['compile_s']:.1f} s = first − second small run)",
    ]
    return "\n".join(lines)


def compare_table(result: dict[str, Any], engine_ns: float | None) -> str:
    mesa_runs = " ".join(f"{t:.2f}" for t in result["mesa_runs_s"])
    lines = [
        f"participant rules at scale {result['scale']}: {result['participants']:,} participants, "
        f"{result['participant_weeks']:,} participant-weeks, {result['weeks']} weeks",
        f"  pbrlab kernels s (median)  {result['rules_s']:8.2f}   "
        f"{result['rules_ns']:10.1f} ns per participant-week",
        f"  Mesa 3 agents s (median)   {result['mesa_s']:8.2f}   "
        f"{result['mesa_ns']:10.1f} ns per participant-week   (runs {mesa_runs})",
        f"  Mesa / pbrlab kernels      {result['ratio']:8.1f}×",
    ]
    if engine_ns is not None:
        lines.append(
            f"  Mesa / pbrlab full engine  {result['mesa_ns'] / engine_ns:8.1f}×   "
            f"(engine {engine_ns:.1f} ns per participant-week, payments included)"
        )
    lines.append(f"  same entry and exit totals {'yes' if result['totals_agree'] else 'NO'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="engine run scale (1.0)")
    parser.add_argument("--repeats", type=int, default=3, help="engine runs (3)")
    parser.add_argument("--warmup-scale", type=float, default=0.01, help="untimed warm-up (0.01)")
    parser.add_argument("--mesa-scale", type=float, default=0.01, help="rules vs Mesa (0.01)")
    parser.add_argument("--mesa-weeks", type=int, help="fewer weeks for the Mesa run (all)")
    parser.add_argument("--rules-repeats", type=int, default=5, help="kernel-rules runs (5)")
    parser.add_argument("--mesa-repeats", type=int, default=3, help="Mesa runs (3)")
    parser.add_argument("--check-scale", type=float, default=0.002, help="cross-check (0.002)")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--skip-mesa", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile one run at --scale")
    parser.add_argument("--measure", choices=("engine", "compile"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure == "engine":
        print(json.dumps(measure_engine(args.scale, args.warmup_scale)))
        return
    if args.measure == "compile":
        print(json.dumps(measure_compile(args.warmup_scale)))
        return
    if args.profile:
        profile(args.scale, args.warmup_scale, args.profile)
        return

    code = source()
    print(f"{SCENARIO}, {date.today()}\n{machine()}\npbrlab: {code}\n")
    results: dict[str, Any] = {"scenario": SCENARIO, "machine": machine(), "pbrlab": code}
    results["command"] = " ".join(["python", "bench/simulation.py", *sys.argv[1:]])
    engine_ns = None
    if not args.skip_engine:
        load = os.getloadavg()[0]
        compiled = compile_time(args)
        runs = [child("engine", args) for _ in range(args.repeats)]
        run_s = statistics.median(r["run_s"] for r in runs)
        engine_ns = run_s / runs[0]["participant_weeks"] * 1e9
        results["engine"] = {"runs": runs, "compile": compiled, "median_run_s": run_s}
        results["engine"]["warmup_scale"] = args.warmup_scale
        results["engine"]["ns_per_participant_week"] = engine_ns
        print(engine_table(runs, compiled, args.warmup_scale))
        print(f"  1-minute load average      {load:8.2f} before, {os.getloadavg()[0]:.2f} after\n")
    if not args.skip_mesa:
        load = os.getloadavg()[0]
        check = cross_check(args.check_scale)
        results["cross_check"] = check
        compared = compare(args.mesa_scale, args.mesa_weeks, args.rules_repeats, args.mesa_repeats)
        results["rules_vs_mesa"] = compared
        print(compare_table(compared, engine_ns))
        print(f"  1-minute load average      {load:8.2f} before, {os.getloadavg()[0]:.2f} after")
        print(
            f"\ncross-check at scale {check['scale']} ({check['participant_weeks']:,} "
            f"participant-weeks): paths agree: {'yes' if check['agree'] else 'no'} "
            f"({check['participant_weeks_with_different_state']} participant-weeks with a "
            f"different employment state, {check['participant_weeks_with_different_hours']} "
            f"with different hours)"
        )
    if source() != code:
        print("\nWARNING: pbrlab's sources changed while the benchmark ran")
        results["sources_changed"] = True
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
