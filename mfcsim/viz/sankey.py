"""Sankey figures of material flows, with a time control at one constant scale.

Plotly scales each Sankey to its own largest column, so a quiet week would look as full as a
busy one. Every step therefore carries one hidden balancing link, between two hidden nodes at
the left and right edges, that tops the fuller of those two columns up to the largest column
of any step: the scale, and the node positions, stay the same in every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from mfcsim.viz.colors import BOUNDARY, color_of, with_alpha
from mfcsim.viz.rundata import RunData
from mfcsim.viz.sankey_layout import LEFT, RIGHT

KEYS = ["source", "target", "material"]
HIDDEN = "rgba(0,0,0,0)"


def node_color(name: str, data: RunData) -> str:
    """A node's colour: its sector's for a firm or a sector, grey for the boundary."""
    sectors = data.sector_of()
    if name in sectors:
        return color_of(sectors[name])
    if name in set(sectors.values()):
        return color_of(name)
    return BOUNDARY


def _values(links: pd.DataFrame, keys: pd.DataFrame, steps: Sequence[int]) -> np.ndarray:
    """Link values as a (steps, links) matrix, zero where a link has no flow in a step."""
    table = links.pivot_table(index=KEYS, columns="step", values="value", aggfunc="sum")
    table = table.reindex(pd.MultiIndex.from_frame(keys[KEYS]), columns=list(steps))
    return table.fillna(0.0).to_numpy().T


def _balancing(values: np.ndarray, src: np.ndarray, dst: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Per step, the hidden link that brings the largest edge column to the largest column."""
    n_nodes = len(x)
    columns = np.unique(x)
    col_of = np.searchsorted(columns, x)
    sums = np.zeros((len(values), len(columns)))
    for k, row in enumerate(values):
        size = np.maximum(
            np.bincount(src, row, minlength=n_nodes), np.bincount(dst, row, minlength=n_nodes)
        )
        sums[k] = np.bincount(col_of, size, minlength=len(columns))
    edge = np.maximum(sums[:, 0], sums[:, -1])
    return sums.max() - edge


def _step_texts(balance: pd.DataFrame | None, unit: str, n: int) -> list[str]:
    if balance is None:
        return [""] * n
    return [
        f"drawn: in {r.inflow:,.4g} − out {r.outflow:,.4g} + made {r.made:,.4g} − used "
        f"{r.used:,.4g} − Δstock {r.stock_change:,.4g} = residual {r.residual:.3g} {unit}"
        for r in balance.itertuples()
    ][:n]


def sankey_figure(
    links: pd.DataFrame,
    positions: pd.DataFrame,
    *,
    unit: str,
    title: str,
    colors: Mapping[str, str],
    balance: pd.DataFrame | None = None,
    step_labels: Sequence[str] | None = None,
    show_step: int | None = None,
) -> go.Figure:
    """A Sankey of ``links`` (``step, source, target, material, value``) at fixed positions.

    Args:
        links: From :func:`mfcsim.viz.sankey_data.sankey_links`.
        positions: ``node, x, y`` from :func:`mfcsim.viz.sankey_layout.node_positions`.
        unit: The unit of the values, shown on hover and in the balance line.
        title: The figure's title.
        colors: Node name to colour.
        balance: Per step, the drawn balance (:func:`mfcsim.viz.balance.drawn_balance`).
        step_labels: One label per step for the time control; none for a single step.
        show_step: Show only this step, without a time control (the explorer's own control
            chooses it); the scale is still that of all steps.
    """
    if not (links["value"] > 0).any():
        return _nothing(title, "nothing flows for this choice")
    steps = sorted(set(links["step"])) or [0]
    if step_labels is not None:
        steps = list(range(len(step_labels)))
    keys = links[KEYS].drop_duplicates().sort_values(KEYS).reset_index(drop=True)
    values = _values(links, keys, steps) if len(keys) else np.zeros((len(steps), 0))
    names = [*positions["node"], " ", "  "]
    index = {n: i for i, n in enumerate(names)}
    src = keys["source"].map(index).to_numpy(dtype=np.int64)
    dst = keys["target"].map(index).to_numpy(dtype=np.int64)
    x = np.r_[positions["x"].to_numpy(), LEFT, RIGHT]
    extra = _balancing(values, src, dst, x) if len(keys) else np.zeros(len(steps))
    full = np.c_[values, extra]
    texts = _step_texts(balance, unit, len(steps))
    first = 0 if show_step is None else min(max(show_step, 0), len(steps) - 1)
    fig = go.Figure(_trace(keys, names, positions, full[first], src, dst, colors, unit))
    fig.update_layout(
        title=title,
        font_size=11,
        height=620,
        margin={"l": 10, "r": 10, "t": 50, "b": 90 if len(steps) > 1 else 40},
        annotations=[_note(texts[first])],
    )
    if show_step is not None and step_labels is not None:
        fig.update_layout(title=f"{title}, {step_labels[first]}")
    elif step_labels is not None and len(steps) > 1:
        fig.update_layout(sliders=[_slider(full, texts, step_labels)])
    return fig


def _trace(
    keys: pd.DataFrame,
    names: list[str],
    positions: pd.DataFrame,
    values: np.ndarray,
    src: np.ndarray,
    dst: np.ndarray,
    colors: Mapping[str, str],
    unit: str,
) -> go.Sankey:
    materials = keys["material"].tolist()
    hover = f"%{{source.label}} → %{{target.label}}<br>%{{customdata}}: %{{value:,.4g}} {unit}"
    return go.Sankey(
        arrangement="fixed",
        valueformat=",.4g",
        valuesuffix=f" {unit}",
        node={
            "label": names,
            "x": [*positions["x"], LEFT, RIGHT],
            "y": [*positions["y"], RIGHT, RIGHT],
            "color": [colors.get(n, BOUNDARY) for n in names[:-2]] + [HIDDEN, HIDDEN],
            "line": {"width": 0},
            "pad": 8,
            "thickness": 14,
        },
        link={
            "source": [*src.tolist(), len(names) - 2],
            "target": [*dst.tolist(), len(names) - 1],
            "value": values.tolist(),
            "color": [with_alpha(color_of(m), 0.45) for m in materials] + [HIDDEN],
            "hovercolor": [with_alpha(color_of(m), 0.75) for m in materials] + [HIDDEN],
            "customdata": [*materials, ""],
            "hovertemplate": [hover + "<extra></extra>"] * len(materials) + ["<extra></extra>"],
        },
    )


def _nothing(title: str, text: str) -> go.Figure:
    """A figure that says there is nothing to draw (Plotly fails on a Sankey of zeros)."""
    fig = go.Figure()
    note = {"text": text, "showarrow": False, "font": {"size": 14}}
    fig.update_layout(title=title, height=200, xaxis_visible=False, yaxis_visible=False,
                      annotations=[note])  # fmt: skip
    return fig


def _note(text: str) -> dict[str, object]:
    return {
        "text": text,
        "showarrow": False,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 1.0,
        "yanchor": "bottom",
        "xanchor": "left",
        "font": {"size": 10, "color": "#555"},
    }


def _slider(full: np.ndarray, texts: list[str], labels: Sequence[str]) -> dict[str, object]:
    steps = [
        {
            "label": label,
            "method": "update",
            "args": [{"link.value": [row.tolist()]}, {"annotations[0].text": text}],
        }
        for row, text, label in zip(full, texts, labels, strict=True)
    ]
    return {"active": 0, "steps": steps, "currentvalue": {"prefix": "step: "}, "pad": {"t": 30}}


def difference_links(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Run B against run A per link over the whole run: ``value_a, value_b, change``."""
    sums = [f.groupby(KEYS)["value"].sum() for f in (a, b)]
    both = pd.concat(sums, axis=1, keys=["value_a", "value_b"]).fillna(0.0)
    both["change"] = both["value_b"] - both["value_a"]
    return both.reset_index().sort_values(KEYS, ignore_index=True)


def difference_figure(
    diff: pd.DataFrame,
    positions: pd.DataFrame,
    *,
    unit: str,
    title: str,
    colors: Mapping[str, str],
) -> go.Figure:
    """Links as wide as B − A, green where B has more, red where it has less, A's layout."""
    from mfcsim.viz.colors import DECREASE, INCREASE

    names = list(positions["node"])
    index = {n: i for i, n in enumerate(names)}
    kept = diff[diff["change"] != 0.0]
    if kept.empty:
        return _nothing(title, "no difference between the two runs for this choice")
    color = np.where(kept["change"] > 0, with_alpha(INCREASE, 0.55), with_alpha(DECREASE, 0.55))
    hover = (
        "%{source.label} → %{target.label}<br>%{customdata[0]}: A %{customdata[1]:,.4g}, "
        f"B %{{customdata[2]:,.4g}}, B − A %{{customdata[3]:+,.4g}} {unit}<extra></extra>"
    )
    trace = go.Sankey(
        arrangement="fixed",
        valueformat=",.4g",
        valuesuffix=f" {unit}",
        node={
            "label": names,
            "x": list(positions["x"]),
            "y": list(positions["y"]),
            "color": [colors.get(n, BOUNDARY) for n in names],
            "pad": 8,
            "thickness": 14,
        },
        link={
            "source": kept["source"].map(index).tolist(),
            "target": kept["target"].map(index).tolist(),
            "value": kept["change"].abs().tolist(),
            "color": color.tolist(),
            "customdata": kept[["material", "value_a", "value_b", "change"]].values.tolist(),
            "hovertemplate": hover,
        },
    )
    fig = go.Figure(trace)
    fig.update_layout(
        title=title,
        height=620,
        font_size=11,
        margin={"l": 10, "r": 10, "t": 50, "b": 40},
        annotations=[_note(f"link width = |B − A| ({unit}); green: B more, red: B less")],
    )
    return fig
