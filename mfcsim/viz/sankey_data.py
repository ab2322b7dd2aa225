"""The links a Sankey draws: shipments between firms and the ledger's boundary flows, grouped.

Grouping levels: ``firm`` (the ``top_n`` largest firms by throughput, the rest as
"other firms"), ``sector`` and ``cluster``. Links at a level are the sums of the links below it;
links inside one group (a sector shipping to itself) are not drawn at that level. Boundary
nodes (import, export, environment, air, water, soil, consumption, disposal routes) are drawn at
every level.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from mfcsim.viz import layers
from mfcsim.viz.rundata import RunData

LEVELS = ("firm", "sector", "cluster")
#: Length of a time step of the Sankey's time control, in days.
STEP_DAYS = {"week": 7, "month": 30}
OTHER_FIRMS = "other firms"
LINK_COLUMNS = ["step", "source", "target", "material", "value"]


def step_of(t_day: pd.Series | np.ndarray, step_days: int | None) -> np.ndarray:
    """The time step (0, 1, ...) of each day; all 0 when ``step_days`` is None."""
    t = np.asarray(t_day, dtype=float)
    if step_days is None:
        return np.zeros(len(t), dtype=np.int64)
    return np.floor(t / step_days).astype(np.int64)


def _grouped(frame: pd.DataFrame, step_days: int | None) -> pd.DataFrame:
    keys = ["step", "source", "target", "material"]
    g = frame.assign(step=step_of(frame["t_day"], step_days))
    g = g.groupby(keys, observed=True, sort=False)["value"].sum().reset_index()
    for c in keys[1:]:
        g[c] = pd.Series(layers.plain(g[c]), index=g.index, dtype=object)
    return g


def raw_links(data: RunData, layer: str, step_days: int | None = None) -> pd.DataFrame:
    """Shipments and boundary flows per step: ``step, source, target, material, value``.

    Made once per run, layer and step length.
    """

    def make() -> pd.DataFrame:
        ledger = layers.ledger(data, layer)
        boundary = ledger[ledger["kind"].isin(layers.BOUNDARY_KINDS)]
        parts = [_grouped(f, step_days) for f in (layers.shipments(data, layer), boundary)
                 if len(f)]  # fmt: skip
        if not parts:
            return pd.DataFrame(columns=LINK_COLUMNS)
        out = pd.concat(parts, ignore_index=True)
        return out[out["value"] > 0.0].reset_index(drop=True)

    return data.cached(("links", layer, step_days), make)


def throughput(links: pd.DataFrame) -> pd.Series:
    """Per node, the larger of what it receives and what it sends, over all links."""
    received = links.groupby("target")["value"].sum()
    sent = links.groupby("source")["value"].sum()
    return pd.concat([received, sent], axis=1).fillna(0.0).max(axis=1)


def top_firms(links: pd.DataFrame, firms: Collection[str], top_n: int | None) -> set[str]:
    """The ``top_n`` firms with the largest throughput (ties by name); all if None."""
    if top_n is None or top_n >= len(firms):
        return set(firms)
    size = throughput(links).reindex(sorted(firms)).fillna(0.0)
    ranked = sorted(size.items(), key=lambda kv: (-kv[1], kv[0]))
    return {name for name, _ in ranked[:top_n]}


def node_groups(
    data: RunData, level: str, links: pd.DataFrame, top_n: int | None
) -> dict[str, str]:
    """Node id to the name it is drawn under at ``level`` (boundary nodes keep their own).

    Raises:
        ValueError: If ``level`` is not one of :data:`LEVELS`.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r} (accepted: {', '.join(LEVELS)})")
    firms = data.firms
    if level == "cluster":
        groups = dict.fromkeys(firms, "cluster")
    elif level == "sector":
        groups = data.sector_of()
    else:
        kept = top_firms(links, firms, top_n)
        groups = {f: f if f in kept else OTHER_FIRMS for f in firms}
    return {**{n: n for n in data.boundary}, **groups}


def sankey_links(
    data: RunData,
    *,
    layer: str = "mass",
    level: str = "firm",
    step_days: int | None = None,
    top_n: int | None = 25,
    materials: Collection[str] | None = None,
    firms: Collection[str] | None = None,
) -> pd.DataFrame:
    """The links of a Sankey: ``step, source, target, material, value``, sorted.

    Args:
        data: The run.
        layer: ``mass``, ``energy``, ``money`` or a substance (see :mod:`mfcsim.viz.layers`).
        level: ``firm``, ``sector`` or ``cluster``.
        step_days: Length of a time step (7 a week, 30 a month), or None for the whole run.
        top_n: At the firm level, how many of the largest firms to draw by name.
        materials: Only these materials (all if None).
        firms: Only links that start or end at one of these firms (all if None).
    """
    raw = raw_links(data, layer, step_days)
    if materials is not None:
        raw = raw[raw["material"].isin(set(materials))]
    if firms is not None:
        chosen = set(firms)
        raw = raw[raw["source"].isin(chosen) | raw["target"].isin(chosen)]
    groups = node_groups(data, level, raw, top_n)
    out = raw.assign(source=raw["source"].map(groups), target=raw["target"].map(groups))
    out = out[out["source"] != out["target"]]
    keys = ["step", "source", "target", "material"]
    out = out.groupby(keys, sort=True, as_index=False)["value"].sum()
    return out[LINK_COLUMNS].reset_index(drop=True)
