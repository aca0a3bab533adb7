"""`pbrlab appraise` end to end on the seed appraisal (small): the table, the files, JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "scenarios" / "appraisal-seed.toml"


def appraise(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pbrlab", "appraise", str(SEED), *args]
    wide = {**os.environ, "COLUMNS": "240"}  # a table row per line, not wrapped at 80
    return subprocess.run(command, capture_output=True, text=True, check=False, env=wide)


def test_the_main_job_prints_the_table_and_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = appraise("--scale", "0.002", "--replicates", "2", "--out", str(out))
    assert done.returncode == 0, done.stderr
    for option in ("national-pbr-2011", "local-commissioning", "esa-grants", "in-house"):
        assert option in done.stdout
    assert "Additional sustained jobs" in done.stdout
    charts = sorted(p.name for p in (out / "charts").iterdir())
    assert len(charts) == 10 and all(n.endswith((".svg", ".png")) for n in charts)
    result = json.loads((out / "appraisal.json").read_text())
    assert result["appraisal"]["scale"] == 0.002 and result["appraisal"]["replicates"] == 2
    assert len(result["runs"]) == 8
    assert result["provenance"]["appraisal"] == "appraisal-seed"
    assert (out / "report.html").stat().st_size > 100_000  # the charts' script is inline

    again = appraise("--scale", "0.002", "--replicates", "2", "--out", str(out), "--format", "json")
    assert again.returncode == 0, again.stderr
    printed = json.loads(again.stdout)  # resumed from the store: the same numbers
    assert printed["results"] == result["results"] and "runs" not in printed


def test_a_scale_outside_0_1_is_refused_in_one_line(tmp_path: Path) -> None:
    done = appraise("--scale", "2", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "--scale" in done.stderr and not (tmp_path / "out").exists()
