"""Time series: stocks per firm and material, daily flows by kind, buyers' fill, disruptions.

Disruptions (``events.parquet``) are drawn as shaded bands from each ``*_start`` or
``*_closed`` event to its matching end, and as a dashed line where an event has no end.
"""

from __future__ import annotations

import json
from collections.abc import Collection

import pandas as pd
import plotly.graph_objects as go

from mfcsim.viz import layers
from mfcsim.viz.colors import color_of
from mfcsim.viz.rundata import RunData

STARTS = {"outage_start": "outage_end", "link_closed": "link_reopened"}
BAND_COLUMNS = ["start", "end", "label"]


def stock_series(
    data: RunData,
    *,
    firms: Collection[str] | None = None,
    materials: Collection[str] | None = None,
    limit: int = 12,
) -> pd.DataFrame:
    """``t_day, node, material, quantity, unit`` of the ``limit`` largest firm stocks."""
    s = data.stocks
    s = s[s["node"].isin(set(firms) if firms is not None else set(data.firms))]
    if materials is not None:
        s = s[s["material"].isin(set(materials))]
    peak = s.groupby(["node", "material"], observed=True)["quantity"].max()
    kept = peak.sort_values(ascending=False, kind="stable").index[:limit]
    s = s[pd.MultiIndex.from_arrays([s["node"], s["material"]]).isin(kept)]
    s = s.assign(node=layers.plain(s["node"]), material=layers.plain(s["material"]))
    units = data.materials.set_index(data.materials["id"].astype(str))["unit"].astype(str)
    return s.assign(unit=s["material"].map(units))[["t_day", "node", "material", "quantity",
                                                     "unit"]]  # fmt: skip


def flows_by_kind(data: RunData, *, layer: str = "mass") -> pd.DataFrame:
    """``t_day, kind, value``: the ledger per day and kind, in the layer's unit."""
    led = layers.ledger(data, layer)
    led = led.assign(t_day=led["t_day"].floordiv(1.0))
    out = led.groupby(["t_day", "kind"], sort=True, as_index=False, observed=True)["value"].sum()
    out = out[out["value"] != 0.0].reset_index(drop=True)
    return out.assign(kind=layers.plain(out["kind"]))


def fill_series(data: RunData, *, buyers: Collection[str] | None = None) -> pd.DataFrame:
    """``t_day, measure, value``: order fill and regional fill per day (``data.daily_fill``).

    For one buyer when ``buyers`` names exactly one that has orders; else for all buyers.
    """
    daily = data.daily_fill
    if daily.empty:
        return pd.DataFrame(columns=["t_day", "measure", "value"])
    chosen = next(iter(buyers)) if buyers is not None and len(buyers) == 1 else ""
    rows = daily[daily["buyer"] == chosen]
    if rows.empty:
        rows = daily[daily["buyer"] == ""]
    return rows[["t_day", "measure", "value"]].reset_index(drop=True)


def fill_by_period(data: RunData, *, buyers: Collection[str] | None = None) -> pd.DataFrame:
    """``indicator, period, start_day, end_day, value``: every fill indicator per period.

    The registered indicators whose name has ``fill`` (order_fill, use_fill, fill_rate, ...),
    at the cluster, or at the one buyer chosen, over the evaluation periods' days (``all``
    is in the scorecard).
    """
    cols = ["indicator", "period", "start_day", "end_day", "value"]
    ind, periods = data.indicators, data.periods
    if ind.empty or periods.empty:
        return pd.DataFrame(columns=cols)
    scope = f"firm:{next(iter(buyers))}" if buyers is not None and len(buyers) == 1 else "cluster"
    rows = ind[ind["indicator"].str.contains("fill") & (ind["scope"] == scope)]
    out = rows.merge(periods[periods["period"] != "all"], on="period")
    return out[cols].sort_values(["indicator", "start_day"], ignore_index=True)


def disruption_bands(events: pd.DataFrame, horizon_day: float) -> pd.DataFrame:
    """``start, end, label`` of each disruption (end = start for an event with no length)."""
    if events.empty:
        return pd.DataFrame(columns=BAND_COLUMNS)
    rows: list[tuple[float, float, str]] = []
    open_: dict[tuple[str, str], tuple[float, str]] = {}
    ends = {v: k for k, v in STARTS.items()}
    for e in events.sort_values("t_day", kind="stable").itertuples():
        name = str(json.loads(e.details or "{}").get("disruption", e.kind))
        key = (str(e.target), name)
        if e.kind in STARTS:
            open_[key] = (float(e.t_day), f"{name}: {e.kind} {e.target}")
        elif e.kind in ends and key in open_:
            start, label = open_.pop(key)
            rows.append((start, float(e.t_day), label))
        else:
            rows.append((float(e.t_day), float(e.t_day), f"{name}: {e.kind} {e.target}"))
    rows += [(start, horizon_day, label) for start, label in open_.values()]
    return pd.DataFrame(sorted(rows), columns=BAND_COLUMNS)


def _add_bands(fig: go.Figure, bands: pd.DataFrame) -> None:
    for b in bands.itertuples():
        if b.end > b.start:
            fig.add_vrect(x0=b.start, x1=b.end, fillcolor="#F4A582", opacity=0.25, line_width=0,
                          annotation_text=b.label, annotation_position="top left",
                          annotation_font_size=9)  # fmt: skip
        else:
            fig.add_vline(x=b.start, line_dash="dash", line_color="#B2182B",
                          annotation_text=b.label, annotation_font_size=9)  # fmt: skip


def _lines(frame: pd.DataFrame, series: list[str], value: str, color_key: str) -> go.Figure:
    fig = go.Figure()
    for key, rows in frame.groupby(series, sort=True):
        name = " · ".join(map(str, key if isinstance(key, tuple) else (key,)))
        fig.add_trace(
            go.Scatter(x=rows["t_day"], y=rows[value], mode="lines", name=name,
                       line={"color": color_of(str(rows[color_key].iloc[0])), "width": 1.5})
        )  # fmt: skip
    return fig


def stocks_figure(series: pd.DataFrame, bands: pd.DataFrame) -> go.Figure:
    """Stocks at the end of each day, one line per firm and material."""
    fig = _lines(series, ["node", "material"], "quantity", "material")
    units = sorted(set(series["unit"])) if len(series) else ["t"]
    _add_bands(fig, bands)
    fig.update_layout(title="Stocks per firm and material", height=420,
                      xaxis_title="day", yaxis_title=f"stock ({', '.join(units)})")  # fmt: skip
    return fig


def flows_figure(series: pd.DataFrame, bands: pd.DataFrame, *, unit: str = "t") -> go.Figure:
    """Daily flows per ledger kind (production, shipment, import, ...)."""
    fig = _lines(series.assign(k=series["kind"]), ["kind"], "value", "k")
    _add_bands(fig, bands)
    fig.update_layout(title="Daily flows by kind", height=420, xaxis_title="day",
                      yaxis_title=f"flow ({unit}/d)")  # fmt: skip
    return fig


def fill_figure(series: pd.DataFrame, periods: pd.DataFrame, bands: pd.DataFrame) -> go.Figure:
    """Order and regional fill per day, and each fill indicator as a level over its periods."""
    fig = _lines(series.assign(k=series["measure"]), ["measure"], "value", "k")
    for name, rows in periods.groupby("indicator", sort=True):
        x = [v for r in rows.itertuples() for v in (r.start_day, r.end_day, None)]
        y = [v for r in rows.itertuples() for v in (r.value, r.value, None)]
        text = [f"{name}, {r.period}: {r.value:.4g}" for r in rows.itertuples() for _ in "abc"]
        line = {"color": color_of(str(name)), "dash": "dot", "width": 3}
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"{name} (per period)",
                                 text=text, hoverinfo="text", line=line))  # fmt: skip
    _add_bands(fig, bands)
    fig.update_layout(title="Buyers' fill: per day, and the fill indicators per period",
                      height=380, xaxis_title="day",
                      yaxis={"title": "fill (share, 0–1)", "range": [0, 1.05]})  # fmt: skip
    return fig
