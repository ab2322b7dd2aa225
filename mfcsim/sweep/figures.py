"""The Plotly figure of a sweep's sensitivity indices (frames in, Figure out)."""

from __future__ import annotations

from typing import Any

import pandas as pd


def sensitivity_figure(table: pd.DataFrame) -> Any:
    """Bars of each parameter's main index at N/4, N/2 and N, one indicator at a time.

    The index is ST (Sobol) or μ* (Morris), with its bootstrap interval as error bars; the
    bars of the three sample sizes side by side show whether the indices have converged. A
    menu chooses the indicator.

    Args:
        table: What :func:`mfcsim.sweep.analysis.sensitivity` returns (not empty).

    Returns:
        A ``plotly.graph_objects.Figure``.
    """
    import plotly.graph_objects as go

    index = "ST" if "ST" in table.columns else "mu_star"
    label = "total Sobol index ST" if index == "ST" else "Morris μ*"
    indicators = list(dict.fromkeys(table["indicator"]))
    sizes = sorted(table["n"].unique())
    figure = go.Figure()
    for i, indicator in enumerate(indicators):
        rows = table[table["indicator"] == indicator]
        for n in sizes:
            part = rows[rows["n"] == n]
            figure.add_trace(
                go.Bar(
                    name=f"N = {n}",
                    x=part["parameter"],
                    y=part[index],
                    error_y={"type": "data", "array": part[f"{index}_conf"]},
                    visible=i == 0,
                    legendgroup=str(n),
                )
            )
    per = len(sizes)
    buttons = [
        {
            "label": indicator,
            "method": "update",
            "args": [
                {"visible": [j // per == i for j in range(len(indicators) * per)]},
                {"title": {"text": f"{indicator}: {label} (95 % bootstrap interval)"}},
            ],
        }
        for i, indicator in enumerate(indicators)
    ]
    figure.update_layout(
        title={"text": f"{indicators[0]}: {label} (95 % bootstrap interval)"},
        barmode="group",
        xaxis_title="parameter",
        yaxis_title=label,
        legend_title="base samples",
        updatemenus=[{"buttons": buttons, "x": 1.0, "y": 1.15, "xanchor": "right"}],
    )
    return figure
