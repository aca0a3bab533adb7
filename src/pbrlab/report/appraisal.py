"""The options appraisal as a report: one offline HTML page, and each chart as SVG and PNG.

Everything is drawn from the appraisal's result (the content of appraisal.json), so the page, the
images and the JSON always agree. Charts are Vega-Lite (Altair); the page inlines the Vega
libraries once so it opens without a network, and the images are rendered by vl-convert with the
same specs.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import altair as alt
import vl_convert

from pbrlab.appraisal.criteria import formatted
from pbrlab.appraisal.run import stability
from pbrlab.engine.simulate import SUSTAINED_JOB_WEEKS

Chart: TypeAlias = alt.LayerChart | alt.FacetChart | alt.HConcatChart | alt.Chart
Writer = Callable[[Path], None]

CHARTS: tuple[str, ...] = (
    "outcomes_over_time",
    "cost_against_impact",
    "results_by_group",
    "provider_cash",
    "supply_chain_flows",
)
HEADINGS = {
    "outcomes_over_time": (
        "Sustained jobs over time",
        "Sustained jobs reached in each year, national; the dashed line is the reference "
        "option's participants without the programme.",
    ),
    "cost_against_impact": (
        "Cost against impact",
        "Each option's additional sustained jobs against the commissioner's total cost; the "
        "bars are 90% intervals over replicates.",
    ),
    "results_by_group": (
        "Results by payment group",
        "Sustained job rate and share of participants parked, by payment group and option, "
        "with 90% intervals.",
    ),
    "provider_cash": (
        "Providers' cash",
        "Providers' cash at each year's end (national), and provider insolvencies (not scaled).",
    ),
    "supply_chain_flows": (
        "Where the money stays",
        "Money providers kept after passing payments down, by sector (national, means over "
        "replicates).",
    ),
}
SECTORS = ("private", "voluntary", "public")
VL_VERSION = ".".join(alt.VEGALITE_VERSION.split(".")[:2])
EMBED = """
const specs = JSON.parse(document.getElementById("chart-specs").textContent);
for (const [name, spec] of Object.entries(specs)) {
  vegaEmbed(`#chart-${name}`, spec, {actions: false, renderer: "svg"})
    .catch((error) => console.error(`chart ${name}: ${error}`));
}
"""
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 80em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; }
th, td { vertical-align: top; }
td[data-mean] { text-align: right; white-space: nowrap; }
td.better { background: #e6f4ea; }
td.worse { background: #fdecea; }
.interval, .unit, .caption, .note { font-size: 0.85em; color: #666; }
#assumptions td { overflow-wrap: anywhere; }
.chart { margin: 0.5em 0 2em; }
"""


def charts(result: dict[str, Any]) -> dict[str, Chart]:
    """One chart per name in `CHARTS`: what the comparison table says, in pictures."""
    return {
        "outcomes_over_time": _outcomes_over_time(result),
        "cost_against_impact": _cost_against_impact(result),
        "results_by_group": _results_by_group(result),
        "provider_cash": _provider_cash(result),
        "supply_chain_flows": _supply_chain_flows(result),
    }


def report_writers(result: dict[str, Any], out: Path) -> dict[Path, Writer]:
    """Writers of report.html and every chart's SVG and PNG under `out`, for
    `pbrlab.io.write_all_or_none`: everything is rendered first, so a failure writes nothing."""
    specs = {name: chart.to_dict() for name, chart in charts(result).items()}
    writers = {out / "report.html": _text(_page(result, specs))}
    for name, spec in specs.items():
        writers[out / "charts" / f"{name}.svg"] = _text(
            vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION)
        )
        writers[out / "charts" / f"{name}.png"] = _bytes(
            vl_convert.vegalite_to_png(spec, vl_version=VL_VERSION, scale=2)
        )
    return writers


def _page(result: dict[str, Any], specs: Mapping[str, dict[str, Any]]) -> str:
    """The self-contained HTML page: the Vega libraries and every chart's spec inlined."""
    appraisal = result["appraisal"]
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(appraisal['name'])}</title><style>{STYLE}</style>",
        f"<script>{_javascript()}</script></head><body>",
        f"<h1>{_e(appraisal['name'])}</h1>",
        f"<p>{_e(appraisal['description'])}</p>",
        _how_to_read(result),
        "<h2>Options</h2>",
        _options(result),
        "<h2>Comparison</h2>",
        _table(result, "results", result["options"]),
        f"<h2>Differences from {_e(_name(result, appraisal['reference_option']))}</h2>",
        f"<p class='note'>{_pairing(appraisal)} A cell is shaded where "
        "the 90% interval of the difference lies wholly on one side of zero: green where the "
        "option is better, red where it is worse.</p>",
        _table(result, "differences", result["options"][1:]),
        _unstable(result),
        "<h2>Charts</h2>",
        *(_chart_section(name) for name in specs),
        "<h2>Results by payment group</h2>",
        _by_group(result),
        "<h2>Assumptions</h2>",
        _assumptions(result["assumptions"]),
        "<h2>Provenance</h2>",
        _provenance(result["provenance"]),
        f"<script id='chart-specs' type='application/json'>{_json(specs)}</script>",
        f"<script>{EMBED}</script></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _pairing(appraisal: dict[str, Any]) -> str:
    if appraisal["common_random_numbers"]:
        return "Paired replicate by replicate (the same seeds)."
    return "Replicate by replicate, with independent seeds (so chance adds to the differences)."


def _how_to_read(result: dict[str, Any]) -> str:
    a = result["appraisal"]
    attachment = a["attachment_weeks"]
    seeds = (
        "Replicates use common random numbers: replicate r of every option has the same seed, "
        "so the same people are referred on the same days into the same economy, and "
        "differences between options come from how delivery is bought."
        if a["common_random_numbers"]
        else "Replicates of different options use independent seeds."
    )
    return (
        "<h2>How to read this</h2><p>"
        f"Each number is the mean over {a['replicates']} replicates, with the 90% interval "
        "[5th – 95th percentile of the replicates] beneath it. "
        f"{seeds} The model runs at scale {a['scale']} of the national referrals on "
        f"<code>{_e(a['base'])}</code>; people and money are shown at national scale "
        "(organisations, such as insolvencies, are not scaled). Every option is judged by the "
        f"same yardstick, a sustained job: {SUSTAINED_JOB_WEEKS} weeks in work within the "
        f"{attachment}-week attachment, whatever the option pays for.</p>"
    )


def _options(result: dict[str, Any]) -> str:
    reference = result["appraisal"]["reference_option"]
    rows = "".join(
        f"<tr data-option='{_e(o['id'])}'><td>{_e(o['name'])}"
        f"{' (reference)' if o['id'] == reference else ''}</td><td><code>{_e(o['id'])}</code>"
        f"</td><td>{_e(o['description'])}</td>"
        f"<td>{', '.join(f'<code>{_e(u)}</code>' for u in o['uses'])}</td></tr>"
        for o in result["options"]
    )
    head = "<tr><th>Option</th><th>Id</th><th>Definition</th><th>Option files used</th></tr>"
    return f"<table id='options'>{head}{rows}</table>"


def _table(result: dict[str, Any], table: str, options: list[dict[str, Any]]) -> str:
    """Criteria against options, from `result[table]` (results or differences)."""
    head = (
        "<tr><th>Criterion</th>"
        + "".join(f"<th>{_e(o['name'])}<br><code>{_e(o['id'])}</code></th>" for o in options)
        + "</tr>"
    )
    rows = []
    for c in result["criteria"]:
        cells = "".join(_cell(result[table][o["id"]][c["id"]], c, table, o["id"]) for o in options)
        rows.append(
            f"<tr data-criterion='{_e(c['id'])}'><th>{_e(c['label'])}<br>"
            f"<span class='unit'>{_e(c['description'])}; {c['better']} is better</span></th>"
            f"{cells}</tr>"
        )
    return f"<table id='{table}'>{head}{''.join(rows)}</table>"


def _cell(
    stats: Mapping[str, Any],
    criterion: Mapping[str, Any],
    table: str,
    option: str,
    group: str | None = None,
) -> str:
    """A mean and its interval, with what it is in data-* attributes (for tests and scripts)."""
    difference = table == "differences"
    unit = criterion["unit"]
    show = _signed if difference else formatted
    verdict = _verdict(stats, criterion["better"]) if difference else None
    shade = f" class='{verdict}'" if verdict else ""
    where = "" if group is None else f" data-group='{_e(group)}'"
    interval = (
        ""
        if stats["mean"] is None
        else f"<br><span class='interval'>[{show(stats['low'], unit)} – "
        f"{show(stats['high'], unit)}]</span>"
    )
    return (
        f"<td{shade} data-table='{table}'{where} data-option='{_e(option)}' "
        f"data-criterion='{_e(criterion['id'])}' data-mean='{_repr(stats['mean'])}'>"
        f"{show(stats['mean'], unit)}{interval}</td>"
    )


def _signed(value: float | None, unit: str) -> str:
    """A difference: shares in percentage points, everything with its sign."""
    if value is None:
        return "n/a"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    size = abs(value)
    return f"{sign}{100 * size:.1f} pts" if unit == "share" else sign + formatted(size, unit)


def _verdict(stats: Mapping[str, Any], better: str) -> str | None:
    """'better' or 'worse' when the whole 90% interval of a difference is on one side of 0."""
    low, high = stats["low"], stats["high"]
    if low is None or high is None or low <= 0 <= high:
        return None
    return "better" if (low > 0) == (better == "higher") else "worse"


def _unstable(result: dict[str, Any]) -> str:
    labels = {c["id"]: c["label"] for c in result["criteria"]}
    lines = [
        f"<li>{_e(_name(result, option))}: {_e(', '.join(labels[c] for c in ids))}</li>"
        for option, ids in stability(result).items()
        if ids
    ]
    if not lines:
        return ""
    return (
        "<p id='unstable' class='note'>Not yet stable (the 90% confidence half-width of the "
        "mean is over a tenth of it; more replicates would narrow it):</p>"
        f"<ul>{''.join(lines)}</ul>"
    )


def _chart_section(name: str) -> str:
    heading, caption = HEADINGS[name]
    return (
        f"<h3>{_e(heading)}</h3><p class='caption'>{_e(caption)}</p>"
        f"<div id='chart-{name}' class='chart' data-chart='{name}'></div>"
    )


def _by_group(result: dict[str, Any]) -> str:
    criteria = {c["id"]: c for c in result["criteria"]}
    head = (
        "<tr><th>Group</th><th>Criterion</th>"
        + "".join(f"<th><code>{_e(o['id'])}</code></th>" for o in result["options"])
        + "</tr>"
    )
    rows = []
    for group in result["groups"]:
        for name in result["by_group"][result["options"][0]["id"]][group]:
            c = criteria[name]
            cells = "".join(
                _cell(result["by_group"][o["id"]][group][name], c, "by_group", o["id"], group)
                for o in result["options"]
            )
            rows.append(
                f"<tr data-group='{_e(group)}' data-criterion='{_e(name)}'>"
                f"<td><code>{_e(group)}</code></td><td>{_e(c['label'])}</td>{cells}</tr>"
            )
    return f"<table id='by-group'>{head}{''.join(rows)}</table>"


def _assumptions(rows: list[dict[str, Any]]) -> str:
    body = "".join(
        f"<tr><td><code>{_e(r['option'])}</code></td><td><code>{_e(r['path'])}</code></td>"
        f"<td>{_e(str(r['value']))}</td>"
        f"<td>{_e(r['source'] or '')}{_e(r['assumption'] or '')}</td></tr>"
        for r in rows
    )
    head = "<tr><th>Option</th><th>Setting</th><th>Value</th><th>Source or assumption</th></tr>"
    return f"<table id='assumptions'>{head}{body}</table>"


def _provenance(stamp: Mapping[str, Any]) -> str:
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(str(v))}</td></tr>" for k, v in stamp.items())
    return f"<table id='provenance'>{rows}</table>"


# charts


def _outcomes_over_time(result: dict[str, Any]) -> alt.LayerChart:
    reference = result["appraisal"]["reference_option"]
    rows = []
    for option in _ids(result):
        profile = result["profile"][option]
        series = [("with the programme", profile["sustained_jobs"])]
        if option == reference:
            series.append(("without (counterfactual)", profile["counterfactual_sustained_jobs"]))
        rows += [
            _row(stats, option=option, year=year, series=label)
            for label, by_year in series
            for year, stats in by_year.items()
        ]
    title = "Sustained jobs reached in the year (national)"
    return _over_years(result, rows, title).properties(width=560, height=320)


def _cost_against_impact(result: dict[str, Any]) -> alt.LayerChart:
    rows = []
    for option in _ids(result):
        impact = result["results"][option]["additional_sustained_jobs"]
        cost = result["results"][option]["cost_gbp"]
        rows.append(
            {"option": option}
            | {f"x_{k}": impact[k] for k in ("mean", "low", "high")}
            | {f"y_{k}": _per(cost[k], 1e6) for k in ("mean", "low", "high")}
        )
    x_title, y_title = "Additional sustained jobs (national)", "Commissioner's total cost (£m)"
    x = alt.X("x_mean:Q", title=x_title, scale=alt.Scale(zero=False))
    y = alt.Y("y_mean:Q", title=y_title, scale=alt.Scale(zero=False))
    base = alt.Chart(alt.InlineData(values=rows)).encode(color=_option_colour(result))
    across = base.mark_rule().encode(x=alt.X("x_low:Q", title=x_title), x2="x_high:Q", y=y)
    up = base.mark_rule().encode(x=x, y=alt.Y("y_low:Q", title=y_title), y2="y_high:Q")
    points = base.mark_point(filled=True, size=80).encode(
        x=x,
        y=y,
        tooltip=[
            alt.Tooltip("option:N"),
            alt.Tooltip("x_mean:Q", title="additional sustained jobs", format=",.0f"),
            alt.Tooltip("y_mean:Q", title="cost (£m)", format=",.1f"),
        ],
    )
    labels = base.mark_text(align="left", dx=7, dy=-7).encode(x=x, y=y, text="option:N")
    return alt.LayerChart(layer=[across, up, points, labels]).properties(width=560, height=360)


def _results_by_group(result: dict[str, Any]) -> alt.FacetChart:
    measures = {"sustained_job_rate": "Sustained job rate", "parked_share": "Participants parked"}
    rows = [
        _row(result["by_group"][option][group][m], option=option, group=group, measure=label)
        for option in _ids(result)
        for group in result["groups"]
        for m, label in measures.items()
    ]
    y = alt.Y("group:N", sort=result["groups"], title="Payment group")
    offset = alt.YOffset("option:N", sort=_ids(result))
    x_title = "Share of the group's participants"
    base = alt.Chart().encode(y=y, yOffset=offset, color=_option_colour(result))
    rules = base.mark_rule().encode(x=alt.X("low:Q", title=x_title), x2="high:Q")
    points = base.mark_point(filled=True).encode(
        x=alt.X("mean:Q", title=x_title, axis=alt.Axis(format="%")),
        tooltip=_tooltip(".1%", "option", "group", "measure"),
    )
    return (
        alt.LayerChart(layer=[rules, points], data=alt.InlineData(values=rows))
        .properties(width=300, height=360)
        .facet(column=alt.Column("measure:N", title=None, sort=list(measures.values())))
    )


def _provider_cash(result: dict[str, Any]) -> alt.HConcatChart:
    cash = [
        _row(stats, option=option, year=year, series="cash", per=1e6)
        for option in _ids(result)
        for year, stats in result["profile"][option]["provider_cash_gbp"].items()
    ]
    title = "Providers' cash at the year's end (£m)"
    failed = [_row(result["results"][o]["insolvencies"], option=o) for o in _ids(result)]
    x = alt.X("option:N", sort=_ids(result), title=None, axis=alt.Axis(labelAngle=-30))
    insolvencies = alt.Chart(alt.InlineData(values=failed)).encode(
        x=x, color=_option_colour(result)
    )
    interval = insolvencies.mark_rule().encode(
        y=alt.Y("low:Q", title="Provider insolvencies"), y2="high:Q"
    )
    mean = insolvencies.mark_point(filled=True, size=80).encode(
        y=alt.Y("mean:Q", title="Provider insolvencies"), tooltip=_tooltip(",.1f", "option")
    )
    return alt.hconcat(
        _over_years(result, cash, title).properties(width=420, height=300),
        alt.LayerChart(layer=[interval, mean]).properties(width=200, height=300),
    )


def _over_years(result: dict[str, Any], rows: list[dict[str, Any]], title: str) -> alt.LayerChart:
    """Each option's mean by year as a line in its 90% band; several series are told apart
    by their dashes."""
    dashes = (
        alt.Legend(symbolType="stroke", symbolStrokeColor="#444")
        if len({r["series"] for r in rows}) > 1
        else None
    )
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)), detail="series:N"
    )
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("low:Q", title=title, stack=None),
        y2="high:Q",
        color=_option_colour(result),
    )
    line = base.mark_line().encode(
        y=alt.Y("mean:Q", title=title),
        color=_option_colour(result),
        strokeDash=alt.StrokeDash("series:N", title=None, legend=dashes),
    )
    return alt.LayerChart(layer=[band, line])


def _supply_chain_flows(result: dict[str, Any]) -> alt.Chart:
    rows = [
        _row(result["flows"][option][sector], option=option, sector=sector, per=1e6)
        for option in _ids(result)
        for sector in SECTORS
    ]
    return (
        alt.Chart(alt.InlineData(values=rows), mark="bar")
        .encode(
            x=alt.X("option:N", sort=_ids(result), title=None, axis=alt.Axis(labelAngle=-30)),
            y=alt.Y("mean:Q", title="Money providers kept (£m, national)"),
            color=alt.Color("sector:N", scale=alt.Scale(domain=list(SECTORS)), title="Sector"),
            order=alt.Order("sector_order:Q"),
            tooltip=_tooltip(",.1f", "option", "sector"),
        )
        .transform_calculate(sector_order=f"indexof({json.dumps(list(SECTORS))}, datum.sector)")
        .properties(width=420, height=320)
    )


def _row(stats: Mapping[str, Any], per: float = 1.0, **keys: str) -> dict[str, Any]:
    """A chart's data row: the keys, then mean, low and high (divided by `per`)."""
    return {**keys, **{k: _per(stats[k], per) for k in ("mean", "low", "high")}}


def _per(value: float | None, per: float) -> float | None:
    return None if value is None else value / per


def _option_colour(result: dict[str, Any]) -> alt.Color:
    """The same colour for an option in every chart (its legend opaque, whatever the mark)."""
    ids = _ids(result)
    return alt.Color(
        "option:N",
        scale=alt.Scale(domain=ids),
        sort=ids,
        title="Option",
        legend=alt.Legend(symbolOpacity=1),
    )


def _tooltip(number: str, *keys: str) -> list[alt.Tooltip]:
    return [alt.Tooltip(f"{k}:N") for k in keys] + [
        alt.Tooltip(f"{k}:Q", format=number) for k in ("mean", "low", "high")
    ]


def _ids(result: dict[str, Any]) -> list[str]:
    return [o["id"] for o in result["options"]]


def _name(result: dict[str, Any], option: str) -> str:
    return next(str(o["name"]) for o in result["options"] if o["id"] == option)


# page helpers


@cache
def _javascript() -> str:
    """Vega, Vega-Lite and vega-embed in one script (vegaEmbed on window), safe inside <script>."""
    bundle = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;", vl_version=VL_VERSION)
    return bundle.replace("</script", "<\\/script")


def _json(data: Any) -> str:
    """JSON that cannot end its <script> element early."""
    return json.dumps(data).replace("<", "\\u003c")


def _repr(value: float | None) -> str:
    return "" if value is None else repr(value)


def _text(text: str) -> Writer:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return write


def _bytes(data: bytes) -> Writer:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write


def _e(text: str) -> str:
    return html.escape(text, quote=True)
