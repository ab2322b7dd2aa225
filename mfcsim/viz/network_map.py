"""The network map: firms at their coordinates on a plain background (no map tiles).

Firms stand at ``x_km, y_km``, or at ``lat, lon`` projected to km around their mean (an
equirectangular projection, good to well under 1 % across a region); they are coloured by
sector. Edges are as wide as the tonnes shipped between two firms over the run; pipelines are
dashed. Hovering a firm shows its totals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from mfcsim.viz import layers
from mfcsim.viz.colors import color_of
from mfcsim.viz.rundata import RunData

EARTH_KM_PER_DEG = 111.195
#: Edge widths in px: the thinnest and the widest.
WIDTHS = (0.6, 9.0)
EDGE_COLUMNS = ["source", "target", "tonnes", "pipeline", "materials"]


def firm_positions(data: RunData) -> pd.DataFrame:
    """``node, sector, x_km, y_km`` of the firms that have coordinates."""
    firms = data.nodes[data.nodes["role"] == "firm"].copy()
    firms["node"] = firms["node"].astype(str)
    firms["sector"] = firms["node"].map(data.sector_of())
    if {"x_km", "y_km"} <= set(firms.columns) and firms["x_km"].notna().all():
        xy = firms[["x_km", "y_km"]].astype(float)
    elif {"lat", "lon"} <= set(firms.columns):
        lat0 = float(firms["lat"].mean())
        xy = pd.DataFrame({
            "x_km": (firms["lon"] - firms["lon"].mean()) * EARTH_KM_PER_DEG
            * math.cos(math.radians(lat0)),
            "y_km": (firms["lat"] - lat0) * EARTH_KM_PER_DEG,
        })  # fmt: skip
    else:
        return pd.DataFrame(columns=["node", "sector", "x_km", "y_km"])
    out = pd.concat([firms[["node", "sector"]], xy], axis=1)
    return out.dropna().reset_index(drop=True)


def network_edges(data: RunData) -> pd.DataFrame:
    """Per pair of firms: tonnes shipped, whether by pipeline, and the materials carried."""
    ship = layers.shipments(data, "mass")
    if ship.empty:
        return pd.DataFrame(columns=EDGE_COLUMNS)
    ship = ship.assign(pipeline=(data.shipments["mode"] == "pipeline").to_numpy(dtype=bool))
    keys = ["source", "target", "pipeline"]
    per = ship.groupby([*keys, "material"], observed=True)["value"].sum().reset_index()
    for c in ("source", "target", "material"):
        per[c] = layers.plain(per[c])
    out = per.groupby(keys, sort=True).agg(
        tonnes=("value", "sum"), materials=("material", lambda m: ", ".join(sorted(set(m))))
    )
    return out.reset_index()[EDGE_COLUMNS]


def firm_totals(data: RunData) -> pd.DataFrame:
    """Per firm, tonnes received and sent over the run (every ledger row across its edge)."""
    led = layers.ledger(data, "mass")
    across = led[~led["kind"].isin(("production", "consumption"))]
    received = across.groupby("target", observed=True)["value"].sum().rename("received_t")
    sent = across.groupby("source", observed=True)["value"].sum().rename("sent_t")
    received.index, sent.index = received.index.astype(str), sent.index.astype(str)
    out = pd.concat([received, sent], axis=1).fillna(0.0).reindex(data.firms).fillna(0.0)
    return out.rename_axis("node").reset_index()


def _width(tonnes: float, largest: float) -> float:
    lo, hi = WIDTHS
    return lo + (hi - lo) * math.sqrt(tonnes / largest) if largest > 0 else lo


def network_map_figure(
    positions: pd.DataFrame,
    edges: pd.DataFrame,
    totals: pd.DataFrame,
    *,
    title: str = "Network: firms and tonnes shipped",
    selected: str | None = None,
) -> go.Figure:
    """Firms coloured by sector, edges as wide as tonnes shipped, pipelines dashed."""
    xy = positions.set_index("node")[["x_km", "y_km"]]
    fig = go.Figure()
    for trace in _edge_traces(edges, xy):
        fig.add_trace(trace)
    info = positions.merge(totals, on="node", how="left").fillna(0.0)
    for sector, rows in info.groupby("sector", sort=True):
        fig.add_trace(_firms_trace(str(sector), rows, selected))
    fig.update_layout(
        title=title,
        height=560,
        plot_bgcolor="#F7F7F5",
        legend_title_text="sector",
        xaxis={"title": "x (km)", "zeroline": False, "showgrid": False},
        yaxis={"title": "y (km)", "zeroline": False, "showgrid": False, "scaleanchor": "x"},
        margin={"l": 50, "r": 10, "t": 50, "b": 50},
        annotations=[_legend_note()],
    )
    return fig


def _edge_traces(edges: pd.DataFrame, xy: pd.DataFrame) -> list[go.Scatter]:
    """Edges in a few width classes (one trace each), pipelines dashed."""
    known = edges[edges["source"].isin(xy.index) & edges["target"].isin(xy.index)]
    if known.empty:
        return []
    largest = float(known["tonnes"].max())
    width = np.round([_width(t, largest) for t in known["tonnes"]], 0)
    traces = []
    for (w, pipe), rows in known.assign(w=width).groupby(["w", "pipeline"], sort=True):
        a, b = xy.loc[rows["source"]].to_numpy(), xy.loc[rows["target"]].to_numpy()
        gap = np.full(len(rows), np.nan)
        x = np.column_stack([a[:, 0], b[:, 0], gap]).ravel()
        y = np.column_stack([a[:, 1], b[:, 1], gap]).ravel()
        traces.append(go.Scatter(
            x=x, y=y, mode="lines", showlegend=False, hoverinfo="skip",
            line={"width": float(w), "color": "rgba(80,80,80,0.35)",
                  "dash": "dash" if pipe else "solid"},
        ))  # fmt: skip
    return traces


def _firms_trace(sector: str, rows: pd.DataFrame, selected: str | None) -> go.Scatter:
    size = np.where(rows["node"] == selected, 18, 11)
    return go.Scatter(
        x=rows["x_km"],
        y=rows["y_km"],
        mode="markers",
        name=sector,
        text=rows["node"],
        customdata=rows[["node", "received_t", "sent_t"]].to_numpy(),
        marker={"color": color_of(sector), "size": size, "line": {"width": 1, "color": "#333"}},
        hovertemplate=(
            "<b>%{customdata[0]}</b> (" + sector + ")<br>received %{customdata[1]:,.4g} t"
            "<br>sent %{customdata[2]:,.4g} t<extra></extra>"
        ),
    )


def _legend_note() -> dict[str, object]:
    return {
        "text": "edge width: tonnes shipped over the run; dashed: pipeline",
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": -0.12,
        "xanchor": "left",
        "font": {"size": 10, "color": "#555"},
    }
