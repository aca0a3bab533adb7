"""A synthetic Work Programme-scale history: participants and employment spells, as Parquet.

Everything is drawn with vectorised NumPy from one seed, so the same `--seed` and `--participants`
always give the same files. The shape follows the Work Programme (2011-2017) loosely:

- nine payment groups with referral shares dominated by JSA 25+ and JSA 18-24;
- 18 contract package areas, each with 2 or 3 prime providers ("cpa01-prime-a", ...) and a few
  subcontractors ("cpa01-sub-03", ...); about 30% of participants are served by a subcontractor;
- referrals from June 2011 to March 2017 (front-loaded), attachment a few days after referral;
- about 1.5 employment spells per participant on average (about a third have none), of varied
  length (a few weeks to two years, geometric), with gaps, occasional overlaps, some work starting
  before attachment, and ongoing jobs (empty end date); weekly earnings GBP 100-400.

Usage: python bench/synthetic.py --participants 2000000 --seed 2011 --out /tmp/pbr-2m
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pbrlab.contracts.model import WORK_PROGRAMME_GROUPS

#: Share of referrals by payment group (sums to 1), in the order of WORK_PROGRAMME_GROUPS.
GROUP_SHARES = {
    "jsa_18_24": 0.24,
    "jsa_25_plus": 0.52,
    "jsa_early_access": 0.09,
    "jsa_ex_ib": 0.02,
    "esa_volunteers": 0.01,
    "esa_flow": 0.08,
    "esa_ex_ib": 0.02,
    "ib_is": 0.005,
    "jsa_prison_leavers": 0.015,
}
N_AREAS = 18
SUBCONTRACTOR_SHARE = 0.30
FIRST_REFERRAL = np.datetime64("2011-06-01")
LAST_REFERRAL = np.datetime64("2017-03-31")
EXTRACT_DATE = np.datetime64("2019-06-30")  # work after this is unknown: such jobs are ongoing
NO_SPELLS_SHARE = 0.35
EXTRA_SPELLS_MEAN = 1.5 / (1 - NO_SPELLS_SHARE) - 1  # so the overall mean is 1.5 spells
MIN_WEEKS, MAX_DAYS, MEAN_DAYS = 3, 730, 200  # spell length: 3 weeks .. 2 years, geometric
ONGOING_SHARE = 0.15  # of last spells, still in the job at the extract date

PARTICIPANT_FILE = "participants.parquet"
SPELL_FILE = "spells.parquet"


def _day(value: np.datetime64) -> int:
    return int(value.astype("datetime64[D]").astype(np.int64))


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """int days since 1970 -> date32, null where not valid."""
    mask = None if valid is None else ~valid
    return pa.array(days.astype(np.int32), pa.int32(), mask=mask).cast(pa.date32())


def _named(codes: np.ndarray, names: list[str], valid: np.ndarray | None = None) -> pa.Array:
    """Integer codes -> plain strings (null where not valid), without a Python loop."""
    mask = None if valid is None else ~valid
    indices = pa.array(codes.astype(np.int32), pa.int32(), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, pa.array(names, pa.string())).cast(pa.string())


def providers(seed: int) -> tuple[list[str], np.ndarray, list[str], np.ndarray, np.ndarray]:
    """The market: primes and subcontractors per area, and each area's share of referrals.

    Returns (prime names, prime area, subcontractor names, subcontractor area, area weights).
    Drawn from its own stream, so the market does not depend on the number of participants.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    n_primes = rng.integers(2, 4, N_AREAS)  # 2 or 3 primes per area
    n_subs = rng.integers(3, 9, N_AREAS)  # 3..8 subcontractors per area
    area = [f"cpa{a + 1:02d}" for a in range(N_AREAS)]
    primes = [f"{area[a]}-prime-{'abc'[p]}" for a in range(N_AREAS) for p in range(n_primes[a])]
    subs = [f"{area[a]}-sub-{s + 1:02d}" for a in range(N_AREAS) for s in range(n_subs[a])]
    weights = rng.uniform(0.6, 1.6, N_AREAS)
    return (
        primes,
        np.repeat(np.arange(N_AREAS), n_primes),
        subs,
        np.repeat(np.arange(N_AREAS), n_subs),
        weights / weights.sum(),
    )


def _pick_within(rng: np.random.Generator, area: np.ndarray, member_area: np.ndarray) -> np.ndarray:
    """For each row's area, a uniformly chosen member (prime or subcontractor) of that area."""
    counts = np.bincount(member_area, minlength=N_AREAS)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    return first[area] + (rng.random(area.size) * counts[area]).astype(np.int64)


def generate(n: int, seed: int) -> tuple[pa.Table, pa.Table]:
    """Participants and spells tables for `n` participants."""
    people_seq, spell_seq = np.random.SeedSequence([seed, 2]).spawn(2)
    rng = np.random.default_rng(people_seq)
    primes, prime_area, subs, sub_area, area_weights = providers(seed)

    shares = np.array([GROUP_SHARES[g] for g in WORK_PROGRAMME_GROUPS])
    group = rng.choice(len(WORK_PROGRAMME_GROUPS), n, p=shares / shares.sum())
    area = rng.choice(N_AREAS, n, p=area_weights)
    prime = _pick_within(rng, area, prime_area)
    has_sub = rng.random(n) < SUBCONTRACTOR_SHARE
    sub = _pick_within(rng, area, sub_area)

    # Referrals front-loaded (the early flow of the stock of claimants), to March 2017.
    first, last = _day(FIRST_REFERRAL), _day(LAST_REFERRAL)
    referral = first + (rng.random(n) ** 1.4 * (last - first + 1)).astype(np.int64)
    referral.sort()  # rows in referral order, ids assigned in that order
    attach = referral + np.minimum(rng.geometric(0.25, n), 42)  # a few days later

    ids = pc.binary_join_element_wise(
        "WP", pc.utf8_lpad(pa.array(np.arange(1, n + 1)).cast(pa.string()), 9, "0"), ""
    )
    participants = pa.table(
        {
            "participant_id": ids,
            "payment_group": _named(group, list(WORK_PROGRAMME_GROUPS)),
            "provider_id": _named(prime, primes),
            "referral_date": _dates(referral),
            "attachment_date": _dates(attach),
            "subcontractor_id": _named(sub, subs, valid=has_sub),
        }
    )
    spells = _spells(np.random.default_rng(spell_seq), ids, attach)
    return participants, spells


def _spells(rng: np.random.Generator, ids: pa.Array, attach: np.ndarray) -> pa.Table:
    n = attach.size
    count = np.where(rng.random(n) < NO_SPELLS_SHARE, 0, 1 + rng.poisson(EXTRA_SPELLS_MEAN, n))
    who = np.repeat(np.arange(n), count)
    m = who.size
    starts = np.r_[0, np.cumsum(count)[:-1]]  # first spell row of each participant
    rank = np.arange(m) - np.repeat(starts, count)

    # Lengths: geometric, from a few weeks to two years.
    length = np.minimum(
        7 * MIN_WEEKS + rng.geometric(1 / (MEAN_DAYS - 7 * MIN_WEEKS), m) - 1, MAX_DAYS
    )
    # First job: mostly months after attachment (exponential), sometimes begun before it.
    first_gap = np.where(
        rng.random(m) < 0.06,
        -rng.integers(1, 90, m),
        rng.exponential(240, m).astype(np.int64),
    )
    # Later jobs start `gap` days after the previous one ends: 1 in 20 the next day (the run
    # continues), 1 in 25 while it is still going (overlapping jobs), else after a break.
    prev_len = np.r_[0, length[:-1]]
    u = rng.random(m)
    gap = np.select(
        [u < 0.05, u < 0.09],
        [np.ones(m, np.int64), -(rng.random(m) * prev_len).astype(np.int64)],
        2 + rng.exponential(75, m).astype(np.int64),
    )
    # start[0] = attach + first_gap; start[k] = start[k-1] + length[k-1] - 1 + gap[k].
    step = np.where(rank == 0, attach[who] + first_gap, prev_len - 1 + gap)
    total = np.cumsum(step)
    head = starts[count > 0]
    start = total - np.repeat(total[head] - step[head], count[count > 0])
    end = start + length - 1

    extract = _day(EXTRACT_DATE)
    last = rank == np.repeat(count, count) - 1
    ongoing = (last & (rng.random(m) < ONGOING_SHARE)) | (end > extract)
    keep = start <= extract
    weekly = np.round(rng.uniform(100, 400, m), 2)
    who, start, end, ongoing, weekly = (a[keep] for a in (who, start, end, ongoing, weekly))
    return pa.table(
        {
            "participant_id": ids.take(pa.array(who)),
            "start_date": _dates(start),
            "end_date": _dates(end, valid=~ongoing),
            "weekly_earnings": pa.array(weekly, pa.float64()),
        }
    )


def write_dataset(folder: str | Path, n: int, seed: int) -> tuple[Path, Path]:
    """Generate and write participants.parquet and spells.parquet into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    participants, spells = generate(n, seed)
    paths = folder / PARTICIPANT_FILE, folder / SPELL_FILE
    pq.write_table(participants, paths[0])
    pq.write_table(spells, paths[1])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=2_000_000)
    parser.add_argument("--seed", type=int, default=2011)
    parser.add_argument("--out", type=Path, required=True, help="folder for the Parquet files")
    args = parser.parse_args()
    began = time.perf_counter()
    paths = write_dataset(args.out, args.participants, args.seed)
    spells = pq.read_metadata(paths[1]).num_rows
    print(
        f"{args.participants:,} participants, {spells:,} spells -> {args.out} "
        f"in {time.perf_counter() - began:.1f} s"
    )


if __name__ == "__main__":
    main()
