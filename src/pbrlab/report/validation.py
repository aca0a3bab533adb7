"""The validation report: a scenario's replicated runs set against the published record.

The runs go through the experiments machinery (a design of no factors: the scenario as it is,
replicated) into a results store, and every number in the report is computed from that store,
so an auditor can query the same runs. The report states plainly what the model does not
reproduce: targets outside tolerance and qualitative facts that do not hold. (The calibration
section is the exception: it shows the shipped calibration result, from its own runs.)
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from pbrlab.arrays import FloatArray
from pbrlab.calibration.measures import (
    COHORTS_12M,
    CUMULATIVE_AT,
    MEASURE_OUTPUT,
    SERIES_OUTPUT,
    SUSTAINMENT_QUARTERS,
    months,
)
from pbrlab.calibration.targets import Fact, Target, facts, holds, over_replicates, targets
from pbrlab.data.record import value
from pbrlab.errors import InputError
from pbrlab.experiments.model import Design, Experiment
from pbrlab.experiments.runs import experiment_hash
from pbrlab.experiments.store import Store
from pbrlab.experiments.sweep import Executor, sweep
from pbrlab.io import write_atomically
from pbrlab.provenance import provenance
from pbrlab.scenarios.load import load_scenario

CURVES = {
    "cumulative_job_outcomes": "Job outcomes paid to date (national)",
    "cohort_12m": "Referral cohorts: share with a job outcome paid within 12 months",
}


@dataclass(frozen=True)
class Row:
    """A target or a fact's measure over the replicates."""

    id: str
    runs: int
    mean: float | None
    low: float | None  # 5th percentile of the replicates
    high: float | None  # 95th percentile


@dataclass(frozen=True)
class Validation:
    experiment: Experiment
    store: Path
    targets: list[Target]
    facts: list[Fact]
    rows: dict[str, Row]  # by measure id
    curves: dict[str, dict[str, Row]]  # curve -> month -> row
    stamp: dict[str, str]

    def within(self, target: Target) -> bool:
        mean = self.rows[target.id].mean
        return mean is not None and target.within(mean)

    def missed(self) -> list[str]:
        """What the model does not reproduce, in plain words."""
        lines = []
        for t in self.targets:
            row = self.rows[t.id]
            if not self.within(t):
                tolerance = show(t.tolerance, t.unit, points=True)
                lines.append(
                    f"{t.label}: published {show(t.value, t.unit)}, model "
                    f"{show(row.mean, t.unit)} (tolerance ±{tolerance})"
                )
        for f in self.facts:
            row = self.rows[f.measure]
            if not holds(f, row.mean):
                lines.append(
                    f"{f.statement}: model {show(row.mean, _unit(f.measure))} ({f.reason})"
                )
        return lines


def experiment_for(scenario: str, scale: float, replicates: int, seed: int | None) -> Experiment:
    model = load_scenario(scenario)
    listed = [m.replace("-", "_") for m in months(model.calendar.start, model.calendar.end)]
    measures = [t.id for t in targets()] + [f.measure for f in facts()]
    series = [f"{SERIES_OUTPUT}{curve}.{m}" for curve in CURVES for m in listed]
    return Experiment(
        id=f"validate-{model.id}"[:64],
        name=f"Validation of {model.id} against the published record",
        base=scenario,
        scale=scale,
        seed=model.seed if seed is None else seed,
        replicates=replicates,
        design=Design(kind="full_factorial"),
        outputs=[MEASURE_OUTPUT + m for m in dict.fromkeys(measures)] + series,
    )


def validate(
    experiment: Experiment,
    store: str | Path,
    executor: Executor = "local",
    workers: int | None = None,
    progress: Any = None,
) -> Validation:
    """Run what the store lacks, then summarise the stored runs."""
    result = sweep(experiment, store, executor, workers, progress=progress)
    if result.failed:
        raise InputError(experiment.id, "", f"{result.failed} runs failed; see {store}")
    return summarise(experiment, Path(store))


def summarise(experiment: Experiment, store: Path) -> Validation:
    """The current definition's runs: of this version of the scenario, not an earlier one."""
    with Store(store, read_only=True) as opened:
        runs = opened.runs(experiment.id, experiment_hash(experiment))
        frame = runs.filter("status = 'ok'").order("point, replicate").df() if runs else None
    if frame is None or frame.empty:
        raise InputError(
            str(store), experiment.id, "expected successful validation runs; found none"
        )
    columns = {name: frame[name].to_numpy(np.float64) for name in experiment.outputs}
    rows = {
        name[len(MEASURE_OUTPUT) :]: _row(name[len(MEASURE_OUTPUT) :], columns[name])
        for name in experiment.outputs
        if name.startswith(MEASURE_OUTPUT)
    }
    curves: dict[str, dict[str, Row]] = {curve: {} for curve in CURVES}
    for name in experiment.outputs:
        if name.startswith(SERIES_OUTPUT):
            curve, month = name[len(SERIES_OUTPUT) :].split(".")
            curves[curve][month] = _row(month, columns[name])
    stamp = provenance(experiment=experiment.id, seed=str(experiment.seed))
    stamp["scale"] = repr(experiment.scale)
    stamp["replicates"] = str(experiment.replicates)
    stamp["scenario_hash"] = str(frame["scenario_hash"].iloc[0])
    return Validation(experiment, store, targets(), facts(), rows, curves, stamp)


def _row(name: str, values: FloatArray) -> Row:
    mean, low, high = over_replicates(values)
    return Row(name, int(np.isfinite(values).sum()), mean, low, high)


def calibration_result(scenario_id: str) -> dict[str, Any] | None:
    """The shipped calibration of a scenario preset, if it has one."""
    found = resources.files("pbrlab.data") / "calibration" / f"{scenario_id}.json"
    if not found.is_file():
        return None
    loaded: dict[str, Any] = json.loads(found.read_text(encoding="utf-8"))
    return loaded


def write_report(validation: Validation, path: Path, calibration: dict[str, Any] | None) -> None:
    """The report as one self-contained HTML file (plotly.js inlined: it renders offline)."""
    page = _page(validation, calibration)

    def write(tmp: Path) -> None:
        tmp.write_text(page, encoding="utf-8")

    write_atomically(path, write)


def _page(v: Validation, calibration: dict[str, Any] | None) -> str:
    within = sum(v.within(t) for t in v.targets)
    missed = v.missed()
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Validation: {_e(v.experiment.base or '')}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Validation of <code>{_e(v.experiment.base or '')}</code> against the published "
        "Work Programme record</h1>",
        f"<p class='stamp'>{_e(_stamp(v.stamp))}</p>",
        f"<p id='verdict'><strong>{within} of {len(v.targets)}</strong> calibration targets "
        f"within tolerance (mean of {v.experiment.replicates} replicates at scale "
        f"{v.experiment.scale}); {sum(holds(f, v.rows[f.measure].mean) for f in v.facts)} of "
        f"{len(v.facts)} qualitative facts shown.</p>",
        "<h2>What the model does not reproduce</h2>",
        _list(missed) if missed else "<p id='missed'>Nothing: every target and fact holds.</p>",
        "<h2>Calibration targets</h2>",
        _targets_table(v),
        "<h2>Qualitative facts</h2>",
        _facts_table(v),
        "<h2>Curves against the published points</h2>",
        _charts(v),
    ]
    if calibration is not None:
        parts.append(_calibration(calibration))
    parts.append(
        "<p class='note'>Definitions of every measure: <code>pbrlab.calibration.measures</code> "
        "and docs/calibration.md. Runs: experiment <code>"
        f"{_e(v.experiment.id)}</code> in <code>{_e(str(v.store))}</code> (query with "
        "<code>pbrlab results show</code>).</p></body></html>"
    )
    return "\n".join(parts)


def _targets_table(v: Validation) -> str:
    head = (
        "<tr><th>Target</th><th>Published</th><th>Model mean</th><th>90% of replicates</th>"
        "<th>Tolerance</th><th>Within</th><th>Source</th></tr>"
    )
    body = []
    for t in v.targets:
        row = v.rows[t.id]
        ok = v.within(t)
        body.append(
            f"<tr id='target-{t.id}' data-target='{t.id}' data-published='{t.value!r}' "
            f"data-mean='{row.mean!r}' data-low='{row.low!r}' data-high='{row.high!r}' "
            f"data-within='{str(ok).lower()}' class='{'ok' if ok else 'miss'}'>"
            f"<td>{_e(t.label)}</td><td>{show(t.value, t.unit)}</td>"
            f"<td>{show(row.mean, t.unit)}</td>"
            f"<td>{show(row.low, t.unit)} to {show(row.high, t.unit)}</td>"
            f"<td>±{show(t.tolerance, t.unit, points=True)}</td><td>{'yes' if ok else 'NO'}</td>"
            f"<td class='source'>[{t.tag}] {_e(t.source)}</td></tr>"
        )
    return f"<table id='targets'>{head}{''.join(body)}</table>"


def _facts_table(v: Validation) -> str:
    head = "<tr><th>Fact</th><th>Model</th><th>Shown if</th><th>Shown</th><th>Record</th></tr>"
    body = []
    for f in v.facts:
        row = v.rows[f.measure]
        ok = holds(f, row.mean)
        record = value(f.measure)
        unit = _unit(f.measure)
        test = (
            f"at most {show(f.high, unit)}"
            if f.compare == "at_most"
            else f"{show(f.low, unit)} to {show(f.high, unit)}"
        )
        body.append(
            f"<tr id='fact-{f.id}' data-fact='{f.id}' data-mean='{row.mean!r}' "
            f"data-holds='{str(ok).lower()}' class='{'ok' if ok else 'miss'}'>"
            f"<td>{_e(f.statement)}</td><td>{show(row.mean, unit)}</td><td>{_e(test)}: "
            f"{_e(f.reason)}</td><td>{'yes' if ok else 'NO'}</td>"
            f"<td class='source'>{show(record.value, unit)} [{record.tag}] "
            f"{_e(record.source)}</td></tr>"
        )
    return f"<table id='facts'>{head}{''.join(body)}</table>"


def _charts(v: Validation) -> str:
    import plotly.graph_objects as go

    figures = []
    published = {
        "cumulative_job_outcomes": {
            m: value(f"cumulative_job_outcomes_{m}").value for m in CUMULATIVE_AT
        },
        "cohort_12m": {m: value(f"cohort_12m_{m}").value for m in COHORTS_12M},
    }
    for curve, title in CURVES.items():
        rows = v.curves[curve]
        months = [m for m in rows if rows[m].mean is not None]
        x = [m.replace("_", "-") for m in months]
        fig = go.Figure()
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=[rows[m].high for m in months] + [rows[m].low for m in months][::-1],
                fill="toself",
                line={"width": 0},
                fillcolor="rgba(31,119,180,0.2)",
                name="model, 90% of replicates",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=[rows[m].mean for m in months],
                mode="lines",
                name="model mean",
                line={"color": "#1f77b4"},
            )
        )
        points = published[curve]
        fig.add_trace(
            go.Scatter(
                x=[m.replace("_", "-") for m in points],
                y=list(points.values()),
                mode="markers",
                marker={"size": 11, "color": "#d62728", "symbol": "diamond"},
                name="published",
            )
        )
        fig.update_layout(title=title, height=380, margin={"t": 50, "b": 40})
        figures.append(fig)
    quarters = list(SUSTAINMENT_QUARTERS)
    model = [v.rows[f"sustainment_median_{q}"] for q in quarters]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=quarters,
            y=[r.mean for r in model],
            name="model mean",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [(r.high or 0) - (r.mean or 0) for r in model],
                "arrayminus": [(r.mean or 0) - (r.low or 0) for r in model],
            },
        )
    )
    fig.add_trace(
        go.Scatter(
            x=quarters,
            y=[value(f"sustainment_median_{q}").value for q in quarters],
            mode="markers",
            marker={"size": 11, "color": "#d62728", "symbol": "diamond"},
            name="published",
        )
    )
    fig.update_layout(
        title="Median sustainment payments made to March 2013, by job-outcome quarter",
        height=380,
        margin={"t": 50, "b": 40},
    )
    figures.append(fig)
    return "\n".join(
        f.to_html(full_html=False, include_plotlyjs=(i == 0), div_id=f"chart-{i}")
        for i, f in enumerate(figures)
    )


def _calibration(result: dict[str, Any]) -> str:
    refit = result.get("refit") or {}
    again = refit.get("parameters", {})
    rows = []
    for name, p in result["parameters"].items():
        other = again.get(name)
        agrees = "" if other is None else ("yes" if other["within_interval"] else "NO")
        edge = "; the best fit is on its last box's edge" if p.get("best_at_box_edge") else ""
        rows.append(
            f"<tr data-parameter='{_e(name)}'><td><code>{_e(p['path'])}</code></td>"
            f"<td>{p['best']:g}</td><td>{p['interval_90'][0]:g} to {p['interval_90'][1]:g}</td>"
            f"<td>{p['prior'][0]:g} to {p['prior'][1]:g}</td><td>{_e(p['verdict'])} (moves "
            f"{_e(p['most_sensitive_target'])} by {p['effect_tolerances']:g} tolerances across "
            f"its range){edge}"
            f"</td><td>{'' if other is None else format(other['best'], 'g')}</td>"
            f"<td>{agrees}</td></tr>"
        )
    conflicts = [
        f"{' and '.join(c['targets'])} (cosine {c['cosine']:g})"
        for c in result.get("conflicts", [])
    ]
    kept = result["posterior"]
    return "\n".join(
        [
            "<h2>Calibration</h2>",
            f"<p id='calibration'>{_e(result['method'])}: calibration <code>"
            f"{_e(result['calibration'])}</code>, seed {result['seed']}, scale {result['scale']},"
            f" {result['replicates']} replicates a point. Uncertainty: 5th to 95th "
            f"percentiles of {kept['draws']} surrogate draws weighted by a Gaussian kernel on the"
            f" distance to the record, each tolerance its bandwidth ({kept['effective_draws']:g}"
            " effective draws), each widened by the fitted surface's own uncertainty"
            + (
                f". Refit with seed {refit['seed']}: "
                + (
                    "every value within those intervals"
                    if refit.get("all_within")
                    else "NOT every value within those intervals"
                )
                if refit
                else ". No refit recorded"
            )
            + ".</p>",
            "<table id='parameters'><tr><th>Parameter</th><th>Best fit</th><th>90% interval</th>"
            "<th>Prior range</th><th>Identified</th><th>Refit</th><th>Refit within</th></tr>"
            + "".join(rows)
            + "</table>",
            "<p>Targets pulling against each other at the fit: "
            + (_e("; ".join(conflicts)) if conflicts else "none found")
            + ".</p>",
        ]
    )


def _unit(record_id: str) -> str:
    return value(record_id).unit


def show(x: float | None, unit: str, points: bool = False) -> str:
    """A value for people: shares as percentages (differences of shares as points)."""
    if x is None or not np.isfinite(x):
        return "n/a"
    if unit == "share":
        return f"{100 * x:.1f} points" if points else f"{100 * x:.1f}%"
    if unit == "gbp":
        return f"£{x:,.0f}"
    return f"{x:,.1f}" if abs(x) < 100 else f"{x:,.0f}"


def _list(lines: list[str]) -> str:
    return "<ul id='missed'>" + "".join(f"<li>{_e(line)}</li>" for line in lines) + "</ul>"


def _stamp(stamp: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in stamp.items())


def _e(text: str) -> str:
    return html.escape(text, quote=True)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; }
td { vertical-align: top; }
tr.miss td { background: #fdecea; }
td.source { font-size: 0.8em; color: #555; max-width: 28em; }
.stamp, .note { font-size: 0.8em; color: #666; }
"""
