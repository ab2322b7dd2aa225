"""The figures of a run, each with the frame behind it (offered as CSV beside the figure).

The standalone report and the explorer show the same panels; the explorer rebuilds them with
the reader's choices (material, layer, level, firm, time step).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from mfcsim.viz import (
    layers,
    network_map,
    provenance,
    sankey,
    sankey_data,
    sankey_layout,
    timeseries,
)
from mfcsim.viz.balance import drawn_balance
from mfcsim.viz.rundata import ComparisonData, RunData
from mfcsim.viz.scorecard import comparison_table, scorecard_figure, scorecard_table


@dataclass(frozen=True)
class Panel:
    """One figure and the tidy frame it was drawn from.

    Attributes:
        key: A short id (for the page and the CSV file name).
        title: The section's heading.
        figure: The Plotly figure.
        data: The frame behind the figure.
    """

    key: str
    title: str
    figure: go.Figure
    data: pd.DataFrame


@dataclass(frozen=True)
class Choice:
    """What a reader chose to look at (the explorer's controls; the report's defaults).

    Attributes:
        layer: ``mass``, ``energy``, ``money`` or a substance.
        level: ``firm``, ``sector`` or ``cluster``.
        step: ``week``, ``month`` or ``run`` (the whole run in one step).
        materials: Only these materials, or all.
        firms: Only flows touching these firms, or all.
        top_n: At the firm level, how many firms to draw by name.
    """

    layer: str = "mass"
    level: str = "firm"
    step: str = "week"
    materials: Collection[str] | None = None
    firms: Collection[str] | None = None
    top_n: int = 25


def step_labels(data: RunData, step: str) -> list[str] | None:
    """Labels of the time control (``days 0–7``), or None for the whole run."""
    days = sankey_data.STEP_DAYS.get(step)
    if days is None:
        return None
    horizon = data.horizon_day
    n = max(1, -(-int(horizon) // days))
    return [f"days {k * days}–{min(horizon, (k + 1) * days):g}" for k in range(n)]


def _title(choice: Choice, what: str) -> str:
    picked = f", {', '.join(choice.materials)}" if choice.materials else ""
    firms = f", at {', '.join(choice.firms)}" if choice.firms else ""
    unit = layers.layer_unit(choice.layer)
    return f"{what}: {choice.layer} ({unit}) by {choice.level}{picked}{firms}"


def sankey_panel(
    data: RunData, choice: Choice, *, key: str = "sankey", show_step: int | None = None
) -> Panel:
    """The Sankey with its time control (constant scale, fixed positions, drawn balance).

    With ``show_step``, only that step is drawn (at the scale of all steps), no control.
    """
    days = sankey_data.STEP_DAYS.get(choice.step)
    kwargs = {"layer": choice.layer, "materials": choice.materials, "firms": choice.firms}
    links = sankey_data.sankey_links(
        data, level=choice.level, step_days=days, top_n=choice.top_n, **kwargs
    )
    positions = sankey_layout.node_positions(links, data.boundary)
    colors = {n: sankey.node_color(n, data) for n in positions["node"]}
    bal = drawn_balance(data, step_days=days, **kwargs)
    fig = sankey.sankey_figure(
        links, positions, unit=layers.layer_unit(choice.layer),
        title=_title(choice, "Flows"), colors=colors, balance=bal,
        step_labels=step_labels(data, choice.step), show_step=show_step,
    )  # fmt: skip
    return Panel(key, "Material flows", fig, links.assign(unit=layers.layer_unit(choice.layer)))


def layers_panel(data: RunData, level: str = "sector") -> Panel:
    """One Sankey over the whole run, with a button per layer that has flows."""
    names = layers.layer_names(data)
    built = {lay: sankey_panel(data, Choice(layer=lay, level=level, step="run")) for lay in names}
    drawn = {lay: p for lay, p in built.items() if p.figure.data}
    first = next(iter(drawn.values()), built[names[0]])
    fig = go.Figure(first.figure)
    buttons = [
        {"label": lay, "method": "update", "args": [
            {"node": [p.figure.data[0].node.to_plotly_json()],
             "link": [p.figure.data[0].link.to_plotly_json()]},
            {"title.text": p.figure.layout.title.text,
             "annotations[0].text": p.figure.layout.annotations[0].text}]}
        for lay, p in drawn.items()
    ]  # fmt: skip
    if len(buttons) > 1:
        menu = {"type": "buttons", "direction": "right", "buttons": buttons, "x": 0,
                "y": -0.04, "xanchor": "left", "yanchor": "top"}  # fmt: skip
        fig.update_layout(updatemenus=[menu])
    frame = pd.concat([p.data.assign(layer=lay) for lay, p in built.items()], ignore_index=True)
    return Panel("layers", f"Flows by {level}: every layer", fig, frame)


def difference_panel(data: RunData, baseline: RunData, choice: Choice) -> Panel:
    """Run B (``data``) against run A (``baseline``) on one layout."""
    kwargs = {"layer": choice.layer, "level": choice.level, "top_n": choice.top_n,
              "materials": choice.materials, "firms": choice.firms}  # fmt: skip
    a = sankey_data.sankey_links(baseline, **kwargs)
    b = sankey_data.sankey_links(data, **kwargs)
    diff = sankey.difference_links(a, b)
    both = pd.concat([a, b], ignore_index=True)
    positions = sankey_layout.node_positions(both, data.boundary | baseline.boundary)
    colors = {n: sankey.node_color(n, data) for n in positions["node"]}
    title = _title(choice, f"Difference {data.label} − {baseline.label}")
    fig = sankey.difference_figure(
        diff, positions, unit=layers.layer_unit(choice.layer), title=title, colors=colors
    )
    return Panel("difference", "Difference to the baseline", fig, diff)


def map_panel(data: RunData, selected: str | None = None) -> Panel:
    """Firms at their coordinates, edges by tonnes shipped."""
    positions = network_map.firm_positions(data)
    edges = network_map.network_edges(data)
    totals = network_map.firm_totals(data)
    fig = network_map.network_map_figure(positions, edges, totals, selected=selected)
    return Panel("map", "Network map", fig, edges)


def series_panels(data: RunData, choice: Choice) -> list[Panel]:
    """Stocks, daily flows by kind and buyers' fill, with disruptions shaded."""
    bands = timeseries.disruption_bands(data.events, data.horizon_day)
    stocks = timeseries.stock_series(data, firms=choice.firms, materials=choice.materials)
    flows = timeseries.flows_by_kind(data, layer=choice.layer)
    fill = timeseries.fill_series(data, buyers=choice.firms)
    levels = timeseries.fill_by_period(data, buyers=choice.firms)
    unit = layers.layer_unit(choice.layer)
    return [
        Panel("stocks", "Stocks", timeseries.stocks_figure(stocks, bands), stocks),
        Panel("flows", "Daily flows", timeseries.flows_figure(flows, bands, unit=unit), flows),
        Panel(
            "fill",
            "Service",
            timeseries.fill_figure(fill, levels, bands),
            pd.concat([fill, levels], ignore_index=True),
        ),
    ]


def scorecard_panel(data: RunData, baseline: RunData | None = None) -> Panel:
    """The cluster's scorecard per period, with differences to a baseline run if given."""
    base = baseline.indicators if baseline is not None else None
    table = scorecard_table(data.indicators, data.pillars, baseline=base)
    title = "Scorecard (cluster)" + (f", Δ = {data.label} − {baseline.label}" if baseline else "")
    return Panel("scorecard", "Scorecard", scorecard_figure(table, title=title), table)


def provenance_panel(data: RunData) -> Panel:
    """Where the scenario's numbers come from; the CSV lists each with its comment."""
    table = data.provenance
    return Panel("provenance", "Where the numbers come from",
                 provenance.provenance_figure(table), table)  # fmt: skip


def run_panels(data: RunData, baseline: RunData | None = None) -> list[Panel]:
    """Every panel of the standalone report of one run (and its baseline).

    Flows first, then the map, the (long) scorecard, the time series, and where the
    scenario's numbers come from (when the run folder has ``provenance.parquet``).
    """
    choice = Choice()
    panels = [sankey_panel(data, choice), layers_panel(data)]
    if baseline is not None:
        panels.append(difference_panel(data, baseline, Choice(level="sector")))
    panels = [*panels, map_panel(data), scorecard_panel(data, baseline),
              *series_panels(data, choice)]  # fmt: skip
    if len(data.provenance):
        panels.append(provenance_panel(data))
    return panels


def comparison_panels(comparison: ComparisonData) -> list[Panel]:
    """The scorecard of a comparison folder: means, B − A and its 95 % interval."""
    table = comparison_table(comparison.table, comparison.pillars)
    fig = scorecard_figure(table, title="Comparison (cluster): B − A with 95 % intervals")
    return [Panel("comparison", "Comparison of replications", fig, table)]
