"""Charts of the analyses, as self-contained HTML files (Plotly, its script inlined, so they
open offline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pbrlab.experiments.analysis import Indices
from pbrlab.experiments.discovery import Discovery
from pbrlab.io import write_atomically


def sensitivity_chart(results: list[Indices], path: str | Path) -> None:
    """Sobol': first and total indices with their confidence intervals; Morris: mu* against
    sigma (effects that depend on other factors sit high)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=len(results), cols=1, subplot_titles=[r.output for r in results])
    for row, result in enumerate(results, start=1):
        if result.method == "sobol":
            for measure in ("S1", "ST"):
                figure.add_trace(
                    go.Bar(
                        name=measure,
                        x=result.names,
                        y=result.table[measure],
                        error_y={"type": "data", "array": result.table[f"{measure}_conf"]},
                        showlegend=row == 1,
                    ),
                    row=row,
                    col=1,
                )
        else:
            figure.add_trace(
                go.Scatter(
                    x=result.table["mu_star"],
                    y=result.table["sigma"],
                    text=result.names,
                    mode="markers+text",
                    textposition="top center",
                    name="mu* vs sigma",
                    showlegend=False,
                ),
                row=row,
                col=1,
            )
            figure.update_xaxes(title_text="mu*", row=row, col=1)
            figure.update_yaxes(title_text="sigma", row=row, col=1)
    figure.update_layout(barmode="group", height=350 * len(results), title="Sensitivity")
    _write(figure, path)


def discovery_chart(found: Discovery, path: str | Path) -> None:
    """The peeling trajectory: coverage against density, the chosen box marked."""
    import plotly.graph_objects as go

    boxes = found.trajectory
    figure = go.Figure(
        go.Scatter(
            x=[b.coverage for b in boxes],
            y=[b.density for b in boxes],
            mode="lines+markers",
            text=[_limits(b.limits) for b in boxes],
            name="boxes",
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[found.chosen.coverage],
            y=[found.chosen.density],
            mode="markers",
            marker={"size": 14, "symbol": "star"},
            text=[_limits(found.chosen.limits)],
            name="chosen box",
        )
    )
    figure.update_layout(
        title=f"PRIM: {found.condition} ({found.cases} of {found.runs} runs)",
        xaxis_title="coverage",
        yaxis_title="density",
    )
    _write(figure, path)


def _limits(limits: dict[str, tuple[float, float]]) -> str:
    return "; ".join(f"{k} in [{lo:.4g}, {hi:.4g}]" for k, (lo, hi) in limits.items()) or "all"


def _write(figure: Any, path: str | Path) -> None:
    html = figure.to_html(include_plotlyjs=True, full_html=True)

    def write(tmp: Path) -> None:
        tmp.write_text(html, encoding="utf-8")

    write_atomically(path, write)
